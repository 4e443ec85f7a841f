import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import {
  branin,
  countingOnes,
  countingOnesRegret,
  hartmann6,
  HARTMANN6_OPTIMUM,
  learningCurveRegret,
  rosenbrock4,
} from './benchmark-functions.js';

describe('benchmark functions', () => {
  it('reach their known optima at the known minimisers', () => {
    for (const [x1, x2] of [
      [-Math.PI, 12.275],
      [Math.PI, 2.275],
      [9.42478, 2.475],
    ] as const) {
      expect(branin.evaluate({ x1, x2 })).toBeCloseTo(branin.optimum, 5);
    }
    const h6star = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];
    expect(hartmann6(h6star)).toBeCloseTo(HARTMANN6_OPTIMUM, 4);
    expect(rosenbrock4.evaluate({ x0: 1, x1: 1, x2: 1, x3: 1 })).toBe(0);
    expect(rosenbrock4.evaluate({ x0: 0, x1: 0, x2: 0, x3: 0 })).toBe(3);
  });

  it('Counting Ones is −16 at all ones and its regret is 0 there', () => {
    const p: Record<string, number> = {};
    for (let i = 0; i < 8; i++) {
      p[`c${i}`] = 1;
      p[`x${i}`] = 1;
    }
    expect(countingOnes(p, 9, new Rng(1))).toBe(-16);
    expect(countingOnesRegret(p)).toBe(0);
  });

  it('learning-curve regret is 0 at the Hartmann-6 optimum', () => {
    const h6star = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];
    const p = Object.fromEntries(h6star.map((v, i) => [`x${i}`, v]));
    expect(learningCurveRegret(p)).toBeCloseTo(0, 4);
  });
});
