/**
 * Auptimizer's job rows as aup's trials (ImportedJob): its status and score mapped to aup's
 * (docs/reference/cli.md, `aup import auptimizer`), its job_config split into the parameters and
 * the keys Auptimizer's proposers added, its intermediate and multiple results as aup's series and
 * metrics, named as aup's runner names those of `#Auptimizer:` lines (attempt-recorder.ts).
 */
import type { ImportedJob } from '../../store/store-types.js';
import type { Json, JobStatus, JsonObject, Params } from '../../types.js';
import { SCORE_LABEL } from '../../runner/attempt-recorder.js';
import { parsePythonish } from './python-literal.js';
import type { IntermediateRow, JobRow, MultipleRow, ResourceRow } from './source-db.js';

/**
 * Keys Auptimizer's proposers write into a job's config beside the parameters: `tid` (BOHB,
 * Hyperband, Hyperopt), `n_iterations` (BOHB and Hyperband's budget), `job_id` (Spearmint),
 * `save_model` and `folder_name` (the best job's re-run), `aup_iterations` (early stopping).
 */
export const PROPOSER_KEYS: ReadonlySet<string> = new Set(['tid', 'n_iterations', 'job_id', 'save_model', 'folder_name', 'aup_iterations']);

/** What Auptimizer wrote as a job's score when there was none to write (its resource managers). */
const EARLY_STOPPED_SCORE = 'EARLY STOPPED';

export interface JobContext {
  /** The search space's parameter names (dotted for a template's): the rest of a job's config is `extra`. */
  paramNames: ReadonlySet<string>;
  /** Names of the extra values of result lines, in order (`multi_res_labels`). */
  labels: readonly string[];
  intermediate: ReadonlyMap<number, IntermediateRow[]>;
  multiple: ReadonlyMap<number, MultipleRow[]>;
  resources: ReadonlyMap<number, ResourceRow>;
  /** Told each thing of a job that could not be read as it is. */
  warn: (message: string) => void;
}

/** Seconds since the epoch (Auptimizer's `strftime('%s')`) as milliseconds; null for no time. */
export function millis(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.round(n * 1000) : null;
}

function finiteNumber(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?[\d.]/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** The trials of one experiment, in Auptimizer's job order (trial 0, 1, ...). */
export function toJobs(rows: readonly JobRow[], ctx: JobContext, fallbackTime: number): ImportedJob[] {
  return rows.map((row, trial) => toJob(row, trial, ctx, fallbackTime));
}

function toJob(row: JobRow, trial: number, ctx: JobContext, fallbackTime: number): ImportedJob {
  const startedAt = millis(row.startTime);
  const endedAt = millis(row.endTime);
  const { params, budget, extra } = splitJobConfig(row, ctx);
  const series = seriesOf(row.jid, ctx, startedAt ?? fallbackTime);
  const { status, score } = statusOf(row, series.lastScore);
  const job: ImportedJob = {
    sourceKey: String(row.jid),
    trial,
    status,
    params,
    budget,
    extra,
    score,
    metrics: series.metrics,
    intermediate: series.points,
    createdAt: startedAt ?? fallbackTime,
    startedAt,
    endedAt,
    host: hostOf(row.rid, ctx.resources),
  };
  return job;
}

/**
 * aup's status and score of a job. With a status column (every release but the first): FINISHED
 * with a numeric score is finished, EARLY_STOPPED early_stopped (its score the last result it
 * reported, as aup's runner keeps it), FAILED failed, RUNNING interrupted (the job did not end under
 * Auptimizer; the -999 `aup.setupdb.reset` writes is no score). Without one: a numeric score is
 * finished, "EARLY STOPPED" early_stopped, any other score or none with an end time failed, and no
 * end time interrupted.
 */
function statusOf(row: JobRow, lastScore: number | null): { status: JobStatus; score: number | null } {
  const numeric = finiteNumber(row.score);
  const status = row.status?.toUpperCase();
  if (status === 'EARLY_STOPPED' || (status === undefined && row.score === EARLY_STOPPED_SCORE)) {
    return { status: 'early_stopped', score: lastScore };
  }
  if (status === 'RUNNING') return { status: 'interrupted', score: null };
  if (status === 'FAILED') return { status: 'failed', score: null };
  if (numeric !== null) return { status: 'finished', score: numeric };
  if (status === undefined && row.score === null && millis(row.endTime) === null) return { status: 'interrupted', score: null };
  return { status: 'failed', score: null };
}

/** Where a job ran: Auptimizer's resource (its name, type and id: `localhost cpu#7`). */
function hostOf(rid: number | null, resources: ReadonlyMap<number, ResourceRow>): string | null {
  if (rid === null) return null;
  const r = resources.get(rid);
  return `${r?.name ?? 'resource'} ${r?.type ?? ''}#${rid}`;
}

/** A job's parameters (dotted names inside nested objects), its budget and what else its config held. */
function splitJobConfig(row: JobRow, ctx: JobContext): { params: Params; budget: number | null; extra: JsonObject } {
  const params: Params = {};
  const extra: JsonObject = {};
  let budget: number | null = null;
  if (row.jobConfig === null) return { params, budget, extra };
  let config: Json;
  try {
    config = parsePythonish(row.jobConfig);
  } catch (e) {
    ctx.warn(`job ${row.jid}: its config cannot be read (${(e as Error).message}); it is kept as text in the job's extra`);
    return { params, budget, extra: { job_config: row.jobConfig } };
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return { params, budget, extra: { job_config: config } };
  }
  const known = ctx.paramNames.size > 0;
  const visit = (path: string, value: Json, top: boolean): void => {
    if (ctx.paramNames.has(path) && isParamValue(value)) {
      params[path] = value;
    } else if (top && path === 'n_iterations' && typeof value === 'number' && Number.isFinite(value)) {
      budget = value;
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) visit(`${path}.${k}`, v, false);
    } else if (!known && !(top && PROPOSER_KEYS.has(path)) && isParamValue(value)) {
      params[path] = value;
    } else {
      extra[path] = typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    }
  };
  for (const [k, v] of Object.entries(config)) visit(k, v, true);
  return { params, budget, extra };
}

function isParamValue(v: Json): v is number | string | boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

interface Series {
  points: NonNullable<ImportedJob['intermediate']>;
  metrics: Record<string, number>;
  /** The score of the last result line, for an early-stopped job. */
  lastScore: number | null;
}

/**
 * A job's result lines: each intermediate_result row is a point of the `score` series (step: its
 * number); each multiple_result row a point of its label's series (at the step of the line it came
 * with), and the last value of each label the job's metric of that name.
 */
function seriesOf(jid: number, ctx: JobContext, fallbackTime: number): Series {
  const points: Series['points'] = [];
  const stepOf = new Map<number, number>();
  let lastScore: number | null = null;
  (ctx.intermediate.get(jid) ?? []).forEach((r, i) => {
    const step = r.num ?? i;
    stepOf.set(r.irid, step);
    const value = finiteNumber(r.score);
    if (value === null) return;
    points.push({ label: SCORE_LABEL, step, value, time: millis(r.receiveTime) ?? fallbackTime });
    lastScore = value;
  });
  const metrics: Record<string, number> = {};
  for (const m of ctx.multiple.get(jid) ?? []) {
    const value = finiteNumber(m.value);
    if (value === null || m.labelOrder === null) continue;
    const label = ctx.labels[m.labelOrder - 1] ?? `result_${m.labelOrder}`;
    // Rows come in mrid order: the last one of a label is the job's last result line.
    metrics[label] = value;
    const step = m.irid === null ? undefined : stepOf.get(m.irid);
    if (step !== undefined) points.push({ label, step, value, time: millis(m.receiveTime) ?? fallbackTime });
  }
  return { points, metrics, lastScore };
}
