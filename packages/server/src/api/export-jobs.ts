import { Readable } from 'node:stream';

import type { BoardQueries, JobFilter, JobRecord } from '@aup/core';
import writeXlsxFile from 'write-excel-file/node';

/** A cell of the export: numbers stay numbers (csv writes them plainly, xlsx as numeric cells). */
export type ExportValue = string | number | boolean | null;

/** The columns of an export and, per job, one row of values in that order. */
export interface ExportTable {
  columns: string[];
  rows(): Iterable<ExportValue[]> | AsyncIterable<ExportValue[]>;
}

/** Column name prefixes, so a parameter or metric can never collide with a fixed column (`score`). */
export const PARAM_PREFIX = 'param:';
export const METRIC_PREFIX = 'metric:';
const FIXED_COLUMNS = ['id', 'trial', 'status', 'score', 'budget'] as const;
const TIME_COLUMNS = ['started_at', 'ended_at', 'duration_s'] as const;
const MS_PER_S = 1000;

// OWASP's CSV injection advice: a cell a spreadsheet would take for a formula gets a leading
// apostrophe. Tab and carriage return are on their list too.
const FORMULA_START = /^[=+\-@\t\r]/;
// Rows per chunk of csv/json text pushed to the stream: large enough to keep per-chunk overhead
// negligible, small enough that a huge export never sits in memory as one string.
const ROWS_PER_CHUNK = 500;
// Jobs read per store query while exporting a whole experiment: memory stays at a few pages
// whatever the experiment's size (at 100,000 jobs, reading them all at once took 750 MB).
const EXPORT_PAGE_JOBS = 2_000;

/**
 * One row per job: id, trial, status, score, budget, `param:<name>` for every parameter any of the
 * jobs has, `metric:<name>` for every metric, then started_at, ended_at (ISO 8601) and duration_s.
 */
export function exportTable(jobs: readonly JobRecord[]): ExportTable {
  const names = new ColumnNames();
  for (const job of jobs) names.add(job);
  const layout = names.layout();
  return {
    columns: layout.columns,
    *rows() {
      for (const job of jobs) yield exportRow(job, layout);
    },
  };
}

/**
 * The same table for every job of an experiment, read from the store a page at a time (keyset on
 * the job id) so that an export of any size holds only a page in memory. A first pass collects the
 * columns; the rows are then read again up to the newest job that pass saw, so a job created
 * meanwhile never appears with columns the header lacks.
 */
export async function experimentExportTable(store: BoardQueries, experimentId: number, pageJobs = EXPORT_PAGE_JOBS): Promise<ExportTable> {
  const names = new ColumnNames();
  let last = 0;
  for await (const page of jobPages(store, experimentId, undefined, pageJobs)) {
    for (const job of page) names.add(job);
    last = page[page.length - 1]!.id;
  }
  const layout = names.layout();
  return {
    columns: layout.columns,
    async *rows() {
      if (last === 0) return;
      for await (const page of jobPages(store, experimentId, last, pageJobs)) for (const job of page) yield exportRow(job, layout);
    },
  };
}

async function* jobPages(
  store: BoardQueries,
  experimentId: number,
  upTo: number | undefined,
  pageJobs: number,
): AsyncGenerator<JobRecord[]> {
  let after = 0;
  for (;;) {
    const filters: JobFilter[] = [{ column: 'id', op: '>', value: after }];
    if (upTo !== undefined) filters.push({ column: 'id', op: '<=', value: upTo });
    const { jobs } = await store.queryJobs({ experimentId, sort: { column: 'id', order: 'asc' }, filters, offset: 0, limit: pageJobs });
    if (jobs.length === 0) return;
    yield jobs;
    if (jobs.length < pageJobs) return;
    after = jobs[jobs.length - 1]!.id;
  }
}

interface ExportLayout {
  columns: string[];
  params: string[];
  metrics: string[];
}

/** Parameter names in order of first appearance, metric names sorted. */
class ColumnNames {
  readonly #params = new Set<string>();
  readonly #metrics = new Set<string>();

  add(job: JobRecord): void {
    for (const name of Object.keys(job.params)) this.#params.add(name);
    for (const name of Object.keys(job.metrics)) this.#metrics.add(name);
  }

  layout(): ExportLayout {
    const params = [...this.#params];
    const metrics = [...this.#metrics].sort();
    const columns = [...FIXED_COLUMNS, ...params.map((n) => PARAM_PREFIX + n), ...metrics.map((n) => METRIC_PREFIX + n), ...TIME_COLUMNS];
    return { columns, params, metrics };
  }
}

function exportRow(job: JobRecord, layout: ExportLayout): ExportValue[] {
  const row: ExportValue[] = [job.id, job.trial, job.status, finite(job.score), finite(job.budget)];
  for (const n of layout.params) row.push(job.params[n] ?? null);
  for (const n of layout.metrics) row.push(finite(job.metrics[n] ?? null));
  row.push(
    job.startedAt === null ? null : new Date(job.startedAt).toISOString(),
    job.endedAt === null ? null : new Date(job.endedAt).toISOString(),
    job.startedAt === null || job.endedAt === null ? null : (job.endedAt - job.startedAt) / MS_PER_S,
  );
  return row;
}

/** One CSV field per RFC 4180, with text cells that look like formulas neutralised (OWASP). */
export function csvField(value: ExportValue): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The table as RFC 4180 CSV (CRLF line ends, header first), streamed a chunk of rows at a time. */
export function csvStream(table: ExportTable): Readable {
  return Readable.from(chunked(table, (row) => row.map(csvField).join(',') + '\r\n', table.columns.map(csvField).join(',') + '\r\n', ''));
}

/** The table as a JSON array of objects keyed by column, streamed a chunk of rows at a time. */
export function jsonStream(table: ExportTable): Readable {
  let first = true;
  const line = (row: ExportValue[]) => {
    const obj: Record<string, ExportValue> = {};
    table.columns.forEach((c, i) => {
      obj[c] = row[i] ?? null;
    });
    const text = (first ? '\n' : ',\n') + JSON.stringify(obj);
    first = false;
    return text;
  };
  return Readable.from(chunked(table, line, '[', '\n]\n'));
}

/** The table as an .xlsx workbook with one sheet ('jobs'); built in memory (xlsx is a zip). */
export async function xlsxBuffer(table: ExportTable): Promise<Buffer> {
  const header = table.columns.map((c) => ({ value: c, fontWeight: 'bold' as const }));
  const rows: ExportValue[][] = [];
  for await (const row of table.rows()) rows.push(row);
  const data = [header, ...rows.map((row) => row.map((v) => (v === null ? null : { value: v })))];
  return writeXlsxFile(data, { sheet: 'jobs', stickyRowsCount: 1 }).toBuffer();
}

async function* chunked(table: ExportTable, line: (row: ExportValue[]) => string, head: string, tail: string): AsyncGenerator<string> {
  let buf = head;
  let n = 0;
  for await (const row of table.rows()) {
    buf += line(row);
    if (++n % ROWS_PER_CHUNK === 0) {
      yield buf;
      buf = '';
    }
  }
  yield buf + tail;
}

function finite(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}
