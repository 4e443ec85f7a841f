// The wire shape of GET /api/v1/experiments/:id (the server's ExperimentDetail schema).
import type { ExperimentSummary } from '../experiment-list/experiment-summary.js';
import { arrayAt, numberAt, objectAt } from './parse.js';

export type JobStatus = 'queued' | 'running' | 'finished' | 'failed' | 'early_stopped' | 'interrupted';
/** A hyperparameter value as the API sends it. */
export type ParamValue = number | string | boolean;

/** How many jobs are in each status. */
export type JobCounts = Record<JobStatus, number>;

/** One experiment in full; also what the `data` property of `<aup-experiment-overview>` takes. */
export interface ExperimentDetail extends ExperimentSummary {
  error: string | null;
  /** The normalised experiment config. */
  config: unknown;
  best_job: { id: number; trial: number; score: number | null; params: Record<string, ParamValue> } | null;
  job_counts: JobCounts;
  /** The machine the experiment was created on (os, cores, node, hostname, ...); absent from older boards. */
  host?: Record<string, unknown> | null;
  /** The working directory's git state when it was created; null outside a repository. */
  git?: { commit: string | null; branch: string | null; dirty: boolean } | null;
}

/** Reads the body of GET /experiments/:id. */
export function parseExperimentDetail(json: unknown): ExperimentDetail {
  const o = objectAt(json, 'experiment');
  numberAt(o, 'id', 'experiment');
  objectAt(o['job_counts'], 'experiment.job_counts');
  if (o['best_job'] !== null && o['best_job'] !== undefined) objectAt(o['best_job'], 'experiment.best_job');
  return o as unknown as ExperimentDetail;
}

/** Reads the body of GET /experiments. */
export function parseExperimentSummaries(json: unknown): ExperimentSummary[] {
  const list = arrayAt(objectAt(json, 'body')['experiments'], 'body.experiments');
  list.forEach((row, i) => numberAt(objectAt(row, `experiments[${i}]`), 'id', `experiments[${i}]`));
  return list as ExperimentSummary[];
}
