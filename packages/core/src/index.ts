/**
 * @aup/core: hyperparameter optimisation experiments: config, proposers, runner and store.
 * @packageDocumentation
 */
export { VERSION } from './version.js';
export { AupError, ERROR_CODES, isAupError, type AupErrorCode } from './errors.js';
export type * from './types.js';
export * from './config/index.js';
export * from './proposers/index.js';
export { openStore, parseDbUrl } from './store/index.js';
export type * from './store/store-types.js';
export {
  runExperiment,
  runExperimentFile,
  resumeExperiment,
  createExperiment,
  experimentResult,
  type ExperimentResult,
  type ExperimentConfigInput,
  type RunExperimentOptions,
} from './experiment.js';
export {
  driveExperiment,
  buildJobJson,
  isBetter,
  type Objective,
  type ObjectiveContext,
  type ObjectiveResult,
  type RunnerEvents,
  type JobEndInfo,
  type DriveOptions,
  type PassiveJobInfo,
} from './runner/runner.js';
export { collectHostInfo, collectGitInfo } from './env-info.js';
export * from './pruners/index.js';
export * from './resources/index.js';
