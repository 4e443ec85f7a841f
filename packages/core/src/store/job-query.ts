import type { JobStatus } from '../types.js';
import type { JobRecord } from './store-types.js';

// The board's queries as the store answers them (the BoardQueries role; docs/decisions/0006-job-queries.md):
// their requests, answers and limits. The queries themselves are in board/, one module per family.

/** Job columns a query may sort or filter by, besides `param:<name>` and `metric:<label>`. */
export const JOB_QUERY_COLUMNS = [
  'id',
  'trial',
  'status',
  'score',
  'budget',
  'attempts',
  'created_at',
  'started_at',
  'ended_at',
  'duration',
] as const;
export type JobQueryColumn = (typeof JOB_QUERY_COLUMNS)[number];

/** Comparators of a job filter. */
export const JOB_FILTER_OPS = ['=', '!=', '<', '<=', '>', '>=', 'contains'] as const;
export type JobFilterOp = (typeof JOB_FILTER_OPS)[number];

export interface JobFilter {
  /** A JOB_QUERY_COLUMNS name, `param:<name>` or `metric:<label>`. */
  column: string;
  op: JobFilterOp;
  value: string | number;
}

export interface JobQuery {
  experimentId: number;
  sort?: { column: string; order: 'asc' | 'desc' };
  /** All must hold (AND). A filter matches only jobs where the column has a value. */
  filters?: JobFilter[];
  /** Case-insensitive substring of the job's id, status or params JSON (names and values). */
  search?: string;
  offset: number;
  limit: number;
  /** Only these jobs (still within the experiment). */
  jobIds?: number[];
  /**
   * How the page is read: `walk` follows the sort column's index and stops after the page, `sort`
   * sorts the matches. Chosen from the number of matches when omitted; either gives the same page
   * (the conformance suite checks both).
   */
  plan?: 'walk' | 'sort';
}

export interface JobQueryResult {
  /** Jobs matching the filters, search and jobIds, regardless of the page. */
  total: number;
  jobs: JobRecord[];
}

/** One experiment's list row: the light columns of the experiment and its job counts. */
export interface ExperimentSummaryRecord {
  id: number;
  name: string;
  user: string;
  /** The hostname of the machine the experiment was created on (from its host info), or null. */
  hostname: string | null;
  proposer: string;
  target: 'min' | 'max';
  nSamples: number;
  status: string;
  bestJobId: number | null;
  bestScore: number | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** The tool it was imported from; null for an experiment aup ran. */
  importedFrom: string | null;
  /** Why it ended (statuses.ts STOP_REASONS); null while it runs or when unknown. */
  stopReason: string | null;
  /** Jobs per status, every status present. */
  jobCounts: Record<JobStatus, number>;
  jobsTotal: number;
}

export interface SeriesQuery {
  jobIds: number[];
  /** Only these labels; all labels when omitted. */
  labels?: string[];
  /** Most points returned across all series together. */
  points: number;
}

/** One job's values of one label, in step order, possibly downsampled. */
export interface IntermediateSeries {
  jobId: number;
  label: string;
  steps: number[];
  values: number[];
  /** Values stored for this series (more than `steps.length` when downsampled). */
  count: number;
}

export type BestSoFarX = 'index' | 'time';

/** An experiment's best score so far, one point per improvement. */
export interface BestSoFarSeries {
  experimentId: number;
  target: 'min' | 'max';
  /** `index`: the job's trial number (0-based); `time`: the job's end, epoch ms. */
  x: number[];
  best: number[];
  /** The job that set each new best. */
  jobIds: number[];
}

/** Two points a series at least: its minimum and its maximum. */
export const MIN_POINTS_PER_SERIES = 2;
/** Most job ids one series or query request may name (bound parameters stay under SQLite's limit). */
export const MAX_QUERY_JOB_IDS = 5_000;
