import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Json } from '../types.js';
import { jobQueryConformance } from './job-query-conformance.js';
import type { IntermediateRecord, JobRecord, NewExperiment, Store, TextRecord } from '../store/store-types.js';
import { changeFeedConformance } from './change-feed-conformance.js';
import { workerQueueConformance } from './worker-queue-conformance.js';
import { driverLeaseConformance } from './driver-lease-conformance.js';

export interface StoreConformanceOptions {
  /**
   * Opens a second Store on the same database as `first`, for the concurrent-writer tests. Omit it
   * for a backend that cannot be shared (an in-memory SQLite database); those tests are then not declared.
   */
  openSibling?: (first: Store) => Promise<Store>;
}

// Enough rows to cross every chunk boundary of a batch insert (SQLite: 6,553 rows of 5 parameters
// per statement; PostgreSQL: one unnest() per 20,000 rows) within one call.
const BIG_BATCH = 45_000;
const ROUND_TRIP_ROWS = 10_000;
// A time after 2038 and beyond 2^31 ms: catches int4 columns and strings for bigint.
const FAR_TIME = 4_102_444_800_123;

/**
 * The behaviour every Store must show (docs/architecture.md §3). `open` must return a store on a new, empty
 * database each time it is called; the suite closes what it opens.
 * @example storeConformance('sqlite file', async () => openStore(await db.fresh()), { openSibling: (s) => openStore(s.url) });
 */
export function storeConformance(name: string, open: () => Promise<Store>, options: StoreConformanceOptions = {}): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    const extra: Store[] = [];

    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close();
      await store.close();
    });

    const newExperiment = async (overrides: Partial<NewExperiment> = {}) => store.createExperiment(experimentInput(overrides));
    const newJob = async (experimentId: number, trial = 0, params: JobRecord['params'] = { x: trial }) =>
      store.createJob({ experimentId, trial, params });

    jobQueryConformance(() => store);

    describe('experiments', () => {
      it('creates an experiment and reads back every field, JSON key order included', async () => {
        const before = Date.now();
        const input = experimentInput();
        const created = await store.createExperiment(input);
        const after = Date.now();
        expect(created).toMatchObject({
          name: input.name,
          user: input.user,
          proposer: input.proposer,
          target: input.target,
          nSamples: input.nSamples,
          status: 'created',
          workingDir: input.workingDir,
          bestJobId: null,
          bestScore: null,
          error: null,
          startedAt: null,
          endedAt: null,
        });
        expect(created.configRaw).toEqual(input.configRaw);
        expect(created.config).toEqual(input.config);
        expect(created.host).toEqual(input.host);
        expect(created.git).toEqual(input.git);
        expect(created.proposerState).toEqual(input.proposerState);
        expect(Object.keys(created.configRaw as object)).toEqual(Object.keys(input.configRaw as object));
        expect(created.createdAt).toBeGreaterThanOrEqual(before);
        expect(created.createdAt).toBeLessThanOrEqual(after);
        expect(Number.isSafeInteger(created.id)).toBe(true);

        const read = await store.getExperiment(created.id);
        expect(read).toEqual(created);
        expect(Object.keys(read!.configRaw as object)).toEqual(Object.keys(input.configRaw as object));
      });

      it('stores a missing proposer state as null', async () => {
        const { proposerState: _omit, ...input } = experimentInput();
        const created = await store.createExperiment(input);
        expect(created.proposerState).toBeNull();
        expect((await store.getExperiment(created.id))!.proposerState).toBeNull();
      });

      it('answers undefined for an unknown id and lists experiments in id order', async () => {
        expect(await store.getExperiment(987_654)).toBeUndefined();
        const a = await newExperiment({ name: 'a' });
        const b = await newExperiment({ name: 'b' });
        const c = await newExperiment({ name: 'c' });
        expect(b.id).toBeGreaterThan(a.id);
        expect((await store.listExperiments()).map((e) => [e.id, e.name])).toEqual([
          [a.id, 'a'],
          [b.id, 'b'],
          [c.id, 'c'],
        ]);
      });

      it('updates only the fields a patch names, and null clears', async () => {
        const e = await newExperiment();
        await store.updateExperiment(e.id, { status: 'running', startedAt: FAR_TIME, error: 'boom', nSamples: 99 });
        let read = (await store.getExperiment(e.id))!;
        expect(read).toMatchObject({ status: 'running', startedAt: FAR_TIME, error: 'boom', nSamples: 99, name: e.name });
        expect(read.proposerState).toEqual(e.proposerState);
        await store.updateExperiment(e.id, { error: null, endedAt: FAR_TIME + 1, proposerState: { round: 2 } });
        read = (await store.getExperiment(e.id))!;
        expect(read).toMatchObject({ status: 'running', error: null, endedAt: FAR_TIME + 1, proposerState: { round: 2 } });
        await store.updateExperiment(e.id, {});
        expect(await store.getExperiment(e.id)).toEqual(read);
        // The host info is replaced whole (a probe that answers late fills in the Python version).
        await store.updateExperiment(e.id, { host: { hostname: 'late-host', python: '3.11.7' } });
        expect((await store.getExperiment(e.id))!.host).toEqual({ hostname: 'late-host', python: '3.11.7' });
        // The job folder: none until the runner chooses one, then kept.
        expect(e.jobDir).toBeNull();
        await store.updateExperiment(e.id, { jobDir: `jobs/e${e.id}-0a1b2c` });
        expect((await store.getExperiment(e.id))!.jobDir).toBe(`jobs/e${e.id}-0a1b2c`);
        await store.updateExperiment(e.id, { status: 'finished' });
        expect((await store.getExperiment(e.id))!.jobDir).toBe(`jobs/e${e.id}-0a1b2c`);
      });

      it('rejects updating or deleting an unknown experiment with AUP_ERR_EXPERIMENT_NOT_FOUND', async () => {
        await expect(store.updateExperiment(424_242, { status: 'running' })).rejects.toMatchObject({
          code: 'AUP_ERR_EXPERIMENT_NOT_FOUND',
        });
        await expect(store.updateExperiment(424_242, {})).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND' });
        await expect(store.deleteExperiment(424_242)).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND' });
      });
    });

    describe('jobs', () => {
      it('creates queued jobs with global ids and reads them back', async () => {
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
        const e = await newExperiment();
        const first = await newJob(e.id, 0);
        await store.deleteExperiment(e.id);
        const e2 = await newExperiment();
        const next = await newJob(e2.id, 0);
        expect(next.id).toBeGreaterThan(first.id);
      });

      it('writes the proposer snapshot with createJob', async () => {
        const e = await newExperiment({ proposerState: { asked: 0 } });
        await store.createJob({ experimentId: e.id, trial: 0, params: { x: 1 } }, { asked: 1, rng: [1, 2, 3] });
        expect((await store.getExperiment(e.id))!.proposerState).toEqual({ asked: 1, rng: [1, 2, 3] });
        await store.createJob({ experimentId: e.id, trial: 1, params: { x: 2 } });
        expect((await store.getExperiment(e.id))!.proposerState).toEqual({ asked: 1, rng: [1, 2, 3] });
      });

      it('rejects a job for an unknown experiment with AUP_ERR_EXPERIMENT_NOT_FOUND', async () => {
        await expect(store.createJob({ experimentId: 31_337, trial: 0, params: {} }, { s: 1 })).rejects.toMatchObject({
          code: 'AUP_ERR_EXPERIMENT_NOT_FOUND',
        });
      });

      it('updates a job; metrics replace the multiple results', async () => {
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

      it('completes a job with its final state, the best job and the snapshot in one go', async () => {
        const e = await newExperiment();
        const j = await newJob(e.id);
        const before = Date.now();
        await store.completeJob(
          j.id,
          { status: 'finished', score: 0.93, metrics: { f1: 0.9 } },
          { id: e.id, proposerState: { told: 1 }, bestJobId: j.id, bestScore: 0.93 },
        );
        const job = (await store.getJob(j.id))!;
        expect(job).toMatchObject({ status: 'finished', score: 0.93, metrics: { f1: 0.9 } });
        expect(job.endedAt).toBeGreaterThanOrEqual(before);
        const exp = (await store.getExperiment(e.id))!;
        expect(exp).toMatchObject({ bestJobId: j.id, bestScore: 0.93, proposerState: { told: 1 } });

        // Fields left out stay as they are; an explicit endedAt is kept.
        const j2 = await newJob(e.id, 1);
        await store.completeJob(j2.id, { status: 'failed', endedAt: FAR_TIME }, { id: e.id, proposerState: { told: 2 } });
        expect((await store.getJob(j2.id))!).toMatchObject({ status: 'failed', endedAt: FAR_TIME, score: null });
        expect((await store.getExperiment(e.id))!).toMatchObject({ bestJobId: j.id, bestScore: 0.93, proposerState: { told: 2 } });
      });

      it('rolls completeJob back as a whole when part of it fails', async () => {
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
        const e = await newExperiment();
        const j = await newJob(e.id);
        await store.updateExperiment(e.id, { bestJobId: j.id, bestScore: -4 });
        await store.completeJob(j.id, { status: 'finished', score: -4 }, { id: e.id });
        expect((await store.getExperiment(e.id))!).toMatchObject({ bestJobId: j.id, bestScore: -4 });
        await store.completeJob(j.id, { status: 'finished' }, { id: e.id, bestJobId: null, bestScore: null });
        expect((await store.getExperiment(e.id))!).toMatchObject({ bestJobId: null, bestScore: null });
      });

      it('lists jobs with their metrics', async () => {
        const e = await newExperiment();
        const a = await newJob(e.id, 0);
        const b = await newJob(e.id, 1);
        await store.setMultipleResults(a.id, { f1: 0.8, recall: 0.7 });
        await store.setMultipleResults(b.id, { f1: 0.6 });
        const jobs = await store.listJobs(e.id);
        expect(jobs.map((j) => j.metrics)).toEqual([{ f1: 0.8, recall: 0.7 }, { f1: 0.6 }]);
      });
    });

    describe('attempts', () => {
      it('starts, updates and lists attempts, counting them on the job', async () => {
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

      it('rejects a repeated attempt number, an unknown job and an unknown attempt', async () => {
        const e = await newExperiment();
        const j = await newJob(e.id);
        await store.startAttempt({ jobId: j.id, attempt: 1 });
        await expect(store.startAttempt({ jobId: j.id, attempt: 1 })).rejects.toHaveProperty('code');
        await expect(store.startAttempt({ jobId: 909_090, attempt: 1 })).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
        await expect(store.updateAttempt(808_080, { status: 'failed' })).rejects.toHaveProperty('code');
        expect(await store.listAttempts(j.id)).toHaveLength(1);
      });
    });

    describe('intermediate results', () => {
      it(`round-trips ${ROUND_TRIP_ROWS} rows in order`, async () => {
        const e = await newExperiment();
        const j = await newJob(e.id);
        const rows = series(j.id, 'loss', ROUND_TRIP_ROWS);
        await store.addIntermediate(rows);
        expect(await store.listIntermediate(j.id, 'loss')).toEqual(rows);
        expect(await store.listIntermediate(j.id)).toEqual(rows);
      });

      it(`stores a batch of ${BIG_BATCH} rows across labels and jobs in one call`, async () => {
        const e = await newExperiment();
        const j1 = await newJob(e.id, 0);
        const j2 = await newJob(e.id, 1);
        const third = Math.floor(BIG_BATCH / 3);
        const loss = series(j1.id, 'loss', third);
        const acc = series(j1.id, 'acc', third);
        const other = series(j2.id, 'loss', BIG_BATCH - 2 * third);
        // Interleaved as a runner would flush them.
        const mixed: IntermediateRecord[] = [];
        for (let i = 0; i < third; i++) mixed.push(loss[i]!, other[i]!, acc[i]!);
        mixed.push(...other.slice(third));
        await store.addIntermediate(mixed);
        expect(await store.listIntermediate(j1.id, 'loss')).toEqual(loss);
        expect(await store.listIntermediate(j1.id, 'acc')).toEqual(acc);
        expect(await store.listIntermediate(j2.id)).toEqual(other);
        // Without a label: grouped by label, then by step.
        expect(await store.listIntermediate(j1.id)).toEqual([...acc, ...loss]);
      });

      it('orders by step, keeps insertion order for equal steps, and accepts fractional steps', async () => {
        const e = await newExperiment();
        const j = await newJob(e.id);
        await store.addIntermediate([
          { jobId: j.id, label: 'x', step: 2, value: 20, time: FAR_TIME },
          { jobId: j.id, label: 'x', step: 0.5, value: 5, time: FAR_TIME },
        ]);
        await store.addIntermediate([
          { jobId: j.id, label: 'x', step: 2, value: 21, time: FAR_TIME + 1 },
          { jobId: j.id, label: 'x', step: 1, value: 10, time: FAR_TIME },
        ]);
        await store.addIntermediate([]);
        expect((await store.listIntermediate(j.id, 'x')).map((r) => [r.step, r.value])).toEqual([
          [0.5, 5],
          [1, 10],
          [2, 20],
          [2, 21],
        ]);
        expect(await store.listIntermediate(j.id, 'nope')).toEqual([]);
      });

      it('rejects a batch that names an unknown job and stores none of it', async () => {
        const e = await newExperiment();
        const j = await newJob(e.id);
        const rows = series(j.id, 'loss', 100);
        rows.push({ jobId: 575_757, label: 'loss', step: 0, value: 1, time: 1 });
        await expect(store.addIntermediate(rows)).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
        expect(await store.listIntermediate(j.id)).toEqual([]);
      });
    });

    describe('multiple results, text records, artifacts', () => {
      it('replaces multiple results', async () => {
        const e = await newExperiment();
        const j = await newJob(e.id);
        await store.setMultipleResults(j.id, { a: 1, b: 2.5 });
        expect((await store.getJob(j.id))!.metrics).toEqual({ a: 1, b: 2.5 });
        await store.setMultipleResults(j.id, { c: -3 });
        expect((await store.getJob(j.id))!.metrics).toEqual({ c: -3 });
        await store.setMultipleResults(j.id, {});
        expect((await store.getJob(j.id))!.metrics).toEqual({});
        await expect(store.setMultipleResults(414_141, { a: 1 })).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
      });

      it('round-trips text, histogram and image records in order', async () => {
        const e = await newExperiment();
        const j = await newJob(e.id);
        const rows: TextRecord[] = [
          { jobId: j.id, kind: 'text', name: 'notes', step: null, payload: { text: 'héllo\nworld ✓' }, time: FAR_TIME },
          { jobId: j.id, kind: 'histogram', name: 'w', step: 3, payload: { values: [0.1, -2, 3e10] }, time: FAR_TIME + 1 },
          { jobId: j.id, kind: 'image', name: 'seg', step: 4, payload: { path: 'out/seg.png' }, time: FAR_TIME + 2 },
        ];
        await store.addTextRecords(rows);
        await store.addTextRecords([{ ...rows[0]!, name: 'later', payload: { text: '' } }]);
        await store.addTextRecords([]);
        const read = await store.listTextRecords(j.id);
        expect(read).toEqual([...rows, { ...rows[0]!, name: 'later', payload: { text: '' } }]);
        expect(await store.listTextRecords(3_333_333)).toEqual([]);
        await expect(store.addTextRecords([{ ...rows[0]!, jobId: 3_333_333 }])).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
      });

      it('round-trips artifacts in order', async () => {
        const e = await newExperiment();
        const j = await newJob(e.id);
        const rows = [
          { jobId: j.id, path: 'model.onnx', time: FAR_TIME },
          { jobId: j.id, path: 'sub dir/ckpt-ü.pt', time: FAR_TIME + 7 },
        ];
        await store.addArtifacts(rows);
        await store.addArtifacts([]);
        expect(await store.listArtifacts(j.id)).toEqual(rows);
        await expect(store.addArtifacts([{ jobId: 2_222_222, path: 'x', time: 1 }])).rejects.toMatchObject({
          code: 'AUP_ERR_JOB_NOT_FOUND',
        });
      });
    });

    describe('deleting', () => {
      it('deletes an experiment with its jobs and everything under them, and nothing else', async () => {
        const gone = await newExperiment({ name: 'gone' });
        const kept = await newExperiment({ name: 'kept' });
        const fill = async (experimentId: number) => {
          const j = await newJob(experimentId);
          await store.startAttempt({ jobId: j.id, attempt: 1 });
          await store.addIntermediate(series(j.id, 'loss', 50));
          await store.setMultipleResults(j.id, { f1: 1 });
          await store.addTextRecords([{ jobId: j.id, kind: 'text', name: 'n', step: null, payload: { text: 't' }, time: 1 }]);
          await store.addArtifacts([{ jobId: j.id, path: 'a', time: 1 }]);
          return j;
        };
        const gj = await fill(gone.id);
        const kj = await fill(kept.id);
        await store.deleteExperiment(gone.id);
        expect(await store.getExperiment(gone.id)).toBeUndefined();
        expect(await store.getJob(gj.id)).toBeUndefined();
        expect(await store.listJobs(gone.id)).toEqual([]);
        expect(await store.listAttempts(gj.id)).toEqual([]);
        expect(await store.listIntermediate(gj.id)).toEqual([]);
        expect(await store.listTextRecords(gj.id)).toEqual([]);
        expect(await store.listArtifacts(gj.id)).toEqual([]);
        expect((await store.getJob(kj.id))!.metrics).toEqual({ f1: 1 });
        expect(await store.listAttempts(kj.id)).toHaveLength(1);
        expect(await store.listIntermediate(kj.id)).toHaveLength(50);
        expect(await store.listTextRecords(kj.id)).toHaveLength(1);
        expect(await store.listArtifacts(kj.id)).toHaveLength(1);
        expect((await store.listExperiments()).map((e) => e.name)).toEqual(['kept']);
      });

      it('deletes one job with everything under it, hands the best to the next best, and reports it in the change feed', async () => {
        const e = await newExperiment({ target: 'min' });
        const jobs = [];
        for (const [trial, score] of [0.5, 0.2, 0.9].entries()) {
          const j = await newJob(e.id, trial);
          await store.startAttempt({ jobId: j.id, attempt: 1 });
          await store.addIntermediate(series(j.id, 'loss', 5));
          await store.setMultipleResults(j.id, { f1: score });
          await store.addTextRecords([{ jobId: j.id, kind: 'text', name: 'n', step: null, payload: { text: 't' }, time: 1 }]);
          await store.addArtifacts([{ jobId: j.id, path: 'a', time: 1 }]);
          await store.completeJob(
            j.id,
            { status: 'finished', score },
            { id: e.id, bestJobId: trial === 1 ? j.id : undefined, bestScore: trial === 1 ? score : undefined },
          );
          jobs.push(j);
        }
        const [first, best, last] = jobs as [JobRecord, JobRecord, JobRecord];
        const before = await store.lastChangeId();
        await store.deleteJob(best.id);
        expect(await store.getJob(best.id)).toBeUndefined();
        expect(await store.listAttempts(best.id)).toEqual([]);
        expect(await store.listIntermediate(best.id)).toEqual([]);
        expect(await store.listTextRecords(best.id)).toEqual([]);
        expect(await store.listArtifacts(best.id)).toEqual([]);
        expect((await store.listJobs(e.id)).map((j) => j.id)).toEqual([first.id, last.id]);
        expect(
          (await store.queryJobs({ experimentId: e.id, offset: 0, limit: 10, filters: [{ column: 'param:x', op: '=', value: 1 }] })).total,
        ).toBe(0);
        expect(await store.listIntermediate(first.id)).toHaveLength(5);
        expect(await store.getExperiment(e.id)).toMatchObject({ bestJobId: first.id, bestScore: 0.5 });
        expect(await store.listChanges(before)).toEqual([expect.objectContaining({ experimentId: e.id, jobId: best.id, kind: 'job' })]);
        // A job that is not the best leaves the best alone; the last one gone leaves none.
        await store.deleteJob(last.id);
        expect(await store.getExperiment(e.id)).toMatchObject({ bestJobId: first.id, bestScore: 0.5 });
        await store.deleteJob(first.id);
        expect(await store.getExperiment(e.id)).toMatchObject({ bestJobId: null, bestScore: null });
        await expect(store.deleteJob(first.id)).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
      });
    });

    describe('workers', () => {
      it('registers workers and lists them in id order with the jobs of their running attempts', async () => {
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

    describe('types', () => {
      it('returns ids, times and counts as numbers, not strings or bigints', async () => {
        const e = await newExperiment();
        await store.updateExperiment(e.id, { startedAt: FAR_TIME, endedAt: FAR_TIME + 1, bestScore: 1.5, bestJobId: 1 });
        const j = await newJob(e.id);
        await store.updateJob(j.id, { startedAt: FAR_TIME, endedAt: FAR_TIME, attempts: 4, score: 2 });
        const a = await store.startAttempt({ jobId: j.id, attempt: 5, pid: 2 ** 31 - 1 });
        await store.updateAttempt(a.id, { endedAt: FAR_TIME, exitCode: -9 });
        await store.addIntermediate([{ jobId: j.id, label: 'l', step: 7, value: 0.25, time: FAR_TIME }]);
        await store.addTextRecords([{ jobId: j.id, kind: 'text', name: 'n', step: 2, payload: { text: '' }, time: FAR_TIME }]);
        await store.addArtifacts([{ jobId: j.id, path: 'p', time: FAR_TIME }]);

        const exp = (await store.getExperiment(e.id))!;
        const job = (await store.getJob(j.id))!;
        const att = (await store.listAttempts(j.id))[0]!;
        const inter = (await store.listIntermediate(j.id))[0]!;
        const text = (await store.listTextRecords(j.id))[0]!;
        const art = (await store.listArtifacts(j.id))[0]!;
        const numbers: [string, unknown][] = [
          ['experiment.id', exp.id],
          ['experiment.nSamples', exp.nSamples],
          ['experiment.createdAt', exp.createdAt],
          ['experiment.startedAt', exp.startedAt],
          ['experiment.endedAt', exp.endedAt],
          ['experiment.bestJobId', exp.bestJobId],
          ['experiment.bestScore', exp.bestScore],
          ['job.id', job.id],
          ['job.experimentId', job.experimentId],
          ['job.trial', job.trial],
          ['job.attempts', job.attempts],
          ['job.score', job.score],
          ['job.createdAt', job.createdAt],
          ['job.startedAt', job.startedAt],
          ['job.endedAt', job.endedAt],
          ['attempt.id', att.id],
          ['attempt.jobId', att.jobId],
          ['attempt.attempt', att.attempt],
          ['attempt.pid', att.pid],
          ['attempt.exitCode', att.exitCode],
          ['attempt.startedAt', att.startedAt],
          ['attempt.endedAt', att.endedAt],
          ['intermediate.jobId', inter.jobId],
          ['intermediate.step', inter.step],
          ['intermediate.value', inter.value],
          ['intermediate.time', inter.time],
          ['text.jobId', text.jobId],
          ['text.step', text.step],
          ['text.time', text.time],
          ['artifact.jobId', art.jobId],
          ['artifact.time', art.time],
        ];
        for (const [field, value] of numbers) expect(typeof value, field).toBe('number');
        expect([exp.startedAt, job.startedAt, att.endedAt, inter.time, text.time, art.time]).toEqual(Array(6).fill(FAR_TIME));
        expect(job.attempts).toBe(5);
        expect(att.pid).toBe(2 ** 31 - 1);
      });

      it('can be closed twice', async () => {
        const s = await open();
        await s.close();
        await expect(s.close()).resolves.toBeUndefined();
      });
    });

    describe('control requests', () => {
      it('records a request and reads it back, untaken', async () => {
        const e = await newExperiment();
        const j = await newJob(e.id);
        const before = Date.now();
        const r = await store.requestControl({ experimentId: e.id, jobId: j.id, action: 'kill_job', payload: { jobId: j.id, why: 'ünï' } });
        expect(r).toMatchObject({
          experimentId: e.id,
          jobId: j.id,
          action: 'kill_job',
          payload: { jobId: j.id, why: 'ünï' },
          takenAt: null,
          doneAt: null,
          result: null,
        });
        expect(r.createdAt).toBeGreaterThanOrEqual(before);
        expect(await store.getControlRequest(r.id)).toEqual(r);
        const stop = await store.requestControl({ experimentId: e.id, action: 'stop' });
        expect(stop).toMatchObject({ jobId: null, payload: {} });
        expect(stop.id).toBeGreaterThan(r.id);
        expect(await store.getControlRequest(987_654)).toBeUndefined();
      });

      it('rejects a request for an unknown experiment with AUP_ERR_EXPERIMENT_NOT_FOUND', async () => {
        await expect(store.requestControl({ experimentId: 424_242, action: 'stop' })).rejects.toMatchObject({
          code: 'AUP_ERR_EXPERIMENT_NOT_FOUND',
        });
      });

      it('takes the experiment’s untaken requests once, in id order, leaving other experiments’ alone', async () => {
        const e = await newExperiment();
        const other = await newExperiment();
        const a = await store.requestControl({ experimentId: e.id, action: 'set', payload: { n_parallel: 3 } });
        const b = await store.requestControl({ experimentId: e.id, action: 'enqueue', payload: { params: { x: 0.5 } } });
        const o = await store.requestControl({ experimentId: other.id, action: 'stop' });
        const before = Date.now();
        const taken = await store.takeControlRequests(e.id);
        expect(taken.map((t) => t.id)).toEqual([a.id, b.id]);
        expect(taken.map((t) => t.payload)).toEqual([{ n_parallel: 3 }, { params: { x: 0.5 } }]);
        for (const t of taken) expect(t.takenAt).toBeGreaterThanOrEqual(before);
        expect(await store.takeControlRequests(e.id)).toEqual([]);
        expect((await store.getControlRequest(a.id))!.takenAt).toBe(taken[0]!.takenAt);
        expect((await store.getControlRequest(o.id))!.takenAt).toBeNull();
        const c = await store.requestControl({ experimentId: e.id, action: 'stop' });
        expect((await store.takeControlRequests(e.id)).map((t) => t.id)).toEqual([c.id]);
        expect((await store.takeControlRequests(other.id)).map((t) => t.id)).toEqual([o.id]);
      });

      it('finishes a request with its result; an unknown id is an error', async () => {
        const e = await newExperiment();
        const r = await store.requestControl({ experimentId: e.id, action: 'stop' });
        await store.takeControlRequests(e.id);
        const before = Date.now();
        await store.finishControlRequest(r.id, { ok: false, code: 'AUP_ERR_EXPERIMENT_STATE', message: 'x', details: [1, null] });
        const done = (await store.getControlRequest(r.id))!;
        expect(done.result).toEqual({ ok: false, code: 'AUP_ERR_EXPERIMENT_STATE', message: 'x', details: [1, null] });
        expect(done.doneAt).toBeGreaterThanOrEqual(before);
        expect(done.takenAt).not.toBeNull();
        await expect(store.finishControlRequest(987_654, { ok: true })).rejects.toMatchObject({ code: 'AUP_ERR_INTERNAL' });
      });

      it('deletes an experiment’s requests with it', async () => {
        const e = await newExperiment();
        const r = await store.requestControl({ experimentId: e.id, action: 'stop' });
        await store.deleteExperiment(e.id);
        expect(await store.getControlRequest(r.id)).toBeUndefined();
      });

      it('replaces the normalised config with an experiment patch', async () => {
        const e = await newExperiment();
        const config = { ...(e.config as object), n_parallel: 7, n_samples: 11 } as Json;
        await store.updateExperiment(e.id, { config, nSamples: 11 });
        const read = (await store.getExperiment(e.id))!;
        expect(read.config).toEqual(config);
        expect(Object.keys(read.config as object)).toEqual(Object.keys(config as object));
        expect(read.nSamples).toBe(11);
        expect(read.configRaw).toEqual(e.configRaw);
      });

      if (options.openSibling !== undefined) {
        const sibling = options.openSibling;
        it('never hands one request to two stores taking at once', async () => {
          const other = await sibling(store);
          extra.push(other);
          const e = await newExperiment();
          const ROUNDS = 5;
          const PER_ROUND = 4;
          const ids: number[] = [];
          const seen: number[] = [];
          for (let round = 0; round < ROUNDS; round++) {
            for (let i = 0; i < PER_ROUND; i++)
              ids.push((await store.requestControl({ experimentId: e.id, action: 'set', payload: { round, i } })).id);
            const [x, y] = await Promise.all([store.takeControlRequests(e.id), other.takeControlRequests(e.id)]);
            seen.push(...x.map((r) => r.id), ...y.map((r) => r.id));
          }
          expect(seen.sort((a, b) => a - b)).toEqual(ids);
        });
      }
    });

    changeFeedConformance({ store: () => store, openSibling: options.openSibling, track: (s) => extra.push(s) });
    workerQueueConformance({ store: () => store, openSibling: options.openSibling, track: (s) => extra.push(s) });
    driverLeaseConformance({ store: () => store, openSibling: options.openSibling, track: (s) => extra.push(s) });

    const openSibling = options.openSibling;
    if (openSibling !== undefined) {
      describe('two stores on one database', () => {
        it('sees the other store’s writes', async () => {
          const other = await openSibling(store);
          extra.push(other);
          const e = await newExperiment({ name: 'shared' });
          const j = await other.createJob({ experimentId: e.id, trial: 0, params: { x: 1 } }, { from: 'other' });
          expect((await store.getJob(j.id))!.params).toEqual({ x: 1 });
          expect((await store.getExperiment(e.id))!.proposerState).toEqual({ from: 'other' });
        });

        it('writes from both at once without "database is locked"', async () => {
          const other = await openSibling(store);
          extra.push(other);
          const JOBS = 12;
          const ROWS = 2_000;
          const work = async (s: Store, name: string) => {
            const e = await s.createExperiment(experimentInput({ name }));
            const pending: Promise<unknown>[] = [];
            for (let t = 0; t < JOBS; t++) {
              pending.push(
                (async () => {
                  const j = await s.createJob({ experimentId: e.id, trial: t, params: { t } }, { t });
                  const a = await s.startAttempt({ jobId: j.id, attempt: 1 });
                  await s.addIntermediate(series(j.id, 'loss', ROWS));
                  await s.updateAttempt(a.id, { status: 'finished', exitCode: 0, endedAt: Date.now() });
                  await s.completeJob(j.id, { status: 'finished', score: t, metrics: { t } }, { id: e.id, proposerState: { t } });
                })(),
              );
            }
            await Promise.all(pending);
            return e.id;
          };
          const [ea, eb] = await Promise.all([work(store, 'a'), work(other, 'b')]);
          for (const [s, id] of [
            [store, ea],
            [other, eb],
            [store, eb],
            [other, ea],
          ] as const) {
            const jobs = await s.listJobs(id);
            expect(jobs).toHaveLength(JOBS);
            expect(jobs.every((j) => j.status === 'finished' && j.attempts === 1)).toBe(true);
            for (const j of jobs) expect(await s.listIntermediate(j.id)).toHaveLength(ROWS);
          }
        });
      });
    }
  });
}

function experimentInput(overrides: Partial<NewExperiment> = {}): NewExperiment {
  // Keys deliberately out of alphabetical order: the store must keep the user's order.
  const configRaw: Json = {
    proposer: 'random',
    name: 'conformance',
    n_samples: 5,
    parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
    resource_args: { multi_res_labels: ['f1'], early_stop: null },
    zeta: 'ünïcödé ✓',
    alpha: [true, false, null, 1.5e-300, -7],
  };
  return {
    name: 'conformance',
    user: 'tester',
    proposer: 'random',
    target: 'max',
    nSamples: 5,
    configRaw,
    config: { ...(configRaw as object), workingdir: '/tmp/work', n_parallel: 2 } as Json,
    workingDir: '/tmp/work',
    host: { os: 'Linux', cores: 8, gpus: [] },
    git: { commit: 'abc123', branch: 'main', dirty: false },
    proposerState: { seed: 0, asked: 0 },
    ...overrides,
  };
}

/** A deterministic series: step i, value sin(i)/(i+1), time t0 + i. */
function series(jobId: number, label: string, n: number): IntermediateRecord[] {
  const rows: IntermediateRecord[] = [];
  for (let i = 0; i < n; i++) rows.push({ jobId, label, step: i, value: Math.sin(i) / (i + 1), time: FAR_TIME + i });
  return rows;
}
