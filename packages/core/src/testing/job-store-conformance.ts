import { describe, expect, it } from 'vitest';

import { FAR_TIME, storeHelpers, type StoreSuiteContext } from './store-suite.js';

/** The JobStore role: jobs and their attempts, each write in one transaction. */
export function jobStoreConformance(ctx: StoreSuiteContext): void {
  jobsTests(ctx);
  attemptsTests(ctx);
}

function jobsTests(ctx: StoreSuiteContext): void {
  describe('jobs', () => {
    jobWriteTests(ctx);
    jobCompletionTests(ctx);
  });
}

function jobWriteTests(ctx: StoreSuiteContext): void {
  const { newExperiment, newJob } = storeHelpers(ctx);
  it('creates queued jobs with global ids and reads them back', async () => {
    const store = ctx.store();
    const e1 = await newExperiment();
    const e2 = await newExperiment();
    const params = { lr: 0.001, layers: 3, act: 'relu', bn: true, 'dotted.name': -2.5e-7 };
    const before = Date.now();
    const j1 = await store.createJob({ experimentId: e1.id, trial: 0, params, budget: 27, extra: { parent_job: null, arch: [1, 2] } });
    const j2 = await newJob(e2.id, 0);
    const j3 = await newJob(e1.id, 1);
    expect(j1).toMatchObject({
      experimentId: e1.id,
      trial: 0,
      status: 'queued',
      params,
      budget: 27,
      extra: { parent_job: null, arch: [1, 2] },
      score: null,
      metrics: {},
      attempts: 0,
      warnings: [],
      startedAt: null,
      endedAt: null,
    });
    expect(Object.keys(j1.params)).toEqual(Object.keys(params));
    expect(j1.createdAt).toBeGreaterThanOrEqual(before);
    expect(j2.budget).toBeNull();
    expect(j2.extra).toEqual({});
    // Auptimizer's jid: one sequence across experiments.
    expect(new Set([j1.id, j2.id, j3.id]).size).toBe(3);
    expect(j2.id).toBeGreaterThan(j1.id);
    expect(j3.id).toBeGreaterThan(j2.id);
    expect(await store.getJob(j1.id)).toEqual(j1);
    expect(await store.getJob(999_999)).toBeUndefined();
    expect((await store.listJobs(e1.id)).map((j) => j.id)).toEqual([j1.id, j3.id]);
    expect((await store.listJobs(e2.id)).map((j) => j.id)).toEqual([j2.id]);
    expect(await store.listJobs(777_777)).toEqual([]);
  });

  it('never reuses a job id after a delete', async () => {
    const store = ctx.store();
    const e = await newExperiment();
    const first = await newJob(e.id, 0);
    await store.deleteExperiment(e.id);
    const e2 = await newExperiment();
    const next = await newJob(e2.id, 0);
    expect(next.id).toBeGreaterThan(first.id);
  });

  it('writes the proposer snapshot with createJob', async () => {
    const store = ctx.store();
    const e = await newExperiment({ proposerState: { asked: 0 } });
    await store.createJob({ experimentId: e.id, trial: 0, params: { x: 1 } }, { asked: 1, rng: [1, 2, 3] });
    expect((await store.getExperiment(e.id))!.proposerState).toEqual({ asked: 1, rng: [1, 2, 3] });
    await store.createJob({ experimentId: e.id, trial: 1, params: { x: 2 } });
    expect((await store.getExperiment(e.id))!.proposerState).toEqual({ asked: 1, rng: [1, 2, 3] });
  });

  it('rejects a job for an unknown experiment with AUP_ERR_EXPERIMENT_NOT_FOUND', async () => {
    const store = ctx.store();
    await expect(store.createJob({ experimentId: 31_337, trial: 0, params: {} }, { s: 1 })).rejects.toMatchObject({
      code: 'AUP_ERR_EXPERIMENT_NOT_FOUND',
    });
  });

  it('updates a job; metrics replace the multiple results', async () => {
    const store = ctx.store();
    const e = await newExperiment();
    const j = await newJob(e.id);
    await store.updateJob(j.id, { status: 'running', startedAt: FAR_TIME, metrics: { f1: 0.5, acc: 0.25 } });
    let read = (await store.getJob(j.id))!;
    expect(read).toMatchObject({ status: 'running', startedAt: FAR_TIME, metrics: { f1: 0.5, acc: 0.25 }, score: null });
    await store.updateJob(j.id, { score: 0.1 + 0.2, warnings: ['line 3: bad JSON', 'é ✓'], metrics: { loss: -1e-300 } });
    read = (await store.getJob(j.id))!;
    expect(read.score).toBe(0.1 + 0.2);
    expect(read.warnings).toEqual(['line 3: bad JSON', 'é ✓']);
    expect(read.metrics).toEqual({ loss: -1e-300 });
    expect(read.status).toBe('running');
    await store.updateJob(j.id, { metrics: {} });
    expect((await store.getJob(j.id))!.metrics).toEqual({});
    await expect(store.updateJob(888_888, { status: 'failed' })).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
    await expect(store.updateJob(888_888, {})).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
  });
}

function jobCompletionTests(ctx: StoreSuiteContext): void {
  const { newExperiment, newJob } = storeHelpers(ctx);
  it('completes a job with its final state, the best job and the snapshot in one go', async () => {
    const store = ctx.store();
    const e = await newExperiment();
    const j = await newJob(e.id);
    const before = Date.now();
    await store.completeJob(
      j.id,
      { status: 'finished', score: 0.93, metrics: { f1: 0.9 } },
      { id: e.id, proposerState: { told: 1 }, bestJobId: j.id, bestScore: 0.93, budgetUsedMs: 1234 },
    );
    const job = (await store.getJob(j.id))!;
    expect(job).toMatchObject({ status: 'finished', score: 0.93, metrics: { f1: 0.9 } });
    expect(job.endedAt).toBeGreaterThanOrEqual(before);
    const exp = (await store.getExperiment(e.id))!;
    expect(exp).toMatchObject({ bestJobId: j.id, bestScore: 0.93, proposerState: { told: 1 }, budgetUsedMs: 1234 });

    // Fields left out stay as they are; an explicit endedAt is kept.
    const j2 = await newJob(e.id, 1);
    await store.completeJob(j2.id, { status: 'failed', endedAt: FAR_TIME }, { id: e.id, proposerState: { told: 2 } });
    expect((await store.getJob(j2.id))!).toMatchObject({ status: 'failed', endedAt: FAR_TIME, score: null });
    expect((await store.getExperiment(e.id))!).toMatchObject({
      bestJobId: j.id,
      bestScore: 0.93,
      proposerState: { told: 2 },
      budgetUsedMs: 1234,
    });
  });

  it('rolls completeJob back as a whole when part of it fails', async () => {
    const store = ctx.store();
    const e = await newExperiment();
    const j = await newJob(e.id);
    await expect(
      store.completeJob(j.id, { status: 'finished', score: 1, metrics: { m: 1 } }, { id: 55_555, bestJobId: j.id, bestScore: 1 }),
    ).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND' });
    const job = (await store.getJob(j.id))!;
    expect(job).toMatchObject({ status: 'queued', score: null, metrics: {}, endedAt: null });
    await expect(store.completeJob(66_666, { status: 'finished' }, { id: e.id, bestScore: 3 })).rejects.toMatchObject({
      code: 'AUP_ERR_JOB_NOT_FOUND',
    });
    expect((await store.getExperiment(e.id))!.bestScore).toBeNull();
  });

  it("writes a job's start with its attempt, and its end with the attempt's end, each in one transaction", async () => {
    const store = ctx.store();
    const e = await newExperiment();
    const j = await newJob(e.id);
    const a = await store.startAttempt({
      jobId: j.id,
      attempt: 1,
      slot: 'cpu:0',
      job: { status: 'running', startedAt: FAR_TIME, endedAt: null },
    });
    expect(await store.getJob(j.id)).toMatchObject({ status: 'running', attempts: 1, startedAt: FAR_TIME });
    await store.completeJob(
      j.id,
      { status: 'finished', score: 0.5, endedAt: FAR_TIME + 2 },
      { id: e.id, bestJobId: j.id, bestScore: 0.5 },
      { id: a.id, patch: { status: 'finished', exitCode: 0, score: 0.5, pid: 31_337, endedAt: FAR_TIME + 1 } },
    );
    expect(await store.getJob(j.id)).toMatchObject({ status: 'finished', score: 0.5, endedAt: FAR_TIME + 2 });
    expect((await store.listAttempts(j.id)).map((x) => [x.status, x.exitCode, x.score, x.pid, x.endedAt])).toEqual([
      ['finished', 0, 0.5, 31_337, FAR_TIME + 1],
    ]);
    // An unknown attempt rolls the whole completion back.
    const j2 = await newJob(e.id, 1);
    await expect(
      store.completeJob(
        j2.id,
        { status: 'finished', score: 0.1 },
        { id: e.id, bestJobId: j2.id, bestScore: 0.1 },
        { id: 707_070, patch: { status: 'finished' } },
      ),
    ).rejects.toHaveProperty('code');
    expect(await store.getJob(j2.id)).toMatchObject({ status: 'queued', score: null });
    expect((await store.getExperiment(e.id))!.bestScore).toBe(0.5);
  });

  it('keeps the best job until a patch clears it', async () => {
    const store = ctx.store();
    const e = await newExperiment();
    const j = await newJob(e.id);
    await store.updateExperiment(e.id, { bestJobId: j.id, bestScore: -4 });
    await store.completeJob(j.id, { status: 'finished', score: -4 }, { id: e.id });
    expect((await store.getExperiment(e.id))!).toMatchObject({ bestJobId: j.id, bestScore: -4 });
    await store.completeJob(j.id, { status: 'finished' }, { id: e.id, bestJobId: null, bestScore: null });
    expect((await store.getExperiment(e.id))!).toMatchObject({ bestJobId: null, bestScore: null });
  });

  it('lists jobs with their metrics', async () => {
    const store = ctx.store();
    const e = await newExperiment();
    const a = await newJob(e.id, 0);
    const b = await newJob(e.id, 1);
    await store.setMultipleResults(a.id, { f1: 0.8, recall: 0.7 });
    await store.setMultipleResults(b.id, { f1: 0.6 });
    const jobs = await store.listJobs(e.id);
    expect(jobs.map((j) => j.metrics)).toEqual([{ f1: 0.8, recall: 0.7 }, { f1: 0.6 }]);
  });
}

function attemptsTests(ctx: StoreSuiteContext): void {
  const { newExperiment, newJob } = storeHelpers(ctx);
  describe('attempts', () => {
    it('starts, updates and lists attempts, counting them on the job', async () => {
      const store = ctx.store();
      const e = await newExperiment();
      const j = await newJob(e.id);
      const before = Date.now();
      const a1 = await store.startAttempt({
        jobId: j.id,
        attempt: 1,
        host: 'h1',
        pid: 4242,
        slot: 'cpu:0',
        logPath: `jobs/${j.id}.1.out`,
      });
      expect(a1).toMatchObject({
        jobId: j.id,
        attempt: 1,
        kind: 'trial',
        status: 'running',
        host: 'h1',
        pid: 4242,
        workerId: null,
        slot: 'cpu:0',
        exitCode: null,
        score: null,
        error: null,
        logPath: `jobs/${j.id}.1.out`,
        endedAt: null,
      });
      expect(a1.startedAt).toBeGreaterThanOrEqual(before);
      expect((await store.getJob(j.id))!.attempts).toBe(1);
      await store.updateAttempt(a1.id, { status: 'failed', exitCode: 3, score: 0.5, error: 'exit code 3', endedAt: FAR_TIME });
      const a2 = await store.startAttempt({ jobId: j.id, attempt: 2 });
      expect(a2).toMatchObject({ host: null, pid: null, slot: null, logPath: null });
      expect((await store.getJob(j.id))!.attempts).toBe(2);
      await store.updateAttempt(a2.id, { pid: 7, status: 'finished', exitCode: 0, endedAt: FAR_TIME + 5 });
      const list = await store.listAttempts(j.id);
      expect(list.map((a) => [a.attempt, a.status, a.exitCode, a.pid])).toEqual([
        [1, 'failed', 3, 4242],
        [2, 'finished', 0, 7],
      ]);
      expect(list[0]).toMatchObject({ score: 0.5, error: 'exit code 3', endedAt: FAR_TIME });
      expect(await store.listAttempts(123_456)).toEqual([]);
    });

    it("records the best job's model save as an attempt of its own kind, leaving the job's status and score", async () => {
      const store = ctx.store();
      const e = await newExperiment();
      const j = await newJob(e.id);
      const trial = await store.startAttempt({ jobId: j.id, attempt: 1, job: { status: 'running' } });
      await store.completeJob(
        j.id,
        { status: 'finished', score: 0.75, endedAt: FAR_TIME },
        { id: e.id, bestJobId: j.id, bestScore: 0.75 },
        { id: trial.id, patch: { status: 'finished', exitCode: 0, endedAt: FAR_TIME } },
      );
      const save = await store.startAttempt({ jobId: j.id, attempt: 2, kind: 'save_model', slot: 'cpu:0' });
      expect(save).toMatchObject({ attempt: 2, kind: 'save_model', status: 'running' });
      await store.updateAttempt(save.id, { status: 'failed', exitCode: 1, error: 'exit code 1', endedAt: FAR_TIME + 9 });
      expect((await store.listAttempts(j.id)).map((a) => [a.attempt, a.kind, a.status])).toEqual([
        [1, 'trial', 'finished'],
        [2, 'save_model', 'failed'],
      ]);
      expect(await store.getJob(j.id)).toMatchObject({ status: 'finished', score: 0.75, attempts: 2, endedAt: FAR_TIME });
      expect(await store.listJobs(e.id)).toHaveLength(1);
    });

    it('rejects a repeated attempt number, an unknown job and an unknown attempt', async () => {
      const store = ctx.store();
      const e = await newExperiment();
      const j = await newJob(e.id);
      await store.startAttempt({ jobId: j.id, attempt: 1 });
      await expect(store.startAttempt({ jobId: j.id, attempt: 1 })).rejects.toHaveProperty('code');
      await expect(store.startAttempt({ jobId: 909_090, attempt: 1 })).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
      await expect(store.updateAttempt(808_080, { status: 'failed' })).rejects.toHaveProperty('code');
      expect(await store.listAttempts(j.id)).toHaveLength(1);
    });
  });
}
