/**
 * Search-space helpers shared by every proposer: checking a space, mapping values to and from the
 * unit interval (sampling, and the coordinates model-based proposers work in), and grid values for
 * `sequence`.
 */
import { AupError } from '../errors.js';
import type { Rng } from '../rng.js';
import type { ParamSpec, ParamValue, Params } from '../types.js';

/**
 * Slack, in units of one grid step, when deciding whether the last `interval` step still reaches
 * `max`: (0.3 − 0) / 0.1 is 2.9999999999999996 in binary floating point, and 0.3 must be in the grid.
 * A billionth of a step absorbs any rounding of these divisions and is far below any step a user means.
 */
export const GRID_EPSILON = 1e-9;

/**
 * Most grid values one parameter may have. The grid is indexed lazily across parameters, but each
 * parameter's values are materialised; beyond this a user almost certainly mistyped an interval.
 */
export const MAX_GRID_VALUES_PER_PARAM = 1_000_000;

/** Largest power of ten whose decimal arithmetic below is exact in doubles (10^22 is the last exact one). */
const MAX_DECIMALS = 20;

function spaceError(spec: { name: string }, message: string, details: Record<string, unknown> = {}): AupError {
  return new AupError('AUP_ERR_PROPOSER_CONFIG', `parameter_config "${spec.name}": ${message}`, {
    details: { parameter: spec.name, ...details },
  });
}

/**
 * Checks that every parameter is well formed for sampling: unique names, finite numeric bounds with
 * min <= max, integer bounds for ints, min > 0 for log, at least one choice. Throws AUP_ERR_PROPOSER_CONFIG.
 */
export function checkSpace(space: readonly ParamSpec[]): void {
  const seen = new Set<string>();
  for (const spec of space) {
    if (typeof spec.name !== 'string' || spec.name === '') {
      throw new AupError(
        'AUP_ERR_PROPOSER_CONFIG',
        `parameter_config: every parameter needs a non-empty "name", found ${JSON.stringify(spec.name)}`,
      );
    }
    if (seen.has(spec.name)) throw spaceError(spec, 'the name is used by two parameters');
    seen.add(spec.name);
    if (spec.type === 'choice') {
      if (!Array.isArray(spec.range) || spec.range.length === 0) {
        throw spaceError(spec, `a choice needs a non-empty "range" list, found ${JSON.stringify(spec.range)}`);
      }
      continue;
    }
    if (spec.type !== 'float' && spec.type !== 'int') {
      throw spaceError(spec, `"type" must be "float", "int" or "choice", found ${JSON.stringify((spec as { type: unknown }).type)}`);
    }
    const r = spec.range as unknown;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw spaceError(spec, `"range" must be [min, max] with finite numbers, found ${JSON.stringify(r)}`);
    }
    const [min, max] = spec.range;
    if (min > max) throw spaceError(spec, `"range" must have min <= max, found [${min}, ${max}]`);
    if (spec.type === 'int' && !(Number.isSafeInteger(min) && Number.isSafeInteger(max))) {
      throw spaceError(spec, `an int "range" needs integer bounds, found [${min}, ${max}]`);
    }
    if (spec.log === true && min <= 0) throw spaceError(spec, `"log": true needs min > 0, found [${min}, ${max}]`);
  }
}

/**
 * For ints, the continuous interval whose rounding gives [min, max] with each integer owning a full
 * unit-wide bin, so both ends are as likely as any inner value (not half as likely, as rounding
 * a draw from [min, max] would make them). For log ints the bins are in log space.
 */
function intBinEdges(min: number, max: number): [number, number] {
  return [min - 0.5, max + 0.5];
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Maps u in [0, 1] to a value of the parameter: uniform u gives a uniform float (log-uniform with
 * `log`), a uniform integer over the inclusive bounds (log-uniform bins with `log`), a uniform choice.
 * u is clamped to [0, 1]; fromUnit(spec, 1) is the max.
 */
export function fromUnit(spec: ParamSpec, u: number): ParamValue {
  const v = clamp(Number.isNaN(u) ? 0 : u, 0, 1);
  if (spec.type === 'choice') {
    return spec.range[Math.min(spec.range.length - 1, Math.floor(v * spec.range.length))] as ParamValue;
  }
  const [min, max] = spec.range;
  // exp(log(min)) need not be min again: pin the ends so u = 0 and u = 1 give the bounds exactly.
  if (min === max || v === 0) return min;
  if (v === 1) return max;
  if (spec.type === 'float') {
    if (spec.log === true) {
      const lmin = Math.log(min);
      return clamp(Math.exp(lmin + (Math.log(max) - lmin) * v), min, max);
    }
    return clamp(min + (max - min) * v, min, max);
  }
  const [lo, hi] = intBinEdges(min, max);
  if (spec.log === true) {
    const llo = Math.log(lo);
    return clamp(Math.round(Math.exp(llo + (Math.log(hi) - llo) * v)), min, max);
  }
  // floor over min..max+1 rather than round over the bin edges: the same bins, no rounding ties.
  return clamp(min + Math.floor((max - min + 1) * v), min, max);
}

/**
 * Maps a value of the parameter to [0, 1], the inverse of {@link fromUnit}: fromUnit(spec,
 * toUnit(spec, x)) === x for every value in the space. Ints and choices map to the centre of their bin.
 * Throws AUP_ERR_PROPOSER_STATE for a value outside the space (e.g. a resumed experiment whose space changed).
 */
export function toUnit(spec: ParamSpec, value: ParamValue): number {
  if (spec.type === 'choice') {
    const i = spec.range.indexOf(value);
    if (i < 0) {
      throw new AupError(
        'AUP_ERR_PROPOSER_STATE',
        `parameter "${spec.name}": ${JSON.stringify(value)} is not one of ${JSON.stringify(spec.range)}`,
        {
          details: { parameter: spec.name, found: value },
        },
      );
    }
    return (i + 0.5) / spec.range.length;
  }
  const [min, max] = spec.range;
  const ok = typeof value === 'number' && value >= min && value <= max && (spec.type === 'float' || Number.isInteger(value));
  if (!ok) {
    throw new AupError(
      'AUP_ERR_PROPOSER_STATE',
      `parameter "${spec.name}": ${JSON.stringify(value)} is not ${spec.type === 'int' ? 'an integer' : 'a number'} in [${min}, ${max}]`,
      {
        details: { parameter: spec.name, found: value },
      },
    );
  }
  if (min === max) return 0.5;
  if (spec.type === 'float') {
    if (spec.log === true) return clamp((Math.log(value) - Math.log(min)) / (Math.log(max) - Math.log(min)), 0, 1);
    return clamp((value - min) / (max - min), 0, 1);
  }
  const [lo, hi] = intBinEdges(min, max);
  if (spec.log === true) {
    // The centre of the integer's bin in log space: [log(v - 0.5), log(v + 0.5)].
    const centre = (Math.log(value - 0.5) + Math.log(value + 0.5)) / 2;
    return clamp((centre - Math.log(lo)) / (Math.log(hi) - Math.log(lo)), 0, 1);
  }
  return (value - min + 0.5) / (max - min + 1);
}

/** One value per parameter, each from its own uniform draw, in the order of `space`. */
export function sampleParams(space: readonly ParamSpec[], rng: Rng): Params {
  const params: Params = {};
  for (const spec of space) params[spec.name] = fromUnit(spec, rng.next());
  return params;
}

/** Decimal places needed to write `x` exactly as it was typed (0.1 → 1, 2.5e-7 → 8), or undefined past MAX_DECIMALS. */
function decimalPlaces(x: number): number | undefined {
  const m = /^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) return undefined;
  const d = (m[1]?.length ?? 0) - Number(m[2] ?? 0);
  return d > MAX_DECIMALS ? undefined : Math.max(0, d);
}

/**
 * min + i·step, computed in decimal when min and step are short decimals, so a grid from 0 by 0.1
 * holds 0.3 and not 0.30000000000000004: the value is then the double nearest the decimal result,
 * exactly what the user would get by typing it.
 */
function stepValue(min: number, step: number, i: number): number {
  const d = Math.max(decimalPlaces(min) ?? Infinity, decimalPlaces(step) ?? Infinity);
  if (Number.isFinite(d)) {
    const scale = 10 ** d;
    const a = Math.round(min * scale);
    const b = Math.round(step * scale);
    const n = a + i * b;
    if (Number.isSafeInteger(n) && Math.abs(a) <= Number.MAX_SAFE_INTEGER && Math.abs(b) <= Number.MAX_SAFE_INTEGER) return n / scale;
  }
  return min + i * step;
}

function checkGridCount(spec: ParamSpec, count: number): void {
  if (count > MAX_GRID_VALUES_PER_PARAM) {
    throw spaceError(
      spec,
      `the grid would have ${count} values, more than ${MAX_GRID_VALUES_PER_PARAM}; use a larger "interval" or a smaller "n"`,
      {
        found: count,
      },
    );
  }
}

/**
 * The values `sequence` visits for one parameter, in order. A choice gives its list. A number gives
 * min, min + interval, ... up to max inclusive; or `n` evenly spaced points from min to max (in log
 * space with `log: true`; ints rounded, repeats dropped). `interval` wins over `n`, as in Auptimizer.
 * Without either: every integer for an int, and Auptimizer's default step of 1 for a linear float;
 * a log float needs `n`. Throws AUP_ERR_PROPOSER_CONFIG for settings that make no grid.
 */
export function gridValues(spec: ParamSpec): ParamValue[] {
  if (spec.type === 'choice') return [...spec.range];
  const [min, max] = spec.range;
  const { interval, n } = spec;
  if (interval !== undefined) {
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
      throw spaceError(spec, `"interval" must be a number > 0, found ${JSON.stringify(interval)}`, { found: interval });
    }
    if (spec.log === true) {
      throw spaceError(
        spec,
        '"interval" steps are linear and cannot be combined with "log": true; give "n" (points evenly spaced in log space)',
      );
    }
    if (spec.type === 'int' && !Number.isInteger(interval)) {
      throw spaceError(spec, `an int parameter needs an integer "interval", found ${interval}`, { found: interval });
    }
    return linearSteps(spec, min, max, interval);
  }
  if (n !== undefined) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 2) {
      throw spaceError(spec, `"n" must be an integer >= 2 (the grid includes both ends), found ${JSON.stringify(n)}`, { found: n });
    }
    checkGridCount(spec, n);
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      let x: number;
      if (i === 0) x = min;
      else if (i === n - 1) x = max;
      else if (spec.log === true) x = Math.exp(Math.log(min) + ((Math.log(max) - Math.log(min)) * i) / (n - 1));
      else x = min + ((max - min) * i) / (n - 1);
      x = clamp(spec.type === 'int' ? Math.round(x) : x, min, max);
      if (values.length === 0 || values[values.length - 1] !== x) values.push(x);
    }
    return values;
  }
  if (spec.log === true && spec.type === 'float') {
    throw spaceError(
      spec,
      'a float with "log": true needs "n" (the number of grid points, evenly spaced in log space) for the sequence proposer',
    );
  }
  // Auptimizer's SequenceProposer steps by 1 when neither is given, for ints and floats alike.
  return linearSteps(spec, min, max, 1);
}

function linearSteps(spec: ParamSpec, min: number, max: number, step: number): number[] {
  const count = Math.floor((max - min) / step + GRID_EPSILON) + 1;
  checkGridCount(spec, count);
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(Math.min(stepValue(min, step, i), max));
  return values;
}

/** The number of points of the full grid (the product of every parameter's grid; 1 for an empty space). */
export function gridSize(space: readonly ParamSpec[]): number {
  let size = 1;
  for (const spec of space) size *= gridValues(spec).length;
  return size;
}
