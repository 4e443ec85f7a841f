// The gpu and passive resources on real databases (SQLite file and PostgreSQL), with real child
// processes. This machine has no GPU: the gpu tests list GPU ids in resource_args.gpus, or put the
// stand-in test/fixtures/bin/nvidia-smi first on the PATH of a real `aup run` child process.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore, runExperiment, runExperimentFile } from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Where the Python `aup` module is (the runner puts this folder on PYTHONPATH).
const PYTHON_CLIENT_DIR = join(dirname(createRequire(import.meta.url).resolve('@aup/logger/package.json')), 'python');
const aupBin = join(root, 'packages/core/bin/aup.js');
const fakeBin = join(root, 'test/fixtures/bin');

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-resources-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function aup(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const r = spawnSync(process.execPath, [aupBin, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A job that reports the CUDA_VISIBLE_DEVICES it saw (as a text record and in a spans file), takes a
// little while so jobs overlap, and scores x.
const gpuJob = `
import { appendFileSync, readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[process.argv.length - 1], 'utf8'));
const cuda = process.env.CUDA_VISIBLE_DEVICES ?? 'unset';
const start = Date.now();
await new Promise((r) => setTimeout(r, 300));
appendFileSync('spans.jsonl', JSON.stringify({ job: Number(process.env.AUP_JOB_ID), cuda, start, end: Date.now() }) + '\\n');
console.log('#aup:' + JSON.stringify({ type: 'text', name: 'cuda', text: cuda }));
console.log('#Auptimizer:' + p.x);
`;

interface Span {
  job: number;
  cuda: string;
  start: number;
  end: number;
}

function readSpans(dir: string): Span[] {
  return readFileSync(join(dir, 'spans.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Span);
}

/** The most spans on one card (or on any card, with cuda undefined) running at the same instant. */
function maxOverlap(spans: Span[], cuda?: string): number {
  const mine = spans.filter((s) => cuda === undefined || s.cuda === cuda);
  // Sweep over start/end events; an end at the same instant as a start is counted first.
  const events = mine.flatMap((s) => [[s.start, 1] as const, [s.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of events) most = Math.max(most, (now += d));
  return most;
}

const gpuConfig = (extra: Record<string, unknown>) => ({
  name: 'gpu jobs',
  script: 'job.mjs',
  proposer: 'random',
  n_samples: 8,
  random_seed: 4,
  target: 'max',
  parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
  resource: 'gpu',
  ...extra,
});

forEachDatabase('gpu resource', (db) => {
  it('runs one job per listed GPU slot, each child alone seeing its CUDA_VISIBLE_DEVICES', async () => {
    const url = await db.fresh();
    const dir = workdir({ 'job.mjs': gpuJob });
    // Card 1 listed twice: two jobs share it. n_parallel above the 3 slots is capped to 3.
    writeFileSync(join(dir, 'experiment.json'), JSON.stringify(gpuConfig({ n_parallel: 5, resource_args: { gpus: [0, 1, 1] } })));
    const before = process.env.CUDA_VISIBLE_DEVICES;
    const messages: string[] = [];
    const result = await runExperimentFile(join(dir, 'experiment.json'), { db: url, events: { onMessage: (m) => messages.push(m) } });
    expect(result.status).toBe('finished');
    expect(result.jobs).toHaveLength(8);
    expect(process.env.CUDA_VISIBLE_DEVICES).toBe(before);
    expect(messages.some((m) => /n_parallel 5 capped to 3/.test(m))).toBe(true);

    const store = await openStore(url);
    // Occupancy as the runner recorded it (one clock): the attempt rows' start and end per slot.
    const attemptSpans: Span[] = [];
    try {
      for (const job of result.jobs) {
        const [attempt] = await store.listAttempts(job.id);
        attemptSpans.push({ job: job.id, cuda: attempt!.slot!.replace(/^gpu:/, ''), start: attempt!.startedAt, end: attempt!.endedAt! });
        const [cuda] = await store.listTextRecords(job.id);
        const seen = (cuda!.payload as { text: string }).text;
        expect(['0', '1']).toContain(seen);
        // The slot stored on the attempt (what the board shows) names the card the child saw.
        expect(attempt!.slot).toBe(`gpu:${seen}`);
      }
    } finally {
      await store.close();
    }
    // Every job ran once and saw a card (the children's own spans file).
    expect(readSpans(dir)).toHaveLength(8);
    // Slot occupancy from the attempt rows, as the runner recorded it.
    expect(maxOverlap(attemptSpans)).toBeLessThanOrEqual(3);
    expect(maxOverlap(attemptSpans, '0')).toBeLessThanOrEqual(1);
    expect(maxOverlap(attemptSpans, '1')).toBeLessThanOrEqual(2);
    // Jobs did run side by side, so the bounds above are about slots, not about luck.
    expect(maxOverlap(attemptSpans)).toBeGreaterThan(1);
  });

  it('asks nvidia-smi for the GPUs when resource_args.gpus is absent (stand-in nvidia-smi on PATH)', async () => {
    const url = await db.fresh();
    const dir = workdir({ 'job.mjs': gpuJob });
    writeFileSync(join(dir, 'experiment.json'), JSON.stringify(gpuConfig({ n_parallel: 3, n_samples: 6 })));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: [fakeBin, process.env.PATH].join(delimiter), AUP_FAKE_GPU_COUNT: '3' };
    delete env.CUDA_VISIBLE_DEVICES;
    const r = aup(['run', 'experiment.json', '--db', url], { cwd: dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const spans = readSpans(dir);
    expect(new Set(spans.map((s) => s.cuda))).toEqual(new Set(['0', '1', '2']));
    for (const id of ['0', '1', '2']) expect(maxOverlap(spans, id)).toBe(1);
  });
});

describe('gpu resource without GPU ids', () => {
  const run = (env: NodeJS.ProcessEnv) => {
    const dir = workdir({ 'job.mjs': gpuJob });
    writeFileSync(join(dir, 'experiment.json'), JSON.stringify(gpuConfig({})));
    return aup(['run', 'experiment.json', '--db', join(dir, 'e.db')], { cwd: dir, env });
  };

  it('says to set resource_args.gpus when nvidia-smi is not installed', () => {
    // Only the folder of node: no nvidia-smi there (this machine has no GPU).
    const r = run({ ...process.env, PATH: dirname(process.execPath) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/resource_args\.gpus is not set and nvidia-smi is not on PATH; set resource_args\.gpus/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('says to set resource_args.gpus when nvidia-smi fails, with its message', () => {
    const r = run({ ...process.env, PATH: [fakeBin, process.env.PATH].join(delimiter), AUP_FAKE_GPU_FAIL: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nvidia-smi --query-gpu=index --format=csv,noheader failed: NVIDIA-SMI has failed/);
    expect(r.stderr).toMatch(/set resource_args\.gpus/);
  });

  it('refuses an empty or malformed gpus list, naming the entry', async () => {
    const dir = workdir({ 'job.mjs': gpuJob });
    writeFileSync(join(dir, 'a.json'), JSON.stringify(gpuConfig({ resource_args: { gpus: [] } })));
    await expect(runExperimentFile(join(dir, 'a.json'), { db: ':memory:' })).rejects.toThrow(
      /resource_args\.gpus: expected at least one GPU id/,
    );
  });
});

describe('resources not available', () => {
  // node runs on SSH hosts now: test/db/node-resource.test.ts.
  it('refuses aws with what to use instead', async () => {
    const dir = workdir({ 'job.mjs': gpuJob });
    writeFileSync(join(dir, 'aws.json'), JSON.stringify(gpuConfig({ resource: 'aws' })));
    await expect(runExperimentFile(join(dir, 'aws.json'), { db: ':memory:' })).rejects.toThrow(/resource: "aws" is not supported.*"node"/);
  });
});

forEachDatabase('passive resource', (db) => {
  it('waits for results reported with `aup report` from another process', async () => {
    const url = await db.fresh();
    const dir = workdir({});
    copyFileSync(join(root, 'test/fixtures/configs/passive.json'), join(dir, 'experiment.json'));
    // A cpu experiment in the same database, whose job must not take a reported result.
    const other = await runExperiment({
      name: 'cpu',
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      n_samples: 1,
      db: url,
      objective: (p) => p.x as number,
    });

    const child = spawn(process.execPath, [aupBin, 'run', 'experiment.json', '--db', url], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const reported: number[] = [];
    const replies: Promise<void>[] = [];
    const report = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [aupBin, 'report', ...args, '--db', url], { cwd: dir });
        let stdout = '';
        let stderr = '';
        p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        p.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (const m of out.matchAll(/^job (\d+) waiting for its result/gm)) {
        const jid = Number(m[1]);
        if (reported.includes(jid)) continue;
        reported.push(jid);
        replies.push(
          report([String(jid), String(jid * 10), '--metric', `half=${jid * 5}`]).then((r) => {
            expect(r.stderr).toBe('');
            expect(r.code).toBe(0);
            expect(r.stdout).toMatch(new RegExp(`job ${jid}: score ${jid * 10} half=${jid * 5} recorded`));
          }),
        );
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    await Promise.all(replies);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/job \d+ waiting for its result: params \{"temperature":\d+,"flour":"\w+"\}/);
    expect(out).toMatch(/then: aup report \d+ <score>/);

    const store = await openStore(url);
    try {
      const exp = (await store.listExperiments()).find((e) => e.name === 'hand-run trials')!;
      expect(exp.status).toBe('finished');
      const jobs = await store.listJobs(exp.id);
      expect(jobs).toHaveLength(4);
      for (const job of jobs) {
        expect(job).toMatchObject({ status: 'finished', score: job.id * 10, metrics: { half: job.id * 5 } });
        // The job file a person runs the script with was written, as for any job.
        expect(JSON.parse(readFileSync(join(dir, exp.jobDir!, `${job.id}.json`), 'utf8'))).toEqual(job.params);
        const attempts = await store.listAttempts(job.id);
        expect(attempts).toHaveLength(1);
        expect(attempts[0]!.slot).toMatch(/^passive:0$/);
      }
      const best = jobs.reduce((a, b) => (b.score! > a.score! ? b : a));
      expect(exp.bestJobId).toBe(best.id);

      const finished = await report([String(jobs[0]!.id), '1']);
      expect(finished.code).toBe(1);
      expect(finished.stderr).toMatch(new RegExp(`aup: job ${jobs[0]!.id} is finished with score ${jobs[0]!.id * 10}: only a job waiting`));
      const unknown = await report(['999', '1']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/aup: job 999 does not exist/);
      const cpuJob = other.jobs[0]!.id;
      const notPassive = await report([String(cpuJob), '1']);
      expect(notPassive.code).toBe(1);
      expect(notPassive.stderr).toMatch(new RegExp(`job ${cpuJob} belongs to experiment ${other.experimentId}, whose resource is "cpu"`));
      const bad = await report([String(jobs[0]!.id), 'high']);
      // A usage error: exit 2 (docs/reference/cli.md).
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/score: expected a number, found "high"/);
      // Nothing above changed a recorded result.
      expect((await store.getJob(jobs[0]!.id))!.score).toBe(jobs[0]!.id * 10);
    } finally {
      await store.close();
    }
  });

  it('keeps a result reported while the runner was dead (kill -9) and takes it on resume', async () => {
    const url = await db.fresh();
    const dir = workdir({});
    writeFileSync(
      join(dir, 'experiment.json'),
      JSON.stringify({
        name: 'crash',
        resource: 'passive',
        n_samples: 2,
        proposer: 'sequence',
        parameter_config: [{ name: 'x', range: [1, 2], type: 'int' }],
      }),
    );
    const child = spawn(process.execPath, [aupBin, 'run', 'experiment.json', '--db', url], { cwd: dir });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/then: aup report 1/.test(out) && !child.killed) child.kill('SIGKILL');
    });
    await new Promise((resolve) => child.on('close', resolve));
    // Job 1 is still marked running: the person's report is recorded although nobody waits for it.
    const r = aup(['report', '1', '7', '--db', url], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const resumed = spawn(process.execPath, [aupBin, 'resume', '1', '--db', url], { cwd: dir });
    let again = '';
    let sent = false;
    resumed.stdout.setEncoding('utf8').on('data', (d: string) => {
      again += d;
      if (!sent && /then: aup report 2 /.test(again)) {
        sent = true;
        spawn(process.execPath, [aupBin, 'report', '2', '3', '--db', url], { cwd: dir, stdio: 'ignore' });
      }
    });
    expect(await new Promise((resolve) => resumed.on('close', resolve))).toBe(0);
    // Job 1 was not asked again: its reported result was taken as it stood.
    expect(again).not.toMatch(/job 1 waiting/);
    const show = JSON.parse(aup(['show', '1', '--json', '--db', url], { cwd: dir }).stdout);
    expect(show.jobs.map((j: { status: string; score: number; attempts: number }) => [j.status, j.score, j.attempts])).toEqual([
      ['finished', 7, 1],
      ['finished', 3, 1],
    ]);
    expect(show.best.job_id).toBe(1);
  });

  // `script` (util-linux) gives `aup run` a real terminal, as when a person runs it.
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('takes the scores typed at its prompt when stdin is a terminal', async () => {
    const url = await db.fresh();
    const dir = workdir({});
    copyFileSync(join(root, 'test/fixtures/configs/passive.json'), join(dir, 'experiment.json'));
    const command = [process.execPath, aupBin, 'run', 'experiment.json', '--db', url].map((w) => `'${w}'`).join(' ');
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const typed = new Set<number>();
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (const m of out.matchAll(/score of job (\d+)> /g)) {
        const jid = Number(m[1]);
        if (typed.has(jid)) continue;
        typed.add(jid);
        // A typo first: it is refused and the prompt asks again.
        child.stdin.write(jid === 1 ? `oops\n${jid + 0.5}\n` : `${jid + 0.5}\n`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/score: expected a number, found "oops"/);
    const show = JSON.parse(aup(['show', '1', '--json', '--db', url], { cwd: dir }).stdout);
    expect(show.experiment.status).toBe('finished');
    expect(show.jobs.map((j: { id: number; score: number }) => j.score)).toEqual(show.jobs.map((j: { id: number }) => j.id + 0.5));
  });

  it('prints the command that runs a passive job with its script', async () => {
    const url = await db.fresh();
    // Auptimizer's way to report: the printed command must put aup's Python module on PYTHONPATH,
    // with the line `aup env python` prints.
    const dir = workdir({
      'train.py': 'import sys, aup\nprint("job", aup.job_id())\naup.print_result(aup.BasicConfig().load(sys.argv[1])["x"])\n',
    });
    writeFileSync(
      join(dir, 'experiment.json'),
      JSON.stringify({
        name: 'by hand',
        script: 'train.py',
        resource: 'passive',
        n_samples: 1,
        parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      }),
    );
    const child = spawn(process.execPath, [aupBin, 'run', 'experiment.json', '--db', url], { cwd: dir });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/then: aup report 1/.test(out) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    const printed = /^ {2}run: (.*)$/m.exec(out)?.[1];
    expect(printed).toContain(
      `(cd ${dir} && export PYTHONPATH=${PYTHON_CLIENT_DIR}\${PYTHONPATH:+:$PYTHONPATH} && AUP_JOB_ID=1 AUP_EXPERIMENT_ID=1 AUP_ATTEMPT=1 python3 ${join(dir, 'train.py')} ${join(dir, 'jobs')}/e1-`,
    );
    expect(printed).toMatch(/ \S+\/jobs\/e1-[0-9a-f]{6}\/1\.json\)$/);
    // It works as printed, from a shell that knows nothing of aup.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
    const byHand = spawnSync('/bin/sh', ['-c', printed!], { encoding: 'utf8', env });
    expect(byHand.status, byHand.stderr).toBe(0);
    expect(byHand.stdout + byHand.stderr).toMatch(/^#Auptimizer:0\.\d+$/m);
    expect(byHand.stdout).toMatch(/^job 1$/m);
    // Stopped while waiting: the job is interrupted and takes no result until the experiment resumes.
    expect(out).toMatch(/stopped: continue with "aup resume 1/);
    const late = aup(['report', '1', '0.5', '--db', url], { cwd: dir });
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/job 1 is interrupted: .*aup resume 1/);
  });
});
