import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { cholesky, choleskyInverse, choleskyLogDet, choleskySolve } from './cholesky.js';

/** A random symmetric positive-definite matrix B Bᵀ + n I. */
function spd(n: number, rng: Rng): Float64Array {
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = s;
    }
  return a;
}

describe('cholesky', () => {
  const n = 7;
  const a = spd(n, new Rng(1));

  it('factors A = L Lᵀ with L lower triangular', () => {
    const l = Float64Array.from(a);
    expect(cholesky(l, n)).toBe(true);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j > i) expect(l[i * n + j]).toBe(0);
        let s = 0;
        for (let k = 0; k < n; k++) s += l[i * n + k]! * l[j * n + k]!;
        expect(s).toBeCloseTo(a[i * n + j]!, 10);
      }
  });

  it('solves, inverts and gives the log-determinant', () => {
    const l = Float64Array.from(a);
    cholesky(l, n);
    const b = Float64Array.from({ length: n }, (_, i) => i - 3);
    const x = choleskySolve(l, n, Float64Array.from(b));
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * x[k]!;
      expect(s).toBeCloseTo(b[i]!, 10);
    }
    const inv = choleskyInverse(l, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    // det of a 2×2 [[4, 2], [2, 3]] is 8.
    const m = Float64Array.of(4, 2, 2, 3);
    cholesky(m, 2);
    expect(choleskyLogDet(m, 2)).toBeCloseTo(Math.log(8), 12);
  });

  it('reports a matrix that is not positive definite', () => {
    expect(cholesky(Float64Array.of(1, 2, 2, 1), 2)).toBe(false);
    expect(cholesky(Float64Array.of(1, 1, 1, 1), 2)).toBe(false);
  });
});
