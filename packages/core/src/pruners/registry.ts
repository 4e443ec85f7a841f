/** The early-stopping policies aup knows by `aup_policy` name. */
import { AupError } from '../errors.js';
import type { EarlyStopConfig, Target } from '../types.js';
import { ashaPolicy } from './asha-policy.js';
import { banditPolicy } from './bandit-policy.js';
import { curveFittingPolicy } from './curve-fitting/curve-fitting-policy.js';
import { medianPolicy } from './median-policy.js';
import { Pruner, prunerSettings, type PrunerPolicyDefinition } from './pruner.js';
import { truncationPolicy } from './truncation-policy.js';

const registry = new Map<string, PrunerPolicyDefinition>([
  [banditPolicy.name, banditPolicy],
  [medianPolicy.name, medianPolicy],
  [truncationPolicy.name, truncationPolicy],
  [curveFittingPolicy.name, curveFittingPolicy],
  [ashaPolicy.name, ashaPolicy],
]);

/** Makes a policy available as `aup_policy: def.name`; a different policy under a taken name is an error. */
export function registerPrunerPolicy(def: PrunerPolicyDefinition): void {
  const existing = registry.get(def.name);
  if (existing !== undefined && existing !== def) {
    throw new AupError('AUP_ERR_CONFIG_INVALID', `registerPrunerPolicy: a different policy is already registered as "${def.name}"`);
  }
  registry.set(def.name, def);
}

/** Names of the registered policies. */
export function listPrunerPolicies(): string[] {
  return [...registry.keys()];
}

/** The policy registered as `name`; AUP_ERR_CONFIG_INVALID naming resource_args.early_stop.aup_policy otherwise. */
export function getPrunerPolicy(name: string): PrunerPolicyDefinition {
  const def = registry.get(name);
  if (def) return def;
  throw new AupError(
    'AUP_ERR_CONFIG_INVALID',
    `resource_args.early_stop.aup_policy: expected one of ${listPrunerPolicies().join(', ')}, found ${JSON.stringify(name)}`,
    { details: { path: 'resource_args.early_stop.aup_policy', expected: listPrunerPolicies(), found: name } },
  );
}

/**
 * The pruner of an experiment from its `resource_args.early_stop` and `target`.
 *
 * @example
 * const pruner = createPruner({ aup_policy: 'asha', min_resource: 1, reduction_factor: 3 }, 'min');
 */
export function createPruner(config: EarlyStopConfig, target: Target, now?: () => number): Pruner {
  const settings = prunerSettings(config, target, now);
  return new Pruner(getPrunerPolicy(settings.policy).create(settings), settings);
}
