import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { SOBOL_MAX_DIMENSION, SobolSequence } from './sobol.js';

describe('SobolSequence', () => {
  it('reproduces the unscrambled Joe–Kuo sequence (values from SciPy 1.17 qmc.Sobol(scramble=False))', () => {
    const s = new SobolSequence(40, undefined, false);
    expect(Array.from(s.point(0))).toEqual(new Array(40).fill(0));
    expect(Array.from(s.point(5).subarray(0, 8))).toEqual([0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375]);
    expect(Array.from(s.point(63).subarray(30, 40))).toEqual([
      0.015625, 0.921875, 0.828125, 0.515625, 0.953125, 0.953125, 0.859375, 0.203125, 0.921875, 0.171875,
    ]);
  });

  it('puts exactly one of the first 2^m scrambled points in each of the 2^m bins of every coordinate', () => {
    const dim = SOBOL_MAX_DIMENSION;
    const s = new SobolSequence(dim, new Rng(3));
    const m = 6;
    const bins = 1 << m;
    for (let j = 0; j < dim; j++) {
      const hit = new Uint8Array(bins);
      for (let i = 0; i < bins; i++) hit[Math.floor(s.point(i)[j]! * bins)]!++;
      expect(Array.from(hit), `dimension ${j}`).toEqual(new Array(bins).fill(1));
    }
  });

  it('stratifies pairs of coordinates too (a (0,m,2)-net for the first two dimensions)', () => {
    const s = new SobolSequence(2, new Rng(11));
    // 16 points, 4×4 boxes: one point per box.
    const hit = new Uint8Array(16);
    for (let i = 0; i < 16; i++) {
      const p = s.point(i);
      hit[Math.floor(p[0]! * 4) * 4 + Math.floor(p[1]! * 4)]!++;
    }
    expect(Array.from(hit)).toEqual(new Array(16).fill(1));
  });

  it('gives different designs for different seeds and the same for the same seed, in [0, 1)', () => {
    const a = new SobolSequence(5, new Rng(1)).point(3);
    const b = new SobolSequence(5, new Rng(1)).point(3);
    const c = new SobolSequence(5, new Rng(2)).point(3);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const wide = new SobolSequence(SOBOL_MAX_DIMENSION + 10, new Rng(4));
    for (let i = 0; i < 50; i++) for (const v of wide.point(i)) expect(v >= 0 && v < 1).toBe(true);
  });
});
