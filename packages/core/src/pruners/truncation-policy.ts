import type { PrunerPolicyDefinition } from './pruner.js';

/**
 * Auptimizer's truncation rule: at step t, rank every job that reached t (this one included) by its
 * best value so far; stop this job when it is in the worst `truncation_percentage` of them, i.e.
 * when its rank from the bottom divided by the number of jobs is ≤ the percentage. A tie counts in
 * the job's favour.
 */
export const truncationPolicy: PrunerPolicyDefinition = {
  name: 'truncation',
  create(settings) {
    const fraction = settings.truncationPercentage;
    return {
      name: 'truncation',
      shouldStop(jobId, step, _value, history) {
        const others = history.othersAt(jobId, step);
        if (others.length === 0) return false;
        const own = history.bestAt(jobId, step);
        let worse = 0;
        for (const id of others) if (history.bestAt(id, step) < own) worse++;
        // Rank from the bottom, 1-based: the jobs strictly worse come first.
        const rank = worse + 1;
        return rank / (others.length + 1) <= fraction;
      },
    };
  },
};
