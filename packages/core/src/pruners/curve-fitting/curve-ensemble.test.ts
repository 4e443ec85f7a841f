import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng.js';
import { predictCurve } from './curve-ensemble.js';
import { levenbergMarquardt, solveSmall } from './levenberg-marquardt.js';

describe('solveSmall', () => {
  it('solves a 3×3 system that needs pivoting', () => {
    const a = Float64Array.of(0, 2, 1, 1, 1, 1, 2, 1, 3);
    const x = Float64Array.of(1, -2, 0.5);
    const b = Float64Array.of(2 * -2 + 0.5, 1 - 2 + 0.5, 2 - 2 + 1.5);
    expect(solveSmall(a, b, 3)).toBe(true);
    for (let i = 0; i < 3; i++) expect(b[i]).toBeCloseTo(x[i]!, 12);
  });
  it('reports a singular system', () => {
    expect(solveSmall(Float64Array.of(1, 2, 2, 4), Float64Array.of(1, 2), 2)).toBe(false);
  });
});

describe('levenbergMarquardt', () => {
  it('recovers the parameters of an exponential decay', () => {
    const xs = Float64Array.from({ length: 30 }, (_, i) => i + 1);
    const ys = xs.map((x) => 2 + 3 * Math.exp(-0.2 * x));
    const r = levenbergMarquardt((x, p) => p[0]! + p[1]! * Math.exp(-p[2]! * x), xs, ys, Float64Array.of(1, 1, 0.05));
    expect(r.params[0]).toBeCloseTo(2, 5);
    expect(r.params[1]).toBeCloseTo(3, 5);
    expect(r.params[2]).toBeCloseTo(0.2, 5);
  });
  it('stops at the deadline and returns its starting point when the time is already up', () => {
    let t = 0;
    const xs = Float64Array.of(1, 2, 3, 4);
    const r = levenbergMarquardt(
      (x, p) => p[0]! * x,
      xs,
      xs.map((x) => 2 * x),
      Float64Array.of(0),
      { deadline: 0, now: () => ++t },
    );
    expect(r.timedOut).toBe(true);
    expect(r.params[0]).toBe(0);
  });
});

describe('predictCurve', () => {
  it('extrapolates a known pow3 curve from its first fifth to within 1 %', () => {
    const f = (x: number) => 0.9 - 0.5 * Math.pow(x, -0.7);
    const ys = Float64Array.from({ length: 20 }, (_, i) => f(i + 1));
    const p = predictCurve(ys, 100)!;
    expect(Math.abs(p.value - f(100)) / f(100)).toBeLessThan(0.01);
    // The last value seen is far from the answer: the forecast did extrapolate.
    expect(f(100) - ys[19]!).toBeGreaterThan(0.02);
  });

  it('extrapolates a noisy pow3 curve to within 3 %', () => {
    const rng = new Rng(3);
    const f = (x: number) => 0.8 - 0.6 * Math.pow(x, -0.5);
    const ys = Float64Array.from({ length: 30 }, (_, i) => f(i + 1) + 0.003 * rng.normal());
    const p = predictCurve(ys, 100)!;
    expect(Math.abs(p.value - f(100)) / f(100)).toBeLessThan(0.03);
  });

  it('forecasts a falling loss curve (the learning-curve benchmark shape)', () => {
    // L(t) = r + b·exp(−t/τ), r = 0.4, b = 2, τ = 20: at step 20 the curve is still 0.74 above its end.
    const f = (t: number) => 0.4 + 2 * Math.exp(-t / 20);
    const ys = Float64Array.from({ length: 20 }, (_, i) => f(i + 1));
    const p = predictCurve(ys, 81)!;
    expect(Math.abs(p.value - f(81))).toBeLessThan(0.05);
  });

  it('gives no forecast from fewer than three points', () => {
    expect(predictCurve(Float64Array.of(1, 2), 10)).toBeUndefined();
  });

  it('returns what it fitted before the deadline', () => {
    let t = 0;
    const ys = Float64Array.from({ length: 10 }, (_, i) => 1 - 1 / (i + 1));
    const p = predictCurve(ys, 50, { deadline: 5, now: () => t++ });
    expect(p === undefined || p.timedOut).toBe(true);
  });
});
