import type { PrunerPolicyDefinition } from './pruner.js';

/** The steps (1-based counts of values) at which ASHA decides: ceil(min_resource · η^k), below `maxSteps`. */
export function ashaRungs(minResource: number, reductionFactor: number, maxSteps = Number.POSITIVE_INFINITY): number[] {
  const rungs: number[] = [];
  // A rung at or beyond the last step would stop a job that has already done all its work.
  for (let r = minResource; Math.ceil(r) < maxSteps && rungs.length < MAX_RUNGS; r *= reductionFactor) {
    const step = Math.ceil(r);
    if (rungs[rungs.length - 1] !== step) rungs.push(step);
  }
  return rungs;
}

/** Enough rungs for any realistic run (3^40 steps) while keeping the list finite without a max. */
const MAX_RUNGS = 40;

/**
 * Asynchronous successive halving (Li et al., 2020): rungs at min_resource · η^k. When a job reaches
 * a rung it goes on only if its value there is in the top 1/η of every job that reached that rung so
 * far (itself included); the first jobs at a rung always go on, as in the paper, so nothing waits
 * for a full bracket. `aup_policy_steps` does not apply: the rungs are the steps. With
 * `curve_fitting_max_iters` (the number of values a complete job reports), no rung falls on the last
 * step.
 */
export const ashaPolicy: PrunerPolicyDefinition = {
  name: 'asha',
  create(settings) {
    const eta = settings.reductionFactor;
    const rungs = new Set(ashaRungs(settings.minResource, eta, settings.curveFittingMaxIters));
    return {
      name: 'asha',
      ownSteps: true,
      shouldStop(jobId, step, value, history) {
        if (!rungs.has(step)) return false;
        const others = history.othersAt(jobId, step);
        const keep = Math.max(1, Math.floor((others.length + 1) / eta));
        let better = 0;
        for (const id of others) if (history.valueAt(id, step) > value) better++;
        return better >= keep;
      },
    };
  },
};
