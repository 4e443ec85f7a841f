// The hyperparameter interaction graph's pure parts: which axes exist and how each maps values to
// a position (0 = bottom, 1 = top), brushes as position intervals and as the API's selection
// ranges, the masks of brushed and top-k jobs, and the colour shade of each job's score. The
// element (hig.ts) draws what these compute; everything here is tested without a browser.
import { scale as vegaScale } from 'vega';

import type { ParamValue } from '../api/experiment-detail.js';
import type { JobSummary } from '../api/job-summary.js';
import type { SelectionRange } from '../events.js';
import { columnGetter, isIntervalRange } from '../selection/job-selection.js';

/** A hyperparameter as the experiment's normalised config declares it (`parameter_config`). */
export interface HigParam {
  name: string;
  type: 'float' | 'int' | 'choice';
  range: readonly ParamValue[];
  log?: boolean;
}

/** What `<aup-hig>`'s `data` property takes. Without `params` the axes are inferred from the values. */
export interface HigData {
  /** Put into `aup-open-job`; 0 when the data has no experiment. */
  experimentId?: number;
  target: 'min' | 'max';
  params?: readonly HigParam[];
  jobs: readonly JobSummary[];
}

export type HigAxisKind = 'linear' | 'log' | 'categorical';

/** One axis: an API column, its title, its kind and domain. */
export interface HigAxis {
  /** The API's column name: `param:<name>`, `metric:<label>` or `score`. */
  key: string;
  title: string;
  kind: HigAxisKind;
  /** `[min, max]` for linear and log axes; the values bottom to top for a categorical one. */
  domain: readonly [number, number] | readonly ParamValue[];
  group: 'param' | 'metric' | 'score';
  /** Whole numbers only (an `int` param): ticks fall on integers. */
  integer?: boolean;
}

/** A brush: the position interval `[lo, hi]` (0 = bottom, 1 = top) kept on one axis. */
export type Brush = readonly [number, number];

/** Reads `parameter_config` from a normalised experiment config; entries it cannot read are skipped. */
export function higParamsFromConfig(config: unknown): HigParam[] {
  const list = (config as { parameter_config?: unknown } | null)?.parameter_config;
  if (!Array.isArray(list)) return [];
  const out: HigParam[] = [];
  for (const p of list as unknown[]) {
    const o = p as Partial<HigParam> | null;
    if (o === null || typeof o !== 'object' || typeof o.name !== 'string' || !Array.isArray(o.range)) continue;
    if (o.type !== 'float' && o.type !== 'int' && o.type !== 'choice') continue;
    out.push({ name: o.name, type: o.type, range: o.range, ...(o.log === true ? { log: true } : {}) });
  }
  return out;
}

/**
 * Every axis the data offers, in order: the params (config order, then any other param a job
 * has), the metrics (sorted), the score last. A `log` param gets a log axis (when its values are
 * all positive), a `choice` param a categorical one; without a config, text and boolean values
 * make a categorical axis and numbers a linear one.
 */
export function higAxes(data: HigData): HigAxis[] {
  const declared = new Map((data.params ?? []).map((p) => [p.name, p]));
  const names: string[] = (data.params ?? []).map((p) => p.name);
  const seen = new Set(names);
  const metrics = new Set<string>();
  for (const job of data.jobs) {
    for (const k of Object.keys(job.params)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
    for (const k of Object.keys(job.metrics)) metrics.add(k);
  }
  const axes: HigAxis[] = names.map((name) => paramAxis(name, declared.get(name), data.jobs));
  for (const label of [...metrics].sort())
    axes.push(numericAxis(`metric:${label}`, label, 'metric', values(data.jobs, `metric:${label}`), false));
  axes.push(numericAxis('score', 'score', 'score', values(data.jobs, 'score'), false));
  return axes;
}

/** The axes shown when the user has chosen none: every param, then the score (metrics on request). */
export function defaultAxisKeys(axes: readonly HigAxis[]): string[] {
  return axes.filter((a) => a.group !== 'metric').map((a) => a.key);
}

function values(jobs: readonly JobSummary[], key: string): (ParamValue | null)[] {
  const get = columnGetter(key);
  return jobs.map(get);
}

function paramAxis(name: string, param: HigParam | undefined, jobs: readonly JobSummary[]): HigAxis {
  const key = `param:${name}`;
  const vals = values(jobs, key);
  if (param?.type === 'choice' || (param === undefined && vals.some((v) => v !== null && typeof v !== 'number'))) {
    return { key, title: name, kind: 'categorical', domain: categories(param?.range ?? [], vals), group: 'param' };
  }
  const declared =
    param !== undefined && typeof param.range[0] === 'number' && typeof param.range[1] === 'number'
      ? ([param.range[0], param.range[1]] as const)
      : undefined;
  const axis = numericAxis(key, name, 'param', vals, param?.log === true, declared);
  return param?.type === 'int' ? { ...axis, integer: true } : axis;
}

function numericAxis(
  key: string,
  title: string,
  group: HigAxis['group'],
  vals: readonly (ParamValue | null)[],
  log: boolean,
  declared?: readonly [number, number],
): HigAxis {
  let lo = declared?.[0] ?? Infinity;
  let hi = declared?.[1] ?? -Infinity;
  for (const v of vals) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) [lo, hi] = [0, 1];
  const kind: HigAxisKind = log && lo > 0 ? 'log' : 'linear';
  if (lo === hi) {
    // One value: a small interval around it so it sits mid-axis rather than dividing by zero.
    const pad = kind === 'log' ? lo * 0.5 : Math.abs(lo) * 0.1 || 0.5;
    [lo, hi] = [lo - pad, hi + pad];
  }
  return { key, title, kind, domain: [lo, hi], group };
}

/** A categorical axis's values: the declared ones, then any other value seen; all-numeric values ascending. */
function categories(declared: readonly ParamValue[], vals: readonly (ParamValue | null)[]): ParamValue[] {
  const out: ParamValue[] = [...declared];
  const keys = new Set(out.map(categoryKey));
  for (const v of vals) {
    if (v === null || keys.has(categoryKey(v))) continue;
    keys.add(categoryKey(v));
    out.push(v);
  }
  // Sorted numbers make a contiguous brush an interval of values (see isIntervalRange).
  if (out.length > 0 && out.every((v) => typeof v === 'number')) (out as number[]).sort((a, b) => a - b);
  return out;
}

const categoryKey = (v: ParamValue): string => `${typeof v}:${String(v)}`;

/** Where `value` sits on `axis`, 0 (bottom) to 1 (top); NaN when it has none or does not fit. */
export function axisPosition(axis: HigAxis, value: ParamValue | null): number {
  if (value === null) return NaN;
  if (axis.kind === 'categorical') {
    const domain = axis.domain as readonly ParamValue[];
    const i = domain.findIndex((d) => d === value);
    return i < 0 ? NaN : (i + 0.5) / domain.length;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return NaN;
  const [lo, hi] = axis.domain as readonly [number, number];
  if (axis.kind === 'log') return value > 0 ? (Math.log(value) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : NaN;
  return (value - lo) / (hi - lo);
}

/** The value at position `t` of a numeric axis (the inverse of axisPosition). */
export function axisValueAt(axis: HigAxis, t: number): number {
  const [lo, hi] = axis.domain as readonly [number, number];
  if (axis.kind === 'log') return Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo)));
  return lo + t * (hi - lo);
}

/**
 * Each job's position on an axis (NaN for none), in job order. Doubles, not floats: a value on
 * a brush's edge (a range `<= 0.01` from the table) must land on the same side as in the API.
 */
export function axisPositions(axis: HigAxis, jobs: readonly JobSummary[]): Float64Array {
  const out = new Float64Array(jobs.length);
  const get = columnGetter(axis.key);
  if (axis.kind === 'categorical') {
    const cache = new Map<ParamValue, number>();
    for (let i = 0; i < jobs.length; i++) {
      const v = get(jobs[i]!);
      if (v === null) {
        out[i] = NaN;
        continue;
      }
      let t = cache.get(v);
      if (t === undefined) cache.set(v, (t = axisPosition(axis, v)));
      out[i] = t;
    }
    return out;
  }
  // The numeric case inlined (10,000 jobs × a dozen axes on the first render), with exactly
  // axisPosition's arithmetic so a value and a brush edge at that value compare equal.
  const [lo, hi] = axis.domain as readonly [number, number];
  const log = axis.kind === 'log';
  const base = log ? Math.log(lo) : lo;
  const span = log ? Math.log(hi) - Math.log(lo) : hi - lo;
  for (let i = 0; i < jobs.length; i++) {
    const v = get(jobs[i]!);
    if (typeof v !== 'number' || !Number.isFinite(v) || (log && v <= 0)) out[i] = NaN;
    else out[i] = ((log ? Math.log(v) : v) - base) / span;
  }
  return out;
}

/**
 * The selection range a brush stands for, in the API's terms: `[min, max]` of values for a
 * numeric axis; for a categorical one the values whose positions it covers (numeric categories
 * as the interval `[lowest, highest]`, which keeps exactly those: see isIntervalRange).
 * Undefined when it covers no category.
 */
export function brushRange(axis: HigAxis, brush: Brush): SelectionRange | undefined {
  const [lo, hi] = brush;
  if (axis.kind !== 'categorical') return [axisValueAt(axis, lo), axisValueAt(axis, hi)];
  const domain = axis.domain as readonly ParamValue[];
  const kept = domain.filter((_, i) => {
    const t = (i + 0.5) / domain.length;
    return t >= lo && t <= hi;
  });
  if (kept.length === 0) return undefined;
  if (kept.every((v) => typeof v === 'number')) return [kept[0] as number, kept[kept.length - 1] as number];
  return kept;
}

/** The brush that keeps a selection range on an axis (a range from another element), or undefined when none fits. */
export function brushFromRange(axis: HigAxis, range: SelectionRange): Brush | undefined {
  if (axis.kind === 'categorical') {
    const domain = axis.domain as readonly ParamValue[];
    const inRange = (v: ParamValue): boolean =>
      isIntervalRange(range) ? typeof v === 'number' && v >= range[0] && v <= range[1] : (range as readonly ParamValue[]).includes(v);
    const idx = domain.map((v, i) => (inRange(v) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return undefined;
    const step = 1 / domain.length;
    return [Math.max(0, (idx[0]! + 0.5) * step - step / 4), Math.min(1, (idx[idx.length - 1]! + 0.5) * step + step / 4)];
  }
  if (!isIntervalRange(range)) return undefined;
  const a = axisPosition(axis, range[0]);
  const b = axisPosition(axis, range[1]);
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
  return [Math.max(0, Math.min(a, b)), Math.min(1, Math.max(a, b))];
}

/** 1 for every job whose position on every brushed axis lies inside its brush, else 0. */
export function brushMask(n: number, brushes: ReadonlyArray<{ positions: Float64Array; brush: Brush }>): Uint8Array {
  const mask = new Uint8Array(n).fill(1);
  for (const { positions, brush } of brushes) {
    const [lo, hi] = brush;
    for (let i = 0; i < n; i++) {
      const t = positions[i]!;
      // NaN (no value) fails both comparisons: a job without the value is not in a brush on it.
      if (!(t >= lo && t <= hi)) mask[i] = 0;
    }
  }
  return mask;
}

/**
 * 1 for the best `percent`% of the jobs that have a score (at least one job), 0 for the rest;
 * undefined at 100% (everything, scoreless jobs included).
 */
export function topPercentMask(jobs: readonly JobSummary[], target: 'min' | 'max', percent: number): Uint8Array | undefined {
  if (!(percent < 100)) return undefined;
  const scored: number[] = [];
  jobs.forEach((j, i) => {
    if (j.score !== null && Number.isFinite(j.score)) scored.push(i);
  });
  const sign = target === 'min' ? 1 : -1;
  scored.sort((a, b) => sign * (jobs[a]!.score! - jobs[b]!.score!) || jobs[a]!.id - jobs[b]!.id);
  const keep = Math.max(1, Math.ceil((scored.length * Math.max(0, percent)) / 100));
  const mask = new Uint8Array(jobs.length);
  for (let k = 0; k < Math.min(keep, scored.length); k++) mask[scored[k]!] = 1;
  return mask;
}

/** Each job's score as a shade from 0 (worst) to 1 (best) for the target; NaN without a score. */
export function scoreShades(jobs: readonly JobSummary[], target: 'min' | 'max'): { shades: Float64Array; min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const j of jobs) {
    if (j.score === null || !Number.isFinite(j.score)) continue;
    if (j.score < min) min = j.score;
    if (j.score > max) max = j.score;
  }
  const shades = new Float64Array(jobs.length);
  const span = max - min;
  jobs.forEach((j, i) => {
    if (j.score === null || !Number.isFinite(j.score)) shades[i] = NaN;
    else {
      const t = span > 0 ? (j.score - min) / span : 1;
      shades[i] = target === 'min' ? 1 - t : t;
    }
  });
  return { shades, min, max };
}

/** One tick of an axis: its position and label. */
export interface AxisTick {
  t: number;
  label: string;
}

/** Ticks for an axis: about `count` nice values for a numeric one (decades for log), every value for a categorical one (thinned past `maxCategories`). */
export function axisTicks(axis: HigAxis, count = 5, maxCategories = 30): AxisTick[] {
  if (axis.kind === 'categorical') {
    const domain = axis.domain as readonly ParamValue[];
    const every = Math.max(1, Math.ceil(domain.length / maxCategories));
    return domain.flatMap((v, i) => (i % every === 0 ? [{ t: (i + 0.5) / domain.length, label: String(v) }] : []));
  }
  const s = (vegaScale(axis.kind)() as NumericScale).domain(axis.domain as [number, number]).range([0, 1]);
  const format = s.tickFormat(count, axis.integer === true ? 'd' : axis.kind === 'log' ? '~g' : undefined);
  return s
    .ticks(count)
    .filter((v) => axis.integer !== true || Number.isInteger(v))
    .map((v) => ({ t: s(v), label: format(v) }))
    .filter((tick) => tick.label !== '' && tick.t >= -1e-9 && tick.t <= 1 + 1e-9);
}

/** The part of a d3 continuous scale (through vega's `scale()`) the ticks use. */
interface NumericScale {
  (v: number): number;
  domain(d: [number, number]): NumericScale;
  range(r: [number, number]): NumericScale;
  ticks(count: number): number[];
  tickFormat(count: number, specifier?: string): (v: number) => string;
}

/** Moves `key` in `order` by `delta` places (clamped). */
export function moveAxis(order: readonly string[], key: string, delta: number): string[] {
  const from = order.indexOf(key);
  if (from < 0) return [...order];
  const to = Math.max(0, Math.min(order.length - 1, from + delta));
  const out = order.filter((k) => k !== key);
  out.splice(to, 0, key);
  return out;
}

/** Where the lines are drawn: x of each shown axis (pixels), the plot's top and height. */
export interface HigGeometry {
  xs: readonly number[];
  top: number;
  plotHeight: number;
}

/** The y pixel of position `t` (0 = bottom). */
export function yOf(g: HigGeometry, t: number): number {
  return g.top + (1 - t) * g.plotHeight;
}

/**
 * The job whose line passes nearest to the pointer `(px, py)` within `tolerance` pixels, among
 * those with `candidates[i]` set (all when undefined); -1 for none. Between two axes a line is
 * straight, so its y at px is a linear blend of its two ends: one pass over the jobs.
 */
export function pickLine(
  px: number,
  py: number,
  g: HigGeometry,
  cols: readonly Float64Array[],
  n: number,
  candidates: Uint8Array | undefined,
  tolerance = 5,
): number {
  const { xs } = g;
  if (xs.length === 0) return -1;
  let k = 0;
  while (k < xs.length - 2 && px > xs[k + 1]!) k++;
  let best = -1;
  let bestDist = tolerance;
  if (xs.length === 1) {
    if (Math.abs(px - xs[0]!) > tolerance) return -1;
    for (let i = 0; i < n; i++) {
      if (candidates !== undefined && candidates[i] === 0) continue;
      const d = Math.abs(yOf(g, cols[0]![i]!) - py);
      if (d <= bestDist) [best, bestDist] = [i, d];
    }
    return best;
  }
  const x0 = xs[k]!;
  const x1 = xs[k + 1]!;
  if (px < x0 - tolerance || px > x1 + tolerance) return -1;
  const u = Math.min(1, Math.max(0, (px - x0) / (x1 - x0)));
  const a = cols[k]!;
  const b = cols[k + 1]!;
  for (let i = 0; i < n; i++) {
    if (candidates !== undefined && candidates[i] === 0) continue;
    const ta = a[i]!;
    const tb = b[i]!;
    if (Number.isNaN(ta) || Number.isNaN(tb)) continue;
    const d = Math.abs(yOf(g, ta + u * (tb - ta)) - py);
    if (d <= bestDist) [best, bestDist] = [i, d];
  }
  return best;
}

/**
 * Line opacity for `n` lines: opaque for a few, faint for thousands, so dense regions read as
 * density rather than a solid block (about 0.12 at 10,000 lines).
 */
export function lineAlpha(n: number): number {
  return Math.min(0.9, Math.max(0.05, 12 / Math.sqrt(Math.max(1, n))));
}
