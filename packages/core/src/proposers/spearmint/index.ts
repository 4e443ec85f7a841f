/** The `spearmint` proposer (GP-EI) and its settings. */
export { SpearmintProposer, spearmintProposer } from './spearmint-proposer.js';
export {
  spearmintSettings,
  DEFAULT_GRID_SIZE,
  type SpearmintSettings,
  type PendingStrategy,
  type OutputWarp,
} from './spearmint-settings.js';
