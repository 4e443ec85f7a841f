import { describe, expect, it } from 'vitest';

import type { Json } from '../types.js';
import { storeHelpers, type StoreSuiteContext } from './store-suite.js';

/** The ControlRequestStore role: requests written, taken once, and answered. */
export function controlRequestConformance(ctx: StoreSuiteContext): void {
  controlTests(ctx);
}

function controlTests(ctx: StoreSuiteContext): void {
  describe('control requests', () => {
    controlRequestTests(ctx);
    controlRaceTests(ctx);
  });
}

function controlRequestTests(ctx: StoreSuiteContext): void {
  const { newExperiment, newJob } = storeHelpers(ctx);
  it('records a request and reads it back, untaken', async () => {
    const store = ctx.store();
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
    const store = ctx.store();
    await expect(store.requestControl({ experimentId: 424_242, action: 'stop' })).rejects.toMatchObject({
      code: 'AUP_ERR_EXPERIMENT_NOT_FOUND',
    });
  });

  it('takes the experiment’s untaken requests once, in id order, leaving other experiments’ alone', async () => {
    const store = ctx.store();
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
    const store = ctx.store();
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
    const store = ctx.store();
    const e = await newExperiment();
    const r = await store.requestControl({ experimentId: e.id, action: 'stop' });
    await store.deleteExperiment(e.id);
    expect(await store.getControlRequest(r.id)).toBeUndefined();
  });

  it('replaces the normalised config with an experiment patch', async () => {
    const store = ctx.store();
    const e = await newExperiment();
    const config = { ...(e.config as object), n_parallel: 7, n_samples: 11 } as Json;
    await store.updateExperiment(e.id, { config, nSamples: 11 });
    const read = (await store.getExperiment(e.id))!;
    expect(read.config).toEqual(config);
    expect(Object.keys(read.config as object)).toEqual(Object.keys(config as object));
    expect(read.nSamples).toBe(11);
    expect(read.configRaw).toEqual(e.configRaw);
  });
}

function controlRaceTests(ctx: StoreSuiteContext): void {
  const { newExperiment } = storeHelpers(ctx);
  if (ctx.openSibling !== undefined) {
    const sibling = ctx.openSibling;
    it('never hands one request to two stores taking at once', async () => {
      const store = ctx.store();
      const other = await sibling(store);
      ctx.track(other);
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
}
