import { describe, expect, it } from 'vitest';
import { minimizeBox } from './minimize-box.js';

describe('minimizeBox', () => {
  it('finds the minimum of the Rosenbrock valley inside a loose box', () => {
    const r = minimizeBox(
      (x, g) => {
        const [a, b] = [x[0]!, x[1]!];
        g[0] = -400 * a * (b - a * a) - 2 * (1 - a);
        g[1] = 200 * (b - a * a);
        return 100 * (b - a * a) ** 2 + (1 - a) ** 2;
      },
      Float64Array.of(-1.2, 1),
      Float64Array.of(-5, -5),
      Float64Array.of(5, 5),
      { maxIterations: 200, fTolerance: 0, gTolerance: 1e-8 },
    );
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
  });

  it('stops on the bound when the unconstrained minimum lies outside, and keeps fixed coordinates', () => {
    const r = minimizeBox(
      (x, g) => {
        g[0] = 2 * (x[0]! - 3);
        g[1] = 2 * (x[1]! + 1);
        g[2] = 2 * x[2]!;
        return (x[0]! - 3) ** 2 + (x[1]! + 1) ** 2 + x[2]! ** 2;
      },
      Float64Array.of(0, 0, 0.5),
      Float64Array.of(0, -2, 0.5),
      Float64Array.of(1, 2, 0.5),
    );
    expect(r.x[0]).toBe(1);
    expect(r.x[1]).toBeCloseTo(-1, 6);
    expect(r.x[2]).toBe(0.5);
  });
});
