import { AupError, isAupError, MAX_QUERY_JOB_IDS, type ExperimentSummaryRecord, type JobQuery, type Store } from '@aup/core';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

import { parseIdList, parseJobFilter } from './parse-job-query.js';
import type { RouteContext } from './route-context.js';
import {
  DEFAULT_JOB_PAGE_SIZE,
  ERROR_RESPONSES,
  ExperimentIdParamsSchema,
  ExperimentSummarySchema,
  JobCountsSchema,
  JobSummarySchema,
  MAX_JOB_PAGE_SIZE,
  SORT_ORDERS,
  type ExperimentIdParams,
  type JobCounts,
} from './schemas.js';
import { toJobSummary, toSummaryOfRecord } from './to-dto.js';

// The board's read-only queries, answered in SQL by the store (job-query.ts in @aup/core): the
// experiment list, job pages sorted and filtered by any column, downsampled intermediate series
// and best-so-far curves. Request text reaches the store only as whitelisted column names
// (checked there) and bound values.

/** Filters one job page may carry; each is a join, and a page is meant to stay fast. */
export const MAX_JOB_FILTERS = 20;
/** Longest filter or search text accepted. */
const MAX_QUERY_TEXT = 500;
/** Points of a series request when the client names none: a wide chart's pixels. */
export const DEFAULT_SERIES_POINTS = 2000;
/** Most points one series request may ask for. */
export const MAX_SERIES_POINTS = 100_000;
/** Experiments one best-so-far request may name. */
export const MAX_BEST_SO_FAR_EXPERIMENTS = 100;

const StringEnum = <T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const ExperimentListRowSchema = Type.Composite([
  ExperimentSummarySchema,
  Type.Object({ job_counts: JobCountsSchema, jobs_total: Type.Integer() }),
]);
export const ExperimentListQuerySchema = Type.Object({ experiments: Type.Array(ExperimentListRowSchema) });
export type ExperimentListRows = Static<typeof ExperimentListQuerySchema>;

export const JobQueryStringSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: MAX_JOB_PAGE_SIZE, default: DEFAULT_JOB_PAGE_SIZE }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
    sort: Type.String({
      minLength: 1,
      maxLength: MAX_QUERY_TEXT,
      default: 'id',
      description: 'id, trial, status, score, budget, attempts, created_at, started_at, ended_at, duration, param:<name> or metric:<label>',
    }),
    order: StringEnum(SORT_ORDERS, { default: 'asc' }),
    filter: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: MAX_QUERY_TEXT }), {
        maxItems: MAX_JOB_FILTERS,
        description: 'Repeatable: <column><op><value>, op one of = != < <= > >= ~ (~ = contains); all must hold',
      }),
    ),
    q: Type.Optional(Type.String({ maxLength: MAX_QUERY_TEXT, description: "Case-insensitive search in the job's id, status and params" })),
    jobs: Type.Optional(Type.String({ maxLength: 100_000, description: 'Only these job ids, comma-separated' })),
  },
  { additionalProperties: false },
);
export type JobQueryString = Static<typeof JobQueryStringSchema>;

const FilterEchoSchema = Type.Object({
  column: Type.String(),
  op: Type.String(),
  value: Type.Union([Type.String(), Type.Number()]),
});

export const JobQueryPageSchema = Type.Object({
  total: Type.Integer({ description: 'Jobs matching the filters, search and job ids, regardless of the page' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  sort: Type.String(),
  order: StringEnum(SORT_ORDERS),
  filters: Type.Array(FilterEchoSchema),
  q: Type.Union([Type.String(), Type.Null()]),
  jobs: Type.Array(JobSummarySchema),
});
export type JobQueryPage = Static<typeof JobQueryPageSchema>;

export const SeriesQuerySchema = Type.Object(
  {
    jobs: Type.String({ minLength: 1, maxLength: 100_000, description: 'Job ids, comma-separated' }),
    labels: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: MAX_QUERY_TEXT }), {
        maxItems: 100,
        description: 'Labels, comma-separated or repeated; all when absent',
      }),
    ),
    points: Type.Integer({
      minimum: 2,
      maximum: MAX_SERIES_POINTS,
      default: DEFAULT_SERIES_POINTS,
      description: 'Most values returned across all series',
    }),
  },
  { additionalProperties: false },
);
export type SeriesQueryString = Static<typeof SeriesQuerySchema>;

export const SeriesResponseSchema = Type.Object({
  experiment_id: Type.Integer(),
  points: Type.Integer(),
  series: Type.Array(
    Type.Object({
      job_id: Type.Integer(),
      label: Type.String(),
      steps: Type.Array(Type.Number()),
      values: Type.Array(Type.Number()),
      count: Type.Integer({ description: 'Values stored; more than steps.length when downsampled' }),
    }),
  ),
});
export type SeriesResponse = Static<typeof SeriesResponseSchema>;

export const BestSoFarQuerySchema = Type.Object(
  {
    experiments: Type.String({ minLength: 1, maxLength: 2000, description: 'Experiment ids, comma-separated' }),
    x: StringEnum(['index', 'time'] as const, { default: 'index', description: 'index: trial number; time: job end (epoch ms)' }),
  },
  { additionalProperties: false },
);
export type BestSoFarQueryString = Static<typeof BestSoFarQuerySchema>;

export const BestSoFarResponseSchema = Type.Object({
  x: StringEnum(['index', 'time'] as const),
  series: Type.Array(
    Type.Object({
      experiment_id: Type.Integer(),
      target: StringEnum(['min', 'max'] as const),
      x: Type.Array(Type.Number()),
      best: Type.Array(Type.Number()),
      job_ids: Type.Array(Type.Integer()),
    }),
  ),
});
export type BestSoFarResponse = Static<typeof BestSoFarResponseSchema>;

/** Registers the SQL-backed read-only query routes under the API prefix. */
export async function queryRoutes(api: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { store } = ctx;

  api.get(
    '/experiments',
    {
      schema: {
        summary: 'All experiments, newest first, with status, progress, job counts and best score',
        response: { 200: ExperimentListQuerySchema, ...ERROR_RESPONSES },
      },
    },
    async (): Promise<ExperimentListRows> => ({ experiments: (await store.experimentSummaries()).map(toListRow) }),
  );

  api.get<{ Params: ExperimentIdParams; Querystring: JobQueryString }>(
    '/experiments/:id/jobs',
    {
      schema: {
        summary: 'One page of the jobs of an experiment: sorted, filtered and searched by any column, params and metrics included',
        params: ExperimentIdParamsSchema,
        querystring: JobQueryStringSchema,
        response: { 200: JobQueryPageSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<JobQueryPage> => {
      const { id } = request.params;
      await experimentOr404(store, id, request);
      const { limit, offset, sort, order, q } = request.query;
      const filters = (request.query.filter ?? []).map(parseJobFilter);
      const query: JobQuery = { experimentId: id, sort: { column: sort, order }, filters, offset, limit };
      if (q !== undefined && q !== '') query.search = q;
      if (request.query.jobs !== undefined) query.jobIds = parseIdList(request.query.jobs, 'jobs', MAX_QUERY_JOB_IDS);
      const page = await store.queryJobs(query).catch((e: unknown) => {
        throw namedParameter(e, sort);
      });
      return { total: page.total, limit, offset, sort, order, filters, q: q ?? null, jobs: page.jobs.map(toJobSummary) };
    },
  );

  api.get<{ Params: ExperimentIdParams; Querystring: SeriesQueryString }>(
    '/experiments/:id/series',
    {
      schema: {
        summary: 'Intermediate series of chosen jobs and labels, downsampled server-side keeping each series’ min and max',
        params: ExperimentIdParamsSchema,
        querystring: SeriesQuerySchema,
        response: { 200: SeriesResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<SeriesResponse> => {
      const { id } = request.params;
      await experimentOr404(store, id, request);
      const jobIds = parseIdList(request.query.jobs, 'jobs', MAX_QUERY_JOB_IDS);
      await jobsOfExperiment(store, id, jobIds);
      const labels = request.query.labels?.flatMap((l) => l.split(',')).filter((l) => l !== '');
      const { points } = request.query;
      const series = await store.intermediateSeries({ jobIds, points, ...(labels !== undefined && labels.length > 0 ? { labels } : {}) });
      return {
        experiment_id: id,
        points,
        series: series.map((s) => ({ job_id: s.jobId, label: s.label, steps: s.steps, values: s.values, count: s.count })),
      };
    },
  );

  api.get<{ Querystring: BestSoFarQueryString }>(
    '/best-so-far',
    {
      schema: {
        summary: 'Best score so far of one or several experiments over trial index or time, one point per improvement',
        querystring: BestSoFarQuerySchema,
        response: { 200: BestSoFarResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<BestSoFarResponse> => {
      const ids = parseIdList(request.query.experiments, 'experiments', MAX_BEST_SO_FAR_EXPERIMENTS);
      const { x } = request.query;
      const series = await store.bestSoFar(ids, { x });
      return {
        x,
        series: series.map((s) => ({ experiment_id: s.experimentId, target: s.target, x: s.x, best: s.best, job_ids: s.jobIds })),
      };
    },
  );
}

/** An experiment's job counts per status from the store's grouped counts (its jobs are not read). */
export async function experimentJobCounts(store: Store, experimentId: number): Promise<JobCounts> {
  const row = (await store.experimentSummaries()).find((e) => e.id === experimentId);
  return row?.jobCounts ?? { queued: 0, running: 0, finished: 0, failed: 0, early_stopped: 0, interrupted: 0 };
}

function toListRow(e: ExperimentSummaryRecord): ExperimentListRows['experiments'][number] {
  return { ...toSummaryOfRecord(e), job_counts: e.jobCounts, jobs_total: e.jobsTotal };
}

async function experimentOr404(store: Store, id: number, request: { method: string; url: string }): Promise<void> {
  if ((await store.getExperiment(id)) === undefined) {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_NOT_FOUND',
      `No experiment has id ${id} (${request.method} ${request.url}); GET /api/v1/experiments lists them`,
      {
        details: { id },
      },
    );
  }
}

/** 404 naming the ids that are not jobs of the experiment (a series never reads another experiment's rows). */
async function jobsOfExperiment(store: Store, experimentId: number, jobIds: number[]): Promise<void> {
  const { total } = await store.queryJobs({ experimentId, jobIds, offset: 0, limit: 0 });
  if (total === jobIds.length) return;
  const found = new Set((await store.queryJobs({ experimentId, jobIds, offset: 0, limit: jobIds.length })).jobs.map((j) => j.id));
  const missing = jobIds.filter((j) => !found.has(j));
  throw new AupError(
    'AUP_ERR_JOB_NOT_FOUND',
    `Experiment ${experimentId} has no job with id ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''}`,
    {
      details: { experimentId, jobIds: missing },
    },
  );
}

/** Says which query parameter a store's AUP_ERR_BAD_QUERY came from (sort or filter). */
function namedParameter(e: unknown, sort: string): unknown {
  if (!isAupError(e) || e.code !== 'AUP_ERR_BAD_QUERY') return e;
  const field = e.details['found'] === sort && e.details['field'] === 'column' ? 'sort' : 'filter';
  return new AupError('AUP_ERR_BAD_QUERY', `Query parameter '${field}': ${e.message}`, {
    details: { ...e.details, in: 'querystring', field },
    cause: e,
  });
}
