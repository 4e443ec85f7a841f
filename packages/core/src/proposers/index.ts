/** Proposers: the registry, the built-in `random` and `sequence`, and the search-space helpers they share. */
export { registerProposer, getProposer, listProposers, AUPTIMIZER_PROPOSERS } from './registry.js';
export { RandomProposer, randomProposer } from './random-proposer.js';
export { SequenceProposer, sequenceProposer } from './sequence-proposer.js';
export {
  checkSpace,
  fromUnit,
  toUnit,
  sampleParams,
  gridValues,
  gridSize,
  GRID_EPSILON,
  MAX_GRID_VALUES_PER_PARAM,
} from './space.js';
export { Rng, isRngState, type RngState } from '../rng.js';
