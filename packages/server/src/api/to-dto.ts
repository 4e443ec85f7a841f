import { hostnameOfInfo, type ExperimentRecord, type ExperimentSummaryRecord, type JobRecord, type JobStatus } from '@aup/core';

import { noJobCounts, type ExperimentDetail, type ExperimentSummary, type JobCounts, type JobSummary } from './schemas.js';

/** Job statuses after which the job no longer runs and has used up its sample. */
const DONE_STATUSES: ReadonlySet<JobStatus> = new Set(['finished', 'failed', 'early_stopped']);

/** Epoch milliseconds to an ISO 8601 string (UTC); null stays null. */
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** JSON has no NaN or Infinity; a score that is not finite is shown as missing rather than breaking the response. */
export function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

function finiteMetrics(metrics: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(metrics)) if (Number.isFinite(value)) out[name] = value;
  return out;
}

function jobsDone(counts: JobCounts): number {
  let n = 0;
  for (const s of DONE_STATUSES) n += counts[s];
  return n;
}

/** Counts jobs per status, every status present (zero when no job has it). */
export function countJobs(jobs: readonly JobRecord[]): JobCounts {
  const counts = noJobCounts();
  for (const job of jobs) counts[job.status] += 1;
  return counts;
}

/** The list row of one experiment. */
export function toExperimentSummary(exp: ExperimentRecord, jobs: readonly JobRecord[]): ExperimentSummary {
  return toExperimentSummaryOf(exp, countJobs(jobs));
}

/** The list row of one experiment from its job counts (an experiment's jobs need not be read). */
export function toExperimentSummaryOf(exp: ExperimentRecord, counts: JobCounts): ExperimentSummary {
  return {
    id: exp.id,
    name: exp.name,
    status: exp.status,
    proposer: exp.proposer,
    target: exp.target,
    n_samples: exp.nSamples,
    jobs_done: jobsDone(counts),
    best_score: finiteOrNull(exp.bestScore),
    user: exp.user,
    hostname: hostnameOfInfo(exp.host),
    created_at: new Date(exp.createdAt).toISOString(),
    started_at: isoTime(exp.startedAt),
    ended_at: isoTime(exp.endedAt),
    imported_from: exp.importedFrom,
    stop_reason: exp.stopReason,
  };
}

/** The list row of one experiment from the store's grouped counts (no job rows read). */
export function toSummaryOfRecord(e: ExperimentSummaryRecord): ExperimentSummary {
  return {
    id: e.id,
    name: e.name,
    status: e.status as ExperimentSummary['status'],
    proposer: e.proposer,
    target: e.target,
    n_samples: e.nSamples,
    jobs_done: jobsDone(e.jobCounts),
    best_score: finiteOrNull(e.bestScore),
    user: e.user,
    hostname: e.hostname,
    created_at: new Date(e.createdAt).toISOString(),
    started_at: isoTime(e.startedAt),
    ended_at: isoTime(e.endedAt),
    imported_from: e.importedFrom,
    stop_reason: e.stopReason as ExperimentSummary['stop_reason'],
  };
}

/**
 * One experiment with its normalised config, best job and job counts, from the counts and the best
 * job alone: showing an experiment never reads its jobs (at 100,000 jobs that took seconds and
 * 680 MB: docs/benchmarks.md).
 */
export function toExperimentDetailOf(exp: ExperimentRecord, counts: JobCounts, best: JobRecord | undefined): ExperimentDetail {
  const own = best !== undefined && best.experimentId === exp.id ? best : undefined;
  return {
    ...toExperimentSummaryOf(exp, counts),
    error: exp.error,
    config: exp.config,
    best_job: own ? { id: own.id, trial: own.trial, score: finiteOrNull(own.score), params: own.params } : null,
    job_counts: counts,
    warm_start: exp.warmStart === null ? null : { experiments: exp.warmStart.experiments, jobs: exp.warmStart.jobIds.length },
    host: exp.host,
    git: exp.git,
  };
}

/** The row of one job in a job page. */
export function toJobSummary(job: JobRecord): JobSummary {
  return {
    id: job.id,
    trial: job.trial,
    status: job.status,
    score: finiteOrNull(job.score),
    metrics: finiteMetrics(job.metrics),
    params: job.params,
    budget: job.budget,
    attempts: job.attempts,
    started_at: isoTime(job.startedAt),
    ended_at: isoTime(job.endedAt),
  };
}
