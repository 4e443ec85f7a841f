/**
 * @aup/core: hyperparameter optimisation experiments: config, proposers, runner and store.
 * @packageDocumentation
 */
export { VERSION } from './version.js';
export { AupError, ERROR_CODES, isAupError, type AupErrorCode } from './errors.js';
export type * from './types.js';
export { dominates, paretoJobs, type ParetoJob } from './objectives.js';
export { EXPERIMENT_STATUSES, JOB_STATUSES, STOP_REASONS } from './statuses.js';
export * from './config/index.js';
export { parseConfigText, ConfigSyntaxError, type ConfigFormat } from './config/parse-config-text.js';
export * from './proposers/index.js';
export { openStore, parseDbUrl } from './store/index.js';
export type * from './store/store-types.js';
export {
  JOB_QUERY_COLUMNS,
  JOB_FILTER_OPS,
  MAX_QUERY_JOB_IDS,
  MIN_POINTS_PER_SERIES,
  type BestSoFarSeries,
  type BestSoFarX,
  type ExperimentSummaryRecord,
  type IntermediateSeries,
  type JobFilter,
  type JobFilterOp,
  type JobQuery,
  type JobQueryColumn,
  type JobQueryResult,
  type SeriesQuery,
} from './store/job-query.js';
export {
  runExperiment,
  runExperimentFile,
  resumeExperiment,
  createExperiment,
  experimentResult,
  refuseImported,
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
export {
  acquireDriverLease,
  checkNoLiveDriver,
  isLeaseLive,
  DriverLeaseHandle,
  DRIVER_LEASE_MS,
  DRIVER_HEARTBEAT_MS,
  type DriverLeaseOptions,
} from './runner/driver-lease.js';
export { DRIVER_TOKEN_ENV } from './runner/driver-jobs.js';
export { JOBS_FOLDER, LEGACY_JOB_DIR, isJobDir, jobFiles } from './runner/job-files.js';
export { collectHostInfo, collectGitInfo, hostnameOfInfo } from './env-info.js';
export {
  requestStop,
  requestKillJob,
  requestSet,
  requestEnqueue,
  waitForControlResult,
  checkTrialParams,
  MAX_N_PARALLEL,
  type ControlSettings,
} from './control.js';
export { CONTROL_POLL_MS } from './runner/control-poller.js';
export {
  runWorker,
  DEFAULT_LEASE_MS,
  CLAIM_POLL_MS,
  type WorkerOptions,
  type WorkerEvents,
  type WorkerSummary,
} from './worker/run-worker.js';
export { DISPATCH_POLL_MS } from './worker/worker-dispatch.js';
export * from './pruners/index.js';
export * from './resources/index.js';
