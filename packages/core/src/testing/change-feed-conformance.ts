import { describe, expect, it } from 'vitest';

import type { ChangeKind, ChangeRecord, NewExperiment, Store } from '../store/store-types.js';
import type { StoreSuiteContext } from './store-suite.js';

/** What the change-feed tests need from the enclosing store suite (the StoreSuiteContext of every role's suite). */
export type ChangeFeedSuiteContext = StoreSuiteContext;

// Transactions per writer in the ordering test: enough for PostgreSQL's commits to interleave.
const RACE_WRITES = 120;

/**
 * The change feed's behaviour (docs/decisions/0005-change-feed.md), declared inside storeConformance.
 * @example changeFeedConformance({ store: () => store, openSibling, track: (s) => extra.push(s) });
 */
export function changeFeedConformance(ctx: StoreSuiteContext): void {
  describe('change feed', () => {
    feedWriteTests(ctx);
    feedReadTests(ctx);
  });
}

/** Each change's kind and job, in order. */
function kinds(changes: ChangeRecord[]): [ChangeKind, number | null][] {
  return changes.map((c) => [c.kind, c.jobId]);
}

function feedWriteTests(ctx: StoreSuiteContext): void {
  it('is empty on a new database', async () => {
    const store = ctx.store();
    expect(await store.lastChangeId()).toBe(0);
    expect(await store.listChanges(0)).toEqual([]);
  });

  it('records one row per mutation, in order, in the same transaction as the mutation', async () => {
    const store = ctx.store();
    const before = Date.now();
    const e = await store.createExperiment(feedExperiment('feed'));
    const j1 = await store.createJob({ experimentId: e.id, trial: 0, params: { x: 0 } }, { asked: 1 });
    const j2 = await store.createJob({ experimentId: e.id, trial: 1, params: { x: 1 } });
    const a = await store.startAttempt({ jobId: j1.id, attempt: 1 });
    await store.updateAttempt(a.id, { pid: 42 });
    // One batch over two jobs, many values: one row per job, never one per value.
    const rows = [];
    for (let i = 0; i < 300; i++) rows.push({ jobId: i % 2 === 0 ? j1.id : j2.id, label: 'loss', step: i, value: i, time: before });
    await store.addIntermediate(rows);
    await store.setMultipleResults(j1.id, { f1: 0.5 });
    await store.addTextRecords([{ jobId: j1.id, kind: 'text', name: 'note', step: null, payload: { text: 'hi' }, time: before }]);
    await store.addArtifacts([{ jobId: j2.id, path: 'model.bin', time: before }]);
    await store.updateJob(j2.id, { status: 'running' });
    await store.completeJob(j1.id, { status: 'finished', score: 1 }, { id: e.id, bestJobId: j1.id, bestScore: 1 });
    await store.updateExperiment(e.id, { status: 'finished' });
    await store.deleteExperiment(e.id);
    const after = Date.now();

    const changes = await store.listChanges(0);
    expect(kinds(changes)).toEqual([
      ['experiment', null],
      ['job', j1.id],
      ['job', j2.id],
      ['job', j1.id],
      ['job', j1.id],
      ['intermediate', Math.min(j1.id, j2.id)],
      ['intermediate', Math.max(j1.id, j2.id)],
      ['job', j1.id],
      ['records', j1.id],
      ['records', j2.id],
      ['job', j2.id],
      ['job', j1.id],
      ['experiment', null],
      ['experiment_deleted', null],
    ]);
    for (const c of changes) {
      expect(c.experimentId).toBe(e.id);
      expect(c.time).toBeGreaterThanOrEqual(before);
      expect(c.time).toBeLessThanOrEqual(after);
      expect(Number.isSafeInteger(c.id)).toBe(true);
    }
    for (let i = 1; i < changes.length; i++) expect(changes[i]!.id).toBeGreaterThan(changes[i - 1]!.id);
    expect(await store.lastChangeId()).toBe(changes.at(-1)!.id);
  });

  it('writes no row for a mutation that fails, nor for an empty batch', async () => {
    const store = ctx.store();
    const e = await store.createExperiment(feedExperiment('fails'));
    const last = await store.lastChangeId();
    await expect(store.updateJob(987_654, { status: 'running' })).rejects.toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
    await expect(store.updateExperiment(987_654, { status: 'running' })).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND' });
    await expect(store.addIntermediate([{ jobId: 987_654, label: 'l', step: 0, value: 0, time: 0 }])).rejects.toMatchObject({
      code: 'AUP_ERR_JOB_NOT_FOUND',
    });
    await expect(store.createJob({ experimentId: 987_654, trial: 0, params: {} })).rejects.toMatchObject({
      code: 'AUP_ERR_EXPERIMENT_NOT_FOUND',
    });
    await store.addTextRecords([]);
    await store.addArtifacts([]);
    await store.addIntermediate([]);
    expect(await store.lastChangeId()).toBe(last);
    expect(kinds(await store.listChanges(0))).toEqual([['experiment', null]]);
    expect((await store.listChanges(0))[0]!.experimentId).toBe(e.id);
  });
}

function feedReadTests(ctx: StoreSuiteContext): void {
  it('pages with after and limit, and filters by experiment', async () => {
    const store = ctx.store();
    const ea = await store.createExperiment(feedExperiment('a'));
    const eb = await store.createExperiment(feedExperiment('b'));
    for (let t = 0; t < 5; t++) {
      await store.createJob({ experimentId: ea.id, trial: t, params: { t } });
      await store.createJob({ experimentId: eb.id, trial: t, params: { t } });
    }
    const all = await store.listChanges(0);
    expect(all).toHaveLength(12);

    const paged: ChangeRecord[] = [];
    let cursor = 0;
    for (;;) {
      const page = await store.listChanges(cursor, { limit: 5 });
      expect(page.length).toBeLessThanOrEqual(5);
      if (page.length === 0) break;
      paged.push(...page);
      cursor = page.at(-1)!.id;
    }
    expect(paged).toEqual(all);

    const onlyB = await store.listChanges(0, { experimentId: eb.id });
    expect(onlyB).toEqual(all.filter((c) => c.experimentId === eb.id));
    expect(onlyB).toHaveLength(6);
    expect(await store.listChanges(onlyB[2]!.id, { experimentId: eb.id, limit: 2 })).toEqual(onlyB.slice(3, 5));
    expect(await store.listChanges(all.at(-1)!.id)).toEqual([]);
  });

  const openSibling = ctx.openSibling;

  if (openSibling !== undefined) {
    it('lets a polling reader of one store see every change of two concurrent writers exactly once', async () => {
      const store = ctx.store();
      const reader = await openSibling(store);
      ctx.track(reader);
      const other = await openSibling(store);
      ctx.track(other);
      const write = async (s: Store, name: string) => {
        const e = await s.createExperiment(feedExperiment(name));
        const pending: Promise<unknown>[] = [];
        for (let t = 0; t < RACE_WRITES; t++) pending.push(s.createJob({ experimentId: e.id, trial: t, params: { t } }));
        await Promise.all(pending);
      };
      let done = false;
      const seen: number[] = [];
      const poll = (async () => {
        let cursor = 0;
        // A cursor that skipped an id committed later would lose that change: the ordering the feed promises.
        for (;;) {
          const finished = done;
          const page = await reader.listChanges(cursor, { limit: 50 });
          for (const c of page) seen.push(c.id);
          if (page.length > 0) cursor = page.at(-1)!.id;
          else if (finished) return;
        }
      })();
      await Promise.all([write(store, 'one'), write(other, 'two')]);
      done = true;
      await poll;
      const all = (await store.listChanges(0, { limit: 10 * RACE_WRITES })).map((c) => c.id);
      expect(all).toHaveLength(2 * (RACE_WRITES + 1));
      expect(seen).toEqual(all);
    });
  }
}

function feedExperiment(name: string): NewExperiment {
  return {
    name,
    user: 'tester',
    proposer: 'random',
    target: 'min',
    nSamples: 3,
    configRaw: { name },
    config: { name },
    workingDir: '/tmp/feed',
    host: {},
    git: null,
  };
}
