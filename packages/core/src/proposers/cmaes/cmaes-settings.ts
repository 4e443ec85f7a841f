/** The `cmaes` proposer's keys (`sigma0`, `popsize`, `restarts`, `inc_popsize`): schemas, defaults, and reading them. */
import { AupError } from '../../errors.js';
import { Int, OneOf } from '../../config/schema-builders.js';
import { Type } from '@sinclair/typebox';
import type { Json, JsonObject } from '../../types.js';

/** What happens when a run of CMA-ES has converged or stalled. */
export type RestartStrategy = 'ipop' | 'none';

/** Settings after defaults. */
export interface CmaesSettings {
  /** Initial step size as a fraction of every parameter's range (unit cube). */
  sigma0: number;
  /** λ of the first run; undefined = 4 + ⌊3 ln d⌋. */
  popsize: number | undefined;
  restarts: RestartStrategy;
  /** Factor the population grows by at every IPOP restart. */
  incPopsize: number;
}

/**
 * Defaults. σ0 = 1/6 of the range is Optuna's (min range / 6, the same in the unit cube): from the
 * centre, 3σ reaches the bounds. IPOP doubles λ (Auger & Hansen 2005; Optuna's `inc_popsize`).
 */
export const CMAES_DEFAULTS = { sigma0: 1 / 6, restarts: 'ipop' as RestartStrategy, inc_popsize: 2 };

/** The proposer's config keys, each with the description `aup schema` and docs/reference/config.md show. */
export const CMAES_OPTIONS = {
  sigma0: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1,
    description: 'Initial CMA-ES step size as a fraction of each parameter range (default 1/6).',
  }),
  popsize: Int(2, 'CMA-ES population per generation (default 4 + floor(3 ln d), d = numeric parameters).'),
  restarts: OneOf(['ipop', 'none'], 'CMA-ES restarts when a run converges: ipop (population grows) or none (default ipop).'),
  inc_popsize: Int(1, `Factor the CMA-ES population grows by at each IPOP restart (default ${CMAES_DEFAULTS.inc_popsize}).`),
};

function fail(key: string, expected: string, found: Json | undefined): AupError {
  return new AupError('AUP_ERR_PROPOSER_CONFIG', `${key}: the cmaes proposer needs ${expected}, found ${JSON.stringify(found)}`, {
    details: { path: key, expected, found },
  });
}

/** Reads the cmaes keys of `options`; throws AUP_ERR_PROPOSER_CONFIG naming the key at fault. */
export function cmaesSettings(options: JsonObject): CmaesSettings {
  const given = (key: string): Json | undefined => (options[key] === null ? undefined : options[key]);
  const int = (key: string, min: number): number | undefined => {
    const x = given(key);
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min) throw fail(key, `an integer >= ${min}`, x);
    return x;
  };
  const sigma0 = given('sigma0') ?? CMAES_DEFAULTS.sigma0;
  if (typeof sigma0 !== 'number' || !(sigma0 > 0 && sigma0 <= 1))
    throw fail('sigma0', 'a number in (0, 1] (a fraction of each range)', sigma0);
  const restarts = given('restarts') ?? CMAES_DEFAULTS.restarts;
  if (restarts !== 'ipop' && restarts !== 'none') throw fail('restarts', '"ipop" or "none"', restarts);
  return {
    sigma0,
    popsize: int('popsize', 2),
    restarts,
    incPopsize: int('inc_popsize', 1) ?? CMAES_DEFAULTS.inc_popsize,
  };
}
