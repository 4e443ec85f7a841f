/**
 * The CMA-ES search distribution N(m, σ²C) and its update, after Hansen's tutorial ("The CMA
 * Evolution Strategy: A Tutorial", 2016, the default (μ/μ_w, λ)-CMA-ES with negative weights, i.e.
 * active covariance update) and the `cmaes` Python package Optuna 3.1 uses: cumulative step-size
 * adaptation, rank-one and rank-μ covariance update, Hansen's termination criteria for restarts.
 *
 * Works in the unit cube [0, 1]^d: a sample outside is drawn again (up to 10·d times, then clipped
 * to the cube), as the `cmaes` package does for Optuna. The state is plain numbers, so the proposer
 * stores it in its snapshot and a restored distribution samples and updates exactly as before;
 * the eigendecomposition of C is recomputed from C when needed (deterministic, symmetric-eigen.ts).
 */
import type { Rng } from '../../rng.js';
import { symmetricEigen } from '../../math/symmetric-eigen.js';

/** Floor for an eigenvalue of C that rounding made non-positive (the `cmaes` package's _EPS). */
const EIGEN_FLOOR = 1e-8;
/** σ never grows beyond this (overflow guard, as in `cmaes`). */
const SIGMA_MAX = 1e32;
/** Stop when the best and worst values of the last generations span less than this (Hansen's TolFun). */
export const TOL_FUN = 1e-12;
/** Stop when every coordinate's standard deviation and σ·p_c are below TOL_X_FACTOR·σ0 (Hansen's TolX). */
export const TOL_X_FACTOR = 1e-12;
/** Stop when σ times the largest axis exceeds this (divergence; Hansen's TolUpSigma, as `cmaes`' tolxup). */
const TOL_X_UP = 1e4;
/** Stop when the condition number of C exceeds this (Hansen's ConditionCov). */
export const TOL_CONDITION = 1e14;

/** Strategy parameters: fixed by the dimension and the population size (Hansen 2016, table 1). */
export interface CmaStrategy {
  dim: number;
  lambda: number;
  mu: number;
  /** λ recombination weights, positive for the μ best, negative for the rest (active CMA). */
  weights: Float64Array;
  weightSum: number;
  muEff: number;
  cc: number;
  c1: number;
  cmu: number;
  cSigma: number;
  dSigma: number;
  /** E‖N(0, I)‖. */
  chiN: number;
  /** Generations whose best and worst values the TolFun criterion looks at. */
  funHistTerm: number;
}

/** The default population size 4 + ⌊3 ln d⌋ (Hansen's λ). */
export function defaultPopulation(dim: number): number {
  return 4 + Math.floor(3 * Math.log(dim));
}

/** Hansen's default strategy parameters for `dim` dimensions and population `lambda` (≥ 2). */
export function cmaStrategy(dim: number, lambda: number): CmaStrategy {
  const mu = Math.floor(lambda / 2);
  const prime = Array.from({ length: lambda }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  const sq = (xs: number[]) => xs.reduce((a, b) => a + b, 0) ** 2 / xs.reduce((a, b) => a + b * b, 0);
  const muEff = sq(prime.slice(0, mu));
  const minus = prime.slice(mu);
  const muEffMinus = minus.some((w) => w !== 0) ? sq(minus) : 0;
  const alphaCov = 2;
  const c1 = alphaCov / ((dim + 1.3) ** 2 + muEff);
  const cmu = Math.min(1 - c1 - 1e-8, (alphaCov * (muEff - 2 + 1 / muEff)) / ((dim + 2) ** 2 + (alphaCov * muEff) / 2));
  // With cmu = 0 (λ = 2) the first and last bounds are infinite: Math.min keeps the finite one.
  const minAlpha = Math.min(1 + c1 / cmu, 1 + (2 * muEffMinus) / (muEff + 2), (1 - c1 - cmu) / (dim * cmu));
  let positive = 0;
  let negative = 0;
  for (const w of prime) {
    if (w > 0) positive += w;
    else negative -= w;
  }
  const weights = Float64Array.from(prime, (w) => (w >= 0 ? w / positive : (minAlpha / negative) * w));
  const cSigma = (muEff + 2) / (dim + muEff + 5);
  const dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (dim + 1)) - 1) + cSigma;
  const cc = (4 + muEff / dim) / (dim + 4 + (2 * muEff) / dim);
  const chiN = Math.sqrt(dim) * (1 - 1 / (4 * dim) + 1 / (21 * dim * dim));
  return {
    dim,
    lambda,
    mu,
    weights,
    weightSum: weights.reduce((a, b) => a + b, 0),
    muEff,
    cc,
    c1,
    cmu,
    cSigma,
    dSigma,
    chiN,
    funHistTerm: 10 + Math.ceil((30 * dim) / lambda),
  };
}

/** The distribution's state as plain JSON numbers (C as its upper triangle, row by row). */
export interface CmaState {
  lambda: number;
  /** Updates since this distribution started (restarts start again at 0). */
  generation: number;
  mean: number[];
  sigma: number;
  /** σ at the start: TolX is relative to it. */
  sigma0: number;
  cov: number[];
  pc: number[];
  ps: number[];
  /** Best and worst value of each of the last funHistTerm generations, oldest first. */
  funHist: [number, number][];
}

/** One evaluated member of a generation. */
export interface CmaSolution {
  /** The point in the unit cube. */
  x: ArrayLike<number>;
  /** Its value, minimised. */
  value: number;
  /**
   * A point that was not sampled from this generation's distribution (a user's trial): its step is
   * shortened to a plausible Mahalanobis length first (Hansen 2011, "Injecting external solutions").
   */
  injected?: boolean;
}

/** A CMA-ES distribution in the unit cube: sample, update with a full generation, decide when to restart. */
export class CmaEs {
  readonly strategy: CmaStrategy;
  private readonly mean: Float64Array;
  private sigma: number;
  private readonly sigma0: number;
  private readonly cov: Float64Array;
  private readonly pc: Float64Array;
  private readonly ps: Float64Array;
  private generation: number;
  private funHist: [number, number][];
  /** B (eigenvectors as columns) and D (square roots of the eigenvalues) of the current C, computed when first needed. */
  private eigen: { b: Float64Array; d: Float64Array } | null = null;

  /** A distribution from a stored state (see {@link CmaEs.start} for a new one). */
  constructor(state: CmaState) {
    const n = state.mean.length;
    this.strategy = cmaStrategy(n, state.lambda);
    this.mean = Float64Array.from(state.mean);
    this.sigma = state.sigma;
    this.sigma0 = state.sigma0;
    this.cov = unpack(state.cov, n);
    this.pc = Float64Array.from(state.pc);
    this.ps = Float64Array.from(state.ps);
    this.generation = state.generation;
    this.funHist = state.funHist.map(([a, b]) => [a, b]);
  }

  /** A new distribution: mean `mean`, step σ0, C = I, no evolution paths. */
  static start(mean: ArrayLike<number>, sigma0: number, lambda: number): CmaEs {
    const n = mean.length;
    const cov = new Float64Array(n * n);
    for (let i = 0; i < n; i++) cov[i * n + i] = 1;
    return new CmaEs({
      lambda,
      generation: 0,
      mean: Array.from(mean),
      sigma: sigma0,
      sigma0,
      cov: pack(cov, n),
      pc: new Array<number>(n).fill(0),
      ps: new Array<number>(n).fill(0),
      funHist: [],
    });
  }

  /** The state as JSON numbers; `new CmaEs(state)` continues exactly from it. */
  state(): CmaState {
    const n = this.strategy.dim;
    return {
      lambda: this.strategy.lambda,
      generation: this.generation,
      mean: plain(this.mean),
      sigma: this.sigma + 0,
      sigma0: this.sigma0,
      cov: plain(pack(this.cov, n)),
      pc: plain(this.pc),
      ps: plain(this.ps),
      funHist: this.funHist.map(([a, b]) => [a + 0, b + 0]),
    };
  }

  /** The current step size σ. */
  get stepSize(): number {
    return this.sigma;
  }

  /** A point of N(m, σ²C) inside the unit cube: redrawn up to 10·d times, then the last draw clipped. */
  sample(rng: Rng): Float64Array {
    const n = this.strategy.dim;
    const tries = 10 * n;
    for (let t = 0; ; t++) {
      const x = this.draw(rng);
      let inside = true;
      for (let i = 0; i < n && inside; i++) inside = x[i]! >= 0 && x[i]! <= 1;
      if (inside) return x;
      if (t >= tries) {
        for (let i = 0; i < n; i++) x[i] = Math.min(1, Math.max(0, x[i]!));
        return x;
      }
    }
  }

  /** m + σ B D z with z ~ N(0, I). */
  private draw(rng: Rng): Float64Array {
    const n = this.strategy.dim;
    const { b, d } = this.decompose();
    const dz = new Float64Array(n);
    for (let k = 0; k < n; k++) dz[k] = d[k]! * rng.normal();
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * dz[k]!;
      x[i] = this.mean[i]! + this.sigma * s;
    }
    return x;
  }

  /** B and D of C, cached until C changes. */
  private decompose(): { b: Float64Array; d: Float64Array } {
    if (this.eigen === null) {
      const { values, vectors } = symmetricEigen(this.cov, this.strategy.dim);
      this.eigen = { b: vectors, d: values.map((v) => Math.sqrt(v > 0 ? v : EIGEN_FLOOR)) };
    }
    return this.eigen;
  }

  /** C^(-1/2) v = B D⁻¹ Bᵀ v. */
  private invSqrt(v: Float64Array): Float64Array {
    const n = this.strategy.dim;
    const { b, d } = this.decompose();
    const t = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += b[i * n + k]! * v[i]!;
      t[k] = s / d[k]!;
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * t[k]!;
      out[i] = s;
    }
    return out;
  }

  /**
   * Moves the distribution after a generation of exactly λ evaluated points (in any order; ties
   * keep the given order): mean by weighted recombination, σ by cumulative step-size adaptation,
   * C by the rank-one and (active) rank-μ updates.
   */
  update(solutions: readonly CmaSolution[]): void {
    const s = this.strategy;
    const n = s.dim;
    if (solutions.length !== s.lambda) throw new RangeError(`CMA-ES update needs ${s.lambda} solutions, got ${solutions.length}`);
    const sorted = solutions.map((sol, i) => ({ sol, i })).sort((a, b) => a.sol.value - b.sol.value || a.i - b.i);
    this.generation++;
    this.funHist.push([sorted[0]!.sol.value, sorted[sorted.length - 1]!.sol.value]);
    if (this.funHist.length > s.funHistTerm) this.funHist.shift();

    // Steps y_k = (x_k − m) / σ ~ N(0, C); an injected point's step is clipped to length c_y in the C metric.
    const cy = Math.sqrt(n) + (2 * n) / (n + 2);
    const ys = sorted.map(({ sol }) => {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = (sol.x[i]! - this.mean[i]!) / this.sigma;
      if (sol.injected === true) {
        const len = norm(this.invSqrt(y));
        if (len > cy) for (let i = 0; i < n; i++) y[i] = (y[i]! * cy) / len;
      }
      return y;
    });
    const yw = new Float64Array(n);
    for (let k = 0; k < s.mu; k++) for (let i = 0; i < n; i++) yw[i] += s.weights[k]! * ys[k]![i]!;
    for (let i = 0; i < n; i++) this.mean[i] += this.sigma * yw[i]!;

    // Step-size control.
    const cw = this.invSqrt(yw);
    const psFactor = Math.sqrt(s.cSigma * (2 - s.cSigma) * s.muEff);
    for (let i = 0; i < n; i++) this.ps[i] = (1 - s.cSigma) * this.ps[i]! + psFactor * cw[i]!;
    const psNorm = norm(this.ps);
    this.sigma = Math.min(SIGMA_MAX, this.sigma * Math.exp((s.cSigma / s.dSigma) * (psNorm / s.chiN - 1)));

    // Covariance: h_σ stalls the rank-one path while p_σ is long (a fast-moving mean).
    const hLeft = psNorm / Math.sqrt(1 - (1 - s.cSigma) ** (2 * (this.generation + 1)));
    const hSigma = hLeft < (1.4 + 2 / (n + 1)) * s.chiN ? 1 : 0;
    const pcFactor = hSigma * Math.sqrt(s.cc * (2 - s.cc) * s.muEff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - s.cc) * this.pc[i]! + pcFactor * yw[i]!;
    // Negative weights act on steps rescaled to length √d in the C metric, so C stays positive definite.
    const wio = ys.map((y, k) => {
      const w = s.weights[k]!;
      return w >= 0 ? w : (w * n) / (norm(this.invSqrt(y)) ** 2 + EIGEN_FLOOR);
    });
    const deltaH = (1 - hSigma) * s.cc * (2 - s.cc);
    const decay = 1 + s.c1 * deltaH - s.c1 - s.cmu * s.weightSum;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let rankMu = 0;
        for (let k = 0; k < ys.length; k++) rankMu += wio[k]! * ys[k]![i]! * ys[k]![j]!;
        const c = decay * this.cov[i * n + j]! + s.c1 * this.pc[i]! * this.pc[j]! + s.cmu * rankMu;
        this.cov[i * n + j] = c;
        this.cov[j * n + i] = c;
      }
    }
    this.eigen = null;
  }

  /**
   * Whether this run has converged or stalled and a restart would serve better (Hansen's criteria,
   * as the `cmaes` package checks them): TolFun, TolX, TolUpSigma, NoEffectCoord, NoEffectAxis, ConditionCov.
   * Returns the criterion's name, or null.
   */
  stopReason(): string | null {
    const s = this.strategy;
    const n = s.dim;
    const { b, d } = this.decompose();
    if (this.generation > s.funHistTerm) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const [best, worst] of this.funHist) {
        lo = Math.min(lo, best);
        hi = Math.max(hi, worst);
      }
      if (hi - lo < TOL_FUN) return 'tolfun';
    }
    const tolX = TOL_X_FACTOR * this.sigma0;
    let small = true;
    for (let i = 0; i < n && small; i++)
      small = this.sigma * Math.sqrt(this.cov[i * n + i]!) < tolX && Math.abs(this.sigma * this.pc[i]!) < tolX;
    if (small) return 'tolx';
    let dMax = 0;
    let dMin = Infinity;
    for (const v of d) {
      dMax = Math.max(dMax, v);
      dMin = Math.min(dMin, v);
    }
    if (this.sigma * dMax > TOL_X_UP) return 'tolxup';
    for (let i = 0; i < n; i++) {
      const m = this.mean[i]!;
      if (m === m + 0.2 * this.sigma * Math.sqrt(this.cov[i * n + i]!)) return 'noeffectcoord';
    }
    const axis = this.generation % n;
    let unchanged = true;
    for (let i = 0; i < n && unchanged; i++) {
      const m = this.mean[i]!;
      unchanged = m === m + 0.1 * this.sigma * d[axis]! * b[i * n + axis]!;
    }
    if (unchanged) return 'noeffectaxis';
    if ((dMax / dMin) ** 2 > TOL_CONDITION) return 'conditioncov';
    return null;
  }
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** Numbers for JSON: −0 written as 0 (JSON would lose the sign anyway, and the state must round-trip unchanged). */
function plain(v: ArrayLike<number>): number[] {
  return Array.from(v, (x) => x + 0);
}

/** The upper triangle of a symmetric n×n row-major matrix, row by row. */
function pack(a: Float64Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) out.push(a[i * n + j]!);
  return out;
}

/** The symmetric n×n matrix of a packed upper triangle. */
function unpack(packed: readonly number[], n: number): Float64Array {
  const a = new Float64Array(n * n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      a[i * n + j] = packed[k]!;
      a[j * n + i] = packed[k++]!;
    }
  }
  return a;
}
