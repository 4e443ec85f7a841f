// The `aup` CLI as a user runs it: a real child process, real files, real databases.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore } from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');

function aup(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [aupBin, ...args], { cwd: opts.cwd ?? root, input: opts.input, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('aup validate / schema / init', () => {
  it('prints every problem with its file and JSON path, a did-you-mean, and no stack trace', () => {
    const dir = tempDir({
      'experiment.json': JSON.stringify({
        script: 'train.py',
        n_sample: 5,
        parameter_config: [{ name: 'x', range: [5, 1], type: 'float' }],
      }),
      'train.py': 'print(1)\n',
    });
    const r = aup(['validate', 'experiment.json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/experiment\.json/);
    expect(r.stderr).toMatch(/n_sample.*did you mean .?n_samples/);
    expect(r.stderr).toMatch(/parameter_config\[0\]\.range/);
    noStack(r.stderr);
  });

  it('prints the normalised config with defaults and absolute paths', () => {
    const dir = tempDir({
      'exp.yaml': 'script: train.py\nparameter_config:\n  - { name: x, range: [0, 1], type: float }\n',
      'train.py': 'print(1)\n',
    });
    const r = aup(['validate', 'exp.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    const config = JSON.parse(r.stdout);
    expect(config).toMatchObject({ name: 'exp', proposer: 'random', n_samples: 10, target: 'max', n_parallel: 1, random_seed: 0, workingdir: dir });
    expect(config.script_path).toBe(join(dir, 'train.py'));
  });

  it('prints the JSON Schema', () => {
    const r = aup(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['n_samples', 'parameter_config', 'proposer', 'resource_args']));
  });

  it('writes an experiment.json from answers to the wizard, and refuses to overwrite it', () => {
    const dir = tempDir({ 'train.py': 'print(1)\n' });
    const answers = ['my-exp', 'train.py', 'random', '20', '2', 'min', '5', 'cpu', '2', 'lr', 'float', '0.001', '0.1', 'act', 'choice', 'relu, tanh'].join('\n') + '\n';
    const r = aup(['init'], { cwd: dir, input: answers });
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'experiment.json'), 'utf8'));
    expect(written).toMatchObject({ name: 'my-exp', script: 'train.py', n_samples: 20, n_parallel: 2, target: 'min', random_seed: 5 });
    expect(written.parameter_config).toEqual([
      { name: 'lr', type: 'float', range: [0.001, 0.1] },
      { name: 'act', type: 'choice', range: ['relu', 'tanh'] },
    ]);
    expect(aup(['validate', 'experiment.json'], { cwd: dir }).code).toBe(0);
    const again = aup(['init'], { cwd: dir, input: answers });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; use --force/);
  });

  it('says clearly when an experiment id does not exist', () => {
    const dir = tempDir();
    const r = aup(['show', '42', '--db', join(dir, 'x.db')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/experiment 42 does not exist/);
    const bad = aup(['show', 'abc', '--db', join(dir, 'x.db')], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/expected a positive integer id, found "abc"/);
  });
});

forEachDatabase('aup run', (db) => {
  it('runs an unchanged Auptimizer Python script and records its results completely', async () => {
    const url = await db.fresh();
    const dir = tempDir();
    copyFileSync(join(root, 'test/fixtures/scripts/auptimizer-args.py'), join(dir, 'train.py'));
    writeFileSync(
      join(dir, 'experiment.json'),
      JSON.stringify({
        proposer: 'random',
        script: 'train.py',
        n_samples: 3,
        target: 'max',
        parameter_config: [
          { name: 'x', range: [0, 1], type: 'float' },
          { name: 'epochs', range: [2, 4], type: 'int' },
        ],
        resource_args: { multi_res_labels: ['x_plus'], track_intermediate_results: true },
      }),
    );
    const r = aup(['run', 'experiment.json', '--db', url], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/best: job \d+ score=/);
    const show = JSON.parse(aup(['show', '1', '--json', '--db', url], { cwd: dir }).stdout);
    expect(show.experiment.status).toBe('finished');
    expect(show.jobs).toHaveLength(3);
    const store = await openStore(url);
    try {
      for (const job of show.jobs) {
        const { x, epochs } = job.params;
        // The init function ran (base = 10x), @aup_args filled the default y = 2, and the last line is final.
        expect(job.status).toBe('finished');
        expect(job.score).toBeCloseTo(10 * x + 2 * x, 10);
        expect(job.metrics.x_plus).toBeCloseTo(x + 2, 10);
        const series = await store.listIntermediate(job.id, 'score');
        expect(series.map((s) => s.step)).toEqual([...Array(epochs).keys()]);
        expect(series.at(-1)!.value).toBeCloseTo(job.score, 10);
        expect((await store.listIntermediate(job.id, 'x_plus')).length).toBe(epochs);
      }
      expect(show.best.score).toBe(Math.max(...show.jobs.map((j: { score: number }) => j.score)));
    } finally {
      await store.close();
    }
  });

  it('stops on Ctrl-C with running jobs interrupted, and resumes to n_samples finished jobs', async () => {
    const url = await db.fresh();
    const dir = tempDir({
      'slow.sh': 'sleep 0.6\necho "#Auptimizer:$RANDOM"\n',
      'experiment.json': JSON.stringify({
        script: 'slow.sh',
        n_samples: 6,
        n_parallel: 2,
        parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      }),
    });
    const child = spawn(process.execPath, [aupBin, 'run', 'experiment.json', '--db', url], { cwd: dir });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/\[2\/6\]/.test(out) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/stopped: continue with "aup resume 1/);
    const stopped = JSON.parse(aup(['show', '1', '--json', '--db', url], { cwd: dir }).stdout);
    expect(stopped.experiment.status).toBe('stopped');
    expect(stopped.jobs.filter((j: { status: string }) => j.status === 'finished').length).toBeGreaterThanOrEqual(2);
    expect(stopped.jobs.some((j: { status: string }) => j.status === 'interrupted')).toBe(true);

    const resumed = aup(['resume', '1', '--db', url], { cwd: dir });
    expect(resumed.code).toBe(0);
    const done = JSON.parse(aup(['show', '1', '--json', '--db', url], { cwd: dir }).stdout);
    expect(done.experiment.status).toBe('finished');
    expect(done.jobs).toHaveLength(6);
    expect(done.jobs.every((j: { status: string }) => j.status === 'finished')).toBe(true);
    // The interrupted job ran again as a second attempt, with its log kept per attempt.
    const rerun = done.jobs.find((j: { attempts: number }) => j.attempts === 2);
    expect(rerun).toBeDefined();
    expect(done.experiment.job_dir).toMatch(/^jobs\/e1-[0-9a-f]{6}$/);
    expect(existsSync(join(dir, done.experiment.job_dir, `${rerun.id}.2.out`))).toBe(true);
    const list = aup(['list', '--db', url], { cwd: dir });
    expect(list.stdout).toMatch(/1\s+experiment\s+finished\s+random\s+max\s+6\/6/);
  });
});
