/**
 * Small statistics for benchmark tables: quantiles, medians with the interquartile range, and the
 * two-sided Mann–Whitney U test (normal approximation with tie correction). Seeds of two languages
 * cannot be matched run for run, so the benchmarks compare distributions, not pairs.
 */
import { erfc } from '../math/normal.js';

/** Linear-interpolation quantile (type 7, as numpy's default) of `xs` at `q` ∈ [0, 1]; NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo]!;
  const b = s[hi]!;
  // Infinity − Infinity is NaN: an interpolation between two equal infinities is that infinity.
  if (a === b) return a;
  return a + (b - a) * (pos - lo);
}

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Median with the 25th and 75th percentiles. */
export interface Summary {
  median: number;
  q25: number;
  q75: number;
  n: number;
}

/** The median and interquartile range of `xs`. */
export function summarize(xs: readonly number[]): Summary {
  return { median: quantile(xs, 0.5), q25: quantile(xs, 0.25), q75: quantile(xs, 0.75), n: xs.length };
}

/** Result of a Mann–Whitney U test: U of the first sample, its z score and the two-sided p-value. */
export interface MannWhitneyResult {
  u: number;
  z: number;
  p: number;
}

/** Continuity correction of the normal approximation: U moves in steps of 1/2 around its mean. */
const CONTINUITY = 0.5;

/**
 * Two-sided Mann–Whitney U test of `a` against `b` by the normal approximation with tie
 * correction and continuity correction (as scipy's `mannwhitneyu(method='asymptotic')`).
 * Infinite values rank like any other (Infinity ties with Infinity). p is 1 when every value ties.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, z: Number.NaN, p: Number.NaN };
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))];
  all.sort((x, y) => (x.v === y.v ? 0 : x.v < y.v ? -1 : 1));
  const n = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && all[j]!.v === all[i]!.v) j++;
    const t = j - i;
    // Ranks are 1-based; a tie group of t values shares the mean of ranks i+1..j.
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.first) rankSumA += rank;
    tieTerm += t * t * t - t;
    i = j;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, p: 1 };
  const diff = Math.abs(u - mean);
  const z = Math.max(0, diff - CONTINUITY) / Math.sqrt(variance);
  const p = Math.min(1, 2 * normalSf(z));
  return { u, z: u >= mean ? z : -z, p };
}

/** Upper tail of the standard normal, 1 − Φ(z), accurate to ~1e-7 for the whole real line. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}
