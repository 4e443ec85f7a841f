import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng.js';
import type { ParamSpec } from '../../types.js';
import { forgettingWeights } from '../hyperopt/tpe-sampler.js';
import { KernelSpace } from './kernel-space.js';
import { erfc, normalCdf, normalMass } from './normal-cdf.js';
import { ParzenMixture, truncatedNormal, type KernelDim } from './parzen-mixture.js';

const f64 = (xs: number[]) => Float64Array.from(xs);

describe('normal distribution function', () => {
  it('matches tabulated values of Φ', () => {
    // Reference values from CPython's math.erfc (correctly rounded to ~1 ulp).
    for (const [z, p] of [
      [0, 0.5],
      [1, 0.8413447460685429],
      [1.96, 0.9750021048517795],
      [-2.5, 0.006209665325776139],
      [4, 0.9999683287581669],
    ] as const) {
      expect(Math.abs(normalCdf(z) - p) / Math.min(p, 1 - p)).toBeLessThan(2e-6);
    }
    expect(erfc(0)).toBeCloseTo(1, 7);
  });

  it('gives far-tail bin masses that are positive and right to 1e-6 relative, where 1 − Φ would cancel to 0', () => {
    // Q(8) − Q(9), from CPython's math.erfc.
    const m = normalMass(8, 9);
    expect(m).toBeGreaterThan(0);
    expect(Math.abs(m - 6.219831985865866e-16) / m).toBeLessThan(1e-6);
    expect(normalMass(-9, -8)).toBeCloseTo(m, 25);
    expect(normalMass(-1, 1)).toBeCloseTo(0.682689492, 7);
  });
});

describe('ParzenMixture', () => {
  const cont: KernelDim = { kind: 'continuous' };
  const mixture2d = new ParzenMixture({
    dims: [cont, cont],
    centres: f64([0.1, 0.9, 0.5, 0.5, 0.97, 0.02]),
    scales: f64([0.05, 0.2, 1, 1, 0.1, 0.3]),
    weights: f64([1, 1, 2]),
  });

  it('is a density on the unit square: it integrates to 1, kernels near an edge included', () => {
    const n = 300;
    const pts = new Float64Array(n * n * 2);
    let i = 0;
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        pts[i++] = (a + 0.5) / n;
        pts[i++] = (b + 0.5) / n;
      }
    const lp = mixture2d.logPdf(pts, n * n);
    let s = 0;
    for (const v of lp) s += Math.exp(v);
    expect(s / (n * n)).toBeCloseTo(1, 3);
  });

  it('samples inside [0, 1] with the mean its density has', () => {
    const rng = new Rng(11);
    const m = 50_000;
    const x = mixture2d.sample(rng, m);
    let mean0 = 0;
    let mean1 = 0;
    for (let p = 0; p < m; p++) {
      expect(x[2 * p]! >= 0 && x[2 * p]! <= 1 && x[2 * p + 1]! >= 0 && x[2 * p + 1]! <= 1).toBe(true);
      mean0 += x[2 * p]!;
      mean1 += x[2 * p + 1]!;
    }
    const n = 300;
    const pts = new Float64Array(n * n * 2);
    let i = 0;
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        pts[i++] = (a + 0.5) / n;
        pts[i++] = (b + 0.5) / n;
      }
    const lp = mixture2d.logPdf(pts, n * n);
    let e0 = 0;
    let e1 = 0;
    for (let k = 0; k < n * n; k++) {
      e0 += Math.exp(lp[k]!) * pts[2 * k]!;
      e1 += Math.exp(lp[k]!) * pts[2 * k + 1]!;
    }
    expect(mean0 / m).toBeCloseTo(e0 / (n * n), 2);
    expect(mean1 / m).toBeCloseTo(e1 / (n * n), 2);
  });

  it('gives discrete and categorical coordinates probabilities that sum to 1 over every bin and choice', () => {
    const dims: KernelDim[] = [
      { kind: 'discrete', bins: 4 },
      { kind: 'categorical', choices: 3 },
    ];
    const m = new ParzenMixture({
      dims,
      centres: f64([0.125, 2, 0.875, 0, 0.5, 0]),
      scales: f64([0.01, 0.8, 0.3, 0.5, 1, 1 / 3]),
      weights: f64([3, 1, 1]),
    });
    const pts: number[] = [];
    for (let b = 0; b < 4; b++) for (let c = 0; c < 3; c++) pts.push((b + 0.5) / 4, c);
    const lp = m.logPdf(f64(pts), 12);
    expect(lp.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 7);
    // The narrow kernel on bin 0 / choice 2 (weight 3/5, own-choice probability 0.8) dominates that cell.
    expect(Math.exp(lp[2]!)).toBeGreaterThan(0.45);
    const samples = m.sample(new Rng(4), 2000);
    for (let p = 0; p < 2000; p++) {
      expect([0.125, 0.375, 0.625, 0.875]).toContain(samples[2 * p]);
      expect([0, 1, 2]).toContain(samples[2 * p + 1]);
    }
  });

  it('truncatedNormal stays in [0, 1] for a kernel on the boundary', () => {
    const rng = new Rng(1);
    let below = 0;
    for (let i = 0; i < 1000; i++) {
      const x = truncatedNormal(rng, 1, 0.3);
      expect(x >= 0 && x <= 1).toBe(true);
      if (x < 0.7) below++;
    }
    // P(x < 0.7 | x <= 1) for N(1, 0.3²) is 0.1587/0.5 = 0.317.
    expect(below / 1000).toBeGreaterThan(0.27);
    expect(below / 1000).toBeLessThan(0.37);
  });
});

describe('forgettingWeights', () => {
  it('is flat up to the window and then ramps from 1/n for the oldest, as numpy.linspace(1/n, 1, n − 25)', () => {
    expect(Array.from(forgettingWeights(3, 25))).toEqual([1, 1, 1]);
    const w = forgettingWeights(30, 25);
    expect(w[0]).toBeCloseTo(1 / 30, 15);
    expect(w[4]).toBe(1);
    expect(w[2]).toBeCloseTo(1 / 30 + (1 - 1 / 30) / 2, 15);
    expect(Array.from(w.subarray(5))).toEqual(new Array(25).fill(1));
  });
});

describe('KernelSpace', () => {
  const space: ParamSpec[] = [
    { name: 'lr', type: 'float', range: [1e-4, 1], log: true },
    { name: 'k', type: 'int', range: [2, 5] },
    { name: 'units', type: 'int', range: [16, 512], log: true },
    { name: 'act', type: 'choice', range: ['relu', 'tanh', false] },
  ];
  const ks = new KernelSpace(space);

  it('models linear ints as equal bins, log ints as continuous, choices as categorical', () => {
    expect(ks.dims).toEqual([
      { kind: 'continuous' },
      { kind: 'discrete', bins: 4 },
      { kind: 'continuous' },
      { kind: 'categorical', choices: 3 },
    ]);
  });

  it('decodes what it encodes, and snaps int coordinates to bin centres', () => {
    const params = { lr: 0.01, k: 5, units: 64, act: false };
    const back = ks.decode(ks.encode(params));
    // exp(log(x)) may move a log float by an ulp; everything else comes back exactly.
    expect(back.lr).toBeCloseTo(0.01, 15);
    expect({ ...back, lr: 0.01 }).toEqual(params);
    expect(ks.encode(params)[1]).toBe(0.875);
    expect(ks.snap(1, 0.3)).toBe(0.375);
    const u = ks.snap(2, 0.5);
    expect(ks.snap(2, u)).toBe(u);
  });
});
