/** The `hyperopt` proposer's settings: defaults, and reading them from the config's proposer keys. */
import { AupError } from '../../errors.js';
import type { Json, JsonObject } from '../../types.js';

/** `tpe`: Tree-structured Parzen Estimator; `rand`: random search; `anneal`: hyperopt's annealing around good trials. */
export type HyperoptEngine = 'tpe' | 'rand' | 'anneal';

/** Every setting of the `hyperopt` proposer, resolved. */
export interface HyperoptSettings {
  engine: HyperoptEngine;
  /** Trials drawn uniformly before the model is used (tpe and anneal). */
  n_startup_jobs: number;
  /** Candidates drawn from l(x) per proposal; the one with the largest l(x)/g(x) wins. */
  n_ei_candidates: number;
  /** Fraction of the observations counted as good (at most MAX_GOOD of them). */
  gamma: number;
  /**
   * Multivariate kernels' standard deviation at one observation, as a fraction of the range; it
   * shrinks as n^(−1/(d+4)) (Scott's rule) with n observations on the side.
   */
  bandwidth: number;
  /** Weight of the uniform prior kernel in both densities. */
  prior_weight: number;
  /** One joint kernel per observation over all parameters (true) or one density per parameter (false). */
  multivariate: boolean;
  /** Pending trials count as bad observations, so parallel proposals spread out. */
  constant_liar: boolean;
  /** Observations beyond this many (the newest) get linearly decreasing weights, oldest least. */
  linear_forgetting: number;
  /** anneal: mean rank (0 = best) of the trial a proposal is drawn around. */
  avg_best_idx: number;
  /** anneal: the neighbourhood's width is 1 / (1 + trials · shrink_coef) of the range. */
  shrink_coef: number;
}

/**
 * Defaults, chosen by measurement (20 seeds; table in docs/reference/proposers.md#hyperopt): the
 * multivariate estimator beat the univariate one on Branin, Hartmann-6 and Rosenbrock-4D; 10 startup
 * trials (Optuna's) beat hyperopt's 20 at budgets of 25–100; a bandwidth constant of 0.07 (Optuna: 0.2)
 * with gamma 0.1 was best of gamma 0.1–0.2 × bandwidth 0.04–0.1; 64 candidates instead of 24 helped
 * Rosenbrock and hurt Hartmann-6, so hyperopt's and Optuna's 24 stays.
 */
export const HYPEROPT_DEFAULTS: Readonly<HyperoptSettings> = {
  engine: 'tpe',
  n_startup_jobs: 10,
  n_ei_candidates: 24,
  gamma: 0.1,
  bandwidth: 0.07,
  prior_weight: 1,
  multivariate: true,
  constant_liar: true,
  linear_forgetting: 25,
  avg_best_idx: 2,
  shrink_coef: 0.1,
};

/** Keys of the config that this proposer reads (others belong to other proposers and are ignored). */
export const HYPEROPT_SETTING_KEYS = Object.keys(HYPEROPT_DEFAULTS) as (keyof HyperoptSettings)[];

function bad(key: string, expected: string, found: Json | undefined): AupError {
  return new AupError(
    'AUP_ERR_PROPOSER_CONFIG',
    `${key}: the hyperopt proposer needs ${expected}, found ${JSON.stringify(found) ?? 'nothing'}`,
    {
      details: { path: key, expected, found },
    },
  );
}

function int(options: JsonObject, key: string, min: number, fallback: number): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw bad(key, `an integer >= ${min}`, v);
  return v;
}

function num(options: JsonObject, key: string, ok: (x: number) => boolean, expected: string, fallback: number): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw bad(key, expected, v);
  return v;
}

function bool(options: JsonObject, key: string, fallback: boolean): boolean {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw bad(key, 'true or false', v);
  return v;
}

/** Resolves the settings from the proposer keys; throws AUP_ERR_PROPOSER_CONFIG naming the key for a bad value. */
export function resolveHyperoptSettings(options: JsonObject): HyperoptSettings {
  const d = HYPEROPT_DEFAULTS;
  let engine: HyperoptEngine = d.engine;
  const e = options.engine;
  if (e !== undefined) {
    const k = typeof e === 'string' ? e.trim().toLowerCase() : '';
    // Auptimizer's own setup prompt offered "random", which its hyperopt wrapper could not load.
    if (k === 'tpe' || k === 'anneal') engine = k;
    else if (k === 'rand' || k === 'random') engine = 'rand';
    else throw bad('engine', '"tpe", "rand" (or "random") or "anneal"', e);
  }
  return {
    engine,
    n_startup_jobs: int(options, 'n_startup_jobs', 0, d.n_startup_jobs),
    n_ei_candidates: int(options, 'n_ei_candidates', 1, d.n_ei_candidates),
    gamma: num(options, 'gamma', (x) => x > 0 && x <= 1, 'a number in (0, 1]', d.gamma),
    bandwidth: num(options, 'bandwidth', (x) => x > 0 && x <= 1, 'a number in (0, 1]', d.bandwidth),
    prior_weight: num(options, 'prior_weight', (x) => x > 0, 'a number > 0', d.prior_weight),
    multivariate: bool(options, 'multivariate', d.multivariate),
    constant_liar: bool(options, 'constant_liar', d.constant_liar),
    linear_forgetting: int(options, 'linear_forgetting', 1, d.linear_forgetting),
    avg_best_idx: num(options, 'avg_best_idx', (x) => x >= 1, 'a number >= 1', d.avg_best_idx),
    shrink_coef: num(options, 'shrink_coef', (x) => x >= 0, 'a number >= 0', d.shrink_coef),
  };
}

/** True when `x` holds a complete, valid settings object (as stored in a snapshot). */
export function isHyperoptSettings(x: Json | undefined): x is JsonObject & HyperoptSettings {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  if (!HYPEROPT_SETTING_KEYS.every((k) => k in x)) return false;
  try {
    const r = resolveHyperoptSettings(x);
    return r.engine === x.engine;
  } catch {
    return false;
  }
}
