import type { PrunerPolicyDefinition } from './pruner.js';

/**
 * Auptimizer's bandit rule: at step t, stop a job whose best value so far is worse than
 * `bandit_factor` × the best value any other job had by step t. On the oriented scale the factor
 * applies as is to a positive best and as 2 − factor to a negative one, so "worse by a factor"
 * means the same for accuracies, for losses (target min) and for negative scores.
 */
export const banditPolicy: PrunerPolicyDefinition = {
  name: 'bandit',
  create(settings) {
    const factor = settings.banditFactor;
    return {
      name: 'bandit',
      shouldStop(jobId, step, _value, history) {
        const others = history.othersAt(jobId, step);
        if (others.length === 0) return false;
        let best = Number.NEGATIVE_INFINITY;
        for (const id of others) best = Math.max(best, history.bestAt(id, step));
        if (!Number.isFinite(best)) return false;
        const threshold = (best > 0 ? factor : 2 - factor) * best;
        return history.bestAt(jobId, step) < threshold;
      },
    };
  },
};
