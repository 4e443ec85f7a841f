/**
 * Multi-objective test problems (ZDT1, ZDT2: Zitzler, Deb & Thiele 2000; DTLZ2: Deb, Thiele,
 * Laumanns & Zitzler 2002) and the hypervolume that scores a set of their results, for the
 * proposer benchmarks and tests. All objectives are minimised.
 */
import type { ParamSpec, Params } from '../types.js';

export { hypervolume } from '../math/hypervolume.js';

export interface MultiObjectiveFunction {
  name: string;
  space: ParamSpec[];
  /** Number of objectives. */
  objectives: number;
  /** The reference point of the hypervolume (every objective minimised). */
  reference: number[];
  /** The hypervolume of the true Pareto front against `reference` (the best any set can reach). */
  optimalHypervolume: number;
  evaluate(params: Params): number[];
}

const unitSpace = (d: number): ParamSpec[] => Array.from({ length: d }, (_, i) => ({ name: `x${i}`, type: 'float', range: [0, 1] }));
const xs = (p: Params, d: number): number[] => Array.from({ length: d }, (_, i) => p[`x${i}`] as number);

/**
 * The reference points bound every value a trial can have (ZDT's g ≤ 10, so f2 ≤ 10; DTLZ2's
 * (1 + g) ≤ 2.25), so every trial counts from the first: at the budgets of HPO (hundreds of
 * trials), the usual (1.1, 1.1) would leave most runs at a hypervolume of 0.
 */
const ZDT_REFERENCE = 11;
const DTLZ2_REFERENCE = 2.5;

function zdt(d: number, name: string, h: (f1: number, g: number) => number, optimalHypervolume: number): MultiObjectiveFunction {
  return {
    name,
    space: unitSpace(d),
    objectives: 2,
    reference: [ZDT_REFERENCE, ZDT_REFERENCE],
    optimalHypervolume,
    evaluate(p) {
      const x = xs(p, d);
      const f1 = x[0]!;
      let s = 0;
      for (let i = 1; i < d; i++) s += x[i]!;
      const g = 1 + (9 * s) / (d - 1);
      return [f1, g * h(f1, g)];
    },
  };
}

/** ZDT1 in 10 dimensions: a convex front f2 = 1 − √f1. Optimal hypervolume against (11, 11): 121 − ∫₀¹ (1 − √x) dx = 121 − 1/3. */
export const zdt1 = zdt(10, 'zdt1', (f1, g) => 1 - Math.sqrt(f1 / g), ZDT_REFERENCE ** 2 - 1 / 3);

/** ZDT2 in 10 dimensions: a concave front f2 = 1 − f1². Optimal hypervolume against (11, 11): 121 − 2/3. */
export const zdt2 = zdt(10, 'zdt2', (f1, g) => 1 - (f1 / g) ** 2, ZDT_REFERENCE ** 2 - 2 / 3);

/**
 * DTLZ2 with 3 objectives in 7 dimensions: the front is the positive octant of the unit sphere.
 * Optimal hypervolume against (2.5, 2.5, 2.5): 2.5³ − π/6.
 */
export const dtlz2: MultiObjectiveFunction = {
  name: 'dtlz2',
  space: unitSpace(7),
  objectives: 3,
  reference: [DTLZ2_REFERENCE, DTLZ2_REFERENCE, DTLZ2_REFERENCE],
  optimalHypervolume: DTLZ2_REFERENCE ** 3 - Math.PI / 6,
  evaluate(p) {
    const x = xs(p, 7);
    let g = 0;
    for (let i = 2; i < 7; i++) g += (x[i]! - 0.5) ** 2;
    const a = (x[0]! * Math.PI) / 2;
    const b = (x[1]! * Math.PI) / 2;
    return [(1 + g) * Math.cos(a) * Math.cos(b), (1 + g) * Math.cos(a) * Math.sin(b), (1 + g) * Math.sin(a)];
  },
};

export const MULTI_OBJECTIVE_FUNCTIONS: readonly MultiObjectiveFunction[] = [zdt1, zdt2, dtlz2];
