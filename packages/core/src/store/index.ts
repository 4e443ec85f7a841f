export { openStore, SQLITE_BUSY_TIMEOUT_MS, type OpenStoreOptions } from './open-store.js';
export { parseDbUrl, DEFAULT_DB_FILE, type DbLocation } from './db-url.js';
export type {
  ArtifactRecord,
  AttemptPatch,
  AttemptRecord,
  ChangeKind,
  ChangeRecord,
  ExperimentPatch,
  ExperimentRecord,
  IntermediateRecord,
  JobPatch,
  JobRecord,
  NewAttempt,
  NewExperiment,
  NewJob,
  NewWorker,
  Store,
  TextRecord,
  WorkerRecord,
} from './store-types.js';
