/** The `spearmint` proposer's keys (`n_init`, `grid_size`, `engine`, `engine_config`) read and checked. */
import { AupError } from '../../errors.js';
import type { Json, JsonObject } from '../../types.js';

/** How trials that are out (asked, not told) enter the model. */
export type PendingStrategy = 'believer' | 'liar';
/** The transform applied to the objective before standardising. */
export type OutputWarp = 'log' | 'none';

/** Settings after defaults. */
export interface SpearmintSettings {
  /** Trials from the Sobol design before the GP proposes; undefined = the default for the space. */
  nInit: number | undefined;
  /** Sobol candidates scored by expected improvement per proposal. */
  gridSize: number;
  pending: PendingStrategy;
  outputWarp: OutputWarp;
  /** Keep the noise at its floor (a deterministic objective). */
  noiseless: boolean;
}

/**
 * Candidates per proposal. Auptimizer's Spearmint scored a 20,000-point grid; 1,000 Sobol points
 * plus as many perturbations of the best points, then gradient refinement, find a better maximum
 * of EI at a twentieth of the cost (a reference GP-EI with 2,000 random candidates did no better).
 */
export const DEFAULT_GRID_SIZE = 1000;

/** Chooser names Auptimizer's spearmint accepted; all mean GP-EI here. */
const ENGINES = ['gpeioptchooser', 'gpeichooser', 'gp-ei', 'gpei'];
/** Spearmint's own chooser options, accepted so Auptimizer configs load, and unused (no MCMC over hyperparameters here). */
const IGNORED_ENGINE_KEYS = ['mcmc_iters', 'burnin', 'pending_samples', 'grid_subset', 'covar', 'use_grad'];
const ENGINE_KEYS = ['noiseless', 'pending', 'output_warp'];

function fail(key: string, expected: string, found: Json | undefined): AupError {
  return new AupError('AUP_ERR_PROPOSER_CONFIG', `${key}: the spearmint proposer needs ${expected}, found ${JSON.stringify(found)}`, {
    details: { path: key, expected, found },
  });
}

/** Reads the spearmint keys of `options`; throws AUP_ERR_PROPOSER_CONFIG naming the key at fault. */
export function spearmintSettings(options: JsonObject): SpearmintSettings {
  const positiveInt = (key: string): number | undefined => {
    const x = options[key];
    if (x === undefined || x === null) return undefined;
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) throw fail(key, 'an integer >= 1', x);
    return x;
  };
  const engine = options.engine;
  if (engine !== undefined && engine !== null && (typeof engine !== 'string' || !ENGINES.includes(engine.trim().toLowerCase()))) {
    throw fail('engine', '"GPEIOptChooser" (Gaussian process with expected improvement; "GPEIChooser" is accepted as the same)', engine);
  }
  const config = options.engine_config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw fail('engine_config', 'an object', config);
  for (const key of Object.keys(config)) {
    if (!ENGINE_KEYS.includes(key) && !IGNORED_ENGINE_KEYS.includes(key)) {
      throw fail(`engine_config.${key}`, `one of the keys ${[...ENGINE_KEYS, ...IGNORED_ENGINE_KEYS].join(', ')}`, key);
    }
  }
  const noiseless = config.noiseless ?? false;
  if (typeof noiseless !== 'boolean' && noiseless !== 0 && noiseless !== 1)
    throw fail('engine_config.noiseless', 'true or false', noiseless);
  const pending = config.pending ?? 'believer';
  if (pending !== 'believer' && pending !== 'liar')
    throw fail('engine_config.pending', '"believer" (kriging believer) or "liar" (constant liar)', pending);
  const warp = config.output_warp ?? 'none';
  if (warp !== 'log' && warp !== 'none') throw fail('engine_config.output_warp', '"none" or "log"', warp);
  return {
    nInit: positiveInt('n_init'),
    gridSize: positiveInt('grid_size') ?? DEFAULT_GRID_SIZE,
    pending,
    outputWarp: warp,
    noiseless: noiseless === true || noiseless === 1,
  };
}
