/** Shared contracts of @aup/core. Implementations live in config/, proposers/, store/, runner/. */
import type { EXPERIMENT_STATUSES, JOB_STATUSES, STOP_REASONS } from './statuses.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A hyperparameter value. `choice` ranges may hold strings, numbers or booleans. */
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export type Target = 'min' | 'max';

interface NumericParamBase {
  name: string;
  /** Inclusive bounds [min, max]. */
  range: [number, number];
  /** Sample on a log scale (requires min > 0). */
  log?: boolean;
  /** Grid step for the `sequence` proposer. */
  interval?: number;
  /** Number of grid points for the `sequence` proposer (alternative to `interval`). */
  n?: number;
}
export interface FloatParamSpec extends NumericParamBase {
  type: 'float';
}
/** Integer parameter; both bounds are inclusive for every proposer. */
export interface IntParamSpec extends NumericParamBase {
  type: 'int';
}
export interface ChoiceParamSpec {
  name: string;
  type: 'choice';
  range: ParamValue[];
}
export type ParamSpec = FloatParamSpec | IntParamSpec | ChoiceParamSpec;

/** A `resource` value: the names in the resource registry (resources/registry.ts). */
export type { ResourceKind } from './resources/registry.js';
import type { ResourceKind } from './resources/registry.js';

export interface EarlyStopConfig {
  aup_policy?: 'bandit' | 'median' | 'truncation' | 'curve_fitting' | 'asha';
  aup_policy_steps?: number;
  warmup?: number;
  [key: string]: unknown;
}

export interface ResourceArgs {
  save_model?: boolean;
  multi_res_labels?: string[];
  track_intermediate_results?: boolean;
  early_stop?: EarlyStopConfig;
  [key: string]: unknown;
}

/**
 * Which keys a job file holds besides the hyperparameters (docs/reference/protocol.md §1.1):
 * `auptimizer`, only what Auptimizer's proposers added; `aup`, also aup's `job_id`, `budget`, `best_job`.
 */
export type JobFileKeys = 'auptimizer' | 'aup';

/**
 * Experiment-level stop rules (`stop` in experiment.json; docs/reference/config.md#stop): when one
 * fires, no new job is proposed and the experiment ends with the rule's name as its `stop_reason`.
 */
export interface StopRules {
  /** Seconds of driving the experiment may spend (summed over its runs; a fresh budget after it ran out). */
  time_budget_s?: number;
  /** Stop once the best score reaches this (≤ for target min, ≥ for max). */
  target_score?: number;
  /** Stop after this many jobs in a row ended with a score (finished or early-stopped) without a new best. */
  patience?: number;
}

/** One objective of an experiment with several: the metric name its values are stored under, and its direction. */
export interface ObjectiveSpec {
  name: string;
  target: Target;
}

export interface JobFailure {
  /** Extra attempts after a failure (0 = no retry). */
  job_retries: number;
  /** Tell the proposer and go on after a job that failed all its attempts. */
  ignore_fail: boolean;
}

/**
 * An experiment config after validation and defaults: every key has its final value, relative
 * paths are absolute, and template parameters are expanded into `parameter_config`.
 */
export interface NormalizedConfig {
  name: string;
  proposer: string;
  n_samples: number;
  random_seed: number;
  /** The command to run, as given (may carry its own arguments); undefined for in-process runs. */
  script?: string;
  /** Absolute path of the script file (the first word of `script`, resolved). */
  script_path?: string;
  parameter_config: ParamSpec[];
  resource: ResourceKind;
  resource_args: ResourceArgs;
  /** Undefined when the config has no `job_failure`: the first failure stops the experiment. */
  job_failure?: JobFailure;
  /** Seconds; undefined = no limit. */
  job_timeout?: number;
  /** Undefined (a config that does not say, an experiment stored before the key existed): `auptimizer`. */
  job_file_keys?: JobFileKeys;
  n_parallel: number;
  /**
   * The direction of the score. With several objectives: the first objective's direction (the
   * score is the first objective's value, docs/decisions/0034-multi-objective.md).
   */
  target: Target;
  /**
   * Present only with several objectives (a list `target` of 2 or more): each objective's name
   * (the metric its values are stored under) and direction, in the order jobs report them.
   */
  objectives?: ObjectiveSpec[];
  /** Absolute working directory of the jobs. */
  workingdir: string;
  /** Absolute path of the config template, when the experiment uses one. */
  config_template?: string;
  /** The parsed template (parameter leaves kept as `{range,type}` objects). */
  template?: Json;
  /** Proposer-specific keys (hyperband `max_iter`, bohb `min_budget`, ...), as given. */
  proposer_options: JsonObject;
  /** Absolute path of the config file, when loaded from one. */
  config_path?: string;
  /** Experiment-level stop rules; undefined: only n_samples (and the proposer) end the experiment. */
  stop?: StopRules;
  /**
   * Ids of experiments in the same store whose finished jobs the proposer is told before its first
   * proposal (runner/warm-start.ts); undefined or empty: a cold start.
   */
  warm_start?: number[];
}

// ---------------------------------------------------------------------------------------------
// Proposers (docs/architecture.md §2.2)

export interface Suggestion {
  kind: 'trial';
  /** Assigned by the proposer: 0, 1, 2, ... per experiment. */
  trialId: number;
  params: Params;
  /** Resource for multi-fidelity proposers; reaches the job as `n_iterations` and `budget`. */
  budget?: number;
  /** Extra keys written into the job's JSON (e.g. `architecture`, `parent_job`). */
  extra?: JsonObject;
}
export type AskResult = Suggestion | { kind: 'wait' } | { kind: 'done' };

export type OutcomeStatus = 'finished' | 'failed' | 'early_stopped';
export interface Outcome {
  trialId: number;
  params: Params;
  budget?: number;
  status: OutcomeStatus;
  /** The score as the user reported it (not negated); absent for failures. */
  score?: number;
  /**
   * With several objectives: every objective's value, in `ProposerContext.targets`' order (the
   * first is `score`); absent for failures and for single-objective experiments.
   */
  values?: number[];
}

export interface Proposer {
  ask(): AskResult;
  tell(outcome: Outcome): void;
  /** Everything needed to continue exactly; stored after every ask and tell. */
  snapshot(): Json;
  /**
   * Registers a trial a user gave (params already checked against the space) as the next trial:
   * answers it with a fresh trialId, so a later `tell` of it is accepted, learnt from and kept in
   * the snapshot. Adopted trials do not count against the proposer's own `nSamples`. Optional: the
   * runner refuses to enqueue trials for a proposer without it.
   */
  adopt?(params: Params): AskResult;
}

export interface ProposerContext {
  space: ParamSpec[];
  target: Target;
  /**
   * With several objectives: each objective's direction (`target` is the first's). Only proposers
   * whose definition says `multiObjective` are created with it.
   */
  targets?: Target[];
  nSamples: number;
  seed: number;
  /** Proposer-specific keys from the config. */
  options: JsonObject;
}

export interface ProposerDefinition {
  name: string;
  /** Creates a fresh proposer, or restores one from a snapshot it produced. Throws AupError on bad settings. */
  create(ctx: ProposerContext, snapshot?: Json): Proposer;
}

// ---------------------------------------------------------------------------------------------
// Statuses (docs/architecture.md §2.5)

export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];
export type JobStatus = (typeof JOB_STATUSES)[number];
/** Why an experiment ended (statuses.ts STOP_REASONS). */
export type ExperimentStopReason = (typeof STOP_REASONS)[number];
