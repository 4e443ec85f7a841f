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
  let evaluations = 1;
  if (!Number.isFinite(f)) return { x, f, iterations: 0, evaluations };

  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const free = new Uint8Array(n);
  const alpha = new Float64Array(memory);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iterations = 0;

  for (; iterations < maxIterations; iterations++) {
    // A variable on a bound whose gradient pushes it outward stays put this iteration.
    let pgMax = 0;
    for (let i = 0; i < n; i++) {
      const atLo = x[i]! <= lower[i]! && g[i]! > 0;
      const atHi = x[i]! >= upper[i]! && g[i]! < 0;
      free[i] = atLo || atHi ? 0 : 1;
      if (free[i] === 1) pgMax = Math.max(pgMax, Math.abs(g[i]!));
    }
    if (pgMax < gTol) break;

    let accepted = false;
    for (let attempt = 0; attempt < 2 && !accepted; attempt++) {
      if (attempt === 1) {
        if (sList.length === 0) break;
        sList.length = 0;
        yList.length = 0;
        rho.length = 0;
      }
      // Two-loop recursion on the free variables.
      for (let i = 0; i < n; i++) d[i] = free[i] === 1 ? -g[i]! : 0;
      const m = sList.length;
      for (let j = m - 1; j >= 0; j--) {
        const s = sList[j]!;
        let a = 0;
        for (let i = 0; i < n; i++) a += s[i]! * d[i]!;
        a *= rho[j]!;
        alpha[j] = a;
        const y = yList[j]!;
        for (let i = 0; i < n; i++) d[i] = d[i]! - a * y[i]!;
      }
      if (m > 0) {
        const s = sList[m - 1]!;
        const y = yList[m - 1]!;
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
        const y = yList[j]!;
        let b = 0;
        for (let i = 0; i < n; i++) b += y[i]! * d[i]!;
        b *= rho[j]!;
        const s = sList[j]!;
        for (let i = 0; i < n; i++) d[i] = d[i]! + (alpha[j]! - b) * s[i]!;
      }
      let slope = 0;
      for (let i = 0; i < n; i++) {
        if (free[i] === 0) d[i] = 0;
        slope += d[i]! * g[i]!;
      }
      if (!(slope < 0)) continue;

      // Without curvature information the first step is scaled to move about one unit.
      let t = m === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
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
        evaluations++;
        if (Number.isFinite(fNew) && fNew <= f + ARMIJO * decrease) {
          const s = new Float64Array(n);
          const y = new Float64Array(n);
          let sy = 0;
          for (let i = 0; i < n; i++) {
            s[i] = xNew[i]! - x[i]!;
            y[i] = gNew[i]! - g[i]!;
            sy += s[i]! * y[i]!;
          }
          if (sy > MIN_CURVATURE) {
            if (sList.length === memory) {
              sList.shift();
              yList.shift();
              rho.shift();
            }
            sList.push(s);
            yList.push(y);
            rho.push(1 / sy);
          }
          const fOld = f;
          [x, xNew] = [xNew, x];
          [g, gNew] = [gNew, g];
          f = fNew;
          accepted = true;
          if (fOld - f < fTol * Math.max(1, Math.abs(f))) return { x, f, iterations: iterations + 1, evaluations };
          break;
        }
      }
    }
    if (!accepted) break;
  }
  return { x, f, iterations, evaluations };
}
