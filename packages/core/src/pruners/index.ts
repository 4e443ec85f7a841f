/** Early stopping (docs/architecture.md §2.7): the per-experiment Pruner, its policies and their registry. */
export {
  Pruner,
  prunerSettings,
  EARLY_STOP_DEFAULTS,
  type PrunerPolicy,
  type PrunerPolicyDefinition,
  type PrunerSettings,
  type PrunerCompletion,
} from './pruner.js';
export { PrunerHistory, type PrunerJobStatus } from './pruner-history.js';
export { createPruner, getPrunerPolicy, listPrunerPolicies, registerPrunerPolicy } from './registry.js';
export { banditPolicy } from './bandit-policy.js';
export { medianPolicy, median } from './median-policy.js';
export { truncationPolicy } from './truncation-policy.js';
export { ashaPolicy, ashaRungs } from './asha-policy.js';
export { curveFittingPolicy, CURVE_FITTING_MIN_STEPS } from './curve-fitting/curve-fitting-policy.js';
export { predictCurve, CURVE_MODELS, type CurveModel, type CurveFit, type CurvePrediction } from './curve-fitting/curve-ensemble.js';
export { levenbergMarquardt, solveSmall, type CurveFunction, type LmResult, type LmOptions } from './curve-fitting/levenberg-marquardt.js';
