import type { JobFilter } from '../api/job-query.js';
import type { JobSummary } from '../api/job-summary.js';
import { isEmptySelection, type JobSelection, type SelectionRange } from '../events.js';

/** A job's value in one of the API's columns (`score`, `param:<name>`, `metric:<label>`, `id`, ...), or null. */
export function jobColumnValue(job: JobSummary, column: string): number | string | boolean | null {
  return columnGetter(column)(job);
}

/** A function reading one column of a job: the column name is parsed once, not once per job. */
export function columnGetter(column: string): (job: JobSummary) => number | string | boolean | null {
  if (column.startsWith('param:')) {
    const name = column.slice(6);
    return (job) => job.params[name] ?? null;
  }
  if (column.startsWith('metric:')) {
    const label = column.slice(7);
    return (job) => job.metrics[label] ?? null;
  }
  switch (column) {
    case 'score':
      return (job) => job.score;
    case 'id':
      return (job) => job.id;
    case 'trial':
      return (job) => job.trial;
    case 'status':
      return (job) => job.status;
    case 'budget':
      return (job) => job.budget;
    case 'attempts':
      return (job) => job.attempts;
    default:
      return () => null;
  }
}

/**
 * Whether `range` is numeric `[min, max]` rather than a list of kept values. Two numbers always
 * read as an interval, so a brush on an axis of numeric choices sends `[lowest, highest]` of the
 * values it covers (the axis sorts them), which keeps exactly those values.
 */
export function isIntervalRange(range: SelectionRange): range is readonly [number, number] {
  return range.length === 2 && typeof range[0] === 'number' && typeof range[1] === 'number';
}

/** Whether a job satisfies one column's range. */
export function matchesRange(value: number | string | boolean | null, range: SelectionRange): boolean {
  if (value === null) return false;
  if (isIntervalRange(range)) return typeof value === 'number' && value >= range[0] && value <= range[1];
  return (range as ReadonlyArray<string | number | boolean>).some((v) => v === value);
}

/** Whether a job is in a selection: every range holds and, when ids are given, it is one of them. An empty selection selects nothing. */
export function jobInSelection(job: JobSummary, selection: JobSelection | null | undefined): boolean {
  if (selection == null || isEmptySelection(selection)) return false;
  if (selection.jobIds !== null && selection.jobIds.length > 0 && !selection.jobIds.includes(job.id)) return false;
  for (const [column, range] of Object.entries(selection.ranges)) if (!matchesRange(jobColumnValue(job, column), range)) return false;
  return true;
}

/** The ids of the jobs in a selection, or null when the selection is empty. */
export function selectedJobIds(jobs: readonly JobSummary[], selection: JobSelection | null | undefined): Set<number> | null {
  if (selection == null || isEmptySelection(selection)) return null;
  const ids = new Set<number>();
  for (const job of jobs) if (jobInSelection(job, selection)) ids.add(job.id);
  return ids;
}

/**
 * The jobs route's filters for a selection's ranges: `>=`/`<=` for an interval; `=` for a
 * one-value list. A list of several values cannot be one filter (filters AND together): those
 * columns are answered in `unfiltered`, for the caller to check on the jobs it gets.
 */
export function selectionFilters(selection: JobSelection): { filters: JobFilter[]; unfiltered: string[] } {
  const filters: JobFilter[] = [];
  const unfiltered: string[] = [];
  for (const [column, range] of Object.entries(selection.ranges)) {
    if (isIntervalRange(range)) {
      filters.push({ column, op: '>=', value: range[0] }, { column, op: '<=', value: range[1] });
    } else if (range.length === 1 && (typeof range[0] === 'number' || typeof range[0] === 'string')) {
      filters.push({ column, op: '=', value: range[0] });
    } else {
      unfiltered.push(column);
    }
  }
  return { filters, unfiltered };
}
