/** Whether `a` beats `b` for the target (`b` null: anything beats nothing). */
export function isBetter(a: number, b: number | null, target: 'min' | 'max'): boolean {
  if (b === null) return true;
  return target === 'min' ? a < b : a > b;
}

/**
 * The best value so far at each position: `null` until the first finite value, then the running
 * minimum (target `min`) or maximum (`max`). Missing scores (failed jobs) keep the previous best.
 */
export function bestSoFar(values: readonly (number | null)[], target: 'min' | 'max'): (number | null)[] {
  let best: number | null = null;
  return values.map((v) => {
    if (v !== null && Number.isFinite(v) && isBetter(v, best, target)) best = v;
    return best;
  });
}
