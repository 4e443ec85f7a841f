/** The `nsga2` proposer's keys (`population_size`, `crossover_prob`, `mutation_prob`): schemas, defaults, and reading them. */
import { AupError } from '../../errors.js';
import { Fraction, Int } from '../../config/schema-builders.js';
import type { Json, JsonObject } from '../../types.js';

/** Settings after defaults. */
export interface Nsga2Settings {
  populationSize: number;
  crossoverProb: number;
  /** Per-parameter mutation probability; undefined = 1 / (number of parameters). */
  mutationProb: number | undefined;
}

/** Defaults: Optuna's NSGAIISampler's population (50) and crossover probability (0.9). */
export const NSGA2_DEFAULTS = { population_size: 50, crossover_prob: 0.9 };

/** The proposer's config keys, each with the description `aup schema` and docs/reference/config.md show. */
export const NSGA2_OPTIONS = {
  population_size: Int(2, `NSGA-II population: trials per generation and parents kept (default ${NSGA2_DEFAULTS.population_size}).`),
  crossover_prob: Fraction(`NSGA-II probability that a child is a crossover of two parents (default ${NSGA2_DEFAULTS.crossover_prob}).`),
  mutation_prob: Fraction('NSGA-II probability that each parameter of a child mutates (default 1 / number of parameters).'),
};

function fail(key: string, expected: string, found: Json | undefined): AupError {
  return new AupError('AUP_ERR_PROPOSER_CONFIG', `${key}: the nsga2 proposer needs ${expected}, found ${JSON.stringify(found)}`, {
    details: { path: key, expected, found },
  });
}

/** Reads the nsga2 keys of `options`; throws AUP_ERR_PROPOSER_CONFIG naming the key at fault. */
export function nsga2Settings(options: JsonObject): Nsga2Settings {
  const given = (key: string): Json | undefined => (options[key] === null ? undefined : options[key]);
  const size = given('population_size') ?? NSGA2_DEFAULTS.population_size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 2) throw fail('population_size', 'an integer >= 2', size);
  const fraction = (key: string): number | undefined => {
    const x = given(key);
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !(x > 0 && x <= 1)) throw fail(key, 'a number in (0, 1]', x);
    return x;
  };
  return {
    populationSize: size,
    crossoverProb: fraction('crossover_prob') ?? NSGA2_DEFAULTS.crossover_prob,
    mutationProb: fraction('mutation_prob'),
  };
}
