/**
 * Dense Cholesky factorisation and the triangular solves that go with it, on row-major
 * Float64Array matrices, in place. Enough linear algebra for Gaussian processes (O(n³) factor,
 * O(n²) solves) without a dependency.
 */

/**
 * Factors the symmetric positive-definite n×n matrix `a` (row-major; only the lower triangle is
 * read) into L with A = L Lᵀ, written over the lower triangle; the strict upper triangle is zeroed.
 * Returns false, leaving `a` partly overwritten, when a pivot is not positive (A not positive definite).
 */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      // Row-major rows i and j are contiguous: this inner loop is the hot one.
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s * inv;
    }
    for (let k = j + 1; k < n; k++) a[rj + k] = 0;
  }
  return true;
}

/** Solves L x = b in place (b becomes x), L lower triangular n×n row-major. */
export function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[ri + k]! * b[k]!;
    b[i] = s / l[ri + i]!;
  }
  return b;
}

/** Solves Lᵀ x = b in place (b becomes x), L lower triangular n×n row-major. */
export function solveLowerTransposed(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    const xi = b[i]! / l[i * n + i]!;
    b[i] = xi;
    // Column i of Lᵀ is row i of L: subtract its contribution from every earlier unknown.
    const ri = i * n;
    for (let k = 0; k < i; k++) b[k] = b[k]! - l[ri + k]! * xi;
  }
  return b;
}

/** Solves (L Lᵀ) x = b in place, given the Cholesky factor L. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  return solveLowerTransposed(l, n, solveLower(l, n, b));
}

/** The inverse of A = L Lᵀ as a full symmetric n×n row-major matrix, written into `out`. */
export function choleskyInverse(l: Float64Array, n: number, out: Float64Array = new Float64Array(n * n)): Float64Array {
  // M = L⁻¹ (lower triangular) from L M = I row by row: row i of M is (e_i − Σ_{k<i} L_ik M_k) / L_ii,
  // a sum of whole earlier rows, so every inner loop runs over contiguous memory.
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    m[ri + i] = 1;
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k]!;
      if (lik === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) m[ri + j] = m[ri + j]! - lik * m[rk + j]!;
    }
    const inv = 1 / l[ri + i]!;
    for (let j = 0; j <= i; j++) m[ri + j] = m[ri + j]! * inv;
  }
  // (Mᵀ M)_ij = Σ_{k ≥ max(i,j)} M_ki M_kj: accumulate row by row of M, which is contiguous.
  out.fill(0);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const mki = m[rk + i]!;
      if (mki === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) out[ri + j] = out[ri + j]! + mki * m[rk + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[j * n + i] = out[i * n + j]!;
  return out;
}

/** log det(A) for A = L Lᵀ: twice the sum of the log pivots. */
export function choleskyLogDet(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]!);
  return 2 * s;
}
