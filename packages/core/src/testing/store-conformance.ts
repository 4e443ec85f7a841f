import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Store } from '../store/store-types.js';
import { changeFeedConformance } from './change-feed-conformance.js';
import { controlRequestConformance } from './control-request-conformance.js';
import { driverLeaseConformance } from './driver-lease-conformance.js';
import { experimentStoreConformance } from './experiment-store-conformance.js';
import { importStoreConformance } from './import-store-conformance.js';
import { jobQueryConformance } from './job-query-conformance.js';
import { jobStoreConformance } from './job-store-conformance.js';
import { resultStoreConformance } from './result-store-conformance.js';
import { experimentInput, FAR_TIME, series, storeHelpers, type StoreSuiteContext } from './store-suite.js';
import { workerQueueConformance } from './worker-queue-conformance.js';

export type { StoreSuiteContext } from './store-suite.js';

export interface StoreConformanceOptions {
  /**
   * Opens a second Store on the same database as `first`, for the concurrent-writer tests. Omit it
   * for a backend that cannot be shared (an in-memory SQLite database); those tests are then not declared.
   */
  openSibling?: (first: Store) => Promise<Store>;
}

/**
 * The behaviour every Store must show (docs/architecture.md §3). `open` must return a store on a new, empty
 * database each time it is called; the suite closes what it opens.
 * @example storeConformance('sqlite file', async () => openStore(await db.fresh()), { openSibling: (s) => openStore(s.url) });
 * Each role's suite (experimentStoreConformance, jobStoreConformance, ...) runs inside it, on the store it opens.
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

    const ctx: StoreSuiteContext = { store: () => store, openSibling: options.openSibling, track: (s) => extra.push(s) };
    jobQueryConformance(() => store);
    experimentStoreConformance(ctx);
    jobStoreConformance(ctx);
    resultStoreConformance(ctx);
    typesTests(ctx, open);
    controlRequestConformance(ctx);
    changeFeedConformance(ctx);
    workerQueueConformance(ctx);
    driverLeaseConformance(ctx);
    importStoreConformance(ctx);
    if (options.openSibling !== undefined) siblingsTests(ctx, options.openSibling);
  });
}

function typesTests(ctx: StoreSuiteContext, open: () => Promise<Store>): void {
  const { newExperiment, newJob } = storeHelpers(ctx);
  describe('types', () => {
    it('returns ids, times and counts as numbers, not strings or bigints', async () => {
      const store = ctx.store();
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
}

function siblingsTests(ctx: StoreSuiteContext, openSibling: NonNullable<StoreSuiteContext['openSibling']>): void {
  const { newExperiment } = storeHelpers(ctx);
  describe('two stores on one database', () => {
    it('sees the other store’s writes', async () => {
      const store = ctx.store();
      const other = await openSibling(store);
      ctx.track(other);
      const e = await newExperiment({ name: 'shared' });
      const j = await other.createJob({ experimentId: e.id, trial: 0, params: { x: 1 } }, { from: 'other' });
      expect((await store.getJob(j.id))!.params).toEqual({ x: 1 });
      expect((await store.getExperiment(e.id))!.proposerState).toEqual({ from: 'other' });
    });

    it('writes from both at once without "database is locked"', async () => {
      const store = ctx.store();
      const other = await openSibling(store);
      ctx.track(other);
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
