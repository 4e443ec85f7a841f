import { describe, expect, it } from 'vitest';

import type { ImportedExperiment, ImportedJob } from '../store/store-types.js';
import { experimentInput, FAR_TIME, type StoreSuiteContext } from './store-suite.js';

const T0 = 1_700_000_000_000;

function trial(n: number, overrides: Partial<ImportedJob> = {}): ImportedJob {
  return {
    sourceKey: `t${n}`,
    trial: n,
    status: 'finished',
    params: { x: n / 10, kind: n % 2 === 0 ? 'even' : 'odd' },
    score: n,
    metrics: { latency: 10 + n },
    intermediate: [
      { label: 'loss', step: 0, value: 1, time: T0 + n },
      { label: 'loss', step: 1, value: 0.5, time: T0 + n + 1 },
    ],
    records: [{ kind: 'text', name: 'user_attr:note', step: null, payload: { text: `trial ${n}` }, time: T0 + n }],
    createdAt: T0 + n,
    startedAt: T0 + n,
    endedAt: T0 + n + 5,
    host: 'box',
    ...overrides,
  };
}

function imported(jobs: ImportedJob[], overrides: Partial<ImportedExperiment> = {}): ImportedExperiment {
  return {
    tool: 'test',
    sourceKey: 'test:source#1',
    experiment: { ...experimentInput({ target: 'min' }), status: 'finished', createdAt: T0, startedAt: T0, endedAt: FAR_TIME },
    jobs,
    cursor: { last: jobs.length },
    ...overrides,
  };
}

/**
 * Imports (docs/decisions/0029-imports.md): an experiment of another tool written once per source
 * key, trials added, replaced when changed and left alone when not, the best job by the runner's rule.
 */
export function importStoreConformance(ctx: StoreSuiteContext): void {
  const { store } = ctx;
  describe('imports', () => {
    it('writes an imported experiment with its trials, results and records, and reads its source back', async () => {
      const res = await store().syncImport(imported([trial(0), trial(1), trial(2, { status: 'failed', score: null })]));
      expect(res).toMatchObject({ created: true, jobsAdded: 3, jobsUpdated: 0, jobsUnchanged: 0 });
      const exp = await store().getExperiment(res.experimentId);
      expect(exp).toMatchObject({ status: 'finished', target: 'min', bestScore: 0, createdAt: T0, endedAt: FAR_TIME });
      const jobs = await store().listJobs(res.experimentId);
      expect(jobs.map((j) => [j.trial, j.status, j.score, j.attempts])).toEqual([
        [0, 'finished', 0, 1],
        [1, 'finished', 1, 1],
        [2, 'failed', null, 1],
      ]);
      expect(exp!.bestJobId).toBe(jobs[0]!.id);
      expect(jobs[1]!.metrics).toEqual({ latency: 11 });
      expect(jobs[1]!.params).toEqual({ x: 0.1, kind: 'odd' });
      expect((await store().listIntermediate(jobs[1]!.id)).map((r) => r.value)).toEqual([1, 0.5]);
      expect((await store().listTextRecords(jobs[1]!.id))[0]).toMatchObject({ name: 'user_attr:note', payload: { text: 'trial 1' } });
      expect(await store().listAttempts(jobs[1]!.id)).toMatchObject([{ attempt: 1, status: 'finished', host: 'box', startedAt: T0 + 1 }]);
      // The board's SQL queries see the parameters.
      const page = await store().queryJobs({
        experimentId: res.experimentId,
        sort: { column: 'param:x', order: 'desc' },
        offset: 0,
        limit: 1,
      });
      expect(page.jobs[0]!.id).toBe(jobs[2]!.id);
      expect(await store().findImport('test:source#1')).toMatchObject({
        experimentId: res.experimentId,
        tool: 'test',
        cursor: { last: 3 },
      });
      expect(await store().getImport(res.experimentId)).toMatchObject({ sourceKey: 'test:source#1' });
      expect(await store().getImport(res.experimentId + 1)).toBeUndefined();
    });

    it('adds nothing when the same source is imported twice', async () => {
      const input = imported([trial(0), trial(1)]);
      const first = await store().syncImport(input);
      const again = await store().syncImport(input);
      expect(again).toEqual({ experimentId: first.experimentId, created: false, jobsAdded: 0, jobsUpdated: 0, jobsUnchanged: 2 });
      expect(await store().listExperiments()).toHaveLength(1);
      expect(await store().listJobs(first.experimentId)).toHaveLength(2);
      expect(await store().listIntermediate((await store().listJobs(first.experimentId))[0]!.id)).toHaveLength(2);
    });

    it('replaces a trial that changed in the source whole, and adds the new ones', async () => {
      const first = await store().syncImport(
        imported([trial(0), trial(1, { status: 'running', score: null, endedAt: null, intermediate: [] })], {
          experiment: { ...experimentInput({ target: 'min' }), status: 'running', createdAt: T0, startedAt: T0, endedAt: null },
        }),
      );
      const later = await store().syncImport(imported([trial(1, { score: -5 }), trial(2)]));
      expect(later).toMatchObject({ experimentId: first.experimentId, created: false, jobsAdded: 1, jobsUpdated: 1, jobsUnchanged: 0 });
      const jobs = await store().listJobs(first.experimentId);
      expect(jobs.map((j) => [j.trial, j.status, j.score])).toEqual([
        [0, 'finished', 0],
        [1, 'finished', -5],
        [2, 'finished', 2],
      ]);
      expect(await store().listIntermediate(jobs[1]!.id)).toHaveLength(2);
      expect(await store().listAttempts(jobs[1]!.id)).toHaveLength(1);
      const exp = await store().getExperiment(first.experimentId);
      expect(exp).toMatchObject({ status: 'finished', bestJobId: jobs[1]!.id, bestScore: -5 });
      const changes = await store().listChanges(0, { experimentId: first.experimentId });
      expect(changes.some((c) => c.jobId === jobs[2]!.id)).toBe(true);
    });

    it('keeps separate sources apart and imports thousands of trials across transactions', async () => {
      const many = Array.from({ length: 4_500 }, (_, n) => trial(n, { records: [], intermediate: [] }));
      const a = await store().syncImport(imported(many, { sourceKey: 'test:a' }));
      const b = await store().syncImport(imported([trial(0)], { sourceKey: 'test:b' }));
      expect(a.jobsAdded).toBe(4_500);
      expect(b.experimentId).not.toBe(a.experimentId);
      const jobs = await store().listJobs(a.experimentId);
      expect(jobs).toHaveLength(4_500);
      expect(new Set(jobs.map((j) => j.trial)).size).toBe(4_500);
      expect(jobs.find((j) => j.trial === 4_321)!.params).toEqual({ x: 432.1, kind: 'odd' });
    });

    it('refuses an input that names one trial twice, before writing anything', async () => {
      await expect(store().syncImport(imported([trial(0), trial(0)]))).rejects.toMatchObject({ code: 'AUP_ERR_INTERNAL' });
      expect(await store().listExperiments()).toHaveLength(0);
    });

    it('forgets the import with its experiment', async () => {
      const res = await store().syncImport(imported([trial(0)]));
      await store().deleteExperiment(res.experimentId);
      expect(await store().findImport('test:source#1')).toBeUndefined();
      const again = await store().syncImport(imported([trial(0)]));
      expect(again.created).toBe(true);
    });
  });
}
