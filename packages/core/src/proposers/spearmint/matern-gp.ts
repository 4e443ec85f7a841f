/**
 * A Gaussian process with a Matérn-5/2 ARD kernel on the unit cube: the negative log marginal
 * likelihood with its analytic gradient (for fitting the hyperparameters), and the posterior mean
 * and variance at new points with their gradients (for maximising expected improvement).
 *
 * Hyperparameters are one vector θ = [log ℓ_1 .. log ℓ_D, log s², log σ²]: length-scales, signal
 * variance and noise variance, all on standardised outputs.
 */
import { cholesky, choleskyInverse, choleskyLogDet, choleskySolve, solveLower, solveLowerTransposed } from '../../math/cholesky.js';
import { LOG_SQRT_2PI } from '../../math/normal.js';

const SQRT5 = Math.sqrt(5);
/**
 * Diagonal jitters (relative to s²) tried in turn when K is numerically not positive definite:
 * duplicated points with a tiny noise make K singular; 1e-10 usually suffices, 1e-4 always does.
 */
const JITTERS = [0, 1e-10, 1e-8, 1e-6, 1e-4];

/** Observations in the unit cube: n points of D coordinates, row-major, and their (standardised) values. */
export interface GpData {
  x: Float64Array;
  y: Float64Array;
  n: number;
  dim: number;
}

/** A Gaussian log-prior on each entry of θ: mean and standard deviation per entry. */
export interface ThetaPrior {
  mean: Float64Array;
  sd: Float64Array;
}

/** k(r)/s² for the Matérn-5/2 kernel and q(r) = (5/3)(1 + √5 r) e^{−√5 r}, with ∂k/∂log ℓ_k = s² q (Δ_k/ℓ_k)². */
function matern(r: number): { m: number; q: number } {
  const sr = SQRT5 * r;
  const e = Math.exp(-sr);
  return { m: (1 + sr + (5 / 3) * r * r) * e, q: (5 / 3) * (1 + sr) * e };
}

/** The n×n kernel matrix of the data (noise on the diagonal), and the scaled distances it came from. */
function kernelMatrix(data: GpData, theta: Float64Array, jitter: number): Float64Array {
  const { x, n, dim } = data;
  const s2 = Math.exp(theta[dim]!);
  const noise = Math.exp(theta[dim + 1]!);
  const invL = new Float64Array(dim);
  for (let k = 0; k < dim; k++) invL[k] = Math.exp(-theta[k]!);
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    K[i * n + i] = s2 * (1 + jitter) + noise;
    for (let j = 0; j < i; j++) {
      let r2 = 0;
      for (let k = 0; k < dim; k++) {
        const d = (x[i * dim + k]! - x[j * dim + k]!) * invL[k]!;
        r2 += d * d;
      }
      const v = s2 * matern(Math.sqrt(r2)).m;
      K[i * n + j] = v;
      K[j * n + i] = v;
    }
  }
  return K;
}

/** Cholesky factor of K(θ) with the smallest jitter that works, or undefined. */
function factor(data: GpData, theta: Float64Array): { L: Float64Array; jitter: number } | undefined {
  for (const jitter of JITTERS) {
    const L = kernelMatrix(data, theta, jitter);
    if (cholesky(L, data.n)) return { L, jitter };
  }
  return undefined;
}

/**
 * The negative log marginal likelihood of the data under θ, minus the log-prior, with its gradient
 * written into `grad`. Infinity when K cannot be factored.
 */
export function negLogPosterior(data: GpData, theta: Float64Array, prior: ThetaPrior, grad: Float64Array): number {
  const { x, y, n, dim } = data;
  const f = factor(data, theta);
  if (f === undefined) {
    grad.fill(0);
    return Infinity;
  }
  const { L } = f;
  const alpha = choleskySolve(L, n, Float64Array.from(y));
  let fit = 0;
  for (let i = 0; i < n; i++) fit += y[i]! * alpha[i]!;
  let value = 0.5 * fit + 0.5 * choleskyLogDet(L, n) + n * LOG_SQRT_2PI;

  // ∂(−log p)/∂θ = −½ tr(W ∂K/∂θ) with W = ααᵀ − K⁻¹.
  const W = choleskyInverse(L, n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) W[i * n + j] = alpha[i]! * alpha[j]! - W[i * n + j]!;
  const s2 = Math.exp(theta[dim]!);
  const noise = Math.exp(theta[dim + 1]!);
  const invL = new Float64Array(dim);
  for (let k = 0; k < dim; k++) invL[k] = Math.exp(-theta[k]!);
  grad.fill(0);
  let gS2 = 0;
  let trace = 0;
  const d2 = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const wii = W[i * n + i]!;
    trace += wii;
    gS2 += wii * s2;
    for (let j = 0; j < i; j++) {
      let r2 = 0;
      for (let k = 0; k < dim; k++) {
        const d = (x[i * dim + k]! - x[j * dim + k]!) * invL[k]!;
        d2[k] = d * d;
        r2 += d2[k]!;
      }
      const { m, q } = matern(Math.sqrt(r2));
      // Off-diagonal pairs appear twice in the trace.
      const w = 2 * W[i * n + j]!;
      gS2 += w * s2 * m;
      const wq = w * s2 * q;
      for (let k = 0; k < dim; k++) grad[k] = grad[k]! + wq * d2[k]!;
    }
  }
  for (let k = 0; k < dim; k++) grad[k] = -0.5 * grad[k]!;
  grad[dim] = -0.5 * gS2;
  grad[dim + 1] = -0.5 * trace * noise;

  for (let k = 0; k < theta.length; k++) {
    const z = (theta[k]! - prior.mean[k]!) / prior.sd[k]!;
    value += 0.5 * z * z;
    grad[k] = grad[k]! + z / prior.sd[k]!;
  }
  return value;
}

/** Posterior of the latent function at one point: mean and variance, with gradients when asked. */
export interface GpPrediction {
  mean: number;
  variance: number;
}

/** A Gaussian process conditioned on data with fixed hyperparameters. */
export class MaternGp {
  readonly n: number;
  readonly dim: number;
  private readonly x: Float64Array;
  private readonly L: Float64Array;
  private readonly alpha: Float64Array;
  private readonly s2: number;
  /** K_ii: s² plus jitter plus noise, the variance of one observation. */
  private readonly kii: number;
  private readonly invL2: Float64Array;
  private readonly invL: Float64Array;
  private readonly k: Float64Array;
  private readonly v: Float64Array;
  private readonly dk: Float64Array;

  /** Factors K(θ) for `data`; throws RangeError if no jitter makes it positive definite (cannot happen with noise > 0). */
  constructor(data: GpData, theta: Float64Array) {
    this.n = data.n;
    this.dim = data.dim;
    this.x = data.x;
    const f = factor(data, theta);
    if (f === undefined) throw new RangeError('MaternGp: the kernel matrix is not positive definite even with jitter');
    this.L = f.L;
    this.alpha = choleskySolve(this.L, this.n, Float64Array.from(data.y));
    this.s2 = Math.exp(theta[this.dim]!);
    this.kii = this.s2 * (1 + f.jitter) + Math.exp(theta[this.dim + 1]!);
    this.invL = new Float64Array(this.dim);
    this.invL2 = new Float64Array(this.dim);
    for (let k = 0; k < this.dim; k++) {
      this.invL[k] = Math.exp(-theta[k]!);
      this.invL2[k] = this.invL[k]! * this.invL[k]!;
    }
    this.k = new Float64Array(this.n);
    this.v = new Float64Array(this.n);
    this.dk = new Float64Array(this.n);
  }

  /** Posterior mean and variance of f at `p` (variance floored at a tiny fraction of s² against round-off). */
  predict(p: Float64Array): GpPrediction {
    const { n, dim, x, k, v } = this;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      for (let j = 0; j < dim; j++) {
        const d = (p[j]! - x[i * dim + j]!) * this.invL[j]!;
        r2 += d * d;
      }
      const ki = this.s2 * matern(Math.sqrt(r2)).m;
      k[i] = ki;
      v[i] = ki;
      mean += ki * this.alpha[i]!;
    }
    solveLower(this.L, n, v);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i]! * v[i]!;
    return { mean, variance: Math.max(this.s2 - vv, this.s2 * 1e-12) };
  }

  /**
   * The posterior mean at `p` and an upper bound on the variance in O(n·D) instead of O(n²):
   * conditioning on the single most informative observation (max k_i²/K_ii) leaves at least the
   * variance conditioning on all of them does. Used to skip candidates whose EI cannot compete.
   */
  meanAndVarianceBound(p: Float64Array): { mean: number; varianceBound: number } {
    const { n, dim, x } = this;
    let mean = 0;
    let maxK2 = 0;
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      for (let j = 0; j < dim; j++) {
        const d = (p[j]! - x[i * dim + j]!) * this.invL[j]!;
        r2 += d * d;
      }
      const ki = this.s2 * matern(Math.sqrt(r2)).m;
      mean += ki * this.alpha[i]!;
      if (ki * ki > maxK2) maxK2 = ki * ki;
    }
    return { mean, varianceBound: Math.max(this.s2 - maxK2 / this.kii, this.s2 * 1e-12) };
  }

  /** Like {@link predict}, and writes ∂mean/∂p into `dMean` and ∂variance/∂p into `dVar`. */
  predictWithGradient(p: Float64Array, dMean: Float64Array, dVar: Float64Array): GpPrediction {
    const out = this.predict(p);
    const { n, dim, x, v, dk } = this;
    // w = K⁻¹ k: from v = L⁻¹ k, one more triangular solve.
    solveLowerTransposed(this.L, n, v);
    dMean.fill(0);
    dVar.fill(0);
    // ∂k_i/∂p_j = −s² (5/3)(1 + √5 r) e^{−√5 r} (p_j − x_ij)/ℓ_j² = −s² q (p_j − x_ij)/ℓ_j².
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      for (let j = 0; j < dim; j++) {
        const d = (p[j]! - x[i * dim + j]!) * this.invL[j]!;
        r2 += d * d;
      }
      dk[i] = -this.s2 * matern(Math.sqrt(r2)).q;
    }
    for (let i = 0; i < n; i++) {
      const a = dk[i]! * this.alpha[i]!;
      const b = -2 * dk[i]! * v[i]!;
      for (let j = 0; j < dim; j++) {
        const diff = (p[j]! - x[i * dim + j]!) * this.invL2[j]!;
        dMean[j] = dMean[j]! + a * diff;
        dVar[j] = dVar[j]! + b * diff;
      }
    }
    return out;
  }
}
