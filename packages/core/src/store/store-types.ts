import type { ExperimentStatus, ExperimentStopReason, Json, JobStatus, Params } from '../types.js';
import type {
  BestSoFarSeries,
  BestSoFarX,
  ExperimentSummaryRecord,
  IntermediateSeries,
  JobQuery,
  JobQueryResult,
  SeriesQuery,
} from './job-query.js';

/** What a store hands out. Times are epoch milliseconds; JSON columns are parsed. */
export interface ExperimentRecord {
  id: number;
  name: string;
  user: string;
  proposer: string;
  target: 'min' | 'max';
  nSamples: number;
  status: ExperimentStatus;
  /** The config as the user gave it (parsed JSON/YAML). */
  configRaw: Json;
  /** The normalised config (NormalizedConfig as JSON). */
  config: Json;
  workingDir: string;
  host: Json;
  git: Json;
  /** Latest proposer snapshot (after the last ask or tell). */
  proposerState: Json;
  bestJobId: number | null;
  bestScore: number | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Set when `aup worker` processes run the jobs (`aup run --workers external`); null: the runner runs them. */
  workers: ExperimentWorkers | null;
  /**
   * The folder of its job files (`<jid>.json`, `<jid>.<k>.out`), relative to `workingDir`: its own
   * `jobs/e<id>-<random>`, or `jobs` for an experiment run before aup had experiment folders; null
   * until the runner first runs one of its jobs as a process (docs/decisions/0021-job-file-layout.md).
   */
  jobDir: string | null;
  /** The tool it was imported from (`aup import`, Store.getImport); null for an experiment aup ran. */
  importedFrom: string | null;
  /** Why it ended (statuses.ts STOP_REASONS); null while it runs, before it ran, and for ends older aup recorded. */
  stopReason: ExperimentStopReason | null;
  /** Driving time counted against `stop.time_budget_s` so far, in ms (runner/stop-rules.ts). */
  budgetUsedMs: number;
  /** What its warm start told the proposer (runner/warm-start.ts); null when none was done (yet). */
  warmStart: WarmStartRecord | null;
}

/**
 * The warm start of an experiment, recorded with the proposer snapshot that holds it, in one
 * transaction (docs/reference/config.md, `warm_start`).
 */
export interface WarmStartRecord {
  /** Each experiment `warm_start` names, in its order: its finished jobs told, and those skipped (they did not fit the space). */
  experiments: { id: number; jobs: number; skipped: number }[];
  /** The ids of the jobs told, in the order told: they took the proposer's trial ids 0, 1, ... */
  jobIds: number[];
}

export interface JobRecord {
  id: number;
  experimentId: number;
  /** The proposer's trial id (0, 1, ... within the experiment). */
  trial: number;
  status: JobStatus;
  params: Params;
  budget: number | null;
  /** Extra keys the proposer put into the job's JSON. */
  extra: Json;
  score: number | null;
  /** Named secondary results (multi_res_labels and `#aup` result metrics). */
  metrics: Record<string, number>;
  /** Number of attempts started so far. */
  attempts: number;
  warnings: string[];
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

/**
 * What an attempt was run for: a `trial` of its job's parameters, or the best job's `save_model`
 * run after the experiment (runner/save-model.ts), which leaves the job's status and score alone.
 */
export type AttemptKind = 'trial' | 'save_model';

export interface AttemptRecord {
  id: number;
  jobId: number;
  /** 1-based attempt number; the log file is <job folder>/<jid>.<attempt>.out. */
  attempt: number;
  kind: AttemptKind;
  status: JobStatus;
  host: string | null;
  pid: number | null;
  workerId: number | null;
  /** Resource slot label, e.g. 'cpu:0', 'gpu:1', 'user@host'. */
  slot: string | null;
  exitCode: number | null;
  score: number | null;
  error: string | null;
  logPath: string | null;
  startedAt: number;
  endedAt: number | null;
  /** Until when (epoch ms, database clock) the worker that claimed the attempt holds it; null outside worker mode. */
  leaseExpiresAt: number | null;
  /** What the driver asked the attempt's worker to do (stop it, kill it, stop it early); null: nothing. */
  stopRequest: StopRequest | null;
}

export interface IntermediateRecord {
  jobId: number;
  label: string;
  step: number;
  value: number;
  time: number;
}

export interface TextRecord {
  jobId: number;
  kind: 'text' | 'histogram' | 'image';
  name: string;
  step: number | null;
  /** text: { text }, histogram: { values }, image: { path } */
  payload: Json;
  time: number;
}

export interface ArtifactRecord {
  jobId: number;
  path: string;
  time: number;
}

export interface NewExperiment {
  name: string;
  user: string;
  proposer: string;
  target: 'min' | 'max';
  nSamples: number;
  configRaw: Json;
  config: Json;
  workingDir: string;
  host: Json;
  git: Json;
  proposerState?: Json;
  /** Worker mode (default null: the runner runs the jobs itself). */
  workers?: ExperimentWorkers | null;
}

export interface ExperimentPatch {
  status?: ExperimentStatus;
  /** The normalised config, replaced whole (a control request's `set` changes `n_parallel`). */
  config?: Json;
  proposerState?: Json;
  bestJobId?: number | null;
  bestScore?: number | null;
  error?: string | null;
  nSamples?: number;
  startedAt?: number | null;
  endedAt?: number | null;
  /** The host info, replaced whole (a probe that answers after the experiment was recorded). */
  host?: Json;
  /** The folder of its job files, set once by the runner. */
  jobDir?: string;
  stopReason?: ExperimentStopReason | null;
  budgetUsedMs?: number;
  warmStart?: WarmStartRecord | null;
}

export interface NewJob {
  experimentId: number;
  trial: number;
  params: Params;
  budget?: number | null;
  extra?: Json;
}

export interface JobPatch {
  status?: JobStatus;
  score?: number | null;
  metrics?: Record<string, number>;
  attempts?: number;
  warnings?: string[];
  startedAt?: number | null;
  endedAt?: number | null;
}

export interface NewAttempt {
  jobId: number;
  attempt: number;
  /** Default `trial`. */
  kind?: AttemptKind;
  host?: string | null;
  pid?: number | null;
  workerId?: number | null;
  slot?: string | null;
  logPath?: string | null;
  /** Patches the job in the same transaction (the runner marks it running as the attempt starts). */
  job?: JobPatch;
}

export interface AttemptPatch {
  status?: JobStatus;
  pid?: number | null;
  exitCode?: number | null;
  score?: number | null;
  error?: string | null;
  endedAt?: number | null;
}

/** What a control request asks the runner of an experiment to do (docs/guides/dashboard.md). */
export type ControlAction = 'stop' | 'kill_job' | 'set' | 'enqueue';

/** A request to the runner of an experiment, sent through the store (the runner may be elsewhere). */
export interface ControlRequest {
  id: number;
  experimentId: number;
  jobId: number | null;
  action: ControlAction;
  payload: Json;
  createdAt: number;
  /** When a runner took it; null while it waits. */
  takenAt: number | null;
  /** When the runner finished acting on it; `result` is set then. */
  doneAt: number | null;
  /** `{ ok: true, ... }` or `{ ok: false, code, message }`. */
  result: Json | null;
}

export interface NewControlRequest {
  experimentId: number;
  jobId?: number | null;
  action: ControlAction;
  payload?: Json;
}

/**
 * What a change-feed row reports: `experiment` (created or updated), `experiment_deleted`, `job`
 * (created, updated, completed, an attempt started or updated, multiple results set),
 * `intermediate` (one row per job per batch) and `records` (text records or artifacts added).
 */
export type ChangeKind = 'experiment' | 'experiment_deleted' | 'job' | 'intermediate' | 'records';

/** One committed mutation, in the change feed (docs/decisions/0005-change-feed.md). */
export interface ChangeRecord {
  /** Ascending in commit order: a reader that has seen id N has seen every change below N. */
  id: number;
  experimentId: number;
  jobId: number | null;
  kind: ChangeKind;
  /** Epoch milliseconds at which the change was written. */
  time: number;
}

/** An `aup worker` process that claims jobs from a shared database (docs/architecture.md §2.3). */
export interface WorkerRecord {
  id: number;
  host: string;
  pid: number | null;
  slots: number;
  /** The resource it runs jobs on: cpu, gpu, node. */
  resource: string;
  tags: string[];
  startedAt: number;
  heartbeatAt: number;
  /** As the worker wrote it, e.g. 'running', 'stopped'. */
  status: string;
  /** Jobs with a running attempt whose worker is this one, in id order. */
  currentJobs: number[];
}

export interface NewWorker {
  host: string;
  pid?: number | null;
  slots: number;
  resource: string;
  tags?: string[];
  status?: string;
}

// Worker mode (docs/architecture.md §3.7, docs/decisions/0010-worker-leases.md): the driver (`aup run --workers
// external`) creates queued jobs and completes them; `aup worker` processes claim them with a lease.

/** How an experiment's jobs are run when `aup worker` processes run them. */
export interface ExperimentWorkers {
  mode: 'external';
  /** A worker claims the experiment's jobs only if it has every one of these tags (`aup worker --tags`). */
  tags: string[];
}

/** What the driver may ask of the worker running an attempt; the job then ends with this status (killed: failed). */
export type StopRequest = 'interrupted' | 'killed' | 'early_stopped';

/**
 * The fencing token of a worker's writes about one attempt. Attempt ids are never reused and a
 * requeued attempt never runs again, so a write naming an attempt that is no longer running (or
 * no longer this worker's) is a late write from a presumed-dead worker, and is refused.
 */
export interface AttemptFence {
  attemptId: number;
  workerId: number;
}

export interface ClaimRequest {
  workerId: number;
  /** Stored on each attempt, like the runner's attempts. */
  host: string;
  /** The labels of the worker's free slots: at most this many jobs are claimed, the i-th on slots[i]. */
  slots: string[];
  /** How long (ms) the claim holds without a heartbeat (renewLeases). */
  leaseMs: number;
  /** Claim only this experiment's jobs. */
  experimentId?: number;
  /** The worker's tags: an experiment whose worker tags are not all among them is skipped. */
  tags?: string[];
}

/** A job a worker claimed: it is running, with a new attempt that the worker holds under a lease. */
export interface ClaimedJob {
  job: JobRecord;
  attempt: AttemptRecord;
}

/** An attempt a worker still holds after a heartbeat, and what the driver asks of it. */
export interface HeldAttempt {
  attemptId: number;
  jobId: number;
  stopRequest: StopRequest | null;
}

/** The end of an attempt as the worker that ran it records it (finishAttempt). */
export interface WorkerAttemptOutcome {
  status: 'finished' | 'failed' | 'early_stopped' | 'interrupted';
  exitCode: number | null;
  score: number | null;
  error: string | null;
  metrics: Record<string, number>;
  warnings: string[];
  endedAt: number;
  /** The worker itself is stopping: the job goes back to the queue (a new attempt elsewhere). */
  requeue?: boolean;
}

/** The current attempt of a running job of a worker-mode experiment, with the result its worker wrote. */
export interface ReportedAttempt {
  attempt: AttemptRecord;
  /** Empty until the attempt has ended. */
  metrics: Record<string, number>;
  warnings: string[];
}

/** An attempt whose lease ran out (requeueExpired): the attempt is interrupted, its job queued again. */
export interface RequeuedAttempt {
  attemptId: number;
  jobId: number;
  workerId: number | null;
}

// One driver per experiment (driver-leases.ts, docs/decisions/0019-driver-lease.md).

/** Who drives an experiment: a process on a host, told apart from a later process with its pid. */
export interface DriverHolder {
  /** Random per driver run: fences its renewals and release, and marks its jobs' environment (AUP_DRIVER_TOKEN). */
  token: string;
  host: string;
  pid: number;
  /** What tells the process apart from a later one with the same pid (Linux: boot id and start time); null: unknown. */
  processStart: string | null;
}

/** The lease an experiment's driver holds while it runs. Times are epoch ms by the database's clock on PostgreSQL. */
export interface DriverLease extends DriverHolder {
  experimentId: number;
  acquiredAt: number;
  heartbeatAt: number;
  /** Past this, the holder is taken for dead: its lease may be taken over. */
  expiresAt: number;
  /** Now, by the same clock, when the row was read: `readAt - heartbeatAt` is the heartbeat's age. */
  readAt: number;
}

export interface DriverLeaseRequest extends DriverHolder {
  experimentId: number;
  /** How long (ms) the lease holds without a heartbeat. */
  leaseMs: number;
  /**
   * The token of a live-looking lease the caller found dead (its pid gone on this host): it is
   * replaced if it is still the one held. An expired lease is replaced without it.
   */
  replace?: string;
}

/** What an acquire answers: the lease, with the one it replaced; or the live lease of another driver. */
export type DriverLeaseAcquisition =
  { acquired: true; lease: DriverLease; previous: DriverLease | null } | { acquired: false; holder: DriverLease };

/** The store's part of the driver lease: a compare-and-set acquire, a fenced renew and release, a read. */
export interface DriverLeases {
  /**
   * Takes the experiment's lease if nobody holds it, if its holder's lease expired, or if it is
   * held by `replace`; otherwise answers the holder. Atomic: of two drivers racing, one wins.
   * AUP_ERR_EXPERIMENT_NOT_FOUND if the experiment does not exist.
   */
  acquireDriverLease(request: DriverLeaseRequest): Promise<DriverLeaseAcquisition>;
  /** The holder's heartbeat: extends its lease to now + leaseMs; false if `token` no longer holds it. */
  renewDriverLease(experimentId: number, token: string, leaseMs: number): Promise<boolean>;
  /** Gives the lease up; false if `token` did not hold it (another driver took it over). */
  releaseDriverLease(experimentId: number, token: string): Promise<boolean>;
  /** The experiment's lease, live or expired; undefined when nobody holds it. */
  getDriverLease(experimentId: number): Promise<DriverLease | undefined>;
}

// The store's roles (docs/decisions/0024-store-roles.md): a consumer types against the roles it
// uses, so that what it needs of the store reads from its signature, and a fake for its tests
// implements only those. `Store` is their union, as openStore returns it.

/** An open store: which database, and closing it. */
export interface StoreHandle {
  readonly dialect: 'sqlite' | 'postgres';
  /** A printable form of the URL (password hidden). */
  readonly url: string;
  /** Waits for this process's queued writes, then closes the database; calling it again is harmless. */
  close(): Promise<void>;
}

/** Experiments: created by the runner, patched as they run, listed and deleted by the CLI and the board. */
export interface ExperimentStore {
  createExperiment(input: NewExperiment): Promise<ExperimentRecord>;
  getExperiment(id: number): Promise<ExperimentRecord | undefined>;
  listExperiments(): Promise<ExperimentRecord[]>;
  /** Sets the fields the patch names (undefined = unchanged, null = cleared); AUP_ERR_EXPERIMENT_NOT_FOUND if absent. */
  updateExperiment(id: number, patch: ExperimentPatch): Promise<void>;
  /** Deletes the experiment with its jobs and everything under them; AUP_ERR_EXPERIMENT_NOT_FOUND if absent. */
  deleteExperiment(id: number): Promise<void>;
}

/** Jobs and their attempts: the runner's per-job writes, and the reads of a job's state. */
export interface JobStore {
  /** Creates a queued job and, in the same transaction, stores the proposer snapshot taken after the ask. */
  createJob(input: NewJob, proposerState?: Json): Promise<JobRecord>;
  getJob(id: number): Promise<JobRecord | undefined>;
  /** The experiment's jobs in id order, each with its metrics. */
  listJobs(experimentId: number): Promise<JobRecord[]>;
  /**
   * Deletes one job with everything under it (attempts, results, records); when it was its
   * experiment's best job, the best remaining finished job takes its place. AUP_ERR_JOB_NOT_FOUND if absent.
   */
  deleteJob(id: number): Promise<void>;
  /** Sets the fields the patch names; `metrics` replaces the job's multiple results. AUP_ERR_JOB_NOT_FOUND if absent. */
  updateJob(id: number, patch: JobPatch): Promise<void>;
  /**
   * Records a job's final state and, in the same transaction, the experiment's best job and the
   * proposer snapshot taken after the tell. Nothing is lost if the process dies right after.
   * `endedAt` defaults to now; experiment fields left undefined are unchanged.
   */
  completeJob(
    id: number,
    patch: JobPatch & { status: JobStatus },
    experiment: { id: number; proposerState?: Json; bestJobId?: number | null; bestScore?: number | null; budgetUsedMs?: number },
    /** The end of the job's last attempt, written in the same transaction. */
    attempt?: { id: number; patch: AttemptPatch },
  ): Promise<void>;

  /** Records a running attempt started now, and raises the job's `attempts` to `input.attempt`. */
  startAttempt(input: NewAttempt): Promise<AttemptRecord>;
  updateAttempt(id: number, patch: AttemptPatch): Promise<void>;
  listAttempts(jobId: number): Promise<AttemptRecord[]>;
}

/** A job's results: intermediate results (the ingest's hot path), multiple results, text records, artifacts. */
export interface ResultStore {
  /**
   * Batched insert (one transaction, chunked to the dialect's parameter limit). With a fence, the
   * rows are written only while the fenced attempt is running and held by that worker; otherwise
   * nothing is written and AUP_ERR_LEASE_LOST is thrown (so are the two methods below).
   */
  addIntermediate(rows: IntermediateRecord[], fence?: AttemptFence): Promise<void>;
  /** Ordered by label, then step, then insertion. */
  listIntermediate(jobId: number, label?: string): Promise<IntermediateRecord[]>;
  /** Replaces the job's multiple results (the `metrics` of its JobRecord). */
  setMultipleResults(jobId: number, values: Record<string, number>): Promise<void>;
  addTextRecords(rows: TextRecord[], fence?: AttemptFence): Promise<void>;
  listTextRecords(jobId: number): Promise<TextRecord[]>;
  addArtifacts(rows: ArtifactRecord[], fence?: AttemptFence): Promise<void>;
  listArtifacts(jobId: number): Promise<ArtifactRecord[]>;
}

/** Requests to an experiment's runner, which may run elsewhere: written by the board or the CLI, taken and answered by the runner. */
export interface ControlRequestStore {
  /** Records a control request for the experiment's runner; AUP_ERR_EXPERIMENT_NOT_FOUND if absent. */
  requestControl(input: NewControlRequest): Promise<ControlRequest>;
  /** Atomically marks the experiment's untaken requests taken and returns them in id order (two runners never both take one). */
  takeControlRequests(experimentId: number): Promise<ControlRequest[]>;
  /** Records the runner's answer and when it was done; AUP_ERR_INTERNAL if no request has this id. */
  finishControlRequest(id: number, result: Json): Promise<void>;
  getControlRequest(id: number): Promise<ControlRequest | undefined>;
}

/**
 * Worker mode (job-leases.ts, docs/decisions/0010-worker-leases.md): the `aup worker` processes and
 * the queue of jobs they claim under leases. Lease times are judged by the database's clock on PostgreSQL.
 */
export interface WorkerQueue {
  /** Records an `aup worker` process, its start and heartbeat now (status defaults to 'running'). */
  registerWorker(input: NewWorker): Promise<WorkerRecord>;
  /** Every worker in id order, each with the jobs of its running attempts (workers.ts). */
  listWorkers(): Promise<WorkerRecord[]>;
  /**
   * Atomically claims up to `slots.length` queued jobs, oldest first, of running worker-mode
   * experiments the worker may take (experiment filter, tags): each becomes running with a new
   * attempt held by the worker until now + leaseMs. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
   * workers claiming at once never wait for each other nor take one job twice; SQLite: one
   * `BEGIN IMMEDIATE` transaction (writers take turns).
   */
  claimJobs(request: ClaimRequest): Promise<ClaimedJob[]>;
  /**
   * The worker's heartbeat: extends the lease of every attempt it still holds to now + leaseMs and
   * marks the worker alive; answers those attempts (one missing was requeued: the worker lost it).
   */
  renewLeases(workerId: number, leaseMs: number): Promise<HeldAttempt[]>;
  /**
   * Records the end of an attempt the fence still holds; false (nothing written) if the attempt was
   * lost. The job stays running (the driver completes it), or is queued again with `requeue`.
   */
  finishAttempt(fence: AttemptFence, outcome: WorkerAttemptOutcome): Promise<boolean>;
  /** Records the pid of a held attempt's process; false if the attempt was lost. */
  setAttemptPid(fence: AttemptFence, pid: number): Promise<boolean>;
  /** Interrupts running attempts whose lease ran out, queues their jobs again, marks silent workers dead. */
  requeueExpired(): Promise<RequeuedAttempt[]>;
  /** The current attempt of each running job of the experiment, in job id order (the driver's poll). */
  listReportedAttempts(experimentId: number): Promise<ReportedAttempt[]>;
  /** Asks the worker running the job's current attempt to stop it; false if no attempt of the job is running. */
  requestJobStop(jobId: number, request: StopRequest): Promise<boolean>;
  /** A queued job becomes interrupted, so no worker claims it; false if it was not queued (a worker took it). */
  withdrawQueuedJob(jobId: number): Promise<boolean>;
  /** Sets a worker's status (`stopped` on a clean exit). */
  setWorkerStatus(workerId: number, status: string): Promise<void>;
}

/** The change feed (docs/decisions/0005-change-feed.md): every committed mutation the board shows, in commit order. */
export interface ChangeFeed {
  /** Changes with id > `after` in id order (optionally of one experiment), at most `limit` (default 1,000). */
  listChanges(after: number, opts?: { experimentId?: number; limit?: number }): Promise<ChangeRecord[]>;
  /** The id of the newest change, 0 when there is none. */
  lastChangeId(): Promise<number>;
}

/**
 * One experiment of another tool, in aup's terms, as a reader of that tool's store made it
 * (packages/core/src/import/). `syncImport` writes it; the same input again changes nothing.
 */
export interface ImportedExperiment {
  /** The tool it came from ('auptimizer', 'optuna'). */
  tool: string;
  /**
   * What names it among every source, e.g. `optuna:sqlite:///abs/path.db#study=3`: a second import
   * of the same key updates the experiment made by the first instead of making another.
   */
  sourceKey: string;
  experiment: ImportedExperimentFields;
  /**
   * Its trials: every one on a first import, or only those new or changed since the cursor on a
   * later one (a trial left out is left as it was). Each `sourceKey` at most once per call.
   */
  jobs: ImportedJob[];
  /** The reader's position in the source, kept for the next sync (`--follow`). */
  cursor: Json;
}

/** The experiment row of an import; written on the first sync, its changeable fields on each. */
export interface ImportedExperimentFields extends NewExperiment {
  status: ExperimentStatus;
  error?: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

/** One trial of an import, in aup's terms. */
export interface ImportedJob {
  /** What names it within its experiment in the source (Auptimizer's jid, Optuna's trial_id). */
  sourceKey: string;
  /** Its position in the experiment (0, 1, ...), as aup's trial numbers. */
  trial: number;
  status: JobStatus;
  params: Params;
  budget?: number | null;
  extra?: Json;
  score: number | null;
  metrics?: Record<string, number>;
  intermediate?: Omit<IntermediateRecord, 'jobId'>[];
  records?: Omit<TextRecord, 'jobId'>[];
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Where it ran, when the source says (shown as its one attempt's host). */
  host?: string | null;
}

/** What one `syncImport` did. */
export interface ImportSyncResult {
  experimentId: number;
  /** Whether this call made the experiment (false: an earlier import had). */
  created: boolean;
  jobsAdded: number;
  jobsUpdated: number;
  jobsUnchanged: number;
}

/** The import an experiment came from. */
export interface ImportRecord {
  experimentId: number;
  tool: string;
  sourceKey: string;
  cursor: Json;
  syncedAt: number;
}

/** Experiments brought in from other tools' stores (imports.ts, docs/decisions/0029-imports.md). */
export interface ImportStore {
  /**
   * Writes an imported experiment and its trials: the experiment on the first call for its key,
   * then new trials added, changed ones (by fingerprint) replaced whole with their results, and
   * unchanged ones left alone; the best job recomputed by the runner's rule. Trials are written in
   * transactions of a few thousand, each committing the trials with their mapping, so a sync cut
   * short leaves whole trials and the next sync completes it.
   */
  syncImport(input: ImportedExperiment): Promise<ImportSyncResult>;
  /** The import with this source key, if one was made. */
  findImport(sourceKey: string): Promise<ImportRecord | undefined>;
  /** The import an experiment came from; undefined for an experiment aup ran. */
  getImport(experimentId: number): Promise<ImportRecord | undefined>;
}

/** The board's queries, answered in SQL (board/, docs/decisions/0006-job-queries.md). */
export interface BoardQueries {
  /** A page of an experiment's jobs sorted, filtered and searched in SQL; unknown columns are AUP_ERR_BAD_QUERY. */
  queryJobs(q: JobQuery): Promise<JobQueryResult>;
  /** Every experiment, newest first, with its job counts per status (grouped queries, no job rows). */
  experimentSummaries(): Promise<ExperimentSummaryRecord[]>;
  /** Intermediate series of the given jobs, downsampled in SQL to at most `points` values, each keeping its min and max. */
  intermediateSeries(q: SeriesQuery): Promise<IntermediateSeries[]>;
  /** Best score so far of each experiment over trial index or end time, one point per improvement. */
  bestSoFar(experimentIds: number[], opts: { x: BestSoFarX }): Promise<BestSoFarSeries[]>;
}

/**
 * The one storage interface (docs/architecture.md §3), the union of the roles above, implemented
 * over Kysely for SQLite and PostgreSQL. Every multi-row write is one transaction.
 */
export interface Store
  extends
    StoreHandle,
    ExperimentStore,
    JobStore,
    ResultStore,
    ControlRequestStore,
    WorkerQueue,
    DriverLeases,
    ChangeFeed,
    BoardQueries,
    ImportStore {}
