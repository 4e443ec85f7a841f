import { describe, expect, it } from 'vitest';

import type { Json } from '../types.js';
import type { ClaimRequest, ExperimentWorkers, NewExperiment, Store, WorkerAttemptOutcome } from '../store/store-types.js';
import { storeHelpers, type StoreSuiteContext } from './store-suite.js';

/** What the worker-queue tests need from the enclosing store suite (the StoreSuiteContext of every role's suite). */
export type WorkerQueueConformanceOptions = StoreSuiteContext;

// Long enough that no lease in these tests runs out while the test runs, on a slow CI machine too.
const LONG_LEASE_MS = 60_000;
// A lease that has surely run out once EXPIRE_WAIT_MS have passed: leases are judged by the
// database's clock, so the wait is real time, not a mocked clock.
const SHORT_LEASE_MS = 1;
const EXPIRE_WAIT_MS = 30;
const RACE_ROUNDS = 6;

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function experimentInput(workers: ExperimentWorkers | null, name = 'workers'): NewExperiment {
  return {
    name,
    user: 'tester',
    proposer: 'random',
    target: 'max',
    nSamples: 10,
    configRaw: { name } as Json,
    config: { name, workingdir: '/tmp/work' } as Json,
    workingDir: '/tmp/work',
    host: {},
    git: null,
    workers,
  };
}

function outcome(overrides: Partial<WorkerAttemptOutcome> = {}): WorkerAttemptOutcome {
  return {
    status: 'finished',
    exitCode: 0,
    score: 0.5,
    error: null,
    metrics: { f1: 0.25 },
    warnings: ['stdout line 2: bad line'],
    endedAt: Date.now(),
    ...overrides,
  };
}

/**
 * The WorkerQueue role, worker mode in the store (docs/decisions/0010-worker-leases.md): workers,
 * claims, leases, heartbeats, requeue of expired attempts, and the fence that keeps a late result
 * from being recorded twice.
 */
export function workerQueueConformance(opts: StoreSuiteContext): void {
  workersTests(opts);
  describe('worker mode: claims and leases', () => {
    claimTests(opts);
    leaseTests(opts);
    requeueTests(opts);
    queueRaceTests(opts);
  });
}

/** The queue the tests claim from, on the suite's current store. */
function queueFixtures(opts: StoreSuiteContext) {
  const { store } = opts;
  const external: ExperimentWorkers = { mode: 'external', tags: [] };

  /** A running worker-mode experiment with `n` queued jobs. */
  const queue = async (n: number, workers: ExperimentWorkers | null = external, name?: string) => {
    const e = await store().createExperiment(experimentInput(workers, name));
    await store().updateExperiment(e.id, { status: 'running' });
    const jobs = [];
    for (let t = 0; t < n; t++) jobs.push(await store().createJob({ experimentId: e.id, trial: t, params: { t } }));
    return { experiment: e, jobs };
  };
  const newWorker = (s: Store = store(), tags: string[] = []) => s.registerWorker({ host: 'box', pid: 1, slots: 2, resource: 'cpu', tags });
  const claim = (workerId: number, slots: number, extra: Partial<ClaimRequest> = {}, s: Store = store()) =>
    s.claimJobs({ workerId, host: 'box', slots: Array.from({ length: slots }, (_, i) => `cpu:${i}`), leaseMs: LONG_LEASE_MS, ...extra });

  return { store, external, queue, newWorker, claim };
}

function claimTests(opts: StoreSuiteContext): void {
  const { store, external, queue, newWorker, claim } = queueFixtures(opts);
  it('stores an experiment’s worker mode and tags', async () => {
    const e = await store().createExperiment(experimentInput({ mode: 'external', tags: ['gpu', 'a100'] }));
    expect(e.workers).toEqual({ mode: 'external', tags: ['gpu', 'a100'] });
    expect((await store().getExperiment(e.id))!.workers).toEqual({ mode: 'external', tags: ['gpu', 'a100'] });
    expect((await store().createExperiment(experimentInput(null))).workers).toBeNull();
  });

  it('claims the oldest queued jobs, at most one per free slot, each with a new attempt under a lease', async () => {
    const { jobs } = await queue(3);
    const w = await newWorker();
    const before = Date.now();
    const claimed = await claim(w.id, 2);
    expect(claimed.map((c) => c.job.id)).toEqual([jobs[0]!.id, jobs[1]!.id]);
    for (const [i, c] of claimed.entries()) {
      expect(c.job).toMatchObject({ status: 'running', attempts: 1 });
      expect(c.job.startedAt).toBeGreaterThanOrEqual(before);
      expect(c.attempt).toMatchObject({
        jobId: c.job.id,
        attempt: 1,
        status: 'running',
        workerId: w.id,
        host: 'box',
        slot: `cpu:${i}`,
        stopRequest: null,
      });
      expect(c.attempt.leaseExpiresAt).toBeGreaterThan(Date.now() + LONG_LEASE_MS / 2);
    }
    expect((await store().getJob(jobs[0]!.id))!.status).toBe('running');
    expect((await store().listWorkers())[0]!.currentJobs).toEqual([jobs[0]!.id, jobs[1]!.id]);
    expect((await claim(w.id, 5)).map((c) => c.job.id)).toEqual([jobs[2]!.id]);
    expect(await claim(w.id, 5)).toEqual([]);
  });

  it('claims only from running worker-mode experiments, the one asked for, whose tags the worker has', async () => {
    const local = await queue(1, null, 'local');
    const tagged = await queue(1, { mode: 'external', tags: ['gpu'] }, 'tagged');
    const stopped = await queue(1, external, 'stopped');
    await store().updateExperiment(stopped.experiment.id, { status: 'stopped' });
    const plain = await queue(1, external, 'plain');
    const w = await newWorker();
    expect(await claim(w.id, 4, { experimentId: tagged.experiment.id })).toEqual([]);
    expect((await claim(w.id, 4)).map((c) => c.job.id)).toEqual([plain.jobs[0]!.id]);
    expect((await claim(w.id, 4, { tags: ['cpu'] })).map((c) => c.job.id)).toEqual([]);
    expect((await claim(w.id, 4, { tags: ['gpu', 'a100'], experimentId: tagged.experiment.id })).map((c) => c.job.id)).toEqual([
      tagged.jobs[0]!.id,
    ]);
    expect((await store().getJob(local.jobs[0]!.id))!.status).toBe('queued');
    expect((await store().getJob(stopped.jobs[0]!.id))!.status).toBe('queued');
  });

  it('renews the leases a worker holds, with the driver’s stop requests, and its heartbeat', async () => {
    const { jobs } = await queue(2);
    const w = await newWorker();
    const [a, b] = await claim(w.id, 2, { leaseMs: 1_000 });
    expect(await store().requestJobStop(jobs[1]!.id, 'killed')).toBe(true);
    const held = await store().renewLeases(w.id, LONG_LEASE_MS);
    expect(held).toEqual([
      { attemptId: a!.attempt.id, jobId: jobs[0]!.id, stopRequest: null },
      { attemptId: b!.attempt.id, jobId: jobs[1]!.id, stopRequest: 'killed' },
    ]);
    const attempts = await store().listAttempts(jobs[0]!.id);
    expect(attempts[0]!.leaseExpiresAt).toBeGreaterThan(a!.attempt.leaseExpiresAt!);
    const worker = (await store().listWorkers()).find((x) => x.id === w.id)!;
    expect(worker.heartbeatAt).toBeGreaterThanOrEqual(w.heartbeatAt);
    expect(worker.status).toBe('running');
    // A job not running takes no stop request.
    const other = await queue(1);
    expect(await store().requestJobStop(other.jobs[0]!.id, 'interrupted')).toBe(false);
  });
}

function leaseTests(opts: StoreSuiteContext): void {
  const { store, queue, newWorker, claim } = queueFixtures(opts);
  it('records a held attempt’s end once, with its metrics and warnings, for the driver to read', async () => {
    const { experiment, jobs } = await queue(1);
    const w = await newWorker();
    const [c] = await claim(w.id, 1);
    expect(await store().listReportedAttempts(experiment.id)).toMatchObject([
      { attempt: { id: c!.attempt.id, status: 'running' }, metrics: {}, warnings: [] },
    ]);
    const end = outcome();
    expect(await store().finishAttempt({ attemptId: c!.attempt.id, workerId: w.id }, end)).toBe(true);
    const reported = await store().listReportedAttempts(experiment.id);
    expect(reported).toHaveLength(1);
    expect(reported[0]!.attempt).toMatchObject({ status: 'finished', score: 0.5, exitCode: 0, endedAt: end.endedAt });
    expect(reported[0]!.metrics).toEqual({ f1: 0.25 });
    expect(reported[0]!.warnings).toEqual(['stdout line 2: bad line']);
    // The job stays running until the driver completes it; a second end is refused.
    expect((await store().getJob(jobs[0]!.id))!.status).toBe('running');
    expect(await store().finishAttempt({ attemptId: c!.attempt.id, workerId: w.id }, outcome({ score: 9 }))).toBe(false);
    expect(await store().finishAttempt({ attemptId: c!.attempt.id, workerId: w.id + 1 }, outcome({ score: 9 }))).toBe(false);
    expect((await store().listAttempts(jobs[0]!.id))[0]!.score).toBe(0.5);
  });

  it('queues a job again when its worker stops and hands it back', async () => {
    const { experiment, jobs } = await queue(1);
    const w = await newWorker();
    const [c] = await claim(w.id, 1);
    expect(
      await store().finishAttempt(
        { attemptId: c!.attempt.id, workerId: w.id },
        outcome({ status: 'interrupted', score: null, requeue: true }),
      ),
    ).toBe(true);
    expect((await store().getJob(jobs[0]!.id))!.status).toBe('queued');
    expect(await store().listReportedAttempts(experiment.id)).toEqual([]);
    const [again] = await claim(w.id, 1);
    expect(again!.attempt.attempt).toBe(2);
    await store().setWorkerStatus(w.id, 'stopped');
    expect((await store().listWorkers())[0]!.status).toBe('stopped');
  });
}

function requeueTests(opts: StoreSuiteContext): void {
  const { store, queue, newWorker, claim } = queueFixtures(opts);
  it('requeues an attempt whose lease ran out as a new attempt, refuses the old one’s late result and records, and marks the worker dead', async () => {
    const { experiment, jobs } = await queue(1);
    const dead = await newWorker();
    const live = await newWorker();
    // The first beat gives each worker its expiry.
    await store().renewLeases(dead.id, SHORT_LEASE_MS);
    await store().renewLeases(live.id, LONG_LEASE_MS);
    const [first] = await claim(dead.id, 1, { leaseMs: SHORT_LEASE_MS });
    const oldFence = { attemptId: first!.attempt.id, workerId: dead.id };
    await store().addIntermediate([{ jobId: jobs[0]!.id, label: 'score', step: 0, value: 1, time: Date.now() }], oldFence);
    await wait(EXPIRE_WAIT_MS);

    const requeued = await store().requeueExpired();
    expect(requeued).toEqual([{ attemptId: first!.attempt.id, jobId: jobs[0]!.id, workerId: dead.id }]);
    expect(await store().requeueExpired()).toEqual([]);
    const lost = (await store().listAttempts(jobs[0]!.id))[0]!;
    expect(lost).toMatchObject({ status: 'interrupted', workerId: dead.id });
    expect(lost.error).toMatch(/lease expired/);
    expect(lost.endedAt).not.toBeNull();
    expect((await store().getJob(jobs[0]!.id))!.status).toBe('queued');
    const workers = await store().listWorkers();
    expect(workers.find((x) => x.id === dead.id)!.status).toBe('dead');
    expect(workers.find((x) => x.id === live.id)!.status).toBe('running');

    const [second] = await claim(live.id, 1);
    expect(second!.attempt.attempt).toBe(2);
    expect((await store().getJob(jobs[0]!.id))!.attempts).toBe(2);

    // The presumed-dead worker comes back: its heartbeat no longer holds the attempt, its records and result are refused.
    expect(await store().renewLeases(dead.id, LONG_LEASE_MS)).toEqual([]);
    const row = { jobId: jobs[0]!.id, label: 'score', step: 1, value: 2, time: Date.now() };
    await expect(store().addIntermediate([row], oldFence)).rejects.toMatchObject({ code: 'AUP_ERR_LEASE_LOST' });
    await expect(
      store().addTextRecords([{ jobId: jobs[0]!.id, kind: 'text', name: 'n', step: null, payload: { text: 'late' }, time: 1 }], oldFence),
    ).rejects.toMatchObject({
      code: 'AUP_ERR_LEASE_LOST',
    });
    await expect(store().addArtifacts([{ jobId: jobs[0]!.id, path: 'late.bin', time: 1 }], oldFence)).rejects.toMatchObject({
      code: 'AUP_ERR_LEASE_LOST',
    });
    expect(await store().finishAttempt(oldFence, outcome({ score: 99 }))).toBe(false);
    expect((await store().listIntermediate(jobs[0]!.id)).map((r) => r.value)).toEqual([1]);
    expect(await store().listTextRecords(jobs[0]!.id)).toEqual([]);
    expect(await store().listArtifacts(jobs[0]!.id)).toEqual([]);

    // The live worker's records and result go through; the driver sees attempt 2 only.
    const fence = { attemptId: second!.attempt.id, workerId: live.id };
    await store().addIntermediate([row], fence);
    expect(await store().finishAttempt(fence, outcome({ score: 0.75 }))).toBe(true);
    const reported = await store().listReportedAttempts(experiment.id);
    expect(reported.map((r) => [r.attempt.attempt, r.attempt.score])).toEqual([[2, 0.75]]);
    const attempts = await store().listAttempts(jobs[0]!.id);
    expect(attempts.map((a) => [a.attempt, a.status, a.score])).toEqual([
      [1, 'interrupted', null],
      [2, 'finished', 0.75],
    ]);
  });

  it('withdraws a queued job so no worker claims it, and not a claimed one', async () => {
    const { jobs } = await queue(2);
    const w = await newWorker();
    expect(await store().withdrawQueuedJob(jobs[1]!.id)).toBe(true);
    expect((await store().getJob(jobs[1]!.id))!.status).toBe('interrupted');
    expect((await claim(w.id, 2)).map((c) => c.job.id)).toEqual([jobs[0]!.id]);
    expect(await store().withdrawQueuedJob(jobs[0]!.id)).toBe(false);
  });
}

function queueRaceTests(opts: StoreSuiteContext): void {
  const { store, external, queue, newWorker, claim } = queueFixtures(opts);
  const sibling = opts.openSibling;
  if (sibling !== undefined) {
    it('never hands one job to two workers claiming at once', async () => {
      const other = await sibling(store());
      opts.track(other);
      const JOBS = 24;
      const { jobs } = await queue(JOBS);
      const [w1, w2] = [await newWorker(), await newWorker(other)];
      const seen: number[] = [];
      for (let round = 0; round < JOBS; round++) {
        const [x, y] = await Promise.all([claim(w1.id, 3), claim(w2.id, 3, {}, other)]);
        seen.push(...x.map((c) => c.job.id), ...y.map((c) => c.job.id));
        if (x.length + y.length === 0) break;
      }
      expect(seen.sort((a, b) => a - b)).toEqual(jobs.map((j) => j.id));
      for (const j of jobs) expect((await store().listAttempts(j.id)).map((a) => a.attempt)).toEqual([1]);
    });

    it('lets exactly one of a late result and a requeue win an expired attempt', async () => {
      const other = await sibling(store());
      opts.track(other);
      const w = await newWorker();
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const { experiment, jobs } = await queue(1, external, `race ${round}`);
        const [c] = await claim(w.id, 1, { leaseMs: SHORT_LEASE_MS, experimentId: experiment.id });
        await wait(EXPIRE_WAIT_MS);
        const [recorded, requeued] = await Promise.all([
          store().finishAttempt({ attemptId: c!.attempt.id, workerId: w.id }, outcome()),
          other.requeueExpired(),
        ]);
        const attempt = (await store().listAttempts(jobs[0]!.id))[0]!;
        const job = (await store().getJob(jobs[0]!.id))!;
        if (recorded) {
          expect(requeued).toEqual([]);
          expect([attempt.status, job.status]).toEqual(['finished', 'running']);
        } else {
          expect(requeued.map((r) => r.attemptId)).toEqual([c!.attempt.id]);
          expect([attempt.status, job.status]).toEqual(['interrupted', 'queued']);
        }
      }
    });
  }
}

function workersTests(ctx: StoreSuiteContext): void {
  const { newExperiment, newJob } = storeHelpers(ctx);
  describe('workers', () => {
    it('registers workers and lists them in id order with the jobs of their running attempts', async () => {
      const store = ctx.store();
      expect(await store.listWorkers()).toEqual([]);
      const before = Date.now();
      const w1 = await store.registerWorker({ host: 'gpu-box', pid: 4321, slots: 2, resource: 'gpu', tags: ['a100', 'fast'] });
      const w2 = await store.registerWorker({ host: 'cpu-box', slots: 1, resource: 'cpu', status: 'stopped' });
      expect(w1).toMatchObject({
        host: 'gpu-box',
        pid: 4321,
        slots: 2,
        resource: 'gpu',
        tags: ['a100', 'fast'],
        status: 'running',
        currentJobs: [],
      });
      expect(w1.startedAt).toBeGreaterThanOrEqual(before);
      expect(w1.heartbeatAt).toBe(w1.startedAt);
      expect(w2).toMatchObject({ pid: null, tags: [], status: 'stopped' });

      const e = await newExperiment();
      const [j1, j2, j3] = [await newJob(e.id, 0), await newJob(e.id, 1), await newJob(e.id, 2)];
      await store.startAttempt({ jobId: j2.id, attempt: 1, workerId: w1.id });
      await store.startAttempt({ jobId: j1.id, attempt: 1, workerId: w1.id });
      const done = await store.startAttempt({ jobId: j3.id, attempt: 1, workerId: w1.id });
      await store.updateAttempt(done.id, { status: 'finished', endedAt: Date.now() });
      await store.startAttempt({ jobId: j3.id, attempt: 2 });

      const listed = await store.listWorkers();
      expect(listed.map((w) => w.id)).toEqual([w1.id, w2.id]);
      expect(listed[0]).toEqual({ ...w1, currentJobs: [j1.id, j2.id] });
      expect(listed[1]).toEqual(w2);
      expect(typeof listed[0]!.id).toBe('number');
      expect(typeof listed[0]!.heartbeatAt).toBe('number');
    });
  });
}
