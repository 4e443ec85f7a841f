import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** A random symmetric n×n matrix (entries N(0, 1)). */
function symmetric(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const x = rng.normal();
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  return a;
}

/** B diag(λ) Bᵀ − A, largest absolute entry; and BᵀB − I, largest absolute entry. */
function residuals(a: Float64Array, n: number, values: Float64Array, b: Float64Array): { rebuild: number; orthogonal: number } {
  let rebuild = 0;
  let orthogonal = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      let o = 0;
      for (let k = 0; k < n; k++) {
        s += b[i * n + k]! * values[k]! * b[j * n + k]!;
        o += b[k * n + i]! * b[k * n + j]!;
      }
      rebuild = Math.max(rebuild, Math.abs(s - a[i * n + j]!));
      orthogonal = Math.max(orthogonal, Math.abs(o - (i === j ? 1 : 0)));
    }
  return { rebuild, orthogonal };
}

describe('symmetricEigen', () => {
  it('diagonalises a 2×2 matrix exactly enough: [[2, 1], [1, 2]] has eigenvalues 1 and 3', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    // The eigenvector of 3 is (1, 1)/√2 up to sign.
    expect(Math.abs(vectors[1]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(Math.abs(vectors[3]!)).toBeCloseTo(Math.SQRT1_2, 14);
  });

  for (const n of [1, 3, 8, 30]) {
    it(`rebuilds A = B diag(λ) Bᵀ with orthonormal B, eigenvalues ascending (n = ${n})`, () => {
      const a = symmetric(n, new Rng(n));
      const copy = Float64Array.from(a);
      const { values, vectors } = symmetricEigen(a, n);
      expect(a).toEqual(copy);
      for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
      const r = residuals(a, n, values, vectors);
      expect(r.rebuild).toBeLessThan(1e-12 * n);
      expect(r.orthogonal).toBeLessThan(1e-13 * n);
    });
  }

  it('resolves an ill-conditioned covariance (eigenvalues 1e-10 to 1e4) to relative accuracy', () => {
    const n = 5;
    const rng = new Rng(3);
    // Q diag(d) Qᵀ with Q from the eigenvectors of a random symmetric matrix.
    const q = symmetricEigen(symmetric(n, rng), n).vectors;
    const d = [1e-10, 1e-6, 1e-2, 1, 1e4];
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[i * n + k]! * d[k]! * q[j * n + k]!;
        a[i * n + j] = s;
      }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i]!;
    const { values } = symmetricEigen(a, n);
    // Jacobi's absolute error is about ε·‖A‖ (1e4 · 2e-16); the large ones are relative.
    for (let k = 2; k < n; k++) expect(Math.abs(values[k]! - d[k]!) / d[k]!).toBeLessThan(1e-9);
    for (let k = 0; k < 2; k++) expect(Math.abs(values[k]! - d[k]!)).toBeLessThan(1e-11);
  });

  it('is deterministic: the same matrix gives bit-identical results', () => {
    const a = symmetric(12, new Rng(9));
    expect(symmetricEigen(a, 12)).toEqual(symmetricEigen(Float64Array.from(a), 12));
  });

  it('handles a diagonal and a zero matrix without rotating', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(3, 0, 0, 0, 1, 0, 0, 0, 2), 3);
    expect([...values]).toEqual([1, 2, 3]);
    expect([...vectors]).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect([...symmetricEigen(new Float64Array(4), 2).values]).toEqual([0, 0]);
  });
});
