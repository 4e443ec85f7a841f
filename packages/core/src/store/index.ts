export { openStore, SQLITE_BUSY_TIMEOUT_MS, type OpenStoreOptions } from './open-store.js';
export { parseDbUrl, DEFAULT_DB_FILE, type DbLocation } from './db-url.js';
export type {
  ArtifactRecord,
  AttemptPatch,
  AttemptRecord,
  ExperimentPatch,
  ExperimentRecord,
  IntermediateRecord,
  JobPatch,
  JobRecord,
  NewAttempt,
  NewExperiment,
  NewJob,
  Store,
  TextRecord,
} from './store-types.js';
