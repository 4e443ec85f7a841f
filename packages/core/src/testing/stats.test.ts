import { describe, expect, it } from 'vitest';
import { mannWhitneyU, median, normalSf, quantile, summarize } from './stats.js';

describe('quantile and summarize', () => {
  it('interpolates linearly between order statistics, as numpy does', () => {
    // numpy.quantile([3,1,4,1,5,9,2,6], [0.25, 0.5, 0.75]) = [1.75, 3.5, 5.25]
    const xs = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(quantile(xs, 0.25)).toBeCloseTo(1.75, 12);
    expect(median(xs)).toBeCloseTo(3.5, 12);
    expect(summarize(xs)).toEqual({ median: 3.5, q25: 1.75, q75: 5.25, n: 8 });
  });

  it('handles empty input and infinite values', () => {
    expect(median([])).toBeNaN();
    expect(median([1, Infinity, Infinity])).toBe(Infinity);
    expect(quantile([1, 2, Infinity, Infinity], 0.75)).toBe(Infinity);
  });
});

describe('mannWhitneyU', () => {
  it('matches scipy.stats.mannwhitneyu(method="asymptotic") without ties', () => {
    // scipy 1.10.1: statistic=8.0, pvalue=0.07414553111140683
    const r = mannWhitneyU([1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7], [3, 5, 8, 9, 10, 11]);
    expect(r.u).toBe(8);
    expect(r.p).toBeCloseTo(0.07414553111140683, 6);
    expect(r.z).toBeLessThan(0);
  });

  it('matches scipy with ties (tie-corrected variance)', () => {
    // scipy 1.10.1: statistic=17.5, pvalue=0.07967503158948248
    const r = mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 9], [2, 3, 4, 4, 5, 5, 6, 7, 8]);
    expect(r.u).toBe(17.5);
    expect(r.p).toBeCloseTo(0.07967503158948248, 6);
  });

  it('is symmetric in its samples and gives p = 1 when everything ties', () => {
    const a = [0.3, 0.1, 0.7, 0.2];
    const b = [0.9, 0.8, 0.5];
    expect(mannWhitneyU(a, b).p).toBeCloseTo(mannWhitneyU(b, a).p, 12);
    expect(mannWhitneyU([1, 1, 1], [1, 1]).p).toBe(1);
    expect(mannWhitneyU([], [1]).p).toBeNaN();
  });

  it('finds a clear shift significant', () => {
    const a = Array.from({ length: 20 }, (_, i) => i);
    const b = Array.from({ length: 20 }, (_, i) => i + 30);
    expect(mannWhitneyU(a, b).p).toBeLessThan(1e-6);
  });
});

describe('normalSf', () => {
  it('gives the standard normal upper tail', () => {
    expect(normalSf(0)).toBeCloseTo(0.5, 7);
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 7);
    expect(normalSf(-1)).toBeCloseTo(0.8413447460685429, 7);
  });
});
