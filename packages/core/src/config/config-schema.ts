/**
 * The one schema of an experiment config (docs/architecture.md §2.1). It drives validation (`normalizeConfig`), is
 * printed by `aup schema` as JSON Schema, and feeds the board's config editor. The proposers' keys
 * come from their definitions (proposers/registry.ts). Checks that JSON Schema cannot say well
 * (min < max, duplicate names) live in normalize-config.ts, a proposer's own (budgets in order) in
 * its definition.
 */
import { Type, type TOptional, type TSchema } from '@sinclair/typebox';
import { BUILTIN_PROPOSERS } from '../proposers/registry.js';
import { andList, Bool, Fraction, gatherKeys, Int, OneOf, Positive, Str } from './schema-builders.js';
import { RESOURCE_KINDS, resourceArgsSchemas } from '../resources/registry.js';

export const PARAM_TYPES = ['float', 'int', 'choice'] as const;
/** The `resource` values, from the resource registry. */
export const RESOURCES = RESOURCE_KINDS;
export const TARGETS = ['min', 'max'] as const;
/** The values of `job_file_keys` (types.ts JobFileKeys). */
export const JOB_FILE_KEYS = ['auptimizer', 'aup'] as const;
export const EARLY_STOP_POLICIES = ['bandit', 'median', 'truncation', 'curve_fitting', 'asha'] as const;

const paramFields = {
  type: OneOf(PARAM_TYPES, 'float and int sample a [min, max] interval (bounds inclusive); choice picks one of the listed values.'),
  range: Type.Array(Type.Union([Type.Number(), Type.String(), Type.Boolean()]), {
    minItems: 1,
    description: '[min, max] for float and int; the list of values for choice.',
  }),
  log: Type.Optional(Bool('Sample on a log scale (float and int; needs min > 0).')),
  interval: Type.Optional(Positive('Grid step for the sequence proposer (float and int).')),
  n: Type.Optional(Int(1, 'Number of grid points for the sequence proposer (float and int); `interval` wins when both are given.')),
};

/** A parameter leaf inside a config template: a parameter without its name (the name is its path). */
export const ParamLeafSchema = Type.Object(paramFields, { additionalProperties: false });

/** One entry of `parameter_config`: without `type` or `range`, Auptimizer's defaults (int, [0, 1]) apply. */
export const ParamItemSchema = Type.Object(
  {
    name: Str('Name of the hyperparameter, as the script reads it.'),
    ...paramFields,
    type: Type.Optional(paramFields.type),
    range: Type.Optional(paramFields.range),
    size: Type.Optional(Type.Literal(1, { description: "Spearmint's vector size; accepted for Auptimizer configs, only 1 is supported." })),
  },
  { additionalProperties: false },
);

export const EarlyStopSchema = Type.Object(
  {
    aup_policy: OneOf(EARLY_STOP_POLICIES, 'The early-stopping rule.'),
    aup_policy_steps: Type.Optional(Int(1, 'Compare jobs every this many intermediate results.')),
    warmup: Type.Optional(Int(0, 'Intermediate results a job reports before it can be stopped.')),
    bandit_factor: Type.Optional(Fraction('bandit: stop a job whose best value is worse than this factor of the best job (default 0.5).')),
    truncation_percentage: Type.Optional(Fraction('truncation: stop jobs in this bottom fraction (default 0.3).')),
    curve_fitting_threshold: Type.Optional(
      Fraction('curve_fitting: stop when the predicted final value is below this fraction of the best (default 0.95).'),
    ),
    curve_fitting_max_iters: Type.Optional(
      Int(1, 'curve_fitting: how many intermediate results a full job reports (required for curve_fitting).'),
    ),
    curve_fitting_timeout: Type.Optional(Positive('curve_fitting: seconds allowed for one curve fit (default 60).')),
    min_resource: Type.Optional(Positive('asha: the smallest step at which a job can be stopped.')),
    reduction_factor: Type.Optional(
      Type.Number({ exclusiveMinimum: 1, description: 'asha: keep the top 1/reduction_factor at each rung (default 3).' }),
    ),
  },
  { additionalProperties: false, description: "Stop jobs that are doing badly (Auptimizer's early stopping, plus asha)." },
);

const JobFailureSchema = Type.Object(
  {
    job_retries: Type.Optional(Int(0, 'Extra attempts after a failed attempt (default 3, as in Auptimizer).')),
    ignore_fail: Type.Optional(Bool('Tell the proposer and go on after a job failed all its attempts (default false).')),
  },
  {
    additionalProperties: false,
    description: 'Retries, and whether to go on after failures (default: the first failed job stops the experiment).',
  },
);

/** Experiment-level stop rules (runner/stop-rules.ts); any that fires ends the experiment. */
export const StopSchema = Type.Object(
  {
    time_budget_s: Type.Optional(
      Positive(
        'Seconds the experiment may run, summed over aup run and each aup resume; then running jobs are interrupted and it ends stopped (a resume gets a fresh budget).',
      ),
    ),
    target_score: Type.Optional(
      Type.Number({
        description: 'End once the best score reaches this (at most it for target min, at least for max); running jobs finish.',
      }),
    ),
    patience: Type.Optional(
      Int(1, 'End after this many jobs in a row ended with a score (finished or early-stopped) without a new best; running jobs finish.'),
    ),
  },
  {
    additionalProperties: false,
    description: 'Experiment-level stop rules: the experiment ends cleanly when one fires, with the rule as its stop_reason.',
  },
);

/** Per-resource settings (Auptimizer's `runtime_args`); other keys are passed through. */
const runtimeFields = {
  prescript: Type.Optional(Type.String({ description: 'Shell commands run before each job (node, aws).' })),
  postscript: Type.Optional(Type.String({ description: 'Shell commands run after each job (node, aws).' })),
  overwrite: Type.Optional(Bool('Replace the script on the remote machine even if it is there (node, aws).')),
  env: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
      description: 'Extra environment variables for each job.',
    }),
  ),
};

const ResourceArgsSchema = Type.Object(
  {
    save_model: Type.Optional(Bool('After the experiment, re-run the best job once with save_model: true.')),
    multi_res_labels: Type.Optional(
      Type.Array(Type.String(), { description: 'Names of the extra values after the score in #Auptimizer result lines.' }),
    ),
    track_intermediate_results: Type.Optional(Bool('Record every result line as an intermediate result (on whenever early_stop is set).')),
    early_stop: Type.Optional(EarlyStopSchema),
    // Each resource's own keys, from its definition (resources/registry.ts).
    ...Object.fromEntries(Object.entries(resourceArgsSchemas()).map(([k, schema]) => [k, Type.Optional(schema)])),
    ...runtimeFields,
  },
  { additionalProperties: true, description: 'Result handling, early stopping and per-resource settings; other keys go to the resource.' },
);

/**
 * Per-proposer keys, top-level as in Auptimizer's experiment.json, from each proposer's definition
 * (proposers/registry.ts); normalisation gathers the ones present into `proposer_options`. `proposers`
 * says which proposers read the key.
 */
export const PROPOSER_OPTIONS: Readonly<Record<string, { schema: TSchema; proposers: readonly string[] }>> = Object.fromEntries(
  Object.entries(gatherKeys(BUILTIN_PROPOSERS, (d) => d.options)).map(([k, { schema, owners }]) => [k, { schema, proposers: owners }]),
);

export type ProposerOptionKey = string;
export const PROPOSER_OPTION_KEYS: ProposerOptionKey[] = Object.keys(PROPOSER_OPTIONS);

const proposerOptionProperties: Record<string, TOptional<TSchema>> = Object.fromEntries(
  PROPOSER_OPTION_KEYS.map((k) => [k, Type.Optional(PROPOSER_OPTIONS[k]!.schema)]),
);

/** Proposers that compute their own job count when `n_samples` is not given. */
const SELF_COUNTING = BUILTIN_PROPOSERS.filter((d) => d.trialCount !== undefined).map((d) => d.name);

export const ExperimentConfigSchema = Type.Object(
  {
    name: Type.Optional(Str('Experiment name (default: the config file name without extension).')),
    proposer: Type.Optional(Str(`How hyperparameters are proposed: ${BUILTIN_PROPOSERS.map((d) => d.name).join(', ')} (default random).`)),
    n_samples: Type.Optional(Int(1, `Number of jobs to run (default 10); ${andList(SELF_COUNTING)} compute their own.`)),
    random_seed: Type.Optional(Int(0, 'Seed of the proposer (default 0).')),
    script: Type.Optional(Str('The command that runs one job, with its own arguments if any; the job file path is appended last.')),
    parameter_config: Type.Optional(
      Type.Array(ParamItemSchema, { description: 'The hyperparameters to search (default: none, a one-shot experiment).' }),
    ),
    resource: Type.Optional(OneOf(RESOURCES, 'Where jobs run (default cpu).')),
    resource_args: Type.Optional(ResourceArgsSchema),
    runtime_args: Type.Optional(
      Type.Object(runtimeFields, {
        additionalProperties: true,
        description: "Auptimizer's per-job runtime settings; merged into resource_args.",
      }),
    ),
    job_failure: Type.Optional(JobFailureSchema),
    job_timeout: Type.Optional(Positive('Seconds a job may run before it is killed (default: no limit).')),
    job_file_keys: Type.Optional(
      OneOf(
        JOB_FILE_KEYS,
        "What a job file holds besides the hyperparameters: auptimizer (default), the keys Auptimizer's proposers added (tid, n_iterations, save_model, folder_name); aup, also job_id, budget and best_job.",
      ),
    ),
    n_parallel: Type.Optional(Int(1, 'Jobs run at the same time (default 1).')),
    stop: Type.Optional(StopSchema),
    warm_start: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), {
        description:
          'Ids of earlier experiments in the same database whose finished jobs that fit this search space are told to the proposer before its first proposal (not counted in n_samples).',
      }),
    ),
    target: Type.Optional(
      Type.Union(
        [
          OneOf(TARGETS, 'Whether the best score is the largest or the smallest.'),
          Type.Array(OneOf(TARGETS, 'Whether this objective is minimised or maximised.'), {
            minItems: 1,
            description: 'One direction per objective: several objectives (a job reports a list of values).',
          }),
        ],
        { description: 'Whether the best score is the largest or the smallest (default max); a list for several objectives.' },
      ),
    ),
    objectives: Type.Optional(
      Type.Array(Str('The name of an objective: the metric its values are stored under.'), {
        minItems: 1,
        description: 'Names of the objectives, one per entry of a list `target` (default objective_0, objective_1, ...).',
      }),
    ),
    workingdir: Type.Optional(Str('Folder the jobs run in (default: the config file folder).')),
    config_template: Type.Optional(
      Type.Union([Str('Path of a JSON or YAML template file.'), Type.Record(Type.String(), Type.Unknown())], {
        description: 'A JSON or YAML template (a file path, or the template itself) whose {"range", "type"} values are hyperparameters.',
      }),
    ),
    compression: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Auptimizer\'s model-compression settings; its {"range", "type"} values are hyperparameters, as in a template.',
      }),
    ),
    ...proposerOptionProperties,
  },
  {
    additionalProperties: false,
    title: 'aup experiment config',
    description: "An aup experiment: Auptimizer's experiment.json format, in JSON or YAML.",
  },
);

export const TOP_LEVEL_KEYS = Object.keys(ExperimentConfigSchema.properties);

/**
 * Keys users put at the top level that belong one level down, for the "did you mean" of an unknown
 * top-level key.
 */
export const MISPLACED_KEY_HINTS: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(Object.keys(ResourceArgsSchema.properties).map((k) => [k, `resource_args.${k}`])),
  ...Object.fromEntries(Object.keys(EarlyStopSchema.properties).map((k) => [k, `resource_args.early_stop.${k}`])),
  ...Object.fromEntries(Object.keys(JobFailureSchema.properties).map((k) => [k, `job_failure.${k}`])),
  ...Object.fromEntries(Object.keys(StopSchema.properties).map((k) => [k, `stop.${k}`])),
});

/** Keys Auptimizer writes into the configs it stores (`cwd`, the folder it ran in): accepted and ignored without a word. */
export const AUPTIMIZER_WRITTEN_KEYS: ReadonlySet<string> = new Set(['cwd']);

/** Where JSON Schema's draft-07 meta-schema lives; TypeBox emits draft-07-compatible keywords. */
const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** The config's JSON Schema (draft-07), as printed by `aup schema`; a fresh plain object on each call. */
export function configJsonSchema(): Record<string, unknown> {
  // A JSON round trip drops TypeBox's symbol-keyed metadata and gives the caller its own copy.
  const schema = JSON.parse(JSON.stringify(ExperimentConfigSchema)) as Record<string, unknown>;
  return { $schema: JSON_SCHEMA_DRAFT, ...schema };
}
