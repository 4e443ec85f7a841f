import { describe, expect, it } from 'vitest';

import { bestSoFar, isBetter } from './best-so-far.js';
import { emaSmooth } from './ema.js';

describe('bestSoFar', () => {
  it('keeps the running minimum for target min, skipping missing scores', () => {
    expect(bestSoFar([null, 5, 7, null, 3, 4, 1], 'min')).toEqual([null, 5, 5, 5, 3, 3, 1]);
  });
  it('keeps the running maximum for target max and ignores NaN', () => {
    expect(bestSoFar([2, Number.NaN, 1, 9, 8], 'max')).toEqual([2, 2, 2, 9, 9]);
  });
  it('isBetter: anything beats nothing; ties do not improve', () => {
    expect(isBetter(1, null, 'max')).toBe(true);
    expect(isBetter(1, 1, 'min')).toBe(false);
    expect(isBetter(0.5, 1, 'min')).toBe(true);
  });
});

describe('emaSmooth', () => {
  it('returns the values unchanged at weight 0', () => {
    expect(emaSmooth([1, 5, 2], 0)).toEqual([1, 5, 2]);
  });
  it('starts at the first value (debiased) and follows a step slowly', () => {
    const out = emaSmooth([10, 10, 0, 0], 0.5);
    expect(out[0]).toBeCloseTo(10);
    expect(out[1]).toBeCloseTo(10);
    // By hand: the raw average runs 5, 7.5, 3.75, 1.875; debiasing divides by 1 - 0.5^n.
    expect(out[2]).toBeCloseTo(3.75 / 0.875, 9);
    expect(out[3]).toBeCloseTo(1.875 / 0.9375, 9);
  });
  it('passes non-finite values through without breaking the average', () => {
    const out = emaSmooth([1, Number.NaN, 1], 0.9);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(1);
  });
});
