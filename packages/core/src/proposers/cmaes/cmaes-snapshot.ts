/**
 * Reading the `cmaes` proposer's snapshot back, field by field: a wrong field is named in an
 * AUP_ERR_PROPOSER_STATE error (through the shared SnapshotReader) rather than breaking later.
 */
import type { Json } from '../../types.js';
import type { SnapshotReader } from '../checks.js';
import { cmaStrategy, type CmaState } from './cma-es.js';

/** One trial of the current generation (or a user's result waiting to join one). */
export interface Member {
  trialId: number;
  /** Its point in the unit cube of the numeric parameters. */
  x: number[];
  /** The option drawn for each choice parameter (indices into its range). */
  choices: number[];
  /** Its value (−score under `target: max`) once told; undefined while it runs. */
  value?: number;
  /** A user's trial rather than a sample of this generation's distribution. */
  injected?: boolean;
}

type JsonRecord = { [key: string]: Json };

function isRecord(x: Json | undefined): x is JsonRecord {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isFiniteNumber(x: Json | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** A list of `length` finite numbers. */
function readNumbers(r: SnapshotReader, key: string, x: Json | undefined, length: number): number[] {
  if (!Array.isArray(x) || x.length !== length || !x.every(isFiniteNumber)) throw r.fail(key, `a list of ${length} finite numbers`, x);
  return x as number[];
}

/** A point of the unit cube with `d` coordinates. */
export function readPoint(r: SnapshotReader, key: string, x: Json | undefined, d: number): number[] {
  const p = readNumbers(r, key, x, d);
  if (!p.every((v) => v >= 0 && v <= 1)) throw r.fail(key, `a point of the unit cube (${d} numbers in [0, 1])`, x);
  return p;
}

/** A member of a generation; `shape` gives the numeric dimensions and each choice's number of options. */
export function readMember(r: SnapshotReader, key: string, m: Json, shape: { d: number; choices: number[] }): Member {
  if (!isRecord(m) || typeof m.trialId !== 'number' || !Number.isSafeInteger(m.trialId) || m.trialId < 0)
    throw r.fail(key, '{trialId, x, choices, value?, injected?}', m);
  const x = readPoint(r, `${key}.x`, m.x, shape.d);
  const choices = m.choices;
  const ok =
    Array.isArray(choices) &&
    choices.length === shape.choices.length &&
    choices.every((c, i) => typeof c === 'number' && Number.isSafeInteger(c) && c >= 0 && c < shape.choices[i]!);
  if (!ok) throw r.fail(`${key}.choices`, `${shape.choices.length} option indices`, choices);
  if (m.value !== undefined && !isFiniteNumber(m.value)) throw r.fail(`${key}.value`, 'a finite number', m.value);
  if (m.injected !== undefined && m.injected !== true) throw r.fail(`${key}.injected`, 'true or absent', m.injected);
  return {
    trialId: m.trialId,
    x,
    choices: choices as number[],
    ...(m.value === undefined ? {} : { value: m.value }),
    ...(m.injected === true ? { injected: true } : {}),
  };
}

/** The distribution's state for `d` numeric dimensions. */
export function readCmaState(r: SnapshotReader, x: Json | undefined, d: number): CmaState {
  if (!isRecord(x)) throw r.fail('cma', 'the CMA-ES state (an object)', x);
  const lambda = x.lambda;
  if (typeof lambda !== 'number' || !Number.isSafeInteger(lambda) || lambda < 2) throw r.fail('cma.lambda', 'an integer >= 2', lambda);
  const generation = x.generation;
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 0)
    throw r.fail('cma.generation', 'an integer >= 0', generation);
  for (const key of ['sigma', 'sigma0'] as const) {
    if (!isFiniteNumber(x[key]) || !((x[key] as number) > 0)) throw r.fail(`cma.${key}`, 'a number > 0', x[key]);
  }
  const term = cmaStrategy(d, lambda).funHistTerm;
  const hist = x.funHist;
  const histOk =
    Array.isArray(hist) &&
    hist.length <= term &&
    hist.every((h) => Array.isArray(h) && h.length === 2 && isFiniteNumber(h[0]) && isFiniteNumber(h[1]));
  if (!histOk) throw r.fail('cma.funHist', `at most ${term} [best, worst] pairs`, hist);
  return {
    lambda,
    generation,
    mean: readNumbers(r, 'cma.mean', x.mean, d),
    sigma: x.sigma as number,
    sigma0: x.sigma0 as number,
    cov: readNumbers(r, 'cma.cov', x.cov, (d * (d + 1)) / 2),
    pc: readNumbers(r, 'cma.pc', x.pc, d),
    ps: readNumbers(r, 'cma.ps', x.ps, d),
    funHist: (hist as [number, number][]).map(([a, b]) => [a, b]),
  };
}
