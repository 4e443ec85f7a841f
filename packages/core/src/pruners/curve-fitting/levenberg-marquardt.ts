/** A model y = f(x; p) fitted by {@link levenbergMarquardt}. */
export type CurveFunction = (x: number, p: Float64Array) => number;

export interface LmOptions {
  maxIterations?: number;
  /** Stop (returning the best so far) once `now()` passes this time, in ms. */
  deadline?: number;
  now?: () => number;
}

export interface LmResult {
  params: Float64Array;
  /** Sum of squared residuals at `params`. */
  sse: number;
  iterations: number;
  timedOut: boolean;
}

/** Enough for 2–4 parameters to converge from a data-derived start; more rarely improves the fit. */
const DEFAULT_MAX_ITERATIONS = 200;
const INITIAL_DAMPING = 1e-3;
const DAMPING_UP = 4;
const DAMPING_DOWN = 3;
/** Beyond this damping the step is negligible: the fit has converged (or is stuck). */
const MAX_DAMPING = 1e12;
/** Relative SSE improvement under which the fit counts as converged. */
const CONVERGED = 1e-12;

function sse(f: CurveFunction, xs: Float64Array, ys: Float64Array, p: Float64Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    const r = f(xs[i]!, p) - ys[i]!;
    s += r * r;
  }
  return Number.isFinite(s) ? s : Number.POSITIVE_INFINITY;
}

/** Solves the k×k system A x = b in place (Gaussian elimination with partial pivoting); false if singular. */
export function solveSmall(a: Float64Array, b: Float64Array, k: number): boolean {
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r * k + c]!) > Math.abs(a[piv * k + c]!)) piv = r;
    if (Math.abs(a[piv * k + c]!) < 1e-300) return false;
    if (piv !== c) {
      for (let j = 0; j < k; j++) {
        const t = a[c * k + j]!;
        a[c * k + j] = a[piv * k + j]!;
        a[piv * k + j] = t;
      }
      const t = b[c]!;
      b[c] = b[piv]!;
      b[piv] = t;
    }
    for (let r = c + 1; r < k; r++) {
      const m = a[r * k + c]! / a[c * k + c]!;
      if (m === 0) continue;
      for (let j = c; j < k; j++) a[r * k + j] = a[r * k + j]! - m * a[c * k + j]!;
      b[r] = b[r]! - m * b[c]!;
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let j = r + 1; j < k; j++) s -= a[r * k + j]! * b[j]!;
    b[r] = s / a[r * k + r]!;
  }
  return true;
}

/**
 * Least-squares fit of `f` to the points (xs, ys) by Levenberg–Marquardt with a central-difference
 * Jacobian and Marquardt's diagonal scaling; starts from `start` (not modified).
 */
export function levenbergMarquardt(
  f: CurveFunction,
  xs: Float64Array,
  ys: Float64Array,
  start: Float64Array,
  options: LmOptions = {},
): LmResult {
  const k = start.length;
  const n = xs.length;
  const now = options.now ?? Date.now;
  const maxIt = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  let p = Float64Array.from(start);
  let cost = sse(f, xs, ys, p);
  let lambda = INITIAL_DAMPING;
  const jac = new Float64Array(n * k);
  const res = new Float64Array(n);
  const jtj = new Float64Array(k * k);
  const jtr = new Float64Array(k);
  const a = new Float64Array(k * k);
  const delta = new Float64Array(k);
  const trial = new Float64Array(k);
  let it = 0;
  let timedOut = false;
  for (; it < maxIt && Number.isFinite(cost); it++) {
    if (options.deadline !== undefined && now() > options.deadline) {
      timedOut = true;
      break;
    }
    for (let i = 0; i < n; i++) res[i] = f(xs[i]!, p) - ys[i]!;
    for (let j = 0; j < k; j++) {
      const h = 1e-6 * (1 + Math.abs(p[j]!));
      const pj = p[j]!;
      p[j] = pj + h;
      for (let i = 0; i < n; i++) jac[i * k + j] = f(xs[i]!, p);
      p[j] = pj - h;
      for (let i = 0; i < n; i++) jac[i * k + j] = (jac[i * k + j]! - f(xs[i]!, p)) / (2 * h);
      p[j] = pj;
    }
    jtj.fill(0);
    jtr.fill(0);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < k; r++) {
        const jr = jac[i * k + r]!;
        jtr[r] = jtr[r]! + jr * res[i]!;
        for (let c = r; c < k; c++) jtj[r * k + c] = jtj[r * k + c]! + jr * jac[i * k + c]!;
      }
    }
    for (let r = 0; r < k; r++) for (let c = 0; c < r; c++) jtj[r * k + c] = jtj[c * k + r]!;
    let improved = false;
    while (lambda < MAX_DAMPING) {
      a.set(jtj);
      for (let r = 0; r < k; r++) a[r * k + r] = jtj[r * k + r]! * (1 + lambda) + lambda * 1e-12;
      for (let r = 0; r < k; r++) delta[r] = -jtr[r]!;
      if (solveSmall(a, delta, k)) {
        for (let r = 0; r < k; r++) trial[r] = p[r]! + delta[r]!;
        const c = sse(f, xs, ys, trial);
        if (c < cost) {
          const gain = (cost - c) / Math.max(cost, 1e-300);
          p = Float64Array.from(trial);
          cost = c;
          lambda = Math.max(lambda / DAMPING_DOWN, 1e-15);
          improved = gain > CONVERGED;
          break;
        }
      }
      lambda *= DAMPING_UP;
    }
    if (!improved) break;
  }
  return { params: p, sse: cost, iterations: it, timedOut };
}
