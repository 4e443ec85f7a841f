/** Proposers: the registry of self-describing definitions, the built-in proposers, and the search-space helpers they share. */
export {
  registerProposer,
  getProposer,
  findProposer,
  listProposers,
  AUPTIMIZER_PROPOSERS,
  BUILTIN_PROPOSERS,
  hyperbandProposer,
} from './registry.js';
export type {
  BuiltinProposer,
  OptionProblem,
  ProposerLookup,
  ProposerOptionSchemas,
  ProposerSummary,
  ProposerTraits,
  RegisteredProposer,
} from './definition.js';
export { RandomProposer, randomProposer } from './random/random-proposer.js';
export { SequenceProposer, sequenceProposer } from './sequence/sequence-proposer.js';
export {
  HyperbandProposer,
  hyperbandDefinition,
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
export { CmaesProposer, cmaesProposer } from './cmaes/cmaes-proposer.js';
export { cmaesSettings, CMAES_DEFAULTS, type CmaesSettings, type RestartStrategy } from './cmaes/cmaes-settings.js';
export { checkSpace, fromUnit, toUnit, sampleParams, gridValues, gridSize, GRID_EPSILON, MAX_GRID_VALUES_PER_PARAM } from './space.js';
export { Rng, isRngState, type RngState } from '../rng.js';
