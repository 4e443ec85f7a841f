// The wire shapes of GET /api/v1/experiments and GET /api/v1/experiments/:id (wire.ts, printed from
// the server's schemas), as the elements take them.
import { arrayAt, numberAt, objectAt } from './parse.js';
import type {
  ExperimentDetail as WireExperimentDetail,
  ExperimentStatus,
  ExperimentSummary as WireExperimentSummary,
  JobCounts,
  JobStatus,
  ParamValue,
  StopReason,
  WarmStart,
} from './wire.js';

export type { ExperimentStatus, JobCounts, JobStatus, ParamValue, StopReason, WarmStart };

/**
 * One experiment as the board API lists it; also what the `data` property of
 * `<aup-experiment-list>` takes. `hostname` may be left out of plain data (and older boards omit it).
 */
export interface ExperimentSummary extends Omit<WireExperimentSummary, 'hostname' | 'stop_reason'> {
  /** The machine the experiment was created on; absent or null when unknown. */
  hostname?: string | null;
  /** Why it ended (a stop rule, its jobs ran out, a stop, a failure); absent from older boards. */
  stop_reason?: StopReason | null;
}

/** The working directory's git state when an experiment was created. */
export interface GitState {
  commit: string | null;
  branch: string | null;
  dirty: boolean;
}

/**
 * One experiment in full; also what the `data` property of `<aup-experiment-overview>` takes. The
 * API sends `host` and `git` as free JSON; here they have the outline the elements read.
 */
export interface ExperimentDetail
  extends ExperimentSummary, Omit<WireExperimentDetail, 'hostname' | 'host' | 'git' | 'stop_reason' | 'warm_start'> {
  /** What its warm start told the proposer first; absent from older boards, null without one. */
  warm_start?: WarmStart | null;
  /** The machine the experiment was created on (os, cores, node, hostname, ...); absent from older boards. */
  host?: Record<string, unknown> | null;
  /** The working directory's git state when it was created; null outside a repository. */
  git?: GitState | null;
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
