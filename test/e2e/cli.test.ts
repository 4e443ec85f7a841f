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
  const r = spawnSync(process.execPath, [aupBin, ...args], {
    cwd: opts.cwd ?? root,
    input: opts.input,
    encoding: 'utf8',
    timeout: 120_000,
  });
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
    expect(config).toMatchObject({
      name: 'exp',
      proposer: 'random',
      n_samples: 10,
      target: 'max',
      n_parallel: 1,
      random_seed: 0,
      workingdir: dir,
    });
    expect(config.script_path).toBe(join(dir, 'train.py'));
  });

  it('refuses what aup run refuses, with the same line: an unknown proposer, a resource aup does not run', () => {
    for (const [key, value, line] of [
      ['proposer', 'bogus', /^aup: experiment\.json: proposer: "bogus" is not a registered proposer.*\(available: .*random.*\)$/m],
      ['resource', 'aws', /^aup: experiment\.json: resource: "aws" is not supported/m],
    ] as const) {
      const dir = tempDir({
        'experiment.json': JSON.stringify({
          script: 'train.py',
          [key]: value,
          parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
        }),
        'train.py': 'print(1)\n',
      });
      const validate = aup(['validate', 'experiment.json'], { cwd: dir });
      expect(validate.code).toBe(1);
      expect(validate.stdout).toBe('');
      expect(validate.stderr).toMatch(line);
      const run = aup(['run', 'experiment.json', '--db', 'x.db'], { cwd: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(validate.stderr);
      // Refused before anything was recorded.
      expect(existsSync(join(dir, 'x.db'))).toBe(false);
    }
  });

  it('prints where the Python aup module is: the PYTHONPATH line to export, or with --path the folder', () => {
    const folder = join(root, 'packages/logger/python');
    const r = aup(['env', 'python'], { cwd: tempDir() });
    expect(r).toEqual({ code: 0, stdout: `export PYTHONPATH=${folder}\${PYTHONPATH:+:$PYTHONPATH}\n`, stderr: '' });
    expect(aup(['env', 'python', '--path'])).toEqual({ code: 0, stdout: `${folder}\n`, stderr: '' });
    expect(existsSync(join(folder, 'aup.py'))).toBe(true);
  });

  it('prints the JSON Schema', () => {
    const r = aup(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['n_samples', 'parameter_config', 'proposer', 'resource_args']));
  });

  it('writes an experiment.json from answers to the wizard, and refuses to overwrite it', () => {
    const dir = tempDir({ 'train.py': 'print(1)\n' });
    const answers =
      [
        'my-exp',
        'train.py',
        'random',
        '20',
        '2',
        'min',
        '5',
        'cpu',
        '2',
        'lr',
        'float',
        '0.001',
        '0.1',
        'act',
        'choice',
        'relu, tanh',
      ].join('\n') + '\n';
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
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; use --force/);
  });

  it('refuses to guess without a terminal: no answers, or input that ends early, is exit 2 naming --yes', () => {
    for (const input of ['', 'only-a-name\n']) {
      const dir = tempDir({ 'train.py': 'print(1)\n' });
      const r = aup(['init'], { cwd: dir, input });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^aup: no answer to ".*" \(question \d\); stdin is not a terminal: .*--yes to take the defaults/),
      ]);
      expect(existsSync(join(dir, 'experiment.json'))).toBe(false);
    }
  });

  it('refuses a piped answer that is not valid (a bogus proposer), naming the question, and writes nothing', () => {
    const dir = tempDir({ 'train.py': 'print(1)\n' });
    const r = aup(['init'], { cwd: dir, input: ['my-exp', 'train.py', 'bogus', '20'].join('\n') + '\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^aup: the answer "bogus" to "Proposer \(.*random.*\)" \(question 3\) is not valid: expected one of .*; nothing was written/,
    );
    expect(existsSync(join(dir, 'experiment.json'))).toBe(false);
  });

  it('asks a wrong answer again in a terminal', () => {
    // script(1) (util-linux) runs aup on a pseudo-terminal fed from the pipe, so stdin is a TTY.
    const dir = tempDir({ 'train.py': 'print(1)\n' });
    const answers =
      ['t', 'train.py', 'bogus', 'hyperopt', '5', '1', 'up', 'min', '1', 'cpu', '1', 'lr', 'float', '1', '0', '2'].join('\n') + '\n';
    const r = spawnSync('script', ['-qec', `${process.execPath} ${aupBin} init`, '/dev/null'], {
      cwd: dir,
      input: answers,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/expected one of .*random.*, found "bogus"/);
    expect(r.stdout).toMatch(/expected one of max, min, found "up"/);
    expect(r.stdout).toMatch(/expected a number larger than min \(1\), found "0"/);
    const written = JSON.parse(readFileSync(join(dir, 'experiment.json'), 'utf8'));
    expect(written).toMatchObject({
      proposer: 'hyperopt',
      target: 'min',
      parameter_config: [{ name: 'lr', type: 'float', range: [1, 2] }],
    });
  });

  it('takes the defaults with --yes, and says when the script does not exist yet', () => {
    const dir = tempDir();
    const r = aup(['init', '--yes'], { cwd: dir, input: '' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`aup: note: the script ${join(dir, 'train.py')} does not exist yet`);
    const written = JSON.parse(readFileSync(join(dir, 'experiment.json'), 'utf8'));
    expect(written).toMatchObject({
      name: 'experiment',
      script: './train.py',
      proposer: 'random',
      n_samples: 10,
      parameter_config: [{ name: 'x1', type: 'float', range: [0, 1] }],
    });
    writeFileSync(join(dir, 'train.py'), 'print(1)\n');
    expect(aup(['validate', 'experiment.json'], { cwd: dir }).code).toBe(0);
  });

  it('takes settings from flags, and refuses those aup run would refuse without writing', () => {
    const dir = tempDir({ 'train.py': 'print(1)\n' });
    const r = aup(
      [
        'init',
        '--name',
        'flags',
        '--script',
        'train.py',
        '--proposer',
        'sequence',
        '--n-samples',
        '4',
        '--target',
        'min',
        '--param',
        'lr:float:0:1',
        '--param',
        'act:choice:relu,tanh',
      ],
      { cwd: dir },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'experiment.json'), 'utf8'));
    expect(written).toMatchObject({ name: 'flags', proposer: 'sequence', n_samples: 4, target: 'min' });
    expect(written.parameter_config).toEqual([
      { name: 'lr', type: 'float', range: [0, 1] },
      { name: 'act', type: 'choice', range: ['relu', 'tanh'] },
    ]);
    const bogus = aup(['init', '-o', 'b.json', '--proposer', 'bogus'], { cwd: dir });
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toMatch(/nothing was written:\nb\.json: proposer: "bogus" is not a registered proposer/);
    const badParam = aup(['init', '-o', 'b.json', '--param', 'lr:flt:0:1'], { cwd: dir });
    expect(badParam.code).toBe(2);
    expect(badParam.stderr.trim()).toMatch(
      /^aup: --param "lr:flt:0:1": the type "flt" is not one of float, int, choice.*\("aup init --help" lists its options\)$/,
    );
    expect(existsSync(join(dir, 'b.json'))).toBe(false);
  });

  it.each([
    [['list', '--jsn'], `aup: unknown option '--jsn'; did you mean --json? ("aup list --help" lists its options)`],
    [['show'], `aup: missing required argument 'eid' ("aup show --help" lists its options)`],
    [['frobnicate'], `aup: unknown command 'frobnicate' ("aup --help" lists the commands)`],
    [
      ['run', 'experiment.json', '--board-port', 'http'],
      `aup: --board-port: expected an integer from 0 to 65535, found "http" ("aup run --help" lists its options)`,
    ],
    [['schema', '--db', 'x.db'], `aup: unknown option '--db' ("aup schema --help" lists its options)`],
    [['env'], `aup: missing required argument 'language' ("aup env --help" lists its options)`],
    [['env', 'ruby'], `aup: env: unknown environment "ruby"; expected python ("aup env --help" lists its options)`],
    [['env', 'python', '--pth'], `aup: unknown option '--pth'; did you mean --path? ("aup env --help" lists its options)`],
  ])('a usage error (%j) is exit 2 and one line naming the help', (args, line) => {
    const r = aup(args, { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${line}\n`);
  });

  it('says clearly when an experiment id does not exist', async () => {
    const dir = tempDir();
    await (await openStore(join(dir, 'x.db'))).close();
    const r = aup(['show', '42', '--db', join(dir, 'x.db')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/experiment 42 does not exist/);
    const bad = aup(['show', 'abc', '--db', join(dir, 'x.db')], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected a positive integer id, found "abc"/);
  });
});

/** The escape character that starts a terminal's control sequences. */
const ESC = String.fromCharCode(0x1b);

describe('aup run on a terminal', () => {
  // script(1) (util-linux) runs aup on a pseudo-terminal: stdout and stderr are a TTY, in one stream.
  const onTerminal = (term: string) => {
    const dir = tempDir({
      'quick.sh': 'echo "#Auptimizer:1"\n',
      'experiment.json': JSON.stringify({
        script: 'quick.sh',
        n_samples: 3,
        parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      }),
    });
    const r = spawnSync('script', ['-qec', `${process.execPath} ${aupBin} run experiment.json --db x.db`, '/dev/null'], {
      cwd: dir,
      env: { ...process.env, TERM: term },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stdout).toBe(0);
    return r.stdout;
  };

  it('prints the header first, then draws the bar', () => {
    const out = onTerminal('xterm');
    const header = out.indexOf('experiment 1 "experiment": random, 3 jobs');
    const bar = out.indexOf('jobs | running');
    expect(header).toBeGreaterThanOrEqual(0);
    expect(bar).toBeGreaterThan(header);
    // Nothing but the terminal's own bytes before the header.
    expect(out.slice(0, header).replaceAll(`${ESC}[?25l`, '').trim()).toBe('');
  });

  it('draws no bar under TERM=dumb: plain lines only', () => {
    const out = onTerminal('dumb');
    expect(out).toMatch(/^\[1\/3\] job \d+ finished score=1 /m);
    expect(out).toMatch(/^\[3\/3\] job \d+ finished/m);
    expect(out).not.toContain('jobs | running');
    expect(out).not.toContain(`${ESC}[`);
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
    // The count goes on from the jobs that had ended: [k+1/6] first, [6/6] last.
    const ended = stopped.jobs.filter((j: { status: string }) => j.status === 'finished' || j.status === 'failed').length;
    const counts = [...resumed.stdout.matchAll(/^\[(\d+)\/6\] job/gm)].map((m) => Number(m[1]));
    expect(counts[0]).toBe(ended + 1);
    expect(counts.at(-1)).toBe(6);
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
