import { Type, type Static } from '@sinclair/typebox';

import { StringEnum } from './schema-kit.js';
import { DEFAULT_JOB_PAGE_SIZE, JobSummarySchema, MAX_JOB_PAGE_SIZE, SORT_ORDERS } from './schemas.js';

// Wire shapes of the board's SQL-backed queries (query-routes.ts): job pages sorted and filtered by
// any column, downsampled intermediate series and best-so-far curves.

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

/** One page of GET /experiments/:id/jobs, with the sort, filters and search it answers. */
export const JobPageSchema = Type.Object({
  total: Type.Integer({ description: 'Jobs matching the filters, search and job ids, regardless of the page' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  sort: Type.String(),
  order: StringEnum(SORT_ORDERS),
  filters: Type.Array(FilterEchoSchema),
  q: Type.Union([Type.String(), Type.Null()]),
  jobs: Type.Array(JobSummarySchema),
});
export type JobPage = Static<typeof JobPageSchema>;

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

/** One job's values of one label, in step order, possibly downsampled (min and max kept). */
export const IntermediateSeriesSchema = Type.Object({
  job_id: Type.Integer(),
  label: Type.String(),
  steps: Type.Array(Type.Number()),
  values: Type.Array(Type.Number()),
  count: Type.Integer({ description: 'Values stored; more than steps.length when downsampled' }),
});
export type IntermediateSeries = Static<typeof IntermediateSeriesSchema>;

export const SeriesResponseSchema = Type.Object({
  experiment_id: Type.Integer(),
  points: Type.Integer(),
  series: Type.Array(IntermediateSeriesSchema),
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

/** An experiment's best score so far, one point per improvement. */
export const BestSoFarSeriesSchema = Type.Object({
  experiment_id: Type.Integer(),
  target: StringEnum(['min', 'max'] as const),
  x: Type.Array(Type.Number()),
  best: Type.Array(Type.Number()),
  job_ids: Type.Array(Type.Integer()),
});
export type BestSoFarSeries = Static<typeof BestSoFarSeriesSchema>;

export const BestSoFarResponseSchema = Type.Object({
  x: StringEnum(['index', 'time'] as const),
  series: Type.Array(BestSoFarSeriesSchema),
});
export type BestSoFarResponse = Static<typeof BestSoFarResponseSchema>;
