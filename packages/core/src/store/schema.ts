import type { Generated } from 'kysely';

// Row types as Kysely sees the tables of migrations/0001-initial.ts. JSON columns travel as text
// in both dialects (see docs/decisions/0002-store-schema.md); times are epoch milliseconds.

export interface ExperimentTable {
  id: Generated<number>;
  name: string;
  user_name: string;
  proposer: string;
  target: string;
  n_samples: number;
  status: string;
  config_raw: string;
  config: string;
  working_dir: string;
  host: string;
  git: string;
  proposer_state: string;
  best_job_id: number | null;
  best_score: number | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  /** migrations/0005: 'external' when `aup worker` processes run the jobs, else null. */
  workers: Generated<string | null>;
  /** migrations/0005: tags a worker must have to claim this experiment's jobs (JSON array). */
  worker_tags: Generated<string>;
  /** migrations/0008: the folder of its job files, relative to working_dir; null until the runner chooses it. */
  job_dir: Generated<string | null>;
  /** migrations/0009: the tool an imported experiment came from ('optuna', 'auptimizer'); null: aup ran it. */
  imported_from: Generated<string | null>;
  /** migrations/0011: why it ended (statuses.ts STOP_REASONS); null while it runs or from before 0011. */
  stop_reason: Generated<string | null>;
  /** migrations/0011: driving time counted against stop.time_budget_s (ms). */
  budget_used_ms: Generated<number>;
  /** migrations/0011: the warm start told to its proposer (JSON WarmStartRecord); null: none done. */
  warm_start: Generated<string | null>;
}

export interface JobTable {
  id: Generated<number>;
  experiment_id: number;
  trial: number;
  status: string;
  params: string;
  budget: number | null;
  extra: string;
  score: number | null;
  attempts: Generated<number>;
  warnings: Generated<string>;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
}

export interface JobAttemptTable {
  id: Generated<number>;
  job_id: number;
  attempt: number;
  status: string;
  host: string | null;
  pid: number | null;
  worker_id: number | null;
  slot: string | null;
  exit_code: number | null;
  score: number | null;
  error: string | null;
  log_path: string | null;
  started_at: number;
  ended_at: number | null;
  /** migrations/0005: epoch ms (database clock) until which the claiming worker holds the attempt. */
  lease_expires_at: Generated<number | null>;
  /** migrations/0005: 'interrupted' | 'killed' | 'early_stopped', asked of the worker by the driver. */
  stop_request: Generated<string | null>;
  /** migrations/0005: the result's metrics and the warnings, as the worker recorded them (JSON). */
  metrics: Generated<string | null>;
  warnings: Generated<string | null>;
  /** migrations/0010: 'trial', or 'save_model' for the best job's model save. */
  kind: Generated<string>;
}

export interface IntermediateResultTable {
  id: Generated<number>;
  job_id: number;
  label: string;
  step: number;
  value: number;
  time: number;
}

export interface MultipleResultTable {
  job_id: number;
  label: string;
  value: number;
}

export interface TextRecordTable {
  id: Generated<number>;
  job_id: number;
  kind: string;
  name: string;
  step: number | null;
  payload: string;
  time: number;
}

export interface ArtifactTable {
  id: Generated<number>;
  job_id: number;
  path: string;
  time: number;
}

export interface WorkerTable {
  id: Generated<number>;
  host: string;
  pid: number | null;
  slots: number;
  resource: string;
  tags: string;
  started_at: number;
  heartbeat_at: number;
  status: string;
  /** migrations/0005: heartbeat plus lease (database clock); past it, the worker is taken for dead. */
  expires_at: Generated<number | null>;
}

export interface ControlRequestTable {
  id: Generated<number>;
  experiment_id: number;
  job_id: number | null;
  action: string;
  payload: string;
  created_at: number;
  taken_at: number | null;
  done_at: number | null;
  result: string | null;
}

export interface ChangeTable {
  id: Generated<number>;
  experiment_id: number;
  job_id: number | null;
  kind: string;
  time: number;
}

/** One parameter of one job, typed (migrations/0004-job-query.ts). */
export interface JobParamTable {
  job_id: number;
  experiment_id: number;
  name: string;
  num_value: number | null;
  text_value: string | null;
}

/** migrations/0007: the lease of the process that drives an experiment (docs/decisions/0019-driver-lease.md). */
export interface DriverLeaseTable {
  experiment_id: number;
  token: string;
  host: string;
  pid: number;
  process_start: string | null;
  acquired_at: number;
  heartbeat_at: number;
  expires_at: number;
}

/** migrations/0009: where an imported experiment came from, and the reader's cursor for `--follow`. */
export interface ImportSourceTable {
  experiment_id: number;
  tool: string;
  source_key: string;
  cursor: string;
  synced_at: number;
}

/** migrations/0009: the job made from each imported trial, and a fingerprint of what was imported. */
export interface ImportJobTable {
  job_id: number;
  experiment_id: number;
  source_key: string;
  fingerprint: string;
}

export interface AupDatabase {
  experiment: ExperimentTable;
  job: JobTable;
  job_attempt: JobAttemptTable;
  intermediate_result: IntermediateResultTable;
  multiple_result: MultipleResultTable;
  text_record: TextRecordTable;
  artifact: ArtifactTable;
  worker: WorkerTable;
  job_param: JobParamTable;
  control_request: ControlRequestTable;
  change: ChangeTable;
  driver_lease: DriverLeaseTable;
  import_source: ImportSourceTable;
  import_job: ImportJobTable;
}

/** The tables aup creates; a database holding one of them without aup's migration table is foreign. */
export const AUP_TABLES = [
  'experiment',
  'job',
  'job_attempt',
  'intermediate_result',
  'multiple_result',
  'text_record',
  'artifact',
  'worker',
  'control_request',
  'change',
  'job_param',
  'driver_lease',
  'import_source',
  'import_job',
] as const;

/** Kysely's migration bookkeeping, renamed so that its presence marks a database as aup's. */
export const MIGRATION_TABLE = 'aup_migration';
export const MIGRATION_LOCK_TABLE = 'aup_migration_lock';
