import type { Selectable } from 'kysely';

import type { ExperimentStatus, ExperimentStopReason, Json, JobStatus, Params } from '../types.js';
import type { ExperimentTable, JobAttemptTable, JobTable } from './schema.js';
import type { AttemptRecord, ExperimentRecord, ExperimentWorkers, JobRecord, WarmStartRecord } from './store-types.js';

// Rows to records, and the JSON columns: shared by every store module, so they depend on nothing
// but the schema and the record types.

export function toJson(value: Json): string {
  // JSON.stringify(undefined) is undefined; a missing value is stored as JSON null.
  return JSON.stringify(value) ?? 'null';
}

export function fromJson(text: string): Json {
  return JSON.parse(text) as Json;
}

/** Parses a JSON column that PostgreSQL hands over as text (open-postgres.ts) and SQLite stores as text. */
export function parseJson(text: unknown): unknown {
  return typeof text === 'string' ? JSON.parse(text) : text;
}

export function toExperiment(r: Selectable<ExperimentTable>): ExperimentRecord {
  return {
    id: r.id,
    name: r.name,
    user: r.user_name,
    proposer: r.proposer,
    target: r.target as 'min' | 'max',
    nSamples: r.n_samples,
    status: r.status as ExperimentStatus,
    configRaw: fromJson(r.config_raw),
    config: fromJson(r.config),
    workingDir: r.working_dir,
    host: fromJson(r.host),
    git: fromJson(r.git),
    proposerState: fromJson(r.proposer_state),
    bestJobId: r.best_job_id,
    bestScore: r.best_score,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    workers: toExperimentWorkers(r.workers, r.worker_tags),
    jobDir: r.job_dir,
    importedFrom: r.imported_from,
    stopReason: r.stop_reason as ExperimentStopReason | null,
    budgetUsedMs: Number(r.budget_used_ms),
    warmStart: r.warm_start === null ? null : toWarmStart(parseJson(r.warm_start)),
  };
}

/** A stored warm-start record, read defensively: a value that is not one is no warm start. */
function toWarmStart(value: unknown): WarmStartRecord | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Partial<WarmStartRecord>;
  if (!Array.isArray(v.experiments) || !Array.isArray(v.jobIds)) return null;
  return { experiments: v.experiments, jobIds: v.jobIds };
}

/** The worker mode of an experiment row: null unless its jobs are left to `aup worker` processes. */
export function toExperimentWorkers(mode: string | null, tags: string): ExperimentWorkers | null {
  if (mode !== 'external') return null;
  const list = parseJson(tags);
  return { mode: 'external', tags: Array.isArray(list) ? list.map(String) : [] };
}

/** A job row and its metrics as a JobRecord. */
export function toJob(r: Selectable<JobTable>, metrics: Record<string, number>): JobRecord {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    trial: r.trial,
    status: r.status as JobStatus,
    params: fromJson(r.params) as Params,
    budget: r.budget,
    extra: fromJson(r.extra),
    score: r.score,
    metrics,
    attempts: r.attempts,
    warnings: fromJson(r.warnings) as string[],
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

/** An attempt row as an AttemptRecord. */
export function toAttempt(r: Selectable<JobAttemptTable>): AttemptRecord {
  return {
    id: r.id,
    jobId: r.job_id,
    attempt: r.attempt,
    kind: r.kind === 'save_model' ? 'save_model' : 'trial',
    status: r.status as JobStatus,
    host: r.host,
    pid: r.pid,
    workerId: r.worker_id,
    slot: r.slot,
    exitCode: r.exit_code,
    score: r.score,
    error: r.error,
    logPath: r.log_path,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    leaseExpiresAt: r.lease_expires_at,
    stopRequest: (r.stop_request ?? null) as AttemptRecord['stopRequest'],
  };
}

export function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
