/**
 * The one schema of an experiment config (docs/architecture.md §2.1). It drives validation (`normalizeConfig`), is
 * printed by `aup schema` as JSON Schema, and feeds the board's config editor. Checks that JSON
 * Schema cannot say well (min < max, duplicate names, budgets in order) live in normalize-config.ts.
 */
import { Type, type TOptional, type TSchema } from '@sinclair/typebox';
import { RESOURCE_KINDS, resourceArgsSchemas } from '../resources/registry.js';

const Str = (description: string) => Type.String({ minLength: 1, description });
const Bool = (description: string) => Type.Boolean({ description });
const Int = (minimum: number, description: string) => Type.Integer({ minimum, description });
const Positive = (description: string) => Type.Number({ exclusiveMinimum: 0, description });
const Fraction = (description: string) => Type.Number({ exclusiveMinimum: 0, maximum: 1, description });
const OneOf = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

export const PARAM_TYPES = ['float', 'int', 'choice'] as const;
/** The `resource` values, from the resource registry. */
export const RESOURCES = RESOURCE_KINDS;
export const TARGETS = ['min', 'max'] as const;
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

/** One entry of `parameter_config`. */
export const ParamItemSchema = Type.Object(
  {
    name: Str('Name of the hyperparameter, as the script reads it.'),
    ...paramFields,
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
 * Per-proposer keys, top-level as in Auptimizer's experiment.json; normalisation gathers the ones
 * present into `proposer_options`. The value says which proposer reads the key.
 */
export const PROPOSER_OPTIONS = {
  max_iter: { schema: Positive('Most resource (e.g. epochs) one configuration gets (default 81).'), proposers: ['hyperband'] },
  eta: {
    schema: Type.Number({ exclusiveMinimum: 1, description: 'Downsampling rate between rounds (default 3).' }),
    proposers: ['hyperband', 'bohb'],
  },
  skip_last: {
    schema: Type.Union([Int(0, 'Skip the last rounds of each bracket (0 or 1).'), Type.Boolean()], {
      description: 'Skip the last round of each bracket.',
    }),
    proposers: ['hyperband'],
  },
  engine: {
    schema: Str('Sampling engine: hyperband random|sequence; hyperopt tpe|rand|anneal; spearmint chooser name.'),
    proposers: ['hyperband', 'hyperopt', 'spearmint'],
  },
  min_budget: { schema: Positive('Smallest budget a configuration is evaluated on (default 0.01).'), proposers: ['bohb'] },
  max_budget: { schema: Positive('Largest budget (default 1).'), proposers: ['bohb'] },
  n_iterations: { schema: Int(1, 'Number of successive-halving iterations (default 4).'), proposers: ['bohb'] },
  min_points_in_model: {
    schema: Type.Union([Int(1, 'Results needed before the model is used.'), Type.Null(), Type.Literal('')], {
      description: 'Results needed before the model is used; null or "" = number of parameters + 1.',
    }),
    proposers: ['bohb'],
  },
  top_n_percent: {
    schema: Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Percent of results counted as good (default 15).' }),
    proposers: ['bohb'],
  },
  num_samples: { schema: Int(1, 'Samples drawn to optimise expected improvement (default 64).'), proposers: ['bohb'] },
  random_fraction: {
    schema: Type.Number({ minimum: 0, maximum: 1, description: 'Fraction of configurations sampled at random (default 1/3).' }),
    proposers: ['bohb'],
  },
  bandwidth_factor: { schema: Positive('Widening of the kernel density estimate when sampling (default 3).'), proposers: ['bohb'] },
  min_bandwidth: { schema: Positive('Smallest kernel bandwidth (default 0.001).'), proposers: ['bohb'] },
  n_startup_jobs: { schema: Int(0, 'Random proposals before the TPE model is used (default 10).'), proposers: ['hyperopt'] },
  n_ei_candidates: { schema: Int(1, 'Candidates drawn from the good density per proposal (default 24).'), proposers: ['hyperopt'] },
  gamma: {
    schema: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Fraction of results counted as good (default 0.1).' }),
    proposers: ['hyperopt'],
  },
  bandwidth: {
    schema: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'Kernel bandwidth constant of multivariate TPE (default 0.07; larger explores more).',
    }),
    proposers: ['hyperopt'],
  },
  prior_weight: { schema: Positive('Weight of the uniform prior in each Parzen estimator (default 1).'), proposers: ['hyperopt'] },
  multivariate: { schema: Type.Boolean({ description: 'Joint kernels over all parameters (default true).' }), proposers: ['hyperopt'] },
  constant_liar: { schema: Type.Boolean({ description: 'Count pending trials as bad results (default true).' }), proposers: ['hyperopt'] },
  linear_forgetting: { schema: Int(1, 'Observations after which older ones weigh less (default 25).'), proposers: ['hyperopt'] },
  avg_best_idx: {
    schema: Type.Number({ minimum: 1, description: "anneal: mean rank of the trial sampled around (hyperopt's default 2)." }),
    proposers: ['hyperopt'],
  },
  shrink_coef: {
    schema: Type.Number({ minimum: 0, description: "anneal: how fast the neighbourhood shrinks (hyperopt's default 0.1)." }),
    proposers: ['hyperopt'],
  },
  grid_size: { schema: Int(1, 'Candidate points scored per proposal (default 1000).'), proposers: ['spearmint'] },
  n_init: {
    schema: Int(1, 'Points of the Sobol initial design before the Gaussian process is used (default max(5, d+1), at most 20).'),
    proposers: ['spearmint'],
  },
  engine_config: {
    schema: Type.Record(Type.String(), Type.Unknown(), { description: "Options for spearmint's chooser." }),
    proposers: ['spearmint'],
  },
  spearmint_dir: { schema: Str("Auptimizer's spearmint working folder; accepted and unused."), proposers: ['spearmint'] },
  net_config: { schema: Type.Unknown({ description: 'The starting network description.' }), proposers: ['eas'] },
  n_children: { schema: Int(1, 'Networks derived from each parent per round.'), proposers: ['eas'] },
} as const satisfies Record<string, { schema: TSchema; proposers: readonly string[] }>;

export type ProposerOptionKey = keyof typeof PROPOSER_OPTIONS;
export const PROPOSER_OPTION_KEYS = Object.keys(PROPOSER_OPTIONS) as ProposerOptionKey[];

const proposerOptionProperties: Record<string, TOptional<TSchema>> = Object.fromEntries(
  PROPOSER_OPTION_KEYS.map((k) => [k, Type.Optional(PROPOSER_OPTIONS[k].schema as TSchema)]),
);

export const ExperimentConfigSchema = Type.Object(
  {
    name: Type.Optional(Str('Experiment name (default: the config file name without extension).')),
    proposer: Type.Optional(
      Str('How hyperparameters are proposed: random, sequence, spearmint, hyperopt, hyperband, bohb, eas (default random).'),
    ),
    n_samples: Type.Optional(Int(1, 'Number of jobs to run (default 10); hyperband, bohb and sequence compute their own.')),
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
    n_parallel: Type.Optional(Int(1, 'Jobs run at the same time (default 1).')),
    target: Type.Optional(OneOf(TARGETS, 'Whether the best score is the largest or the smallest (default max).')),
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
});

/** Where JSON Schema's draft-07 meta-schema lives; TypeBox emits draft-07-compatible keywords. */
const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** The config's JSON Schema (draft-07), as printed by `aup schema`; a fresh plain object on each call. */
export function configJsonSchema(): Record<string, unknown> {
  // A JSON round trip drops TypeBox's symbol-keyed metadata and gives the caller its own copy.
  const schema = JSON.parse(JSON.stringify(ExperimentConfigSchema)) as Record<string, unknown>;
  return { $schema: JSON_SCHEMA_DRAFT, ...schema };
}
