/** Proposers: the registry, the built-in `random` and `sequence`, and the search-space helpers they share. */
export { registerProposer, getProposer, listProposers, AUPTIMIZER_PROPOSERS } from './registry.js';
export { RandomProposer, randomProposer } from './random/random-proposer.js';
export { SequenceProposer, sequenceProposer } from './sequence/sequence-proposer.js';
export {
  HyperbandProposer,
  hyperbandProposer,
  hyperbandSettings,
  hyperbandTrialCount,
  HYPERBAND_DEFAULTS,
} from './hyperband/hyperband-proposer.js';
export { BohbProposer, bohbProposer, bohbSettings, bohbTrialCount, BOHB_DEFAULTS } from './bohb/bohb-proposer.js';
export * from './hyperopt/index.js';
export {
  SpearmintProposer,
  spearmintProposer,
  spearmintSettings,
  DEFAULT_GRID_SIZE as SPEARMINT_DEFAULT_GRID_SIZE,
} from './spearmint/index.js';
export { EasProposer, easProposer, easSettings, DEFAULT_N_CHILDREN as EAS_DEFAULT_N_CHILDREN } from './eas/eas-proposer.js';
export { checkSpace, fromUnit, toUnit, sampleParams, gridValues, gridSize, GRID_EPSILON, MAX_GRID_VALUES_PER_PARAM } from './space.js';
export { Rng, isRngState, type RngState } from '../rng.js';
