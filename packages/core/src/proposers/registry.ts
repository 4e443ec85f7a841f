/**
 * The proposers aup knows by name (the config's `proposer` key). Names are case-insensitive, as in
 * Auptimizer. A built-in proposer is one folder and one line of BUILTIN_PROPOSERS; the config
 * schema, `n_samples` and the reference tables are read from that list.
 */
import { AupError } from '../errors.js';
import { editDistance } from '../config/did-you-mean.js';
import type { ProposerDefinition } from '../types.js';
import type { BuiltinProposer, ProposerLookup, ProposerTraits, RegisteredProposer } from './definition.js';
import { randomProposer } from './random/random-proposer.js';
import { sequenceProposer } from './sequence/sequence-proposer.js';
import { hyperbandDefinition } from './hyperband/hyperband-proposer.js';
import { bohbProposer } from './bohb/bohb-proposer.js';
import { hyperoptProposer } from './hyperopt/hyperopt-proposer.js';
import { spearmintProposer } from './spearmint/spearmint-proposer.js';
import { easProposer } from './eas/eas-proposer.js';
import { cmaesProposer } from './cmaes/cmaes-proposer.js';
import { nsga2Proposer } from './nsga2/nsga2-proposer.js';

/** Auptimizer's proposers; a name from this list that is not registered gets a "not available yet" note. */
export const AUPTIMIZER_PROPOSERS = ['random', 'sequence', 'spearmint', 'hyperopt', 'hyperband', 'bohb', 'eas'] as const;

/** Largest edit distance still offered as "did you mean": catches a typo or two without suggesting unrelated names. */
const MAX_SUGGESTION_DISTANCE = 2;

/** The `hyperband` proposer; its engines are found in this registry, handed in rather than imported. */
export const hyperbandProposer: BuiltinProposer = hyperbandDefinition(engineLookup);

/** The built-in proposers, in the order the config schema lists their keys. */
export const BUILTIN_PROPOSERS: readonly BuiltinProposer[] = [
  randomProposer,
  sequenceProposer,
  hyperbandProposer,
  bohbProposer,
  hyperoptProposer,
  spearmintProposer,
  easProposer,
  cmaesProposer,
  nsga2Proposer,
];

/** Every name and alias, lower-case, to its definition. */
const registry = new Map<string, RegisteredProposer>();
for (const def of BUILTIN_PROPOSERS) for (const k of keysOf(def)) registry.set(k, def);

function key(name: string): string {
  return name.trim().toLowerCase();
}

function keysOf(def: RegisteredProposer): string[] {
  return [def.name, ...(def.aliases ?? [])].map(key);
}

/**
 * Makes a proposer available under `def.name` (and its aliases). Registering the same definition
 * again is a no-op; a different definition under a taken name throws AUP_ERR_PROPOSER_DUPLICATE.
 */
export function registerProposer(def: ProposerDefinition & ProposerTraits): void {
  const k = typeof def?.name === 'string' ? key(def.name) : '';
  if (k === '' || typeof def.create !== 'function') {
    throw new AupError(
      'AUP_ERR_PROPOSER_CONFIG',
      `registerProposer: expected { name: non-empty string, create: function }, found name ${JSON.stringify(def?.name)}`,
    );
  }
  const keys = keysOf(def);
  if (keys.every((n) => registry.get(n) === def)) return;
  const taken = keys.find((n) => registry.has(n) && registry.get(n) !== def);
  if (taken !== undefined) {
    throw new AupError('AUP_ERR_PROPOSER_DUPLICATE', `registerProposer: a different proposer is already registered as "${taken}"`, {
      details: { name: taken },
    });
  }
  for (const n of keys) registry.set(n, def);
}

/** The proposer registered as `name` (any case); throws AUP_ERR_PROPOSER_UNKNOWN with a did-you-mean otherwise. */
export function getProposer(name: string): RegisteredProposer {
  const def = findProposer(name);
  if (def !== undefined) return def;
  const { reason, suggestion } = whyUnknown(name);
  const available = listProposers();
  throw new AupError('AUP_ERR_PROPOSER_UNKNOWN', `proposer: ${reason}`, {
    details: { path: 'proposer', found: name, expected: available, ...(suggestion === undefined ? {} : { suggestion }) },
  });
}

/** The proposer registered as `name` (any case), or undefined. */
export function findProposer(name: string): RegisteredProposer | undefined {
  return typeof name === 'string' ? registry.get(key(name)) : undefined;
}

/** The names of every registered proposer, sorted (aliases are not listed). */
export function listProposers(): string[] {
  return [...new Set([...registry.values()].map((d) => key(d.name)))].sort();
}

/** What a proposer that drives another is handed: the registry's lookup, with the reason a name is unknown. */
function engineLookup(name: string): ReturnType<ProposerLookup> {
  return findProposer(name) ?? whyUnknown(name).reason;
}

/** Why `name` names no proposer: not provided yet, or not registered (with the nearest name), and what is. */
function whyUnknown(name: string): { reason: string; suggestion?: string } {
  const available = listProposers();
  const list = `available: ${available.join(', ')}`;
  const k = typeof name === 'string' ? key(name) : '';
  if ((AUPTIMIZER_PROPOSERS as readonly string[]).includes(k)) {
    return { reason: `"${name}" is an Auptimizer proposer that aup does not provide yet (${list})` };
  }
  const suggestion = closest(k, available);
  const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
  return {
    reason: `${JSON.stringify(name)} is not a registered proposer${hint} (${list})`,
    ...(suggestion === undefined ? {} : { suggestion }),
  };
}

/** The registered name nearest to `word` within MAX_SUGGESTION_DISTANCE edits, if any. */
function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = MAX_SUGGESTION_DISTANCE + 1;
  for (const n of names) {
    const d = n.startsWith(word) && word.length >= 3 ? 1 : editDistance(word, n);
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  return best;
}
