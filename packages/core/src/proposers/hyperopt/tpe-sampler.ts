/**
 * One TPE proposal (Bergstra et al. 2011): fit l(x) on the good observations and g(x) on the rest,
 * each a Parzen mixture with a prior kernel, draw candidates from l and keep the one with the largest
 * l(x)/g(x), which maximises expected improvement under TPE's model. The kernels follow Optuna's
 * TPESampler except for two measured changes in multivariate mode: a smaller bandwidth constant and
 * a magic-clip floor that follows the total number of observations (docs/reference/proposers.md).
 */
import type { Rng } from '../../rng.js';
import type { KernelSpace } from '../parzen/kernel-space.js';
import { ParzenMixture, type KernelDim } from '../parzen/parzen-mixture.js';
import type { HyperoptSettings } from './hyperopt-settings.js';

/** The "magic clip" never lets a bandwidth fall below 1/100 of the range, however many observations there are. */
const MAGIC_CLIP_MAX_KERNELS = 100;

/** Kernel weights for n observations ordered oldest first: 1 for the newest `flat`, a ramp from 1/n up to 1 before them. */
export function forgettingWeights(n: number, flat: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  const ramp = n - flat;
  if (ramp <= 0) return w;
  // numpy's linspace(1/n, 1, ramp): both ends included.
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}

/**
 * The Parzen estimator over coordinates `cols` of `points` (oldest first), plus the prior kernel:
 * centre ½ and σ = 1 for numeric coordinates, uniform over the choices for categorical ones.
 * The magic clip's floor is 1/min(100, total + 2). Multivariate TPE passes the number of observations
 * on both sides, so the good side's few kernels can narrow as the search goes on; the default, this
 * side's own count, is Optuna's rule, which holds l(x)'s kernels at ≥ 1/7 of the range for the first
 * 50 trials.
 */
export function fitParzen(
  points: readonly Float64Array[],
  dims: readonly KernelDim[],
  cols: readonly number[],
  settings: HyperoptSettings,
  total = points.length,
  minBandwidth = 0,
  pointWeights?: Float64Array,
): ParzenMixture {
  const n = points.length;
  const dd = cols.length;
  const rows = n + 1;
  const centres = new Float64Array(rows * dd);
  const scales = new Float64Array(rows * dd);
  const weights = new Float64Array(rows);
  weights.set(pointWeights ?? forgettingWeights(n, settings.linear_forgetting));
  weights[n] = n === 0 ? 1 : settings.prior_weight;
  const minSigma = Math.max(minBandwidth, 1 / Math.min(MAGIC_CLIP_MAX_KERNELS, total + 2));
  const clip = (s: number): number => Math.min(1, Math.max(minSigma, s));
  const column = new Float64Array(n);
  for (let jj = 0; jj < dd; jj++) {
    const j = cols[jj]!;
    const dim = dims[j]!;
    for (let k = 0; k < n; k++) column[k] = points[k]![j]!;
    for (let k = 0; k < n; k++) centres[k * dd + jj] = column[k]!;
    if (dim.kind === 'categorical') {
      const c = dim.choices;
      // Optuna's smoothing: the prior's weight spread over every choice, one count on the observed one.
      const eps = settings.prior_weight / (n + 1);
      const own = (1 + eps) / (1 + c * eps);
      for (let k = 0; k < n; k++) scales[k * dd + jj] = own;
      centres[n * dd + jj] = 0;
      scales[n * dd + jj] = 1 / c;
      continue;
    }
    centres[n * dd + jj] = 0.5;
    scales[n * dd + jj] = 1;
    if (n === 0) continue;
    if (settings.multivariate) {
      const s = clip(settings.bandwidth * Math.max(n, 1) ** (-1 / (dims.length + 4)));
      for (let k = 0; k < n; k++) scales[k * dd + jj] = s;
    } else {
      const sigmas = neighbourBandwidths(column, n);
      for (let k = 0; k < n; k++) scales[k * dd + jj] = clip(sigmas[k]!);
    }
  }
  const kernelDims = cols.map((j) => dims[j]!);
  return new ParzenMixture({ dims: kernelDims, centres, scales, weights });
}

/**
 * Univariate TPE's adaptive bandwidths: each kernel's σ is the larger gap to its neighbours among
 * the observations, the prior's centre ½ and the ends 0 and 1; the outermost kernels use their inner
 * gap only, so a point next to a bound does not get a needlessly wide kernel.
 */
function neighbourBandwidths(mus: Float64Array, n: number): Float64Array {
  const m = n + 1;
  const values = new Float64Array(m);
  values.set(mus.subarray(0, n));
  values[n] = 0.5;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const sorted = new Float64Array(m + 2);
  sorted[0] = 0;
  for (let i = 0; i < m; i++) sorted[i + 1] = values[order[i]!]!;
  sorted[m + 1] = 1;
  const sortedSigmas = new Float64Array(m);
  for (let i = 0; i < m; i++) sortedSigmas[i] = Math.max(sorted[i + 1]! - sorted[i]!, sorted[i + 2]! - sorted[i + 1]!);
  if (m + 2 >= 4) {
    sortedSigmas[0] = sorted[2]! - sorted[1]!;
    sortedSigmas[m - 1] = sorted[m]! - sorted[m - 1]!;
  }
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) out[order[i]!] = sortedSigmas[i]!;
  return out.subarray(0, n);
}

/** Index of the largest log l − log g (the first on ties). */
function argmaxRatio(ll: Float64Array, lg: Float64Array): number {
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < ll.length; i++) {
    const s = ll[i]! - lg[i]!;
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return best;
}

/** Options of {@link proposeTpe} beyond TPE's settings (BOHB's knobs). */
export interface TpeProposeOptions {
  /** Multivariate only: candidates are drawn from l(x) with bandwidths this many times wider (BOHB's bandwidth_factor); 1 = l itself. */
  widen?: number;
  /** Smallest kernel standard deviation, in unit coordinates. */
  minBandwidth?: number;
  /** The good observations' kernel weights instead of the forgetting ramp (multi-objective TPE's hypervolume contributions). */
  belowWeights?: Float64Array;
}

/**
 * The next point in kernel coordinates, from the good (`below`) and bad (`above`) observations,
 * each ordered oldest first.
 */
export function proposeTpe(
  space: KernelSpace,
  below: readonly Float64Array[],
  above: readonly Float64Array[],
  settings: HyperoptSettings,
  rng: Rng,
  opts: TpeProposeOptions = {},
): Float64Array {
  const { d, dims } = space;
  const nc = settings.n_ei_candidates;
  if (settings.multivariate) {
    const all = Array.from({ length: d }, (_, j) => j);
    const total = below.length + above.length;
    const floor = opts.minBandwidth ?? 0;
    const l = fitParzen(below, dims, all, settings, total, floor, opts.belowWeights);
    const g = fitParzen(above, dims, all, settings, total, floor);
    const widen = opts.widen ?? 1;
    const from =
      widen === 1
        ? l
        : fitParzen(below, dims, all, { ...settings, bandwidth: settings.bandwidth * widen }, total, floor, opts.belowWeights);
    const cand = from.sample(rng, nc);
    space.snapAll(cand, nc);
    const best = argmaxRatio(l.logPdf(cand, nc), g.logPdf(cand, nc));
    return cand.slice(best * d, best * d + d);
  }
  const x = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    // Univariate TPE keeps Optuna's per-side floor: measured, the shared one made it worse.
    const l = fitParzen(below, dims, [j], settings, below.length, 0, opts.belowWeights);
    const g = fitParzen(above, dims, [j], settings);
    const cand = l.sample(rng, nc);
    for (let i = 0; i < nc; i++) cand[i] = space.snap(j, cand[i]!);
    x[j] = cand[argmaxRatio(l.logPdf(cand, nc), g.logPdf(cand, nc))]!;
  }
  return x;
}
