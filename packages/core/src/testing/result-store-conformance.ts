import { describe, expect, it } from 'vitest';

import type { IntermediateRecord, TextRecord } from '../store/store-types.js';
import { FAR_TIME, series, storeHelpers, type StoreSuiteContext } from './store-suite.js';

// Enough rows to cross every chunk boundary of a batch insert (SQLite: 6,553 rows of 5 parameters
// per statement; PostgreSQL: one unnest() per 20,000 rows) within one call.
const BIG_BATCH = 45_000;
const ROUND_TRIP_ROWS = 10_000;

/** The ResultStore role: intermediate results in batches, multiple results, text records and artifacts. */
export function resultStoreConformance(ctx: StoreSuiteContext): void {
  intermediateTests(ctx);
  recordsTests(ctx);
}

function intermediateTests(ctx: StoreSuiteContext): void {
  const { newExperiment, newJob } = storeHelpers(ctx);
  describe('intermediate results', () => {
    it(`round-trips ${ROUND_TRIP_ROWS} rows in order`, async () => {
      const store = ctx.store();
      const e = await newExperiment();
      const j = await newJob(e.id);
      const rows = series(j.id, 'loss', ROUND_TRIP_ROWS);
      await store.addIntermediate(rows);
      expect(await store.listIntermediate(j.id, 'loss')).toEqual(rows);
      expect(await store.listIntermediate(j.id)).toEqual(rows);
    });

    it(`stores a batch of ${BIG_BATCH} rows across labels and jobs in one call`, async () => {
      const store = ctx.store();
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
      const store = ctx.store();
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
      const store = ctx.store();
      const e = await newExperiment();
      const j = await newJob(e.id);
      const rows = series(j.id, 'loss', 100);
      rows.push({ jobId: 575_757, label: 'loss', step: 0, value: 1, time: 1 });
      await expect(store.addIntermediate(rows)).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
      expect(await store.listIntermediate(j.id)).toEqual([]);
    });
  });
}

function recordsTests(ctx: StoreSuiteContext): void {
  const { newExperiment, newJob } = storeHelpers(ctx);
  describe('multiple results, text records, artifacts', () => {
    it('replaces multiple results', async () => {
      const store = ctx.store();
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
      const store = ctx.store();
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
      const store = ctx.store();
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
}
