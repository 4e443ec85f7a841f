import { AupError } from '../errors.js';
import type { EarlyStopConfig, Target } from '../types.js';
import { PrunerHistory, type PrunerJobStatus } from './pruner-history.js';

/**
 * One early-stopping rule (docs/architecture.md §2.7: `shouldStop(job, step, value, history)`). `step` is the
 * number of values the job has reported, `value` its latest value, oriented: higher is better.
 */
export interface PrunerPolicy {
  readonly name: string;
  /** True when `jobId` should stop now. Called only at steps the pruner evaluates (warmup, aup_policy_steps). */
  shouldStop(jobId: number, step: number, value: number, history: PrunerHistory): boolean;
  /** True when the policy ignores `aup_policy_steps` and picks its own steps (asha's rungs). */
  readonly ownSteps?: boolean;
}

/** The early_stop settings a policy reads, with their defaults filled in. */
export interface PrunerSettings {
  policy: string;
  /** Evaluate every this many values (1 = every value). */
  policySteps: number;
  /** Values a job reports before it can be stopped. */
  warmup: number;
  banditFactor: number;
  truncationPercentage: number;
  curveFittingThreshold: number;
  /** How many values a complete job reports (curve_fitting's horizon; asha's last step). */
  curveFittingMaxIters?: number;
  /** Seconds allowed for one curve fit. */
  curveFittingTimeout: number;
  minResource: number;
  reductionFactor: number;
  target: Target;
  /** Clock for curve_fitting's timeout (tests may pass their own). */
  now: () => number;
}

export interface PrunerPolicyDefinition {
  name: string;
  /** Creates the policy; throws AupError (AUP_ERR_CONFIG_INVALID) when a required key is missing. */
  create(settings: PrunerSettings): PrunerPolicy;
}

/** Auptimizer's defaults (AbstractResourceManager): bandit 0.5, truncation 0.3, curve fit 0.95 and 60 s. */
export const EARLY_STOP_DEFAULTS = {
  aup_policy_steps: 1,
  warmup: 0,
  bandit_factor: 0.5,
  truncation_percentage: 0.3,
  curve_fitting_threshold: 0.95,
  curve_fitting_timeout: 60,
  min_resource: 1,
  reduction_factor: 3,
} as const;

/** Fills the defaults of `resource_args.early_stop`; throws AUP_ERR_CONFIG_INVALID naming the key on bad values. */
export function prunerSettings(config: EarlyStopConfig, target: Target, now: () => number = Date.now): PrunerSettings {
  const num = (key: string, dflt: number | undefined, ok: (v: number) => boolean, expected: string): number | undefined => {
    const v = config[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new AupError('AUP_ERR_CONFIG_INVALID', `resource_args.early_stop.${key}: expected ${expected}, found ${JSON.stringify(v)}`, {
        details: { path: `resource_args.early_stop.${key}`, expected, found: v },
      });
    }
    return v;
  };
  const D = EARLY_STOP_DEFAULTS;
  const intMin = (min: number) => (v: number) => Number.isInteger(v) && v >= min;
  const fraction = (v: number) => v > 0 && v <= 1;
  return {
    policy: String(config.aup_policy),
    policySteps: num('aup_policy_steps', D.aup_policy_steps, intMin(1), 'an integer ≥ 1')!,
    warmup: num('warmup', D.warmup, intMin(0), 'an integer ≥ 0')!,
    banditFactor: num('bandit_factor', D.bandit_factor, fraction, 'a number in (0, 1]')!,
    truncationPercentage: num('truncation_percentage', D.truncation_percentage, fraction, 'a number in (0, 1]')!,
    curveFittingThreshold: num('curve_fitting_threshold', D.curve_fitting_threshold, fraction, 'a number in (0, 1]')!,
    curveFittingMaxIters: num('curve_fitting_max_iters', undefined, intMin(1), 'an integer ≥ 1'),
    curveFittingTimeout: num('curve_fitting_timeout', D.curve_fitting_timeout, (v) => v > 0, 'a number > 0')!,
    minResource: num('min_resource', D.min_resource, (v) => v > 0, 'a number > 0')!,
    reductionFactor: num('reduction_factor', D.reduction_factor, (v) => v > 1, 'a number > 1')!,
    target,
    now,
  };
}

/** How a pruner hears that a job ended. */
export type PrunerCompletion = Exclude<PrunerJobStatus, 'running'> | 'interrupted';

/**
 * The early stopping of one experiment: the runner reports each intermediate `score` of a job as it
 * arrives and stops the job when `report` answers true. The state is the jobs' reported values
 * only, so a resumed experiment rebuilds it from the stored intermediate results (`restore`).
 *
 * @example
 * const pruner = createPruner({ aup_policy: 'median' }, 'max');
 * pruner.start(7);
 * if (pruner.report(7, 0.42)) controller.abort('early_stopped');
 */
export class Pruner {
  readonly settings: PrunerSettings;
  readonly policy: PrunerPolicy;
  readonly history: PrunerHistory;

  constructor(policy: PrunerPolicy, settings: PrunerSettings) {
    this.policy = policy;
    this.settings = settings;
    this.history = new PrunerHistory(settings.target);
  }

  /** A job (or a new attempt of it) starts: its earlier values are forgotten. */
  start(jobId: number): void {
    this.history.start(jobId);
  }

  /** Records the job's next value (as the user reported it); true when the job should stop now. */
  report(jobId: number, value: number): boolean {
    const step = this.history.add(jobId, value);
    if (this.history.status(jobId) !== 'running') return false;
    if (step < this.settings.warmup) return false;
    if (!this.policy.ownSteps && step % this.settings.policySteps !== 0) return false;
    const stop = this.policy.shouldStop(jobId, step, this.history.orient(value), this.history);
    if (stop) this.history.setStatus(jobId, 'early_stopped');
    return stop;
  }

  /** The job ended; an interrupted job will start again, so its values are dropped. */
  complete(jobId: number, status: PrunerCompletion): void {
    if (status === 'interrupted') this.history.start(jobId);
    else this.history.setStatus(jobId, status);
  }

  /** Rebuilds a job that ended before a resume from its stored values (in step order). */
  restore(jobId: number, values: readonly number[], status: Exclude<PrunerJobStatus, 'running'>): void {
    this.history.start(jobId);
    for (const v of values) this.history.add(jobId, v);
    this.history.setStatus(jobId, status);
  }
}
