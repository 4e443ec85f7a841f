import { describe, expect, it } from 'vitest';

import type { JobRecord } from '../store/store-types.js';
import { experimentInput, FAR_TIME, series, storeHelpers, type StoreSuiteContext } from './store-suite.js';

/** The ExperimentStore role: experiments written and read back, and deleting with everything under them. */
export function experimentStoreConformance(ctx: StoreSuiteContext): void {
  experimentsTests(ctx);
  deletingTests(ctx);
}

function experimentsTests(ctx: StoreSuiteContext): void {
  const { newExperiment } = storeHelpers(ctx);
  describe('experiments', () => {
    it('creates an experiment and reads back every field, JSON key order included', async () => {
      const store = ctx.store();
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
        stopReason: null,
        budgetUsedMs: 0,
        warmStart: null,
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
      const store = ctx.store();
      const { proposerState: _omit, ...input } = experimentInput();
      const created = await store.createExperiment(input);
      expect(created.proposerState).toBeNull();
      expect((await store.getExperiment(created.id))!.proposerState).toBeNull();
    });

    it('answers undefined for an unknown id and lists experiments in id order', async () => {
      const store = ctx.store();
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
      const store = ctx.store();
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
      // Why it ended, the budget time used and the warm start (migrations/0011); null clears.
      const warmStart = { experiments: [{ id: 7, jobs: 2, skipped: 1 }], jobIds: [70, 72] };
      await store.updateExperiment(e.id, { stopReason: 'time_budget', budgetUsedMs: 2_500_000_000_123, warmStart });
      expect(await store.getExperiment(e.id)).toMatchObject({ stopReason: 'time_budget', budgetUsedMs: 2_500_000_000_123, warmStart });
      await store.updateExperiment(e.id, { stopReason: null });
      expect(await store.getExperiment(e.id)).toMatchObject({ stopReason: null, budgetUsedMs: 2_500_000_000_123, warmStart });
    });

    it('rejects updating or deleting an unknown experiment with AUP_ERR_EXPERIMENT_NOT_FOUND', async () => {
      const store = ctx.store();
      await expect(store.updateExperiment(424_242, { status: 'running' })).rejects.toMatchObject({
        code: 'AUP_ERR_EXPERIMENT_NOT_FOUND',
      });
      await expect(store.updateExperiment(424_242, {})).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND' });
      await expect(store.deleteExperiment(424_242)).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND' });
    });
  });
}

function deletingTests(ctx: StoreSuiteContext): void {
  const { newExperiment, newJob } = storeHelpers(ctx);
  describe('deleting', () => {
    it('deletes an experiment with its jobs and everything under them, and nothing else', async () => {
      const store = ctx.store();
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
      const store = ctx.store();
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
}
