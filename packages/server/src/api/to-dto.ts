import type { ExperimentRecord, JobRecord, JobStatus } from '@aup/core';

import type { ExperimentDetail, ExperimentSummary, JobCounts, JobSummary } from './schemas.js';

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

/** Counts jobs per status, every status present (zero when no job has it). */
export function countJobs(jobs: readonly JobRecord[]): JobCounts {
  const counts: JobCounts = { queued: 0, running: 0, finished: 0, failed: 0, early_stopped: 0, interrupted: 0 };
  for (const job of jobs) counts[job.status] += 1;
  return counts;
}

/** The list row of one experiment. */
export function toExperimentSummary(exp: ExperimentRecord, jobs: readonly JobRecord[]): ExperimentSummary {
  return {
    id: exp.id,
    name: exp.name,
    status: exp.status,
    proposer: exp.proposer,
    target: exp.target,
    n_samples: exp.nSamples,
    jobs_done: jobs.filter((j) => DONE_STATUSES.has(j.status)).length,
    best_score: finiteOrNull(exp.bestScore),
    user: exp.user,
    created_at: new Date(exp.createdAt).toISOString(),
    started_at: isoTime(exp.startedAt),
    ended_at: isoTime(exp.endedAt),
  };
}

/** One experiment with its normalised config, best job and job counts. */
export function toExperimentDetail(exp: ExperimentRecord, jobs: readonly JobRecord[]): ExperimentDetail {
  const best = exp.bestJobId === null ? undefined : jobs.find((j) => j.id === exp.bestJobId);
  return {
    ...toExperimentSummary(exp, jobs),
    error: exp.error,
    config: exp.config,
    best_job: best ? { id: best.id, trial: best.trial, score: finiteOrNull(best.score), params: best.params } : null,
    job_counts: countJobs(jobs),
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
