/** The proposers aup knows by name (the config's `proposer` key). Names are case-insensitive, as in Auptimizer. */
import { AupError } from '../errors.js';
import { editDistance } from '../config/did-you-mean.js';
import type { ProposerDefinition } from '../types.js';
import { randomProposer } from './random/random-proposer.js';
import { sequenceProposer } from './sequence/sequence-proposer.js';
import { hyperbandProposer } from './hyperband/hyperband-proposer.js';
import { bohbProposer } from './bohb/bohb-proposer.js';
import { hyperoptProposer } from './hyperopt/hyperopt-proposer.js';
import { spearmintProposer } from './spearmint/spearmint-proposer.js';
import { easProposer } from './eas/eas-proposer.js';

/** Auptimizer's proposers; a name from this list that is not registered gets a "not available yet" note. */
export const AUPTIMIZER_PROPOSERS = ['random', 'sequence', 'spearmint', 'hyperopt', 'hyperband', 'bohb', 'eas'] as const;

/** Largest edit distance still offered as "did you mean": catches a typo or two without suggesting unrelated names. */
const MAX_SUGGESTION_DISTANCE = 2;

// Built-ins are put in on first use, not at module load: hyperband and bohb import this module
// (for their engines), so an eager Map could read them before their modules are initialised.
let registry: Map<string, ProposerDefinition> | undefined;

function entries(): Map<string, ProposerDefinition> {
  registry ??= new Map<string, ProposerDefinition>([
    [randomProposer.name, randomProposer],
    [sequenceProposer.name, sequenceProposer],
    [hyperbandProposer.name, hyperbandProposer],
    [bohbProposer.name, bohbProposer],
    [hyperoptProposer.name, hyperoptProposer],
    [spearmintProposer.name, spearmintProposer],
    [easProposer.name, easProposer],
  ]);
  return registry;
}

function key(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * Makes a proposer available under `def.name`. Registering the same definition again is a no-op;
 * a different definition under a taken name throws AUP_ERR_PROPOSER_DUPLICATE.
 */
export function registerProposer(def: ProposerDefinition): void {
  const k = typeof def?.name === 'string' ? key(def.name) : '';
  if (k === '' || typeof def.create !== 'function') {
    throw new AupError(
      'AUP_ERR_PROPOSER_CONFIG',
      `registerProposer: expected { name: non-empty string, create: function }, found name ${JSON.stringify(def?.name)}`,
    );
  }
  const existing = entries().get(k);
  if (existing === def) return;
  if (existing !== undefined) {
    throw new AupError('AUP_ERR_PROPOSER_DUPLICATE', `registerProposer: a different proposer is already registered as "${k}"`, {
      details: { name: k },
    });
  }
  entries().set(k, def);
}

/** The proposer registered as `name` (any case); throws AUP_ERR_PROPOSER_UNKNOWN with a did-you-mean otherwise. */
export function getProposer(name: string): ProposerDefinition {
  const k = typeof name === 'string' ? key(name) : '';
  const def = entries().get(k);
  if (def !== undefined) return def;
  const available = listProposers();
  const list = `available: ${available.join(', ')}`;
  let message: string;
  let suggestion: string | undefined;
  if ((AUPTIMIZER_PROPOSERS as readonly string[]).includes(k)) {
    message = `proposer: "${name}" is an Auptimizer proposer that aup does not provide yet (${list})`;
  } else {
    suggestion = closest(k, available);
    const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
    message = `proposer: ${JSON.stringify(name)} is not a registered proposer${hint} (${list})`;
  }
  throw new AupError('AUP_ERR_PROPOSER_UNKNOWN', message, {
    details: { path: 'proposer', found: name, expected: available, ...(suggestion === undefined ? {} : { suggestion }) },
  });
}

/** The names of every registered proposer, sorted. */
export function listProposers(): string[] {
  return [...entries().keys()].sort();
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
