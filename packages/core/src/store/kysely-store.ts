import type { Json, JobStatus } from '../types.js';
import { bestSoFar } from './board/best-so-far.js';
import { experimentSummaries } from './board/experiment-summaries.js';
import { intermediateSeries } from './board/intermediate-series.js';
import { queryJobs } from './board/job-page.js';
import * as feed from './change-feed.js';
import * as control from './control-requests.js';
import type { StoreBackend } from './dialect/dialect.js';
import * as driverLeases from './driver-leases.js';
import * as experiments from './experiments.js';
import type {
  BestSoFarSeries,
  BestSoFarX,
  ExperimentSummaryRecord,
  IntermediateSeries,
  JobQuery,
  JobQueryResult,
  SeriesQuery,
} from './job-query.js';
import * as leases from './job-leases.js';
import * as imports from './imports.js';
import * as jobs from './jobs.js';
import * as results from './results.js';
import type { StoreContext } from './store-context.js';
import type {
  ArtifactRecord,
  AttemptFence,
  AttemptPatch,
  AttemptRecord,
  ChangeRecord,
  ClaimedJob,
  ClaimRequest,
  ControlRequest,
  DriverLease,
  DriverLeaseAcquisition,
  DriverLeaseRequest,
  ExperimentPatch,
  ExperimentRecord,
  HeldAttempt,
  ImportedExperiment,
  ImportRecord,
  ImportSyncResult,
  IntermediateRecord,
  JobPatch,
  JobRecord,
  NewAttempt,
  NewControlRequest,
  NewExperiment,
  NewJob,
  NewWorker,
  ReportedAttempt,
  RequeuedAttempt,
  StopRequest,
  Store,
  TextRecord,
  WorkerAttemptOutcome,
  WorkerRecord,
} from './store-types.js';
import * as workers from './workers.js';

/**
 * The Store over Kysely: one implementation for SQLite and PostgreSQL (docs/architecture.md §3). It
 * holds the context every store module is handed, and forwards each method of each role to the
 * module of that role; the dialect's differences are in its StoreBackend (dialect/<name>/).
 */
export class KyselyStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly url: string;
  readonly #ctx: StoreContext;
  readonly #backend: StoreBackend;
  #closing: Promise<void> | undefined;

  constructor(backend: StoreBackend) {
    this.#backend = backend;
    this.#ctx = { db: backend.db, dialect: backend.dialect, write: backend.write };
    this.dialect = backend.dialect.name;
    this.url = backend.url;
  }

  close(): Promise<void> {
    this.#closing ??= this.#backend.close();
    return this.#closing;
  }

  // ExperimentStore (experiments.ts)
  createExperiment(input: NewExperiment): Promise<ExperimentRecord> {
    return experiments.createExperiment(this.#ctx, input);
  }
  getExperiment(id: number): Promise<ExperimentRecord | undefined> {
    return experiments.getExperiment(this.#ctx, id);
  }
  listExperiments(): Promise<ExperimentRecord[]> {
    return experiments.listExperiments(this.#ctx);
  }
  updateExperiment(id: number, patch: ExperimentPatch): Promise<void> {
    return experiments.updateExperiment(this.#ctx, id, patch);
  }
  deleteExperiment(id: number): Promise<void> {
    return experiments.deleteExperiment(this.#ctx, id);
  }

  // JobStore (jobs.ts)
  createJob(input: NewJob, proposerState?: Json): Promise<JobRecord> {
    return jobs.createJob(this.#ctx, input, proposerState);
  }
  getJob(id: number): Promise<JobRecord | undefined> {
    return jobs.getJob(this.#ctx, id);
  }
  listJobs(experimentId: number): Promise<JobRecord[]> {
    return jobs.listJobs(this.#ctx, experimentId);
  }
  deleteJob(id: number): Promise<void> {
    return jobs.deleteJob(this.#ctx, id);
  }
  updateJob(id: number, patch: JobPatch): Promise<void> {
    return jobs.updateJob(this.#ctx, id, patch);
  }
  completeJob(
    id: number,
    patch: JobPatch & { status: JobStatus },
    experiment: jobs.CompletedExperiment,
    attempt?: { id: number; patch: AttemptPatch },
  ): Promise<void> {
    return jobs.completeJob(this.#ctx, id, patch, experiment, attempt);
  }
  startAttempt(input: NewAttempt): Promise<AttemptRecord> {
    return jobs.startAttempt(this.#ctx, input);
  }
  updateAttempt(id: number, patch: AttemptPatch): Promise<void> {
    return jobs.updateAttempt(this.#ctx, id, patch);
  }
  listAttempts(jobId: number): Promise<AttemptRecord[]> {
    return jobs.listAttempts(this.#ctx, jobId);
  }

  // ResultStore (results.ts)
  addIntermediate(rows: IntermediateRecord[], fence?: AttemptFence): Promise<void> {
    return results.addIntermediate(this.#ctx, rows, fence);
  }
  listIntermediate(jobId: number, label?: string): Promise<IntermediateRecord[]> {
    return results.listIntermediate(this.#ctx, jobId, label);
  }
  setMultipleResults(jobId: number, values: Record<string, number>): Promise<void> {
    return results.setMultipleResults(this.#ctx, jobId, values);
  }
  addTextRecords(rows: TextRecord[], fence?: AttemptFence): Promise<void> {
    return results.addTextRecords(this.#ctx, rows, fence);
  }
  listTextRecords(jobId: number): Promise<TextRecord[]> {
    return results.listTextRecords(this.#ctx, jobId);
  }
  addArtifacts(rows: ArtifactRecord[], fence?: AttemptFence): Promise<void> {
    return results.addArtifacts(this.#ctx, rows, fence);
  }
  listArtifacts(jobId: number): Promise<ArtifactRecord[]> {
    return results.listArtifacts(this.#ctx, jobId);
  }

  // ControlRequests (control-requests.ts)
  requestControl(input: NewControlRequest): Promise<ControlRequest> {
    return control.insertControlRequest(this.#ctx, input);
  }
  takeControlRequests(experimentId: number): Promise<ControlRequest[]> {
    return control.takeControlRequests(this.#ctx, experimentId);
  }
  finishControlRequest(id: number, result: Json): Promise<void> {
    return control.finishControlRequest(this.#ctx, id, result);
  }
  getControlRequest(id: number): Promise<ControlRequest | undefined> {
    return control.getControlRequest(this.#ctx, id);
  }

  // WorkerQueue: workers (workers.ts), claims, leases and requeue (job-leases.ts)
  registerWorker(input: NewWorker): Promise<WorkerRecord> {
    return workers.insertWorker(this.#ctx, input);
  }
  listWorkers(): Promise<WorkerRecord[]> {
    return workers.listWorkers(this.#ctx);
  }
  claimJobs(request: ClaimRequest): Promise<ClaimedJob[]> {
    return leases.claimJobs(this.#ctx, request);
  }
  renewLeases(workerId: number, leaseMs: number): Promise<HeldAttempt[]> {
    return leases.renewLeases(this.#ctx, workerId, leaseMs);
  }
  finishAttempt(fence: AttemptFence, outcome: WorkerAttemptOutcome): Promise<boolean> {
    return leases.finishAttempt(this.#ctx, fence, outcome);
  }
  requeueExpired(): Promise<RequeuedAttempt[]> {
    return leases.requeueExpired(this.#ctx);
  }
  listReportedAttempts(experimentId: number): Promise<ReportedAttempt[]> {
    return leases.listReportedAttempts(this.#ctx, experimentId);
  }
  setAttemptPid(fence: AttemptFence, pid: number): Promise<boolean> {
    return leases.setAttemptPid(this.#ctx, fence, pid);
  }
  requestJobStop(jobId: number, request: StopRequest): Promise<boolean> {
    return leases.requestJobStop(this.#ctx, jobId, request);
  }
  withdrawQueuedJob(jobId: number): Promise<boolean> {
    return leases.withdrawQueuedJob(this.#ctx, jobId);
  }
  setWorkerStatus(workerId: number, status: string): Promise<void> {
    return leases.setWorkerStatus(this.#ctx, workerId, status);
  }

  // DriverLeases (driver-leases.ts)
  acquireDriverLease(request: DriverLeaseRequest): Promise<DriverLeaseAcquisition> {
    return driverLeases.acquireDriverLease(this.#ctx, request);
  }
  renewDriverLease(experimentId: number, token: string, leaseMs: number): Promise<boolean> {
    return driverLeases.renewDriverLease(this.#ctx, experimentId, token, leaseMs);
  }
  releaseDriverLease(experimentId: number, token: string): Promise<boolean> {
    return driverLeases.releaseDriverLease(this.#ctx, experimentId, token);
  }
  getDriverLease(experimentId: number): Promise<DriverLease | undefined> {
    return driverLeases.getDriverLease(this.#ctx, experimentId);
  }

  // ChangeFeed (change-feed.ts)
  listChanges(after: number, opts?: { experimentId?: number; limit?: number }): Promise<ChangeRecord[]> {
    return feed.listChanges(this.#ctx, after, opts);
  }
  lastChangeId(): Promise<number> {
    return feed.lastChangeId(this.#ctx);
  }

  // BoardQueries (board/)
  queryJobs(q: JobQuery): Promise<JobQueryResult> {
    return queryJobs(this.#ctx, q);
  }
  experimentSummaries(): Promise<ExperimentSummaryRecord[]> {
    return experimentSummaries(this.#ctx);
  }
  intermediateSeries(q: SeriesQuery): Promise<IntermediateSeries[]> {
    return intermediateSeries(this.#ctx, q);
  }
  bestSoFar(experimentIds: number[], opts: { x: BestSoFarX }): Promise<BestSoFarSeries[]> {
    return bestSoFar(this.#ctx, experimentIds, opts);
  }

  // ImportStore (imports.ts)
  syncImport(input: ImportedExperiment): Promise<ImportSyncResult> {
    return imports.syncImport(this.#ctx, input);
  }
  findImport(sourceKey: string): Promise<ImportRecord | undefined> {
    return imports.findImport(this.#ctx, sourceKey);
  }
  getImport(experimentId: number): Promise<ImportRecord | undefined> {
    return imports.getImport(this.#ctx, experimentId);
  }
}
