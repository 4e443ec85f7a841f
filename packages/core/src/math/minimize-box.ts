/**
 * Minimisation inside a box with L-BFGS directions and a projected backtracking line search
 * (a light L-BFGS-B: bound-active variables are frozen, the step is projected back into the box).
 * Deterministic: no randomness, the same input gives the same iterates.
 */

/** The objective: writes the gradient into `grad` and returns the value (NaN/Infinity count as failure). */
export type BoxObjective = (x: Float64Array, grad: Float64Array) => number;

/** Settings of {@link minimizeBox}. */
export interface MinimizeBoxOptions {
  /** Most iterations (default 50). */
  maxIterations?: number;
  /** Correction pairs kept (default 8; 5–10 is the usual L-BFGS range). */
  memory?: number;
  /** Stop when one step lowers f by less than this, relative to max(1, |f|) (default 1e-9). */
  fTolerance?: number;
  /** Stop when the projected gradient's largest entry is below this (default 1e-6). */
  gTolerance?: number;
}

/** What {@link minimizeBox} found. */
export interface MinimizeBoxResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
}

/** Armijo's sufficient-decrease constant: the customary 1e-4. */
const ARMIJO = 1e-4;
/** Halvings of the step before the line search gives up: 2^-30 of a step is no progress. */
const MAX_BACKTRACKS = 30;
/** Curvature pairs with sᵀy below this are skipped: they would make the inverse Hessian indefinite. */
const MIN_CURVATURE = 1e-12;

function project(x: Float64Array, lo: Float64Array, hi: Float64Array): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! < lo[i]! ? lo[i]! : x[i]! > hi[i]! ? hi[i]! : x[i]!;
}

/** The correction pairs of L-BFGS, oldest first, at most `capacity` of them. */
interface CurvatureMemory {
  readonly capacity: number;
  readonly s: Float64Array[];
  readonly y: Float64Array[];
  readonly rho: number[];
}

/** The buffers one minimisation reuses at every iteration, so an iteration allocates no arrays but its new pair. */
interface Workspace {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** The search direction. */
  readonly d: Float64Array;
  /** 1 where a variable may move this iteration. */
  readonly free: Uint8Array;
  /** The two-loop recursion's coefficients. */
  readonly alpha: Float64Array;
  evaluations: number;
}

/**
 * Minimises `fn` over lower <= x <= upper from `x0` (projected into the box first).
 * @example
 * const r = minimizeBox((x, g) => { g[0] = 2 * (x[0] - 3); return (x[0] - 3) ** 2; },
 *   Float64Array.of(0), Float64Array.of(-1), Float64Array.of(2)); // r.x[0] === 2
 */
export function minimizeBox(
  fn: BoxObjective,
  x0: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
  options: MinimizeBoxOptions = {},
): MinimizeBoxResult {
  const n = x0.length;
  const maxIterations = options.maxIterations ?? 50;
  const memory = options.memory ?? 8;
  const fTol = options.fTolerance ?? 1e-9;
  const gTol = options.gTolerance ?? 1e-6;

  let x = Float64Array.from(x0);
  project(x, lower, upper);
  let g = new Float64Array(n);
  let f = fn(x, g);
  const work: Workspace = {
    lower,
    upper,
    d: new Float64Array(n),
    free: new Uint8Array(n),
    alpha: new Float64Array(memory),
    evaluations: 1,
  };
  if (!Number.isFinite(f)) return { x, f, iterations: 0, evaluations: work.evaluations };

  const mem: CurvatureMemory = { capacity: memory, s: [], y: [], rho: [] };
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iterations = 0;

  for (; iterations < maxIterations; iterations++) {
    if (markFree(x, g, work) < gTol) break;
    let accepted = false;
    for (let attempt = 0; attempt < 2 && !accepted; attempt++) {
      // A direction that does not descend means the curvature pairs misled it: retry once without them.
      if (attempt === 1) {
        if (mem.s.length === 0) break;
        mem.s.length = 0;
        mem.y.length = 0;
        mem.rho.length = 0;
      }
      const slope = lbfgsDirection(g, mem, work);
      if (!(slope < 0)) continue;
      // Without curvature information the first step is scaled to move about one unit.
      const t = mem.s.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
      const fNew = lineSearch(fn, x, g, f, t, xNew, gNew, work);
      if (Number.isNaN(fNew)) continue;
      remember(mem, x, xNew, g, gNew);
      const fOld = f;
      [x, xNew] = [xNew, x];
      [g, gNew] = [gNew, g];
      f = fNew;
      accepted = true;
      if (fOld - f < fTol * Math.max(1, Math.abs(f))) return { x, f, iterations: iterations + 1, evaluations: work.evaluations };
    }
    if (!accepted) break;
  }
  return { x, f, iterations, evaluations: work.evaluations };
}

/**
 * Marks the variables that may move: one on a bound whose gradient pushes it outward stays put this
 * iteration. Returns the largest entry of the projected gradient.
 */
function markFree(x: Float64Array, g: Float64Array, work: Workspace): number {
  const { lower, upper, free } = work;
  let pgMax = 0;
  for (let i = 0; i < x.length; i++) {
    const atLo = x[i]! <= lower[i]! && g[i]! > 0;
    const atHi = x[i]! >= upper[i]! && g[i]! < 0;
    free[i] = atLo || atHi ? 0 : 1;
    if (free[i] === 1) pgMax = Math.max(pgMax, Math.abs(g[i]!));
  }
  return pgMax;
}

/** The two-loop recursion on the free variables: writes the direction into `work.d` and returns its slope dᵀg. */
function lbfgsDirection(g: Float64Array, mem: CurvatureMemory, work: Workspace): number {
  const { d, free, alpha } = work;
  const n = g.length;
  for (let i = 0; i < n; i++) d[i] = free[i] === 1 ? -g[i]! : 0;
  const m = mem.s.length;
  for (let j = m - 1; j >= 0; j--) {
    const s = mem.s[j]!;
    let a = 0;
    for (let i = 0; i < n; i++) a += s[i]! * d[i]!;
    a *= mem.rho[j]!;
    alpha[j] = a;
    const y = mem.y[j]!;
    for (let i = 0; i < n; i++) d[i] = d[i]! - a * y[i]!;
  }
  if (m > 0) {
    const s = mem.s[m - 1]!;
    const y = mem.y[m - 1]!;
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      sy += s[i]! * y[i]!;
      yy += y[i]! * y[i]!;
    }
    const gamma = sy / yy;
    for (let i = 0; i < n; i++) d[i] = d[i]! * gamma;
  }
  for (let j = 0; j < m; j++) {
    const y = mem.y[j]!;
    let b = 0;
    for (let i = 0; i < n; i++) b += y[i]! * d[i]!;
    b *= mem.rho[j]!;
    const s = mem.s[j]!;
    for (let i = 0; i < n; i++) d[i] = d[i]! + (alpha[j]! - b) * s[i]!;
  }
  let slope = 0;
  for (let i = 0; i < n; i++) {
    if (free[i] === 0) d[i] = 0;
    slope += d[i]! * g[i]!;
  }
  return slope;
}

/**
 * Projected backtracking from step `t` along `work.d`: the first point that decreases f enough
 * (Armijo) goes into `xNew`, its gradient into `gNew`, and its value is returned; NaN when the
 * step shrinks to nothing first.
 */
function lineSearch(
  fn: BoxObjective,
  x: Float64Array,
  g: Float64Array,
  f: number,
  t: number,
  xNew: Float64Array,
  gNew: Float64Array,
  work: Workspace,
): number {
  const { d, lower, upper } = work;
  const n = x.length;
  for (let k = 0; k < MAX_BACKTRACKS; k++, t *= 0.5) {
    for (let i = 0; i < n; i++) xNew[i] = x[i]! + t * d[i]!;
    project(xNew, lower, upper);
    let decrease = 0;
    let moved = false;
    for (let i = 0; i < n; i++) {
      const step = xNew[i]! - x[i]!;
      if (step !== 0) moved = true;
      decrease += g[i]! * step;
    }
    if (!moved) break;
    const fNew = fn(xNew, gNew);
    work.evaluations++;
    if (Number.isFinite(fNew) && fNew <= f + ARMIJO * decrease) return fNew;
  }
  return Number.NaN;
}

/** Keeps the step's correction pair (s, y) when its curvature is positive, dropping the oldest beyond the capacity. */
function remember(mem: CurvatureMemory, x: Float64Array, xNew: Float64Array, g: Float64Array, gNew: Float64Array): void {
  const n = x.length;
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  let sy = 0;
  for (let i = 0; i < n; i++) {
    s[i] = xNew[i]! - x[i]!;
    y[i] = gNew[i]! - g[i]!;
    sy += s[i]! * y[i]!;
  }
  if (!(sy > MIN_CURVATURE)) return;
  if (mem.s.length === mem.capacity) {
    mem.s.shift();
    mem.y.shift();
    mem.rho.shift();
  }
  mem.s.push(s);
  mem.y.push(y);
  mem.rho.push(1 / sy);
}
