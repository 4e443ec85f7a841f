/** The `hyperopt` proposer, its settings, and the Parzen-estimator toolkit it is built on (reusable by other kernel-density proposers). */
export { HyperoptProposer, hyperoptProposer, type TpeSplit } from './hyperopt-proposer.js';
export {
  HYPEROPT_DEFAULTS,
  HYPEROPT_SETTING_KEYS,
  resolveHyperoptSettings,
  type HyperoptEngine,
  type HyperoptSettings,
} from './hyperopt-settings.js';
export { ParzenMixture, type KernelDim, type ParzenMixtureInit } from '../parzen/parzen-mixture.js';
export { KernelSpace } from '../parzen/kernel-space.js';
