import { beforeEach, describe, expect, it } from 'vitest';

import type { Json, JobStatus, Params } from '../types.js';
import type { JobFilter, JobQuery } from '../store/job-query.js';
import type { NewExperiment, Store } from '../store/store-types.js';

// The BoardQueries role, the store's server-side queries (store/board/): declared inside storeConformance, so they run on
// every database the store runs on. `current` returns the suite's store of the running test.

interface Seed {
  params: Params;
  status: JobStatus;
  score: number | null;
  metrics?: Record<string, number>;
  startedAt: number | null;
  endedAt: number | null;
}

const T0 = 1_700_000_000_000;

// Job order in this table is job creation order; the expectations below refer to 1-based positions.
const SEEDS: Seed[] = [
  {
    params: { lr: 0.1, opt: 'adam', mixed: 3, "a'b": 2 },
    status: 'finished',
    score: 0.5,
    metrics: { acc: 0.9 },
    startedAt: T0,
    endedAt: T0 + 3000,
  },
  {
    params: { lr: 0.01, opt: 'sgd', mixed: 'b', "a'b": 1 },
    status: 'finished',
    score: 0.7,
    metrics: { acc: 0.8 },
    startedAt: T0 + 1000,
    endedAt: T0 + 2000,
  },
  { params: { lr: 0.001, opt: 'adam_w', mixed: 1 }, status: 'running', score: null, startedAt: T0 + 2000, endedAt: null },
  {
    params: { lr: 1, opt: '100%_sure', mixed: 'a' },
    status: 'failed',
    score: 0.2,
    metrics: { acc: 0.95 },
    startedAt: T0 + 3000,
    endedAt: T0 + 9000,
  },
  { params: { lr: 0.5, opt: 'sgd' }, status: 'finished', score: 0.7, startedAt: T0 + 4000, endedAt: T0 + 4500 },
];

function queryExperiment(): NewExperiment {
  const config: Json = {
    name: 'queries',
    parameter_config: [{ name: 'lr' }, { name: 'opt' }, { name: 'mixed' }, { name: 'unused' }],
    resource_args: { multi_res_labels: ['acc', 'f1'] },
  };
  return {
    name: 'queries',
    user: 'tester',
    proposer: 'random',
    target: 'max',
    nSamples: SEEDS.length,
    configRaw: config,
    config,
    workingDir: '/tmp/work',
    host: { hostname: 'trainer-1' },
    git: {},
  };
}

/** Declares the job-query tests; call inside a describe whose beforeEach sets the store `current()` returns. */
export function jobQueryConformance(current: () => Store): void {
  describe('job queries', () => {
    const f = queryFixture(current);
    sortAndFilterTests(f);
    searchAndColumnTests(f);
    bestSoFarTests(f);
  });
  intermediateSeriesTests(current);
}

/** The seeded experiment every job-query test reads, made again before each test; its state is read when a test runs. */
interface QueryFixture {
  readonly store: Store;
  readonly expId: number;
  readonly ids: number[];
  pos: (jobIds: number[]) => number[];
  run: (q: Partial<JobQuery>) => Promise<{ total: number; jobs: number[] }>;
  filtered: (...filters: JobFilter[]) => Promise<number[]>;
}

function queryFixture(current: () => Store): QueryFixture {
  let store: Store;
  let expId: number;
  let ids: number[];
  const pos = (jobIds: number[]) => jobIds.map((id) => ids.indexOf(id) + 1);
  // Every query is read with both plans (walking the sort index, sorting the matches): same page either way.
  const run = async (q: Partial<JobQuery>) => {
    const query: JobQuery = { experimentId: expId, offset: 0, limit: 100, ...q };
    const r = await store.queryJobs(query);
    for (const plan of ['walk', 'sort'] as const) expect(await store.queryJobs({ ...query, plan }), `plan ${plan}`).toEqual(r);
    return { total: r.total, jobs: pos(r.jobs.map((j) => j.id)) };
  };
  const filtered = async (...filters: JobFilter[]) => (await run({ filters })).jobs;
  beforeEach(async () => {
    store = current();
    const exp = await store.createExperiment(queryExperiment());
    expId = exp.id;
    ids = [];
    for (const [i, s] of SEEDS.entries()) {
      const job = await store.createJob({ experimentId: expId, trial: i, params: s.params });
      ids.push(job.id);
      await store.updateJob(job.id, {
        status: s.status,
        score: s.score,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        metrics: s.metrics ?? {},
      });
    }
    // Another experiment's jobs must never show up.
    const other = await store.createExperiment({ ...queryExperiment(), name: 'other' });
    for (let i = 0; i < 3; i++) await store.createJob({ experimentId: other.id, trial: i, params: { lr: 0.01, opt: 'sgd' } });
  });
  return {
    get store() {
      return store;
    },
    get expId() {
      return expId;
    },
    get ids() {
      return ids;
    },
    pos,
    run,
    filtered,
  };
}

function sortAndFilterTests(f: QueryFixture): void {
  const { run, filtered } = f;
  it('pages in id order by default and reports the total of the experiment only', async () => {
    const { store, expId, ids } = f;
    expect(await run({})).toEqual({ total: 5, jobs: [1, 2, 3, 4, 5] });
    expect(await run({ limit: 2, offset: 1 })).toEqual({ total: 5, jobs: [2, 3] });
    expect(await run({ offset: 10 })).toEqual({ total: 5, jobs: [] });
    const page = await store.queryJobs({ experimentId: expId, offset: 0, limit: 1 });
    expect(page.jobs[0]).toEqual(await store.getJob(ids[0]!));
  });

  it('sorts by score and by a metric with missing values last in both orders', async () => {
    expect((await run({ sort: { column: 'score', order: 'desc' } })).jobs).toEqual([2, 5, 1, 4, 3]);
    expect((await run({ sort: { column: 'score', order: 'asc' } })).jobs).toEqual([4, 1, 2, 5, 3]);
    expect((await run({ sort: { column: 'metric:acc', order: 'desc' } })).jobs).toEqual([4, 1, 2, 3, 5]);
    expect((await run({ sort: { column: 'metric:acc', order: 'asc' } })).jobs).toEqual([2, 1, 4, 3, 5]);
    expect((await run({ sort: { column: 'ended_at', order: 'asc' } })).jobs).toEqual([2, 1, 5, 4, 3]);
    expect((await run({ sort: { column: 'duration', order: 'desc' } })).jobs).toEqual([4, 1, 2, 5, 3]);
    expect((await run({ sort: { column: 'id', order: 'desc' } })).jobs).toEqual([5, 4, 3, 2, 1]);
  });

  it('pages across the stretches of a sort: values, then text, then jobs without one', async () => {
    const sorted = async (column: string, order: 'asc' | 'desc') => (await run({ sort: { column, order } })).jobs;
    for (const [column, order] of [
      ['score', 'asc'],
      ['metric:acc', 'desc'],
      ['param:mixed', 'asc'],
      ['param:mixed', 'desc'],
      ['duration', 'asc'],
      ['param:unused', 'desc'],
    ] as const) {
      const all = await sorted(column, order);
      for (let offset = 0; offset <= 5; offset++) {
        for (const limit of [1, 2, 3]) {
          expect(
            (await run({ sort: { column, order }, offset, limit })).jobs,
            `${column} ${order} offset ${offset} limit ${limit}`,
          ).toEqual(all.slice(offset, offset + limit));
        }
      }
    }
    const filteredPage = await run({
      sort: { column: 'metric:acc', order: 'asc' },
      filters: [{ column: 'param:lr', op: '<', value: 0.9 }],
      offset: 2,
      limit: 2,
    });
    expect(filteredPage).toEqual({ total: 4, jobs: [3, 5] });
  });

  it('sorts by a parameter of mixed types: numbers, then text, then jobs without it', async () => {
    expect((await run({ sort: { column: 'param:mixed', order: 'asc' } })).jobs).toEqual([3, 1, 4, 2, 5]);
    expect((await run({ sort: { column: 'param:mixed', order: 'desc' } })).jobs).toEqual([1, 3, 2, 4, 5]);
    expect((await run({ sort: { column: 'param:lr', order: 'desc' } })).jobs).toEqual([4, 5, 1, 2, 3]);
    // A name with a quote travels as a bound value.
    expect((await run({ sort: { column: "param:a'b", order: 'asc' } })).jobs).toEqual([2, 1, 3, 4, 5]);
  });

  it('filters with every comparator on a numeric parameter', async () => {
    expect(await filtered({ column: 'param:lr', op: '=', value: 0.01 })).toEqual([2]);
    expect(await filtered({ column: 'param:lr', op: '!=', value: 0.01 })).toEqual([1, 3, 4, 5]);
    expect(await filtered({ column: 'param:lr', op: '<', value: 0.1 })).toEqual([2, 3]);
    expect(await filtered({ column: 'param:lr', op: '<=', value: 0.1 })).toEqual([1, 2, 3]);
    expect(await filtered({ column: 'param:lr', op: '>', value: 0.1 })).toEqual([4, 5]);
    expect(await filtered({ column: 'param:lr', op: '>=', value: 0.1 })).toEqual([1, 4, 5]);
  });

  it('filters text parameters, with LIKE wildcards matching only themselves', async () => {
    expect(await filtered({ column: 'param:opt', op: '=', value: 'sgd' })).toEqual([2, 5]);
    expect(await filtered({ column: 'param:opt', op: '!=', value: 'sgd' })).toEqual([1, 3, 4]);
    expect(await filtered({ column: 'param:opt', op: 'contains', value: 'ADAM' })).toEqual([1, 3]);
    expect(await filtered({ column: 'param:opt', op: 'contains', value: '%' })).toEqual([4]);
    expect(await filtered({ column: 'param:opt', op: 'contains', value: '_' })).toEqual([3, 4]);
    expect(await filtered({ column: 'param:mixed', op: '>=', value: 'b' })).toEqual([2]);
    expect(await filtered({ column: 'param:mixed', op: '<', value: 2 })).toEqual([3]);
  });
}

function searchAndColumnTests(f: QueryFixture): void {
  const { run, filtered } = f;
  it('filters job columns and metrics, and combines filters with AND', async () => {
    expect(await filtered({ column: 'score', op: '>', value: 0.4 })).toEqual([1, 2, 5]);
    expect(await filtered({ column: 'metric:acc', op: '>=', value: 0.9 })).toEqual([1, 4]);
    expect(await filtered({ column: 'status', op: '=', value: 'finished' })).toEqual([1, 2, 5]);
    expect(await filtered({ column: 'status', op: '!=', value: 'finished' })).toEqual([3, 4]);
    expect(await filtered({ column: 'status', op: 'contains', value: 'fail' })).toEqual([4]);
    expect(await filtered({ column: 'started_at', op: '>=', value: new Date(T0 + 3000).toISOString() })).toEqual([4, 5]);
    expect(await filtered({ column: 'duration', op: '<', value: 1000 })).toEqual([5]);
    expect(await filtered({ column: 'trial', op: '=', value: 2 })).toEqual([3]);
    expect(await filtered({ column: 'status', op: '=', value: 'finished' }, { column: 'param:opt', op: '=', value: 'sgd' })).toEqual([
      2, 5,
    ]);
    const page = await run({
      filters: [{ column: 'score', op: '>', value: 0.4 }],
      sort: { column: 'score', order: 'desc' },
      limit: 1,
      offset: 1,
    });
    expect(page).toEqual({ total: 3, jobs: [5] });
  });

  it('searches id, status and params case-insensitively, and restricts to job ids', async () => {
    const { ids } = f;
    expect((await run({ search: 'SGD' })).jobs).toEqual([2, 5]);
    expect((await run({ search: 'running' })).jobs).toEqual([3]);
    expect((await run({ search: String(ids[3]) })).jobs).toContain(4);
    expect((await run({ search: 'no such thing' })).total).toBe(0);
    expect(await run({ jobIds: [ids[0]!, ids[4]!, 999_999] })).toEqual({ total: 2, jobs: [1, 5] });
  });

  it('searches alike whether its experiment holds most of the store or a small share of it', async () => {
    const { store } = f;
    // SQLite scans the job table for a search when the experiment holds much of it, and uses the
    // experiment's index otherwise (SEARCH_SCAN_SHARE): both reads must give the same pages.
    const queries: Partial<JobQuery>[] = [
      { search: 'sgd' },
      { search: 'SGD', sort: { column: 'score', order: 'desc' } },
      { search: 'e', sort: { column: 'param:mixed', order: 'asc' }, offset: 1, limit: 2 },
      { search: 'e', filters: [{ column: 'param:lr', op: '<', value: 0.9 }], sort: { column: 'metric:acc', order: 'desc' } },
    ];
    const before = [];
    for (const q of queries) before.push(await run(q));
    expect(before[0]).toEqual({ total: 2, jobs: [2, 5] });
    const crowd = await store.createExperiment({ ...queryExperiment(), name: 'crowd' });
    for (let i = 0; i < 40; i++) await store.createJob({ experimentId: crowd.id, trial: i, params: { lr: 0.5, opt: 'sgd', mixed: 'e' } });
    const after = [];
    for (const q of queries) after.push(await run(q));
    expect(after).toEqual(before);
  });

  it('rejects unknown columns, naming the column and listing the valid ones', async () => {
    const { store, expId } = f;
    for (const column of ['nope', 'id; drop table job', "param:lr' or '1'='1", 'metric:', 'param:unknown']) {
      const err = await store
        .queryJobs({ experimentId: expId, offset: 0, limit: 10, sort: { column, order: 'asc' } })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'AUP_ERR_BAD_QUERY' });
      expect((err as Error).message).toContain(column);
      expect((err as { details: { valid: string[] } }).details.valid).toEqual(
        expect.arrayContaining(['score', 'param:lr', 'param:mixed', 'metric:acc']),
      );
    }
    // A parameter named in the config but not yet in any job is valid (the column is just empty).
    expect((await run({ sort: { column: 'param:unused', order: 'asc' } })).total).toBe(5);
    const bad = await store
      .queryJobs({ experimentId: expId, offset: 0, limit: 10, filters: [{ column: 'score', op: '<', value: 'abc' }] })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'AUP_ERR_BAD_QUERY' });
    const op = await store
      .queryJobs({ experimentId: expId, offset: 0, limit: 10, filters: [{ column: 'score', op: '~' as '=', value: 1 }] })
      .catch((e: unknown) => e);
    expect(op).toMatchObject({ code: 'AUP_ERR_BAD_QUERY' });
  });

  it('binds filter and search values: SQL in them is only text', async () => {
    expect(await filtered({ column: 'param:opt', op: '=', value: "x' or '1'='1" })).toEqual([]);
    expect(await filtered({ column: 'status', op: '=', value: "finished' --" })).toEqual([]);
    expect((await run({ search: "'; drop table job; --" })).total).toBe(0);
    expect((await run({})).total).toBe(5);
  });

  it('summarises every experiment with job counts per status, newest first', async () => {
    const { store, expId } = f;
    const rows = await store.experimentSummaries();
    expect(rows.map((r) => r.name)).toEqual(['other', 'queries']);
    const mine = rows[1]!;
    expect(mine).toMatchObject({ id: expId, target: 'max', nSamples: 5, jobsTotal: 5, hostname: 'trainer-1' });
    expect(mine.jobCounts).toEqual({ queued: 0, running: 1, finished: 3, failed: 1, early_stopped: 0, interrupted: 0 });
    expect(rows[0]!.jobCounts.queued).toBe(3);
  });
}

function bestSoFarTests(f: QueryFixture): void {
  it('returns best-so-far points at each improvement, over trial index or end time', async () => {
    const { store, expId, ids } = f;
    const [byIndex] = await store.bestSoFar([expId], { x: 'index' });
    // target max; scores by trial: 0.5, 0.7, -, 0.2, 0.7 (a tie is no improvement)
    expect(byIndex).toEqual({ experimentId: expId, target: 'max', x: [0, 1], best: [0.5, 0.7], jobIds: [ids[0], ids[1]] });
    const [byTime] = await store.bestSoFar([expId], { x: 'time' });
    // by end: job 2 (0.7) at +2000, job 1 (0.5) at +3000, ...: 0.7 is already the best
    expect(byTime).toEqual({ experimentId: expId, target: 'max', x: [T0 + 2000], best: [0.7], jobIds: [ids[1]] });

    const min = await store.createExperiment({ ...queryExperiment(), name: 'min', target: 'min' });
    const scores = [5, 3, 4, null, 1];
    for (const [i, score] of scores.entries()) {
      const j = await store.createJob({ experimentId: min.id, trial: i, params: {} });
      await store.updateJob(j.id, { status: 'finished', score, endedAt: T0 + i });
    }
    const both = await store.bestSoFar([min.id, expId], { x: 'index' });
    expect(both.map((s) => [s.experimentId, s.x, s.best])).toEqual([
      [min.id, [0, 1, 4], [5, 3, 1]],
      [expId, [0, 1], [0.5, 0.7]],
    ]);
    await expect(store.bestSoFar([expId, 999_999], { x: 'index' })).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND' });
  });
}

function intermediateSeriesTests(current: () => Store): void {
  describe('intermediate series', () => {
    const LONG = 1000;
    const MIN_STEP = 137;
    const MAX_STEP = 801;
    let store: Store;
    let a: number;
    let b: number;

    beforeEach(async () => {
      store = current();
      const exp = await store.createExperiment(queryExperiment());
      a = (await store.createJob({ experimentId: exp.id, trial: 0, params: {} })).id;
      b = (await store.createJob({ experimentId: exp.id, trial: 1, params: {} })).id;
      const rows = [];
      for (let step = 0; step < LONG; step++) {
        const value = step === MIN_STEP ? -5 : step === MAX_STEP ? 7 : Math.sin(step / 10);
        rows.push({ jobId: a, label: 'loss', step, value, time: T0 + step });
      }
      for (let step = 0; step < 10; step++) rows.push({ jobId: b, label: 'loss', step: step * 0.5, value: step, time: T0 });
      for (let step = 0; step < 3; step++) rows.push({ jobId: a, label: 'acc', step, value: step / 10, time: T0 });
      await store.addIntermediate(rows);
    });

    it('returns every value when they fit', async () => {
      const all = await store.intermediateSeries({ jobIds: [a, b], points: 5000 });
      expect(all.map((s) => [s.jobId, s.label, s.steps.length, s.count])).toEqual([
        [a, 'acc', 3, 3],
        [a, 'loss', LONG, LONG],
        [b, 'loss', 10, 10],
      ]);
      const bLoss = all[2]!;
      expect(bLoss.steps).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
      expect(bLoss.values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('downsamples to the point budget, keeping short series whole and each series’ min and max', async () => {
      const points = 100;
      const out = await store.intermediateSeries({ jobIds: [a, b], points });
      const total = out.reduce((n, s) => n + s.steps.length, 0);
      expect(total).toBeLessThanOrEqual(points);
      const long = out.find((s) => s.jobId === a && s.label === 'loss')!;
      expect(long.count).toBe(LONG);
      expect(long.steps.length).toBeGreaterThan(points / 2);
      expect(long.steps[long.values.indexOf(-5)]).toBe(MIN_STEP);
      expect(long.steps[long.values.indexOf(7)]).toBe(MAX_STEP);
      expect([...long.steps].sort((x, y) => x - y)).toEqual(long.steps);
      expect(out.find((s) => s.jobId === b)!.values).toHaveLength(10);
      expect(out.find((s) => s.label === 'acc')!.values).toEqual([0, 0.1, 0.2]);
    });

    it('keeps the earliest step of each bucket’s extremes when values tie', async () => {
      const exp = await store.createExperiment({ ...queryExperiment(), name: 'ties' });
      const c = (await store.createJob({ experimentId: exp.id, trial: 0, params: {} })).id;
      const values = [3, 1, 1, 3, 2, 1, 3, 2, 2, 2];
      await store.addIntermediate([
        ...values.map((value, step) => ({ jobId: c, label: 'tie', step, value, time: T0 })),
        ...[4, 4, 4].map((value, step) => ({ jobId: c, label: 'flat', step, value, time: T0 })),
      ]);
      const two = await store.intermediateSeries({ jobIds: [c], labels: ['tie'], points: 2 });
      expect([two[0]!.steps, two[0]!.values]).toEqual([
        [0, 1],
        [3, 1],
      ]);
      // Two buckets (steps 0-4, 5-9): each keeps its first lowest and first highest value.
      const four = await store.intermediateSeries({ jobIds: [c], labels: ['tie'], points: 4 });
      expect([four[0]!.steps, four[0]!.values]).toEqual([
        [0, 1, 5, 6],
        [3, 1, 1, 3],
      ]);
      const flat = await store.intermediateSeries({ jobIds: [c], labels: ['flat'], points: 2 });
      expect([flat[0]!.steps, flat[0]!.values]).toEqual([[0], [4]]);
    });

    it('keeps min and max even at two points a series, and filters by label', async () => {
      const out = await store.intermediateSeries({ jobIds: [a], labels: ['loss'], points: 2 });
      expect(out).toHaveLength(1);
      expect(out[0]!.values).toEqual([-5, 7]);
      expect(out[0]!.steps).toEqual([MIN_STEP, MAX_STEP]);
      await expect(store.intermediateSeries({ jobIds: [a, b], points: 3 })).rejects.toMatchObject({ code: 'AUP_ERR_BAD_QUERY' });
      expect(await store.intermediateSeries({ jobIds: [a], labels: ['nope'], points: 10 })).toEqual([]);
      expect(await store.intermediateSeries({ jobIds: [], points: 10 })).toEqual([]);
    });
  });
}
