import type { PrunerPolicyDefinition } from './pruner.js';

/** Median of a non-empty array (sorted in place). */
export function median(xs: Float64Array): number {
  xs.sort();
  const m = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
}

/**
 * Median stopping rule (Golovin et al., Google Vizier; Optuna's MedianPruner): at step t, stop a
 * job whose best value so far is worse than the median of the other jobs' values at step t.
 * Auptimizer compared running averages instead; an average punishes a job for its early steps,
 * which every learning curve has, so aup compares the running best, as Vizier and Optuna do.
 */
export const medianPolicy: PrunerPolicyDefinition = {
  name: 'median',
  create() {
    return {
      name: 'median',
      shouldStop(jobId, step, _value, history) {
        const others = history.othersAt(jobId, step);
        if (others.length === 0) return false;
        const xs = new Float64Array(others.length);
        others.forEach((id, i) => (xs[i] = history.valueAt(id, step)));
        return history.bestAt(jobId, step) < median(xs);
      },
    };
  },
};
