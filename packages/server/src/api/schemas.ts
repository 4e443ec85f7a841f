import { Type, type Static, type TSchema } from '@sinclair/typebox';

// The API's wire shapes. Each schema is validation (requests), serialization (responses: fields not
// listed here never reach the client) and the TypeScript type at once.

/** Ids are bigint identities in PostgreSQL; JavaScript numbers hold them exactly up to 2^53 - 1. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;
/** Page size when the client names none: a screenful of rows with room to scroll. */
export const DEFAULT_JOB_PAGE_SIZE = 100;
/** Upper bound on one page, so a single request cannot ask the server to serialize a whole large experiment. */
export const MAX_JOB_PAGE_SIZE = 1000;

/** Columns a job page may be sorted by; anything else is a 400 (never interpolated into a query). */
export const JOB_SORT_COLUMNS = ['id', 'score', 'status', 'started_at', 'ended_at'] as const;
export type JobSortColumn = (typeof JOB_SORT_COLUMNS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const EXPERIMENT_STATUSES = ['created', 'running', 'stopping', 'stopped', 'finished', 'failed'] as const;
export const JOB_STATUSES = ['queued', 'running', 'finished', 'failed', 'early_stopped', 'interrupted'] as const;

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
// A plain `enum` (not TypeBox's anyOf of literals) so a bad value yields one validation error that
// lists the allowed values, which the error handler turns into a readable message.
const StringEnum = <T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });
const ParamValue = Type.Union([Type.Number(), Type.String(), Type.Boolean()]);

export const ErrorBodySchema = Type.Object({
  code: Type.String({ description: 'An AUP_ERR_* code (docs/reference/errors.md)' }),
  message: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type ErrorBody = Static<typeof ErrorBodySchema>;

export const HealthSchema = Type.Object({
  ok: Type.Literal(true),
  version: Type.String(),
  read_only: Type.Boolean(),
  token_required: Type.Boolean({
    description: 'Requests that change data need the session token (false on a read-only board and with --no-token)',
  }),
  read_token_required: Type.Boolean({
    description: 'Reads under /api/v1 (all but this one) need the session token too (a board others can reach)',
  }),
});
export type Health = Static<typeof HealthSchema>;

export const ExperimentSummarySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  status: StringEnum(EXPERIMENT_STATUSES),
  proposer: Type.String(),
  target: StringEnum(['min', 'max'] as const),
  n_samples: Type.Integer(),
  jobs_done: Type.Integer({ description: 'Jobs that reached an end state: finished, failed or early_stopped' }),
  best_score: Nullable(Type.Number()),
  user: Type.String(),
  hostname: Nullable(Type.String({ description: 'The machine the experiment was created on' })),
  created_at: Timestamp,
  started_at: Nullable(Timestamp),
  ended_at: Nullable(Timestamp),
});
export type ExperimentSummary = Static<typeof ExperimentSummarySchema>;

export const ExperimentListSchema = Type.Object({ experiments: Type.Array(ExperimentSummarySchema) });
export type ExperimentList = Static<typeof ExperimentListSchema>;

export const JobCountsSchema = Type.Object({
  queued: Type.Integer(),
  running: Type.Integer(),
  finished: Type.Integer(),
  failed: Type.Integer(),
  early_stopped: Type.Integer(),
  interrupted: Type.Integer(),
});
export type JobCounts = Static<typeof JobCountsSchema>;

export const BestJobSchema = Type.Object({
  id: Type.Integer(),
  trial: Type.Integer(),
  score: Nullable(Type.Number()),
  params: Type.Record(Type.String(), ParamValue),
});

export const ExperimentDetailSchema = Type.Composite([
  ExperimentSummarySchema,
  Type.Object({
    error: Nullable(Type.String()),
    config: Type.Unknown({ description: 'The normalised experiment config' }),
    best_job: Nullable(BestJobSchema),
    job_counts: JobCountsSchema,
    host: Type.Unknown({
      description: 'The machine the experiment was created on: os, platform, arch, cores, totalMemory, node, python, gpus, hostname, user',
    }),
    git: Type.Unknown({
      description: "The working directory's git state when it was created: { commit, branch, dirty }, or null outside a repository",
    }),
  }),
]);
export type ExperimentDetail = Static<typeof ExperimentDetailSchema>;

export const JobSummarySchema = Type.Object({
  id: Type.Integer(),
  trial: Type.Integer(),
  status: StringEnum(JOB_STATUSES),
  score: Nullable(Type.Number()),
  metrics: Type.Record(Type.String(), Type.Number()),
  params: Type.Record(Type.String(), ParamValue),
  budget: Nullable(Type.Number()),
  attempts: Type.Integer(),
  started_at: Nullable(Timestamp),
  ended_at: Nullable(Timestamp),
});
export type JobSummary = Static<typeof JobSummarySchema>;

export const JobPageSchema = Type.Object({
  total: Type.Integer({ description: 'Jobs in the experiment, regardless of the page' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  sort: StringEnum(JOB_SORT_COLUMNS),
  order: StringEnum(SORT_ORDERS),
  jobs: Type.Array(JobSummarySchema),
});
export type JobPage = Static<typeof JobPageSchema>;

export const ExperimentIdParamsSchema = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_ID }) }, { additionalProperties: false });
export type ExperimentIdParams = Static<typeof ExperimentIdParamsSchema>;

export const JobPageQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: MAX_JOB_PAGE_SIZE, default: DEFAULT_JOB_PAGE_SIZE }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
    sort: StringEnum(JOB_SORT_COLUMNS, { default: 'id' }),
    order: StringEnum(SORT_ORDERS, { default: 'asc' }),
  },
  { additionalProperties: false },
);
export type JobPageQuery = Static<typeof JobPageQuerySchema>;

/** The error responses every route declares, so they serialize through the one shape. */
export const ERROR_RESPONSES = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema } as const;

export const ConfigProblemSchema = Type.Object({
  path: Type.String({ description: "JSON path inside the config, e.g. parameter_config[1].range ('' for the whole document)" }),
  message: Type.String(),
  expected: Type.String(),
  found: Type.String(),
  suggestion: Type.Optional(Type.String()),
  file: Type.Optional(Type.String()),
});

export const ConfigValidationSchema = Type.Union([
  Type.Object({ ok: Type.Literal(true), config: Type.Unknown({ description: 'The normalised config, defaults filled in' }) }),
  Type.Object({ ok: Type.Literal(false), problems: Type.Array(ConfigProblemSchema) }),
]);
export type ConfigValidation = Static<typeof ConfigValidationSchema>;

/** Any JSON value: the validator, not the route schema, says what is wrong with a config. */
export const ConfigBodySchema = Type.Unknown({ description: 'An experiment config as JSON (the same keys as a config file)' });

export const DeleteExperimentQuerySchema = Type.Object(
  {
    files: Type.Boolean({
      default: false,
      description:
        "Also remove the experiment's job files (<id>.json, <id>.<attempt>.out) from its own job folder (jobs/e<id>-<random>), and the folder when left empty",
    }),
  },
  { additionalProperties: false },
);
export type DeleteExperimentQuery = Static<typeof DeleteExperimentQuerySchema>;

export const DeleteExperimentResultSchema = Type.Object({
  id: Type.Integer(),
  deleted: Type.Literal(true),
  jobs_deleted: Type.Integer(),
  files_removed: Type.Integer({ description: 'Job files removed (0 unless files=true)' }),
  files_skipped: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() })),
});
export type DeleteExperimentResult = Static<typeof DeleteExperimentResultSchema>;
