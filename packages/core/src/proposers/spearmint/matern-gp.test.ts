import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng.js';
import { logExpectedImprovement } from './expected-improvement.js';
import { MaternGp, negLogPosterior, type GpData, type ThetaPrior } from './matern-gp.js';

function randomData(n: number, dim: number, rng: Rng): GpData {
  const x = Float64Array.from({ length: n * dim }, () => rng.next());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(6 * x[i * dim]!) + (dim > 1 ? x[i * dim + 1]! ** 2 : 0);
  return { x, y, n, dim };
}

const theta = Float64Array.of(Math.log(0.3), Math.log(0.7), Math.log(0.2), Math.log(1.3), Math.log(1e-3));
const prior: ThetaPrior = { mean: new Float64Array(5).fill(-0.5), sd: new Float64Array(5).fill(2) };

describe('negLogPosterior', () => {
  it('has the gradient its finite differences say', () => {
    const data = randomData(15, 3, new Rng(2));
    const g = new Float64Array(5);
    negLogPosterior(data, theta, prior, g);
    const h = 1e-6;
    for (let k = 0; k < 5; k++) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[k] = up[k]! + h;
      down[k] = down[k]! - h;
      const fd =
        (negLogPosterior(data, up, prior, new Float64Array(5)) - negLogPosterior(data, down, prior, new Float64Array(5))) / (2 * h);
      expect(g[k], `θ[${k}]`).toBeCloseTo(fd, 4);
    }
  });
});

describe('MaternGp', () => {
  const data = randomData(12, 3, new Rng(5));
  const gp = new MaternGp(data, theta);

  it('interpolates its data when the noise is small', () => {
    for (let i = 0; i < data.n; i++) {
      const p = gp.predict(data.x.subarray(i * 3, i * 3 + 3));
      expect(p.mean).toBeCloseTo(data.y[i]!, 2);
      expect(p.variance).toBeLessThan(1e-2);
    }
    // Far from the data the prior variance s² returns.
    expect(gp.predict(Float64Array.of(5, 5, 5)).variance).toBeCloseTo(1.3, 6);
  });

  it('has the mean and variance gradients its finite differences say', () => {
    const p = Float64Array.of(0.31, 0.47, 0.62);
    const dm = new Float64Array(3);
    const dv = new Float64Array(3);
    gp.predictWithGradient(p, dm, dv);
    const h = 1e-6;
    for (let j = 0; j < 3; j++) {
      const up = Float64Array.from(p);
      const down = Float64Array.from(p);
      up[j] = up[j]! + h;
      down[j] = down[j]! - h;
      const a = gp.predict(up);
      const b = gp.predict(down);
      expect(dm[j]).toBeCloseTo((a.mean - b.mean) / (2 * h), 5);
      expect(dv[j]).toBeCloseTo((a.variance - b.variance) / (2 * h), 5);
    }
  });
});

describe('logExpectedImprovement', () => {
  const direct = (mean: number, sd: number, best: number) => {
    // EI by numerical integration of (best − f) φ over f < best.
    let s = 0;
    const steps = 200_000;
    const lo = mean - 12 * sd;
    const dx = (best - lo) / steps;
    for (let i = 0; i < steps; i++) {
      const f = lo + (i + 0.5) * dx;
      s += (best - f) * Math.exp(-0.5 * ((f - mean) / sd) ** 2) * dx;
    }
    return s / (sd * Math.sqrt(2 * Math.PI));
  };

  it('matches the integral of the improvement, near and far from the best', () => {
    for (const [mean, sd, best] of [
      [0, 1, 0],
      [0.5, 0.3, 0],
      [-1, 0.5, 0],
      [2, 0.4, 0],
    ] as const) {
      const v = logExpectedImprovement(mean, sd, best).value;
      expect(Math.exp(v) / direct(mean, sd, best), `mean ${mean}, sd ${sd}`).toBeCloseTo(1, 5);
    }
  });

  it('stays finite and continuous where EI underflows, with consistent derivatives', () => {
    const a = logExpectedImprovement(4.999999, 1, 0).value;
    const b = logExpectedImprovement(5.000001, 1, 0).value;
    expect(Math.abs(a - b)).toBeLessThan(1e-4);
    const far = logExpectedImprovement(60, 1, 0);
    expect(Number.isFinite(far.value)).toBe(true);
    expect(far.value).toBeLessThan(-1700);
    for (const [mean, sd] of [
      [0.3, 0.7],
      [9, 1],
    ] as const) {
      const e = logExpectedImprovement(mean, sd, 0);
      const h = 1e-6;
      expect(e.dMean).toBeCloseTo(
        (logExpectedImprovement(mean + h, sd, 0).value - logExpectedImprovement(mean - h, sd, 0).value) / (2 * h),
        3,
      );
      expect(e.dSd).toBeCloseTo(
        (logExpectedImprovement(mean, sd + h, 0).value - logExpectedImprovement(mean, sd - h, 0).value) / (2 * h),
        3,
      );
    }
  });
});
