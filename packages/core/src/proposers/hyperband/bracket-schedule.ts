/**
 * Hyperband's bracket arithmetic (Li et al. 2018), shared by `hyperband` and `bohb`. Integer-exact
 * for integer `eta`: s_max comes from repeated multiplication, never from a floating
 * log(R)/log(eta), which is 4.999999999999999 for log(243)/log(3) in IEEE doubles.
 */

/** One rung of a bracket: how many configurations run, at which budget. */
export interface Rung {
  size: number;
  budget: number;
}

/**
 * Most brackets one iteration may have. 2^30 epochs at eta = 2 is 31 brackets; more means eta is
 * barely above 1 and the plan would hold billions of rungs.
 */
export const MAX_BRACKETS = 32;

/** The job's JSON key carrying the configuration id, Auptimizer's `tid`: the same for every rung of one configuration. */
export const CONFIG_ID_KEY = 'tid';

/** Relative slack when comparing a non-integer eta's powers with a budget ratio (rounding of eta^s). */
const RATIO_TOLERANCE = 1e-9;

/** eta^k, exact for integer eta while the result stays below 2^53. */
function power(eta: number, k: number): number {
  let p = 1;
  for (let i = 0; i < k; i++) p *= eta;
  return p;
}

/** The largest s with eta^s <= ratio (ratio >= 1): the number of halvings that fit between the smallest and largest budget. */
export function maxBracket(ratio: number, eta: number): number {
  let s = 0;
  let p = eta;
  const exact = Number.isInteger(eta) && Number.isInteger(ratio);
  while (exact ? p <= ratio : p <= ratio * (1 + RATIO_TOLERANCE)) {
    s++;
    p *= eta;
  }
  return s;
}

/** floor(a / b) for b > 0: exact for safe integers, tolerant of rounding otherwise. */
function floorDiv(a: number, b: number): number {
  if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return (a - (a % b)) / b;
  return Math.floor(a / b + RATIO_TOLERANCE);
}

/** ceil(a / b) for b > 0: exact for safe integers, tolerant of rounding otherwise. */
function ceilDiv(a: number, b: number): number {
  if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return floorDiv(a, b) + (a % b === 0 ? 0 : 1);
  return Math.ceil(a / b - RATIO_TOLERANCE);
}

/** How a bracket's first rung is sized. */
export type BracketSizing = 'hyperband' | 'bohb';

/**
 * The rungs of bracket `s` (s_max ≥ s ≥ 0) with budgets ending at `maxBudget`.
 * `hyperband` sizing is Li et al.'s n = ⌈(s_max+1)·eta^s/(s+1)⌉ (Table 1: 81, 34, 15, 8, 5 for
 * R = 81, eta = 3); `bohb` sizing is HpBandSter's n = ⌊(s_max+1)/(s+1)⌋·eta^s (81, 27, 9, 6, 5),
 * which spends about a tenth less per iteration. Rung i runs ⌊n/eta^i⌋ configurations (at least
 * one) at maxBudget/eta^(s−i); `skipLast` drops that many final rungs.
 */
export function bracketRungs(sMax: number, s: number, eta: number, maxBudget: number, sizing: BracketSizing, skipLast = 0): Rung[] {
  const p = power(eta, s);
  const n = sizing === 'hyperband' ? ceilDiv((sMax + 1) * p, s + 1) : floorDiv(sMax + 1, s + 1) * p;
  const rungs: Rung[] = [];
  for (let i = 0; i + skipLast <= s; i++) {
    const size = Math.max(1, floorDiv(n, power(eta, i)));
    // maxBudget / eta^(s-i) rather than r·eta^i: one division, so R = 81 gives 1, 3, 9, 27, 81 exactly.
    rungs.push({ size, budget: maxBudget / power(eta, s - i) });
  }
  return rungs;
}

/** Every bracket of one full iteration, s = s_max down to 0 (brackets left without rungs by `skipLast` included as empty). */
export function iterationPlan(sMax: number, eta: number, maxBudget: number, sizing: BracketSizing, skipLast = 0): Rung[][] {
  const plan: Rung[][] = [];
  for (let s = sMax; s >= 0; s--) plan.push(bracketRungs(sMax, s, eta, maxBudget, sizing, skipLast));
  return plan;
}

/** The number of jobs (every rung of every bracket) of one full iteration. */
export function iterationTrialCount(plan: readonly Rung[][]): number {
  let n = 0;
  for (const bracket of plan) for (const r of bracket) n += r.size;
  return n;
}
