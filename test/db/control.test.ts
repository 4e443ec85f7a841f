// Controlling a running experiment from another process (issue 4): the runner is a real `aup run`
// child process, the requests come from this process through the store, on SQLite and PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import {
  getProposer,
  openStore,
  requestEnqueue,
  requestKillJob,
  requestSet,
  requestStop,
  waitForControlResult,
  type AttemptRecord,
  type JobRecord,
  type ParamSpec,
  type Params,
  type Store,
} from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');
/** Long enough for any answer on a loaded machine; a working runner answers within a second. */
const ANSWER_MS = 30_000;
/** How often the test looks at the store while it waits for the runner. */
const LOOK_MS = 50;

// A job sleeps as long as the file sleep_ms says when it starts (the test changes it at run time),
// leaving started.<job id> once it has read it, then scores x.
const job = `
import { readFileSync, writeFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[process.argv.length - 1], 'utf8'));
const ms = Number(readFileSync('sleep_ms', 'utf8'));
writeFileSync('started.' + process.env.AUP_JOB_ID, String(ms));
await new Promise((r) => setTimeout(r, ms));
console.log('#Auptimizer:' + p.x);
`;

const space: ParamSpec[] = [{ name: 'x', range: [0, 1], type: 'float' }];

interface Run {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

const children: ChildProcess[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of stores.splice(0)) await s.close();
});

function workdir(config: Record<string, unknown>, sleepMs: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-control-'));
  writeFileSync(join(dir, 'job.mjs'), job);
  writeFileSync(join(dir, 'sleep_ms'), String(sleepMs));
  writeFileSync(
    join(dir, 'experiment.json'),
    JSON.stringify({
      name: 'control',
      script: 'job.mjs',
      proposer: 'random',
      random_seed: 3,
      target: 'max',
      parameter_config: space,
      ...config,
    }),
  );
  return dir;
}

function aup(args: string[], cwd: string): Run {
  const child = spawn(process.execPath, [aupBin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, exited };
}

async function open(url: string): Promise<Store> {
  const store = await openStore(url);
  stores.push(store);
  return store;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + ANSWER_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, LOOK_MS));
  }
}

/** Starts `aup run` and answers its experiment id once the runner has it running. */
async function startRun(store: Store, dir: string, url: string): Promise<{ run: Run; eid: number }> {
  const run = aup(['run', 'experiment.json', '--db', url], dir);
  const exp = await until('the experiment to run', async () => (await store.listExperiments()).find((e) => e.status === 'running'));
  return { run, eid: exp.id };
}

async function finishedJobs(store: Store, eid: number, n: number): Promise<JobRecord[]> {
  return until(`${n} finished jobs`, async () => {
    const jobs = (await store.listJobs(eid)).filter((j) => j.status === 'finished');
    return jobs.length >= n && jobs;
  });
}

/** What the random proposer with this seed proposes first, with nothing else going on. */
function reference(n: number, seed = 3): Params[] {
  const p = getProposer('random').create({ space, target: 'max', nSamples: n, seed, options: {} });
  const out: Params[] = [];
  for (let i = 0; i < n; i++) {
    const a = p.ask();
    if (a.kind === 'trial') out.push(a.params);
  }
  return out;
}

/** The most attempts running at one instant (a sweep over start and end times; an end before a start at a tie). */
function maxOverlap(attempts: AttemptRecord[]): number {
  const events = attempts.flatMap((a) => [[a.startedAt, 1] as const, [a.endedAt!, -1] as const]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of events) most = Math.max(most, (now += d));
  return most;
}

async function allAttempts(store: Store, jobs: JobRecord[]): Promise<AttemptRecord[]> {
  return (await Promise.all(jobs.map((j) => store.listAttempts(j.id)))).flat();
}

forEachDatabase('controlling a running experiment', (db) => {
  it('stops from another process like Ctrl-C; resume runs exactly n_samples with the same proposals', async () => {
    const url = await db.fresh();
    const store = await open(url);
    const dir = workdir({ n_samples: 8, n_parallel: 2 }, 300);
    const { run, eid } = await startRun(store, dir, url);
    await finishedJobs(store, eid, 2);
    const req = await requestStop(store, eid);
    expect(req).toMatchObject({ experimentId: eid, action: 'stop', takenAt: null });
    const answered = await waitForControlResult(store, req.id, ANSWER_MS);
    expect(answered.result).toEqual({ ok: true, status: 'stopped' });
    const first = await run.exited;
    expect(first.stdout).toContain(`aup resume ${eid}`);
    expect(first.code).toBe(1);
    const stopped = (await store.getExperiment(eid))!;
    expect(stopped.status).toBe('stopped');
    const before = await store.listJobs(eid);
    expect(before.length).toBeLessThan(8);
    expect(before.every((j) => j.status === 'finished' || j.status === 'interrupted')).toBe(true);

    const second = await aup(['resume', String(eid), '--db', url], dir).exited;
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const jobs = await store.listJobs(eid);
    expect((await store.getExperiment(eid))!.status).toBe('finished');
    expect(jobs).toHaveLength(8);
    expect(jobs.every((j) => j.status === 'finished')).toBe(true);
    expect([...jobs].sort((a, b) => a.trial - b.trial).map((j) => j.params)).toEqual(reference(8));
  });

  it('kills one sleeping job promptly: it fails "killed by request", is not retried, and the experiment goes on', async () => {
    const url = await db.fresh();
    const store = await open(url);
    // No job_failure: a script failure would end the experiment, a user's kill does not.
    const dir = workdir({ n_samples: 4, n_parallel: 1 }, 60_000);
    const { run, eid } = await startRun(store, dir, url);
    const victim = await until('a running job', async () => (await store.listJobs(eid)).find((j) => j.status === 'running'));
    await until('the job to sleep', () => Promise.resolve(existsSync(join(dir, `started.${victim.id}`))));
    writeFileSync(join(dir, 'sleep_ms'), '50');
    const req = await requestKillJob(store, victim.id);
    expect(req).toMatchObject({ action: 'kill_job', jobId: victim.id, payload: { jobId: victim.id } });
    const answered = await waitForControlResult(store, req.id, ANSWER_MS);
    expect(answered.result).toEqual({ ok: true, jobId: victim.id, status: 'failed' });
    const done = await run.exited;
    expect(done.code).toBe(0);

    const killed = (await store.getJob(victim.id))!;
    expect(killed.status).toBe('failed');
    expect(killed.attempts).toBe(1);
    const [attempt] = await store.listAttempts(victim.id);
    expect(attempt!.error).toBe('killed by request');
    // SIGTERM to the process group ended the 60 s sleep at once, long before its end.
    expect(attempt!.endedAt! - attempt!.startedAt).toBeLessThan(20_000);
    const exp = (await store.getExperiment(eid))!;
    expect(exp.status).toBe('finished');
    const jobs = await store.listJobs(eid);
    expect(jobs).toHaveLength(4);
    expect(jobs.filter((j) => j.status === 'finished')).toHaveLength(3);
    // The proposer heard of the failure (its snapshot counts it).
    expect((exp.proposerState as { told: Record<string, number> }).told).toEqual({ finished: 3, failed: 1, early_stopped: 0 });

    // A job that is no longer running cannot be killed: refused up front, and by the runner too.
    await expect(requestKillJob(store, victim.id)).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_STATE' });
    await expect(requestKillJob(store, 987_654)).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
  });

  it('raises n_parallel from 1 to 3 while running: more jobs run at once, and the setting is kept', async () => {
    const url = await db.fresh();
    const store = await open(url);
    // Jobs long enough that, on a loaded machine, the set is taken while most of the nine are still to come.
    const dir = workdir({ n_samples: 9, n_parallel: 1 }, 1_000);
    const { run, eid } = await startRun(store, dir, url);
    await finishedJobs(store, eid, 1);
    const req = await requestSet(store, eid, { nParallel: 3 });
    expect(req.payload).toEqual({ n_parallel: 3 });
    const answered = await waitForControlResult(store, req.id, ANSWER_MS);
    expect(answered.result).toEqual({ ok: true, n_parallel: 3, n_samples: 9 });
    expect((await run.exited).code).toBe(0);

    const jobs = await store.listJobs(eid);
    expect(jobs).toHaveLength(9);
    const attempts = await allAttempts(store, jobs);
    const takenAt = answered.takenAt!;
    const earlier = attempts.filter((a) => a.startedAt < takenAt);
    const later = attempts.filter((a) => a.startedAt > answered.doneAt!);
    // One at a time before the request; side by side after it, never more than three.
    expect(maxOverlap(earlier)).toBe(1);
    expect(maxOverlap(later)).toBeGreaterThan(1);
    expect(maxOverlap(attempts)).toBeLessThanOrEqual(3);
    expect(new Set(attempts.map((a) => a.slot))).toEqual(new Set(['cpu:0', 'cpu:1', 'cpu:2']));
    const exp = (await store.getExperiment(eid))!;
    expect((exp.config as { n_parallel: number }).n_parallel).toBe(3);
  });

  it('raises and lowers n_samples while running, never below the jobs already created', async () => {
    const url = await db.fresh();
    const store = await open(url);
    const dir = workdir({ n_samples: 3, n_parallel: 1 }, 800);
    const { run, eid } = await startRun(store, dir, url);
    await finishedJobs(store, eid, 1);
    const up = await waitForControlResult(store, (await requestSet(store, eid, { nSamples: 7 })).id, ANSWER_MS);
    expect(up.result).toEqual({ ok: true, n_samples: 7 });
    // Below the jobs created so far: refused up front, and by the runner when sent straight to the store.
    await expect(requestSet(store, eid, { nSamples: 0 })).rejects.toMatchObject({
      code: 'AUP_ERR_EXPERIMENT_STATE',
      message: expect.stringMatching(/n_samples: 0 is below the \d jobs already created/),
    });
    const raw = await store.requestControl({ experimentId: eid, action: 'set', payload: { n_samples: 0 } });
    expect((await waitForControlResult(store, raw.id, ANSWER_MS)).result).toMatchObject({ ok: false, code: 'AUP_ERR_EXPERIMENT_STATE' });
    await expect(requestSet(store, eid, { nParallel: 0 })).rejects.toMatchObject({
      code: 'AUP_ERR_CONFIG_INVALID',
      message: expect.stringContaining('n_parallel'),
    });
    await expect(requestSet(store, eid, {})).rejects.toMatchObject({ code: 'AUP_ERR_CONFIG_INVALID' });
    const down = await waitForControlResult(store, (await requestSet(store, eid, { nSamples: 5 })).id, ANSWER_MS);
    expect(down.result).toEqual({ ok: true, n_samples: 5 });
    expect((await run.exited).code).toBe(0);

    const exp = (await store.getExperiment(eid))!;
    expect(exp.status).toBe('finished');
    expect(exp.nSamples).toBe(5);
    expect((exp.config as { n_samples: number }).n_samples).toBe(5);
    const jobs = await store.listJobs(eid);
    expect(jobs).toHaveLength(5);
    expect(jobs.map((j) => j.params)).toEqual(reference(5));
  });

  it('enqueues a trial: it runs next with those params, the proposer is told, and resume stays exact', async () => {
    const url = await db.fresh();
    const store = await open(url);
    const dir = workdir({ n_samples: 4, n_parallel: 1 }, 300);
    const { run, eid } = await startRun(store, dir, url);
    await finishedJobs(store, eid, 1);

    // Bad params are refused up front, naming the parameter, the range and the value.
    await expect(requestEnqueue(store, eid, { x: 7 })).rejects.toMatchObject({
      code: 'AUP_ERR_PARAMS_INVALID',
      message: 'params.x: expected a number in [0, 1], found 7',
    });
    await expect(requestEnqueue(store, eid, { x: 0.5, y: 1 })).rejects.toMatchObject({
      code: 'AUP_ERR_PARAMS_INVALID',
      message: expect.stringContaining('params.y: unknown parameter'),
    });
    await expect(requestEnqueue(store, eid, {})).rejects.toMatchObject({
      code: 'AUP_ERR_PARAMS_INVALID',
      message: 'params.x: expected a number in [0, 1], found nothing',
    });
    // ... and by the runner, when sent straight to the store.
    const raw = await store.requestControl({ experimentId: eid, action: 'enqueue', payload: { params: { x: 'high' } } });
    expect((await waitForControlResult(store, raw.id, ANSWER_MS)).result).toEqual({
      ok: false,
      code: 'AUP_ERR_PARAMS_INVALID',
      message: 'params.x: expected a number in [0, 1], found "high"',
    });

    const req = await requestEnqueue(store, eid, { x: 0.123456 });
    const answered = await waitForControlResult(store, req.id, ANSWER_MS);
    expect(answered.result).toMatchObject({ ok: true, n_samples: 5 });
    const jobId = (answered.result as { jobId: number }).jobId;
    const enqueued = (await store.getJob(jobId))!;
    expect(enqueued.params).toEqual({ x: 0.123456 });
    await until('the enqueued job to finish', async () => (await store.getJob(jobId))!.status === 'finished');
    const stop = await waitForControlResult(store, (await requestStop(store, eid)).id, ANSWER_MS);
    expect(stop.result).toEqual({ ok: true, status: 'stopped' });
    expect((await run.exited).code).toBe(1);
    expect((await aup(['resume', String(eid), '--db', url], dir).exited).code).toBe(0);

    const exp = (await store.getExperiment(eid))!;
    expect(exp.status).toBe('finished');
    expect(exp.nSamples).toBe(5);
    const jobs = await store.listJobs(eid);
    expect(jobs).toHaveLength(5);
    expect(jobs.every((j) => j.status === 'finished')).toBe(true);
    const ran = (await store.getJob(jobId))!;
    expect(ran.score).toBe(0.123456);
    // Created next, before the proposer's next ask: every job after it is a later trial, started later.
    for (const j of jobs.filter((j) => j.id > jobId)) {
      expect(j.trial).toBeGreaterThan(ran.trial);
      expect(j.startedAt!).toBeGreaterThanOrEqual(ran.startedAt!);
    }
    // The proposer's own trials are those of a run without the enqueued one, and it was told all five.
    const own = [...jobs].filter((j) => j.id !== jobId).sort((a, b) => a.trial - b.trial);
    expect(own.map((j) => j.params)).toEqual(reference(4));
    expect(exp.proposerState).toMatchObject({ asked: 5, adopted: 1, told: { finished: 5, failed: 0, early_stopped: 0 } });
  });

  it('refuses requests for an experiment that is not running, and says when a proposer cannot take a trial', async () => {
    const url = await db.fresh();
    const store = await open(url);
    const dir = workdir({ n_samples: 1 }, 10);
    const done = await aup(['run', 'experiment.json', '--db', url], dir).exited;
    expect(done.code).toBe(0);
    const [exp] = await store.listExperiments();
    await expect(requestStop(store, exp!.id)).rejects.toMatchObject({
      code: 'AUP_ERR_EXPERIMENT_STATE',
      message: expect.stringContaining('is finished, expected running'),
    });
    await expect(requestStop(store, 987_654)).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND' });
    // A request nobody answers: the wait ends with the request as it stands.
    const lone = await store.requestControl({ experimentId: exp!.id, action: 'stop' });
    expect((await waitForControlResult(store, lone.id, 100)).doneAt).toBeNull();

    // The grid proposer has no adopt (the experiment row is made running by hand: no runner needed).
    const grid = workdir({ n_samples: 2, proposer: 'sequence', parameter_config: [{ name: 'x', range: [0, 1], type: 'float', n: 2 }] }, 10);
    const seqDone = await aup(['run', 'experiment.json', '--db', url], grid).exited;
    expect(seqDone.code).toBe(0);
    const seq = (await store.listExperiments()).find((e) => e.proposer === 'sequence')!;
    await store.updateExperiment(seq.id, { status: 'running' });
    await expect(requestEnqueue(store, seq.id, { x: 0.5 })).rejects.toMatchObject({
      code: 'AUP_ERR_CONTROL_UNSUPPORTED',
      message: expect.stringContaining('"sequence" proposer'),
    });
  });
});
