/**
 * Eigendecomposition of a small dense symmetric matrix by the cyclic Jacobi method, on row-major
 * Float64Array matrices. CMA-ES needs C = B diag(λ) Bᵀ once per generation to sample from N(m, σ²C)
 * and to whiten steps (C^(-1/2)); for the d ≤ ~50 dimensions of a hyperparameter space Jacobi is
 * accurate to the last bits (it works on the matrix itself, with no tridiagonal reduction), simple
 * and deterministic, so the same C always gives the same B and λ: a restored proposer recomputes
 * them from the stored C and samples exactly what an uninterrupted one would.
 */

/** The result of {@link symmetricEigen}: A = B diag(values) Bᵀ, the columns of B orthonormal. */
export interface SymmetricEigen {
  /** Eigenvalues, in ascending order. */
  values: Float64Array;
  /** Eigenvectors as the columns of an n×n row-major matrix: column j (B[i·n + j] for i = 0..n−1) goes with values[j]. */
  vectors: Float64Array;
}

/** Sweeps after which Jacobi stops even if an off-diagonal entry is still above rounding (it converges quadratically in ~6–10). */
const MAX_SWEEPS = 60;

/**
 * Eigenvalues and eigenvectors of the symmetric n×n matrix `a` (row-major; only the upper triangle
 * is read; `a` is left unchanged). Cyclic Jacobi rotations (Rutishauser's formulation, as in
 * Numerical Recipes' `jacobi`) until every off-diagonal entry is negligible next to its diagonal
 * entries, then sorted by eigenvalue.
 * @example symmetricEigen(Float64Array.of(2, 1, 1, 2), 2).values // [1, 3]
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      m[i * n + j] = a[i * n + j]!;
      m[j * n + i] = a[i * n + j]!;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += Math.abs(m[p * n + q]!);
    if (off === 0) break;
    // The first sweeps skip rotations of small entries (Numerical Recipes' threshold), which saves work.
    const threshold = sweep < 3 ? (0.2 * off) / (n * n) : 0;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) rotate(m, v, n, p, q, sweep, threshold);
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[x * n + x]! - m[y * n + y]! || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src]!;
    for (let i = 0; i < n; i++) vectors[i * n + dst] = v[i * n + src]!;
  });
  return { values, vectors };
}

/** One Jacobi rotation zeroing m[p][q], applied to m (both triangles) and accumulated into v's columns p and q. */
function rotate(m: Float64Array, v: Float64Array, n: number, p: number, q: number, sweep: number, threshold: number): void {
  const apq = m[p * n + q]!;
  const app = m[p * n + p]!;
  const aqq = m[q * n + q]!;
  const g = 100 * Math.abs(apq);
  // After a few sweeps an entry too small to change either diagonal entry is set to zero outright.
  if (sweep > 3 && Math.abs(app) + g === Math.abs(app) && Math.abs(aqq) + g === Math.abs(aqq)) {
    m[p * n + q] = 0;
    m[q * n + p] = 0;
    return;
  }
  if (Math.abs(apq) <= threshold || apq === 0) return;
  const h = aqq - app;
  let t: number;
  if (Math.abs(h) + g === Math.abs(h)) {
    t = apq / h;
  } else {
    const theta = (0.5 * h) / apq;
    t = 1 / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
    if (theta < 0) t = -t;
  }
  const c = 1 / Math.sqrt(1 + t * t);
  const s = t * c;
  const tau = s / (1 + c);
  m[p * n + p] = app - t * apq;
  m[q * n + q] = aqq + t * apq;
  m[p * n + q] = 0;
  m[q * n + p] = 0;
  for (let r = 0; r < n; r++) {
    if (r !== p && r !== q) {
      const mrp = m[r * n + p]!;
      const mrq = m[r * n + q]!;
      const nrp = mrp - s * (mrq + tau * mrp);
      const nrq = mrq + s * (mrp - tau * mrq);
      m[r * n + p] = nrp;
      m[p * n + r] = nrp;
      m[r * n + q] = nrq;
      m[q * n + r] = nrq;
    }
    const vrp = v[r * n + p]!;
    const vrq = v[r * n + q]!;
    v[r * n + p] = vrp - s * (vrq + tau * vrp);
    v[r * n + q] = vrq + s * (vrp - tau * vrq);
  }
}
