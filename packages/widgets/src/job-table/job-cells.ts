import type { ColumnDefinition } from 'tabulator-tables';

import type { JobSelection } from '../events.js';
import { formatDuration, formatScore, formatTimestamp, MISSING } from '../format/format.js';
import type { JobColumn } from './job-columns.js';

// What the job table's cells, group headers and selection notice show: pure functions of a
// column and a value, apart from Tabulator (which takes the HTML strings they make).

/** The element's tag: the `source` of the selections it fires, and the prefix of its timing marks. */
export const JOB_TABLE_TAG = 'aup-job-table';

/**
 * A User Timing mark (`aup-job-table:experiment`, `:page`, `:rows`), so a profile or the browser
 * benchmark (test/bench/browser-job-table.mjs) can tell where the time of a render went.
 */
export function mark(what: string): void {
  if (typeof performance !== 'undefined' && typeof performance.mark === 'function') performance.mark(`${JOB_TABLE_TAG}:${what}`);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Tabulator writes a formatter's string as HTML; values come from jobs (any text), so they are escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** A value as its column shows it, as text. */
export function formatText(c: JobColumn, value: unknown): string {
  if (value === null || value === undefined) return MISSING;
  switch (c.kind) {
    case 'number':
      return typeof value === 'number'
        ? c.field === 'id' || c.field === 'trial' || c.field === 'attempts'
          ? String(value)
          : formatScore(value)
        : String(value);
    case 'duration':
      return formatDuration(value as number, { subSecond: true });
    case 'date':
      return formatTimestamp(String(value));
    default:
      return String(value);
  }
}

/** A cell's HTML: the formatted value, a badge for a status, the exact value on hover when rounded. */
export function formatCell(c: JobColumn, value: unknown): string {
  if (value === null || value === undefined) return `<span class="missing">${MISSING}</span>`;
  const text = escapeHtml(formatText(c, value));
  if (c.kind === 'status') return `<span class="badge ${escapeHtml(String(value))}">${text}</span>`;
  // The exact value on hover when the cell rounds it.
  const exact = escapeHtml(String(value));
  return exact === text ? text : `<span title="${exact}">${text}</span>`;
}

/** The header of a group of rows: the column, the value and the number of jobs. */
export function groupHeader(c: JobColumn | undefined, field: string, value: unknown, count: number): string {
  const shown = value === null || value === undefined ? MISSING : c !== undefined ? formatText(c, value) : String(value);
  return `${escapeHtml(c?.title ?? field)}: ${escapeHtml(shown)}<span>${count} job${count === 1 ? '' : 's'}</span>`;
}

/** Pixels per column kind: room for the value and the header's filter, without measuring the cells. */
const KIND_WIDTHS: Readonly<Record<JobColumn['kind'], number>> = { number: 110, text: 120, date: 150, duration: 110, status: 130 };
// A bold header character is about this wide; the sort arrow and padding take the rest.
const TITLE_CHAR_PX = 8;
const TITLE_PADDING_PX = 36;

/** A column's width in pixels. */
export function columnWidth(c: JobColumn): number {
  const base = c.field === 'id' ? 90 : KIND_WIDTHS[c.kind];
  return Math.max(base, Math.min(320, c.title.length * TITLE_CHAR_PX + TITLE_PADDING_PX));
}

/** Client-side sorting for the `data` property, missing values last as on the server. */
export function localSorter(c: JobColumn): ColumnDefinition['sorter'] {
  return (a: unknown, b: unknown, _ra: unknown, _rb: unknown, _col: unknown, dir: string) => {
    const am = a === null || a === undefined;
    const bm = b === null || b === undefined;
    if (am || bm) return am && bm ? 0 : (am ? 1 : -1) * (dir === 'desc' ? -1 : 1);
    if (c.kind === 'date') return Date.parse(String(a)) - Date.parse(String(b));
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    // Numbers before text, as the server orders a parameter that mixes them.
    if (typeof a === 'number') return -1;
    if (typeof b === 'number') return 1;
    return String(a).localeCompare(String(b));
  };
}

/** A selection in words for the notice above the table: `score 0.1–0.9; act: relu, gelu; 3 jobs`. */
export function describeSelection(s: JobSelection, columns: readonly JobColumn[]): string {
  const parts = Object.entries(s.ranges).map(([field, range]) => {
    const title = columns.find((c) => c.field === field)?.title ?? field;
    if (range.length === 2 && typeof range[0] === 'number' && typeof range[1] === 'number')
      return `${title} ${formatScore(range[0])}–${formatScore(range[1])}`;
    return `${title}: ${range.length === 0 ? '(nothing)' : range.map(String).join(', ')}`;
  });
  if (s.jobIds !== null && s.jobIds.length > 0) parts.push(`${s.jobIds.length} job${s.jobIds.length === 1 ? '' : 's'}`);
  return parts.join('; ');
}
