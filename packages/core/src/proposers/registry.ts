/** The proposers aup knows by name (the config's `proposer` key). Names are case-insensitive, as in Auptimizer. */
import { AupError } from '../errors.js';
import type { ProposerDefinition } from '../types.js';
import { randomProposer } from './random-proposer.js';
import { sequenceProposer } from './sequence-proposer.js';
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
    throw new AupError('AUP_ERR_PROPOSER_CONFIG', `registerProposer: expected { name: non-empty string, create: function }, found name ${JSON.stringify(def?.name)}`);
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

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
