import { AupError, isAupError, MAX_QUERY_JOB_IDS, type ExperimentSummaryRecord, type JobQuery, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';

import { parseIdList, parseJobFilter } from './parse-job-query.js';
import {
  BestSoFarQuerySchema,
  BestSoFarResponseSchema,
  JobPageSchema,
  JobQueryStringSchema,
  MAX_BEST_SO_FAR_EXPERIMENTS,
  SeriesQuerySchema,
  SeriesResponseSchema,
  type BestSoFarQueryString,
  type BestSoFarResponse,
  type JobPage,
  type JobQueryString,
  type SeriesQueryString,
  type SeriesResponse,
} from './query-schemas.js';
import type { RouteContext } from './route-context.js';
import {
  ERROR_RESPONSES,
  ExperimentIdParamsSchema,
  ExperimentListSchema,
  noJobCounts,
  type ExperimentIdParams,
  type ExperimentList,
  type ExperimentListRow,
  type JobCounts,
} from './schemas.js';
import { toJobSummary, toSummaryOfRecord } from './to-dto.js';

// The board's read-only queries, answered in SQL by the store (store/board/ in @aup/core): the
// experiment list, job pages sorted and filtered by any column, downsampled intermediate series
// and best-so-far curves. Request text reaches the store only as whitelisted column names
// (checked there) and bound values.

/** Registers the SQL-backed read-only query routes under the API prefix. */
export async function queryRoutes(api: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { store } = ctx;

  api.get(
    '/experiments',
    {
      schema: {
        summary: 'All experiments, newest first, with status, progress, job counts and best score',
        response: { 200: ExperimentListSchema, ...ERROR_RESPONSES },
      },
    },
    async (): Promise<ExperimentList> => ({ experiments: (await store.experimentSummaries()).map(toListRow) }),
  );

  api.get<{ Params: ExperimentIdParams; Querystring: JobQueryString }>(
    '/experiments/:id/jobs',
    {
      schema: {
        summary: 'One page of the jobs of an experiment: sorted, filtered and searched by any column, params and metrics included',
        params: ExperimentIdParamsSchema,
        querystring: JobQueryStringSchema,
        response: { 200: JobPageSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<JobPage> => {
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
  return row?.jobCounts ?? noJobCounts();
}

function toListRow(e: ExperimentSummaryRecord): ExperimentListRow {
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
