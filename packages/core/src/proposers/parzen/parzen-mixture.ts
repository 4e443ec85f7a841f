/**
 * A weighted mixture of product kernels over a mixed space, the Parzen estimator of TPE (Bergstra
 * et al. 2011; Optuna's multivariate form, Falkner et al. 2018): truncated Gaussians on [0, 1] for
 * continuous coordinates, the same Gaussians integrated over equal-width bins for discrete ones,
 * and "own category with probability p, the others share the rest" for categorical ones.
 * Written to be reused by any kernel-density proposer; all arrays are row-major Float64Arrays.
 */
import type { Rng } from '../../rng.js';
import { normalMass } from './normal-cdf.js';

/** How one coordinate is modelled. Continuous and discrete coordinates live in [0, 1]; categorical ones hold a choice index. */
export type KernelDim = { kind: 'continuous' } | { kind: 'discrete'; bins: number } | { kind: 'categorical'; choices: number };

/** The kernels of a {@link ParzenMixture}: n kernels over d = dims.length coordinates. */
export interface ParzenMixtureInit {
  dims: readonly KernelDim[];
  /** n × d kernel centres (a unit coordinate, or a choice index for categorical dims). */
  centres: Float64Array;
  /** n × d: the Gaussian's standard deviation in unit space, or for categorical dims the probability a kernel gives its own choice. */
  scales: Float64Array;
  /** n non-negative kernel weights with a positive sum (normalised here). */
  weights: Float64Array;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/**
 * Draws before a truncated-normal sample gives up and clamps. With the centre inside [0, 1] and a
 * standard deviation of at most 1 the acceptance rate is at least 34%, so 64 misses in a row
 * (probability below 1e-11) only happen for kernels centred far outside, which nobody builds.
 */
const MAX_TRUNCATED_NORMAL_TRIES = 64;
/** Below this a bin's probability has underflowed; the density at the bin's nearer edge stands in. */
const TINY_MASS = 1e-300;
/** A kernel whose log term is this far below the largest adds less than 1e-17 of it: below a double's precision. */
const LOG_NEGLIGIBLE = -40;

const CONTINUOUS = 0;
const DISCRETE = 1;
const CATEGORICAL = 2;

/** A fitted mixture: draw points from it and evaluate its log density (log probability for discrete and categorical coordinates). */
export class ParzenMixture {
  /** Number of kernels. */
  readonly n: number;
  /** Number of coordinates. */
  readonly d: number;
  private readonly kinds: Uint8Array;
  private readonly sizes: Float64Array;
  private readonly centres: Float64Array;
  private readonly scales: Float64Array;
  /** Per kernel and coordinate: 1/σ (Gaussian), log p_own (categorical). */
  private readonly inv: Float64Array;
  /** Per kernel and categorical coordinate: log of the probability of each other choice. */
  private readonly logOther: Float64Array;
  /** Per kernel: log weight plus every term that does not depend on the point. */
  private readonly logBase: Float64Array;
  private readonly cumWeights: Float64Array;
  private readonly gaussDims: Int32Array;
  private readonly binDims: Int32Array;
  private readonly catDims: Int32Array;
  private readonly terms: Float64Array;

  /** Precomputes every per-kernel constant (truncation masses, log weights) once. */
  constructor(init: ParzenMixtureInit) {
    const d = init.dims.length;
    const n = init.weights.length;
    if (n === 0) throw new RangeError('ParzenMixture needs at least one kernel');
    if (init.centres.length !== n * d || init.scales.length !== n * d)
      throw new RangeError(`ParzenMixture: centres and scales must hold ${n} × ${d} values`);
    this.n = n;
    this.d = d;
    this.kinds = new Uint8Array(d);
    this.sizes = new Float64Array(d);
    const gauss: number[] = [];
    const bins: number[] = [];
    const cats: number[] = [];
    init.dims.forEach((dim, j) => {
      if (dim.kind === 'continuous') {
        this.kinds[j] = CONTINUOUS;
        gauss.push(j);
      } else if (dim.kind === 'discrete') {
        this.kinds[j] = DISCRETE;
        this.sizes[j] = dim.bins;
        bins.push(j);
      } else {
        this.kinds[j] = CATEGORICAL;
        this.sizes[j] = dim.choices;
        cats.push(j);
      }
    });
    this.gaussDims = Int32Array.from(gauss);
    this.binDims = Int32Array.from(bins);
    this.catDims = Int32Array.from(cats);
    this.centres = init.centres;
    this.scales = init.scales;
    this.inv = new Float64Array(n * d);
    this.logOther = new Float64Array(n * d);
    this.logBase = new Float64Array(n);
    this.cumWeights = new Float64Array(n);
    this.terms = new Float64Array(n);

    let total = 0;
    for (let k = 0; k < n; k++) {
      const w = init.weights[k]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`ParzenMixture: weight ${k} is ${w}`);
      total += w;
      this.cumWeights[k] = total;
    }
    if (!(total > 0)) throw new RangeError('ParzenMixture: the weights sum to 0');
    for (let k = 0; k < n; k++) {
      let base = Math.log(init.weights[k]! / total);
      for (let j = 0; j < d; j++) {
        const i = k * d + j;
        const s = init.scales[i]!;
        if (this.kinds[j] === CATEGORICAL) {
          const c = this.sizes[j]!;
          const own = c === 1 ? 1 : Math.min(1, Math.max(0, s));
          this.inv[i] = Math.log(own);
          this.logOther[i] = c === 1 ? Number.NEGATIVE_INFINITY : Math.log((1 - own) / (c - 1));
          continue;
        }
        const mu = init.centres[i]!;
        const z = Math.max(normalMass(-mu / s, (1 - mu) / s), TINY_MASS);
        this.inv[i] = 1 / s;
        base -= Math.log(z);
        // A discrete coordinate's value is a bin probability: no density normaliser.
        if (this.kinds[j] === CONTINUOUS) base -= Math.log(s) + LOG_SQRT_2PI;
      }
      this.logBase[k] = base;
    }
  }

  /** `count` points drawn from the mixture, count × d row-major; discrete coordinates come out at their bin centres. */
  sample(rng: Rng, count: number): Float64Array {
    const { d } = this;
    const out = new Float64Array(count * d);
    const total = this.cumWeights[this.n - 1]!;
    for (let p = 0; p < count; p++) {
      const k = this.pickKernel(rng.next() * total);
      for (let j = 0; j < d; j++) {
        const i = k * d + j;
        const mu = this.centres[i]!;
        if (this.kinds[j] === CATEGORICAL) {
          const c = this.sizes[j]!;
          const own = Math.exp(this.inv[i]!);
          if (c === 1 || rng.next() < own) {
            out[p * d + j] = mu;
          } else {
            // One of the c − 1 other choices, uniformly: skip over the kernel's own.
            const r = rng.int(0, c - 2);
            out[p * d + j] = r >= mu ? r + 1 : r;
          }
          continue;
        }
        const x = truncatedNormal(rng, mu, this.scales[i]!);
        if (this.kinds[j] === DISCRETE) {
          const b = this.sizes[j]!;
          out[p * d + j] = (Math.min(b - 1, Math.floor(x * b)) + 0.5) / b;
        } else {
          out[p * d + j] = x;
        }
      }
    }
    return out;
  }

  /** The log density of each of `count` points (count × d row-major), written into `out` when given. */
  logPdf(points: Float64Array, count: number, out: Float64Array = new Float64Array(count)): Float64Array {
    const { n, d, terms, centres, inv, logBase, gaussDims, binDims, catDims } = this;
    const ng = gaussDims.length;
    const nb = binDims.length;
    const nc = catDims.length;
    // All-Gaussian spaces (the common case) get a loop without index indirection: kernels over
    // thousands of observations make this the proposer's hottest code.
    const plain = ng === d;
    const x = new Float64Array(d);
    for (let p = 0; p < count; p++) {
      const row = p * d;
      for (let j = 0; j < d; j++) x[j] = points[row + j]!;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const kr = k * d;
        let q = 0;
        if (plain) {
          for (let j = 0; j < d; j++) {
            const z = (x[j]! - centres[kr + j]!) * inv[kr + j]!;
            q += z * z;
          }
        } else {
          for (let g = 0; g < ng; g++) {
            const j = gaussDims[g]!;
            const z = (x[j]! - centres[kr + j]!) * inv[kr + j]!;
            q += z * z;
          }
        }
        let s = logBase[k]! - 0.5 * q;
        for (let b = 0; b < nb; b++) {
          const j = binDims[b]!;
          s += this.logBinMass(x[j]!, kr + j, this.sizes[j]!);
        }
        for (let c = 0; c < nc; c++) {
          const j = catDims[c]!;
          s += x[j] === centres[kr + j] ? inv[kr + j]! : this.logOther[kr + j]!;
        }
        terms[k] = s;
        if (s > max) max = s;
      }
      if (max === Number.NEGATIVE_INFINITY) {
        out[p] = max;
        continue;
      }
      let sum = 0;
      for (let k = 0; k < n; k++) {
        const t = terms[k]! - max;
        // exp(−745) underflows to 0 anyway; skipping the call for hopeless kernels saves most of them.
        if (t > LOG_NEGLIGIBLE) sum += Math.exp(t);
      }
      out[p] = max + Math.log(sum);
    }
    return out;
  }

  /** log P(the point's bin) under one kernel's Gaussian, before truncation (logBase holds that). */
  private logBinMass(x: number, i: number, bins: number): number {
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(x * bins)));
    const mu = this.centres[i]!;
    const iv = this.inv[i]!;
    const a = (bin / bins - mu) * iv;
    const b = ((bin + 1) / bins - mu) * iv;
    const mass = normalMass(a, b);
    if (mass > TINY_MASS) return Math.log(mass);
    const near = a > 0 ? a : b < 0 ? b : 0;
    return -0.5 * near * near - LOG_SQRT_2PI + Math.log(b - a || TINY_MASS);
  }

  private pickKernel(u: number): number {
    const c = this.cumWeights;
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** A draw from N(mu, sigma²) restricted to [0, 1], by rejection. */
export function truncatedNormal(rng: Rng, mu: number, sigma: number): number {
  for (let t = 0; t < MAX_TRUNCATED_NORMAL_TRIES; t++) {
    const x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mu));
}
