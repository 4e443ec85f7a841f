/**
 * Standard HPO test problems (defined in docs/benchmarks.md, "Benchmark problems"), used by the proposer benchmarks
 * and by anyone who wants to check a proposer of their own. All are minimised; regret = f − f*.
 */
import { Rng } from '../rng.js';
import type { ParamSpec, Params } from '../types.js';

export interface TestFunction {
  name: string;
  space: ParamSpec[];
  /** Known optimum f*. */
  optimum: number;
  evaluate(params: Params): number;
}

const num = (p: Params, k: string) => p[k] as number;

/** Branin on x1 ∈ [−5, 10], x2 ∈ [0, 15]; f* = 0.397887357729738. */
export const branin: TestFunction = {
  name: 'branin',
  space: [
    { name: 'x1', type: 'float', range: [-5, 10] },
    { name: 'x2', type: 'float', range: [0, 15] },
  ],
  optimum: 0.397887357729738,
  evaluate(p) {
    const x1 = num(p, 'x1');
    const x2 = num(p, 'x2');
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H6_ALPHA = [1, 1.2, 3, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

/** Hartmann-6 on [0, 1]^6 as a plain vector. */
export function hartmann6(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H6_A[i]![j]! * (x[j]! - H6_P[i]![j]!) ** 2;
    sum += H6_ALPHA[i]! * Math.exp(-inner);
  }
  return -sum;
}
export const HARTMANN6_OPTIMUM = -3.32236801141551;

const h6Names = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'];
/** Hartmann-6 on [0, 1]^6; f* = −3.32236801141551. */
export const hartmann6Function: TestFunction = {
  name: 'hartmann6',
  space: h6Names.map((name) => ({ name, type: 'float', range: [0, 1] }) as ParamSpec),
  optimum: HARTMANN6_OPTIMUM,
  evaluate: (p) => hartmann6(h6Names.map((n) => num(p, n))),
};

/** Rosenbrock-4D on [−5, 10]^4; f* = 0 at (1, 1, 1, 1). */
export const rosenbrock4: TestFunction = {
  name: 'rosenbrock4',
  space: ['x0', 'x1', 'x2', 'x3'].map((name) => ({ name, type: 'float', range: [-5, 10] }) as ParamSpec),
  optimum: 0,
  evaluate(p) {
    const x = ['x0', 'x1', 'x2', 'x3'].map((n) => num(p, n));
    let s = 0;
    for (let i = 0; i < 3; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (x[i]! - 1) ** 2;
    return s;
  },
};

export const TEST_FUNCTIONS: readonly TestFunction[] = [branin, hartmann6Function, rosenbrock4];

/** Counting Ones (Falkner et al. 2018): 8 binary choices + 8 floats in [0, 1]; budgets 9..729 draws. */
export const COUNTING_ONES_SPACE: ParamSpec[] = [
  ...Array.from({ length: 8 }, (_, i) => ({ name: `c${i}`, type: 'choice', range: [0, 1] }) as ParamSpec),
  ...Array.from({ length: 8 }, (_, i) => ({ name: `x${i}`, type: 'float', range: [0, 1] }) as ParamSpec),
];
export const COUNTING_ONES_MAX_BUDGET = 729;

/**
 * Counting Ones at a budget of `budget` Bernoulli draws per float; minimised (f* = −16).
 * `rng` supplies the draws, so a run is reproducible from its seed.
 */
export function countingOnes(p: Params, budget: number, rng: Rng): number {
  let s = 0;
  for (let i = 0; i < 8; i++) s += num(p, `c${i}`);
  const b = Math.max(1, Math.round(budget));
  for (let i = 0; i < 8; i++) {
    const q = num(p, `x${i}`);
    let hits = 0;
    for (let k = 0; k < b; k++) if (rng.next() < q) hits++;
    s += hits / b;
  }
  return -s;
}

/** The noise-free regret of Counting Ones: 16 − (Σ c + Σ x). */
export function countingOnesRegret(p: Params): number {
  let s = 0;
  for (let i = 0; i < 8; i++) s += num(p, `c${i}`) + num(p, `x${i}`);
  return 16 - s;
}

/** Steps of the synthetic learning-curve objective. */
export const LEARNING_CURVE_STEPS = 81;

/**
 * Synthetic learning curve on Hartmann-6's domain: L(x, t) = r(x) + b(x)·exp(−t/τ(x)) + ε with
 * r = Hartmann6 − f*, b = 1 + 2x0, τ = 3 + 25x3, ε ~ N(0, 0.01²). Slow learners look bad early.
 */
export function learningCurve(p: Params, step: number, rng: Rng): number {
  const x = h6Names.map((n) => num(p, n));
  const r = hartmann6(x) - HARTMANN6_OPTIMUM;
  const b = 1 + 2 * x[0]!;
  const tau = 3 + 25 * x[3]!;
  return r + b * Math.exp(-step / tau) + 0.01 * rng.normal();
}

/** The noise-free final regret r(x) of the learning-curve objective. */
export function learningCurveRegret(p: Params): number {
  return hartmann6(h6Names.map((n) => num(p, n))) - HARTMANN6_OPTIMUM;
}
