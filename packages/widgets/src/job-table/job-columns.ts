// The job table's columns as plain data, built from an experiment's config (or from `data` rows),
// and the flat rows they read. Field names are the jobs route's column names (`score`,
// `param:<name>`, `metric:<label>`, `started_at`, ...), so a sort or filter on a column is sent to
// the API as it is, and a selection's ranges (keyed the same way) apply directly.
import type { ParamValue } from '../api/experiment-detail.js';
import type { JobSummary } from '../api/job-summary.js';

/** How a column's values compare, filter and display. */
export type ColumnKind = 'number' | 'text' | 'date' | 'duration' | 'status';

export interface JobColumn {
  /** The API column name, also the key in a row. */
  field: string;
  title: string;
  kind: ColumnKind;
  group: 'job' | 'param' | 'metric';
  /** Shown until the user hides it in the column chooser. */
  visible: boolean;
  /** For a choice parameter: its values, in the config's order (a selection of several values is filtered with them). */
  values?: readonly ParamValue[];
  /** A parameter searched on a log scale (`log: true`). */
  log?: boolean;
}

/** What the table knows of a hyperparameter: from `parameter_config`, or inferred from rows. */
export interface ParamInfo {
  name: string;
  kind: 'number' | 'text';
  values?: readonly ParamValue[];
  log?: boolean;
}

/** One job as the table holds it: the summary's fields, with params and metrics flattened under their column names. */
export type JobRow = Record<string, ParamValue | null> & { id: number };

/**
 * The parameters of a normalised config (`parameter_config`): numbers for float and int, text for a
 * choice unless all its values are numbers.
 * @example paramsFromConfig({ parameter_config: [{ name: 'lr', type: 'float', range: [0, 1] }] })
 */
export function paramsFromConfig(config: unknown): ParamInfo[] {
  const list = (config as { parameter_config?: unknown } | null)?.parameter_config;
  if (!Array.isArray(list)) return [];
  const out: ParamInfo[] = [];
  for (const p of list as Array<Record<string, unknown> | null>) {
    if (typeof p?.['name'] !== 'string') continue;
    const name = p['name'];
    const log = p['log'] === true;
    if (p['type'] === 'choice') {
      const values = Array.isArray(p['range']) ? (p['range'] as unknown[]).filter(isParamValue) : [];
      const numeric = values.length > 0 && values.every((v) => typeof v === 'number');
      out.push({ name, kind: numeric ? 'number' : 'text', values, ...(log ? { log } : {}) });
    } else {
      out.push({ name, kind: 'number', ...(log ? { log } : {}) });
    }
  }
  return out;
}

/** The metric labels a config declares (`resource_args.multi_res_labels`). */
export function metricsFromConfig(config: unknown): string[] {
  const labels = (config as { resource_args?: { multi_res_labels?: unknown } } | null)?.resource_args?.multi_res_labels;
  return Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [];
}

// A text parameter with more distinct values than this is free text, not a choice.
const MAX_INFERRED_CHOICES = 50;

/**
 * Parameters and metrics seen in jobs, for a table fed by `data` (or to catch a metric a config
 * does not declare, e.g. a `#aup:` result metric): a parameter is a number when every value seen is.
 */
export function inferFromJobs(jobs: readonly JobSummary[]): { params: ParamInfo[]; metrics: string[] } {
  const params = new Map<string, { numeric: boolean; values: Set<ParamValue> }>();
  const metrics = new Set<string>();
  // for...in, not Object.entries: this runs over every job of a `data` of 100,000 rows.
  for (const job of jobs) {
    for (const name in job.params) {
      const value = job.params[name]!;
      let p = params.get(name);
      if (p === undefined) params.set(name, (p = { numeric: true, values: new Set() }));
      if (typeof value !== 'number') {
        p.numeric = false;
        // Few distinct values make a choice-like column whose values a selection can list.
        if (p.values.size <= MAX_INFERRED_CHOICES) p.values.add(value);
      } else if (p.numeric && p.values.size <= MAX_INFERRED_CHOICES) {
        p.values.add(value);
      }
    }
    for (const label in job.metrics) metrics.add(label);
  }
  return {
    params: [...params].map(([name, p]) => ({
      name,
      kind: p.numeric ? 'number' : 'text',
      ...(!p.numeric && p.values.size <= MAX_INFERRED_CHOICES ? { values: [...p.values] } : {}),
    })),
    metrics: [...metrics].sort(),
  };
}
/**
 * Every column of the job table, in display order: id, status, score, metrics, params, then
 * start, end and duration; trial, budget and attempts are there but hidden (the column chooser shows them).
 */
export function jobColumns(opts: { params: readonly ParamInfo[]; metrics: readonly string[] }): JobColumn[] {
  const job = (field: string, title: string, kind: ColumnKind, visible = true): JobColumn => ({
    field,
    title,
    kind,
    group: 'job',
    visible,
  });
  return [
    job('id', 'Job', 'number'),
    job('status', 'Status', 'status'),
    job('score', 'Score', 'number'),
    ...opts.metrics.map((label): JobColumn => ({ field: `metric:${label}`, title: label, kind: 'number', group: 'metric', visible: true })),
    ...opts.params.map((p): JobColumn => ({
      field: `param:${p.name}`,
      title: p.name,
      kind: p.kind,
      group: 'param',
      visible: true,
      ...(p.values !== undefined ? { values: p.values } : {}),
      ...(p.log === true ? { log: true } : {}),
    })),
    job('trial', 'Trial', 'number', false),
    job('budget', 'Budget', 'number', false),
    job('attempts', 'Attempts', 'number', false),
    job('started_at', 'Started', 'date'),
    job('ended_at', 'Ended', 'date'),
    job('duration', 'Duration', 'duration'),
  ];
}

/** Where metric columns go: before the first parameter (or the trial column). */
function metricInsertAt(cols: readonly JobColumn[]): number {
  return cols.findIndex((c) => c.group === 'param' || c.field === 'trial');
}

/**
 * The columns of an experiment's config, keeping the metric columns `previous` had that the config
 * does not declare (added from pages: `#aup:` result metrics).
 */
export function keepUndeclaredMetrics(fromConfig: JobColumn[], previous: readonly JobColumn[]): JobColumn[] {
  for (const c of previous)
    if (c.group === 'metric' && !fromConfig.some((n) => n.field === c.field)) fromConfig.splice(metricInsertAt(fromConfig), 0, c);
  return fromConfig;
}

/** `columns` with a column for each metric the jobs carry that none has yet; undefined when there is none. */
export function withPageMetrics(columns: readonly JobColumn[], jobs: readonly JobSummary[]): JobColumn[] | undefined {
  const known = new Set(columns.map((c) => c.field));
  const extra = [...new Set(jobs.flatMap((j) => Object.keys(j.metrics)))].filter((l) => !known.has(`metric:${l}`));
  if (extra.length === 0) return undefined;
  const cols = [...columns];
  cols.splice(
    metricInsertAt(cols),
    0,
    ...extra.sort().map((label): JobColumn => ({ field: `metric:${label}`, title: label, kind: 'number', group: 'metric', visible: true })),
  );
  return cols;
}

/** A job's flat row: its fields, `duration` in ms (null until it ended), `param:*` and `metric:*`. */
export function jobRow(job: JobSummary): JobRow {
  const row: JobRow = {
    id: job.id,
    trial: job.trial,
    status: job.status,
    score: job.score,
    budget: job.budget,
    attempts: job.attempts,
    started_at: job.started_at,
    ended_at: job.ended_at,
    duration: durationMs(job.started_at, job.ended_at),
  };
  for (const [name, value] of Object.entries(job.params)) row[`param:${name}`] = value;
  for (const [label, value] of Object.entries(job.metrics)) row[`metric:${label}`] = value;
  return row;
}

/** Milliseconds between two ISO times, or null when either is missing. */
export function durationMs(start: string | null, end: string | null): number | null {
  if (start === null || end === null) return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) ? ms : null;
}

function isParamValue(v: unknown): v is ParamValue {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}
