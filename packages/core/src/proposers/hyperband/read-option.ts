/** Reading a multi-fidelity proposer's own keys from `ctx.options`, with errors that name the key. */
import { AupError } from '../../errors.js';
import type { Json, JsonObject } from '../../types.js';

/** The rule a numeric option must satisfy, and how to say it. */
export interface NumberRule {
  expected: string;
  ok: (x: number) => boolean;
}

function fail(proposer: string, key: string, expected: string, found: Json | undefined): AupError {
  return new AupError('AUP_ERR_PROPOSER_CONFIG', `${key}: the ${proposer} proposer needs ${expected}, found ${JSON.stringify(found)}`, {
    details: { path: key, expected, found },
  });
}

/** `options[key]` as a number satisfying `rule`, or `fallback` when absent (or null). Throws AUP_ERR_PROPOSER_CONFIG. */
export function readNumber(proposer: string, options: JsonObject, key: string, fallback: number, rule: NumberRule): number {
  const x = options[key];
  if (x === undefined || x === null) return fallback;
  if (typeof x !== 'number' || !Number.isFinite(x) || !rule.ok(x)) throw fail(proposer, key, rule.expected, x);
  return x;
}

/** `options[key]` as a string, or `fallback` when absent. Throws AUP_ERR_PROPOSER_CONFIG. */
export function readString(proposer: string, options: JsonObject, key: string, fallback: string): string {
  const x = options[key];
  if (x === undefined || x === null) return fallback;
  if (typeof x !== 'string' || x.trim() === '') throw fail(proposer, key, 'a non-empty string', x);
  return x.trim();
}

/** Throws the AUP_ERR_PROPOSER_CONFIG error for `key`. */
export function optionError(proposer: string, key: string, expected: string, found: Json | undefined): AupError {
  return fail(proposer, key, expected, found);
}

export const INTEGER_AT_LEAST_1: NumberRule = { expected: 'an integer >= 1', ok: (x) => Number.isSafeInteger(x) && x >= 1 };
export const POSITIVE: NumberRule = { expected: 'a number > 0', ok: (x) => x > 0 };
export const ETA: NumberRule = { expected: 'a number > 1 (usually 2 or 3)', ok: (x) => x > 1 };
