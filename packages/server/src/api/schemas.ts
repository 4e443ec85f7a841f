import { EXPERIMENT_STATUSES, JOB_STATUSES, STOP_REASONS, type JobStatus } from '@aup/core';
import { Type, type Static, type TInteger } from '@sinclair/typebox';

import { MAX_ID, Nullable, ParamValue, StringEnum, Timestamp } from './schema-kit.js';

// The API's wire shapes. Each schema is validation (requests), serialization (responses: fields not
// listed here never reach the client) and the TypeScript type at once; wire.ts lists them for the
// widgets and other clients.

export { MAX_ID };
/** Page size when the client names none: a screenful of rows with room to scroll. */
export const DEFAULT_JOB_PAGE_SIZE = 100;
/** Upper bound on one page, so a single request cannot ask the server to serialize a whole large experiment. */
export const MAX_JOB_PAGE_SIZE = 1000;

export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export { EXPERIMENT_STATUSES, JOB_STATUSES, STOP_REASONS };
export const ExperimentStatusSchema = StringEnum(EXPERIMENT_STATUSES);
export const JobStatusSchema = StringEnum(JOB_STATUSES);
export const ParamValueSchema = ParamValue;

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

export const StopReasonSchema = StringEnum(STOP_REASONS, {
  description:
    'Why an experiment ended: n_samples, exhausted, target_score, patience, time_budget, user or failure (set as a stop rule fires, while its last jobs finish)',
});
export type StopReason = Static<typeof StopReasonSchema>;

export const ExperimentSummarySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  status: ExperimentStatusSchema,
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
  imported_from: Nullable(
    Type.String({ description: 'The tool it was imported from (aup import: optuna, auptimizer); null for an experiment aup ran' }),
  ),
  stop_reason: Nullable(StopReasonSchema),
});
export type ExperimentSummary = Static<typeof ExperimentSummarySchema>;

/** Jobs per status, every status present. */
export const JobCountsSchema = Type.Object(
  Object.fromEntries(JOB_STATUSES.map((status) => [status, Type.Integer()])) as unknown as Record<JobStatus, TInteger>,
);
export type JobCounts = Static<typeof JobCountsSchema>;

/** Counts of zero for every status, to add to. */
export function noJobCounts(): JobCounts {
  return Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as JobCounts;
}

/** One row of GET /experiments: the summary with its job counts. */
export const ExperimentListRowSchema = Type.Composite([
  ExperimentSummarySchema,
  Type.Object({ job_counts: JobCountsSchema, jobs_total: Type.Integer() }),
]);
export type ExperimentListRow = Static<typeof ExperimentListRowSchema>;
export const ExperimentListSchema = Type.Object({ experiments: Type.Array(ExperimentListRowSchema) });
export type ExperimentList = Static<typeof ExperimentListSchema>;

export const BestJobSchema = Type.Object({
  id: Type.Integer(),
  trial: Type.Integer(),
  score: Nullable(Type.Number()),
  params: Type.Record(Type.String(), ParamValue),
});
export type BestJob = Static<typeof BestJobSchema>;

/** What the experiment's warm start told its proposer before its first proposal. */
export const WarmStartSchema = Type.Object(
  {
    experiments: Type.Array(
      Type.Object({
        id: Type.Integer(),
        jobs: Type.Integer({ description: 'Its finished jobs told to the proposer' }),
        skipped: Type.Integer({ description: 'Its finished jobs left out: they do not fit the search space' }),
      }),
      { description: 'Each experiment warm_start names, in its order' },
    ),
    jobs: Type.Integer({ description: 'Jobs told in all (trial ids 0 to jobs - 1; not counted in n_samples)' }),
  },
  { description: 'What its warm start told the proposer before its first proposal; null: no warm start (or not done yet)' },
);
export type WarmStart = Static<typeof WarmStartSchema>;

export const ExperimentDetailSchema = Type.Composite([
  ExperimentSummarySchema,
  Type.Object({
    error: Nullable(Type.String()),
    config: Type.Unknown({ description: 'The normalised experiment config' }),
    best_job: Nullable(BestJobSchema),
    job_counts: JobCountsSchema,
    warm_start: Nullable(WarmStartSchema),
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
  status: JobStatusSchema,
  score: Nullable(Type.Number()),
  metrics: Type.Record(Type.String(), Type.Number()),
  params: Type.Record(Type.String(), ParamValue),
  budget: Nullable(Type.Number()),
  attempts: Type.Integer(),
  started_at: Nullable(Timestamp),
  ended_at: Nullable(Timestamp),
});
export type JobSummary = Static<typeof JobSummarySchema>;

export const ExperimentIdParamsSchema = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_ID }) }, { additionalProperties: false });
export type ExperimentIdParams = Static<typeof ExperimentIdParamsSchema>;

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
export type ConfigProblem = Static<typeof ConfigProblemSchema>;

const ConfigWarningsSchema = Type.Array(ConfigProblemSchema, {
  description:
    'What was accepted as Auptimizer accepted it but deserves a look (an unknown key, a relative workingdir, a defaulted parameter)',
});

export const ConfigValidationSchema = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    config: Type.Unknown({ description: 'The normalised config, defaults filled in' }),
    warnings: ConfigWarningsSchema,
  }),
  Type.Object({ ok: Type.Literal(false), problems: Type.Array(ConfigProblemSchema), warnings: ConfigWarningsSchema }),
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
