import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng.js';
import { ProductKde } from './product-kde.js';

const rows = (xs: number[][]) => xs.map((x) => Float64Array.from(x));

describe('ProductKde', () => {
  it("uses statsmodels' normal-reference bandwidth 1.06·σ·n^(−1/(4+d)), at least min_bandwidth", () => {
    const data = [0.1, 0.2, 0.4, 0.7];
    const kde = new ProductKde(rows(data.map((x) => [x, 0.5])), [0, 0], 1e-3);
    const mean = 0.35;
    const sd = Math.sqrt(data.reduce((s, x) => s + (x - mean) ** 2, 0) / 4);
    expect(kde.bandwidths[0]).toBeCloseTo(1.06 * sd * 4 ** (-1 / 6), 12);
    // A constant column gets the minimum instead of zero.
    expect(kde.bandwidths[1]).toBe(1e-3);
  });

  it('is a density: integrates to one over a continuous dimension, sums to one over categories', () => {
    const kde = new ProductKde(rows([[0.2, 0], [0.25, 1], [0.9, 1], [0.5, 2]]), [0, 3], 1e-3);
    let total = 0;
    const h = 1e-3;
    for (let x = -3; x <= 4; x += h) for (let c = 0; c < 3; c++) total += Math.exp(kde.logPdf(Float64Array.from([x, c]))) * h;
    expect(total).toBeCloseTo(1, 3);
  });

  it('is higher near the data than far from it', () => {
    const kde = new ProductKde(rows([[0.2], [0.22], [0.25]]), [0], 1e-3);
    expect(kde.logPdf(Float64Array.from([0.22]))).toBeGreaterThan(kde.logPdf(Float64Array.from([0.8])));
  });

  it('samples inside [0, 1] and valid categories, near the data', () => {
    const kde = new ProductKde(rows([[0.02, 1], [0.05, 1], [0.03, 1], [0.04, 0]]), [0, 2], 1e-3);
    const rng = new Rng(3);
    let near = 0;
    for (let i = 0; i < 500; i++) {
      const x = kde.sample(rng, 3);
      expect(x[0]).toBeGreaterThanOrEqual(0);
      expect(x[0]).toBeLessThanOrEqual(1);
      expect([0, 1]).toContain(x[1]);
      if (x[0]! < 0.2) near++;
    }
    expect(near).toBeGreaterThan(400);
  });
});
