// Header filters, global search and the shared selection, turned into the jobs route's filters
// (server mode) or tested on rows (the `data` property). The row tests mirror the server's
// semantics (packages/core/src/store/board/job-columns.ts), so a table behaves the same with and
// without a server: a filter matches only rows that have a value in its column, `contains` ignores
// case.
import type { FilterOp, JobFilter } from '../api/job-query.js';
import { isEmptySelection, type JobSelection } from '../events.js';
import { isIntervalRange, selectionFilters } from '../selection/job-selection.js';
import type { ColumnKind, JobColumn, JobRow } from './job-columns.js';

/** What a header filter holds: a comparator and the text typed (a number, a date, a word). */
export interface HeaderFilterValue {
  op: FilterOp;
  text: string;
}

const NUMBER_OPS: readonly FilterOp[] = ['=', '!=', '<', '<=', '>', '>='];
const DATE_OPS: readonly FilterOp[] = ['>=', '<', '>', '<='];
const TEXT_OPS: readonly FilterOp[] = ['contains', '=', '!='];
const STATUS_OPS: readonly FilterOp[] = ['=', '!='];

/** The comparators a column of this kind offers; the first is the default. */
export function filterOps(kind: ColumnKind): readonly FilterOp[] {
  switch (kind) {
    case 'number':
    case 'duration':
      return NUMBER_OPS;
    case 'date':
      return DATE_OPS;
    case 'status':
      return STATUS_OPS;
    case 'text':
      return TEXT_OPS;
  }
}

/** How a comparator reads in a header: symbols for numbers, words for dates and text. */
export function opLabel(op: FilterOp, kind: ColumnKind): string {
  if (kind === 'date') return ({ '>=': 'since', '<': 'before', '>': 'after', '<=': 'until' } as Record<string, string>)[op] ?? op;
  return ({ contains: '∋', '=': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥' } as const)[op];
}

/** A header filter with nothing typed is no filter. */
export function isEmptyHeaderFilter(v: unknown): boolean {
  return typeof v !== 'object' || v === null || String((v as Partial<HeaderFilterValue>).text ?? '').trim() === '';
}

/** A header filter as the API's filter, or why it cannot be one (`12a` in a number column). Null when empty. */
export function headerFilterToJobFilter(column: JobColumn, v: HeaderFilterValue): { filter: JobFilter } | { error: string } | null {
  const text = v.text.trim();
  if (text === '') return null;
  if (!filterOps(column.kind).includes(v.op)) return { error: `${column.title}: '${v.op}' does not apply to this column` };
  switch (column.kind) {
    case 'number': {
      const n = Number(text);
      return Number.isFinite(n)
        ? { filter: { column: column.field, op: v.op, value: n } }
        : { error: `${column.title}: '${text}' is not a number` };
    }
    case 'duration': {
      // Typed in seconds (what a person thinks in), compared in the API's milliseconds.
      const s = Number(text);
      return Number.isFinite(s)
        ? { filter: { column: column.field, op: v.op, value: s * 1000 } }
        : { error: `${column.title}: '${text}' is not a number of seconds` };
    }
    case 'date': {
      const ms = parseLocalTime(text);
      return ms === undefined
        ? { error: `${column.title}: '${text}' is not a date (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)` }
        : { filter: { column: column.field, op: v.op, value: new Date(ms).toISOString() } };
    }
    case 'status':
    case 'text':
      return { filter: { column: column.field, op: v.op, value: text } };
  }
}

/**
 * A date or date-time typed in a filter, in the viewer's time zone (as a `datetime-local` input
 * gives it), as epoch ms. `Date.parse` would read a bare date as UTC midnight, a day off in half the world.
 */
export function parseLocalTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (m === null) {
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
  return Number.isFinite(date.getTime()) ? date.getTime() : undefined;
}

/** What a selection asks of the jobs route: filters, ids, or nothing at all (`none`). */
export interface SelectionQuery {
  filters: JobFilter[];
  jobIds: number[] | undefined;
  /** The selection keeps no job (an empty list of values or of ids). */
  none: boolean;
  /** Columns whose range the API cannot express (several values of a column whose values are unknown). */
  unsupported: string[];
}

/**
 * The jobs route's query for a selection from another element (a brush on <aup-hig>): an interval
 * becomes `>=` and `<=`, one kept value `=`, several kept values of a choice parameter `!=` for each
 * of its other values (filters AND together, so a list is expressed by what it leaves out), and
 * job ids the `jobs=` list.
 */
export function selectionQuery(selection: JobSelection | null | undefined, columns: readonly JobColumn[]): SelectionQuery {
  const out: SelectionQuery = { filters: [], jobIds: undefined, none: false, unsupported: [] };
  if (selection == null || isEmptySelection(selection)) return out;
  const base = selectionFilters(selection);
  out.filters.push(...base.filters);
  for (const field of base.unfiltered) {
    const range = selection.ranges[field]!;
    if (isIntervalRange(range)) continue;
    const kept = range as ReadonlyArray<string | number | boolean>;
    if (kept.length === 0) {
      out.none = true;
      continue;
    }
    const domain = columns.find((c) => c.field === field)?.values;
    if (domain === undefined) {
      out.unsupported.push(field);
      continue;
    }
    for (const value of domain) {
      if (kept.some((k) => k === value)) continue;
      out.filters.push({ column: field, op: '!=', value: typeof value === 'number' ? value : String(value) });
    }
  }
  if (selection.jobIds !== null) {
    if (selection.jobIds.length === 0 && Object.keys(selection.ranges).length === 0) out.none = true;
    else if (selection.jobIds.length > 0) out.jobIds = [...selection.jobIds];
  }
  return out;
}

/** Whether a row passes one filter, as the server would decide. */
export function rowMatchesFilter(row: JobRow, f: JobFilter, kind: ColumnKind): boolean {
  const value = row[f.column];
  if (value === null || value === undefined) return false;
  if (f.op === 'contains') return String(value).toLowerCase().includes(String(f.value).toLowerCase());
  if (kind === 'date') {
    const a = Date.parse(String(value));
    const b = typeof f.value === 'number' ? f.value : Date.parse(f.value);
    return Number.isFinite(a) && Number.isFinite(b) && compare(a, b, f.op);
  }
  if (typeof value === 'number' && typeof f.value === 'number') return compare(value, f.value, f.op);
  // A numeric filter on a text value (the string "32" of a choice) matches by = and != only, as in SQL.
  const text = String(value);
  const want = String(f.value);
  if (typeof f.value === 'number' && typeof value !== 'number') return f.op === '=' ? text === want : f.op === '!=' ? text !== want : false;
  if (typeof value === 'number') return f.op === '!=' ? true : false;
  return compare(text, want, f.op);
}

/**
 * The global search on a row: a case-insensitive substring of its params (names and values, as
 * JSON) or its status, or exactly its id, as the jobs route's `q` does.
 */
export function rowMatchesSearch(row: JobRow, q: string): boolean {
  const needle = q.trim().toLowerCase();
  if (needle === '') return true;
  if (String(row.id) === needle) return true;
  if (String(row['status'] ?? '').includes(needle)) return true;
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (key.startsWith('param:')) params[key.slice(6)] = value;
  return JSON.stringify(params).toLowerCase().includes(needle);
}

function compare<T extends number | string>(a: T, b: T, op: FilterOp): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case 'contains':
      return String(a).includes(String(b));
  }
}
