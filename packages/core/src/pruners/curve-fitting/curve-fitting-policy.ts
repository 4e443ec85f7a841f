import { AupError } from '../../errors.js';
import type { PrunerPolicyDefinition } from '../pruner.js';
import { predictCurve } from './curve-ensemble.js';

/** Auptimizer's CURVE_FITTING_MIN_ITS: fewer points say too little about a curve's shape. */
export const CURVE_FITTING_MIN_STEPS = 4;
const MS_PER_SECOND = 1000;

/**
 * Auptimizer's curve_fitting rule: once a job has more than 4 values and some job has finished,
 * fit an ensemble of learning-curve models to the job's values, forecast its value at step
 * `curve_fitting_max_iters`, and stop it when the forecast is worse than `curve_fitting_threshold` ×
 * the best value of the finished jobs (on the oriented scale, 2 − threshold for a negative best,
 * as bandit does). A fit that runs past `curve_fitting_timeout` seconds decides with what it has.
 */
export const curveFittingPolicy: PrunerPolicyDefinition = {
  name: 'curve_fitting',
  create(settings) {
    const maxIters = settings.curveFittingMaxIters;
    if (maxIters === undefined) {
      throw new AupError(
        'AUP_ERR_CONFIG_INVALID',
        'resource_args.early_stop.curve_fitting_max_iters: required by aup_policy "curve_fitting" (the number of intermediate results a complete job reports), found nothing',
        { details: { path: 'resource_args.early_stop.curve_fitting_max_iters' } },
      );
    }
    const threshold = settings.curveFittingThreshold;
    const timeoutMs = settings.curveFittingTimeout * MS_PER_SECOND;
    // Each job's last fitted parameters per model: the next fit of a longer curve starts there.
    const warm = new Map<number, { step: number; params: Map<string, Float64Array> }>();
    return {
      name: 'curve_fitting',
      shouldStop(jobId, step, _value, history) {
        if (step <= CURVE_FITTING_MIN_STEPS || step >= maxIters) return false;
        let best = Number.NEGATIVE_INFINITY;
        for (const id of history.jobIds()) {
          if (id === jobId || history.status(id) !== 'finished') continue;
          const n = history.steps(id);
          if (n > 0) best = Math.max(best, history.bestAt(id, n));
        }
        if (!Number.isFinite(best)) return false;
        // A restarted job (new attempt) has fewer values than its cached fit saw: it starts cold.
        const last = warm.get(jobId);
        const cached = last !== undefined && last.step < step ? last.params : undefined;
        const forecast = predictCurve(history.curve(jobId, step), maxIters, {
          deadline: settings.now() + timeoutMs,
          now: settings.now,
          warmStarts: cached,
        });
        if (!forecast) return false;
        warm.set(jobId, { step, params: new Map(forecast.fits.map((f) => [f.name, f.params])) });
        const factor = best > 0 ? threshold : 2 - threshold;
        return forecast.value < factor * best;
      },
    };
  },
};
