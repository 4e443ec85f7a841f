import { Type, type Static } from '@sinclair/typebox';

import { Nullable } from './schema-kit.js';
import { ExperimentSummarySchema } from './schemas.js';

// Wire shapes of the control routes (control-routes.ts): creating, copying, starting and stopping
// experiments, requests to a running experiment's runner, passive results, environment reset.

/** Longest `?wait=` a request may block for: the board's controls wait a moment, never a minute. */
export const MAX_CONTROL_WAIT_MS = 30_000;

export const CreateExperimentBodySchema = Type.Object(
  {
    config: Type.Optional(
      Type.Unknown({ description: 'The experiment config as a JSON object (the keys of experiment.json); give this or yaml' }),
    ),
    yaml: Type.Optional(Type.String({ description: 'The experiment config as YAML (or JSON) text; give this or config' })),
    working_dir: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Existing folder relative paths in the config (script, workingdir) resolve against; default: the board's folder",
      }),
    ),
    name: Type.Optional(Type.String({ minLength: 1, description: "Overrides the config's name" })),
    start: Type.Optional(Type.Boolean({ default: false, description: 'Start a runner for it at once (as POST .../start)' })),
  },
  { additionalProperties: false },
);
export type CreateExperimentBody = Static<typeof CreateExperimentBodySchema>;

export const CopyExperimentBodySchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, description: "The copy's name (default: the original's name)" })),
    n_samples: Type.Optional(Type.Integer({ minimum: 1, description: "Overrides the copy's n_samples" })),
    random_seed: Type.Optional(Type.Integer({ minimum: 0, description: "Overrides the copy's random_seed" })),
    start: Type.Optional(Type.Boolean({ default: false, description: 'Start a runner for the copy at once' })),
  },
  { additionalProperties: false },
);
export type CopyExperimentBody = Static<typeof CopyExperimentBodySchema>;

export const RunnerInfoSchema = Type.Object({
  pid: Type.Integer({ description: 'Process id of the runner (`aup resume <id>`) the board started' }),
  log: Type.String({ description: "File the runner's output goes to, in the experiment's working directory" }),
});

export type RunnerInfo = Static<typeof RunnerInfoSchema>;

export const ControlledExperimentSchema = Type.Object({
  experiment: ExperimentSummarySchema,
  runner: Nullable(RunnerInfoSchema),
});
export type ControlledExperiment = Static<typeof ControlledExperimentSchema>;

export const ControlWaitQuerySchema = Type.Object(
  {
    wait: Type.Integer({
      minimum: 0,
      maximum: MAX_CONTROL_WAIT_MS,
      default: 0,
      description: "Milliseconds to wait for the runner's answer; 200 with the result when it came, else 202 with the pending request",
    }),
  },
  { additionalProperties: false },
);
export type ControlWaitQuery = Static<typeof ControlWaitQuerySchema>;

export const ControlRequestSchema = Type.Object({
  id: Type.Integer(),
  experiment_id: Type.Integer(),
  job_id: Nullable(Type.Integer()),
  action: Type.String({ description: 'stop, kill_job, set or enqueue' }),
  payload: Type.Unknown(),
  created_at: Type.String({ format: 'date-time' }),
  taken_at: Nullable(Type.String({ format: 'date-time', description: 'When a runner took it; null while it waits' })),
  done_at: Nullable(Type.String({ format: 'date-time' })),
  result: Nullable(Type.Unknown({ description: '{ ok: true, ... } or { ok: false, code, message } once done' })),
});
export type ControlRequestDto = Static<typeof ControlRequestSchema>;

export const EnqueueTrialBodySchema = Type.Object(
  {
    params: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()]), {
      description: 'A value for every hyperparameter',
    }),
  },
  { additionalProperties: false },
);
export type EnqueueTrialBody = Static<typeof EnqueueTrialBodySchema>;

export const SetExperimentBodySchema = Type.Object(
  {
    n_parallel: Type.Optional(Type.Integer({ minimum: 1, description: 'Jobs at a time from now on' })),
    n_samples: Type.Optional(Type.Integer({ minimum: 1, description: 'Total jobs of the experiment' })),
  },
  { additionalProperties: false },
);
export type SetExperimentBody = Static<typeof SetExperimentBodySchema>;

export const ReportJobBodySchema = Type.Object(
  {
    score: Type.Number({ description: "The job's score" }),
    metrics: Type.Optional(Type.Record(Type.String(), Type.Number(), { description: 'Named secondary results (multi_res_labels)' })),
  },
  { additionalProperties: false },
);
export type ReportJobBody = Static<typeof ReportJobBodySchema>;

export const ReportJobResultSchema = Type.Object({
  job_id: Type.Integer(),
  attempt: Type.Integer(),
  score: Type.Number(),
  metrics: Type.Record(Type.String(), Type.Number()),
});
export type ReportJobResult = Static<typeof ReportJobResultSchema>;

export const EnvironmentResetBodySchema = Type.Object(
  {
    working_dir: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Existing folder for the new database (same file name) and new experiments' relative paths; default: the current database's folder",
      }),
    ),
  },
  { additionalProperties: false },
);
export type EnvironmentResetBody = Static<typeof EnvironmentResetBodySchema>;

export const EnvironmentResetResultSchema = Type.Object({
  database: Type.String({ description: 'The new, empty database file' }),
  backup: Type.String({ description: 'Where the previous database file (with its -wal/-shm) was moved' }),
  working_dir: Type.String(),
});
export type EnvironmentResetResult = Static<typeof EnvironmentResetResultSchema>;
