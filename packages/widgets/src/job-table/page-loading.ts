import type { ReactiveControllerHost } from 'lit';

import type { AupApiClient } from '../api/api-client.js';
import { jobQueryString, type JobQuery } from '../api/job-query.js';
import type { JobPage, JobSummary } from '../api/job-summary.js';
import { AsyncLoadController } from '../controllers/async-load-controller.js';
import type { JobSelection } from '../events.js';
import { mark } from './job-cells.js';
import { jobRow, type JobColumn, type JobRow } from './job-columns.js';
import { headerFilterToJobFilter, selectionQuery, type HeaderFilterValue } from './job-filters.js';
import type { JobTabulator, RemoteParams, RemotePage } from './tabulator-adapter.js';

/** What narrows the page beyond Tabulator's own sort and header filters. */
export interface PageScope {
  readonly columns: readonly JobColumn[];
  /** The global search ('' for none). */
  readonly search: string;
  /** The selection made elsewhere that the rows are filtered by. */
  readonly selection: JobSelection | null;
  /** A job shown alone (opened from elsewhere while not on the page). */
  readonly focus: number | undefined;
  /** The first group column: without a chosen sort it orders the pages, so each group is contiguous. */
  readonly groupField: string | undefined;
}

/**
 * The JobQuery of a page (or 'none' when the selection keeps no job), and the header filters that
 * could not be read (shown above the table).
 */
export function pageQuery(
  params: RemoteParams,
  page: number,
  size: number,
  scope: PageScope,
): { query: JobQuery | 'none'; errors: string[] } {
  const errors: string[] = [];
  const filters: NonNullable<JobQuery['filters']>[number][] = [];
  for (const f of params.filter ?? []) {
    const c = scope.columns.find((col) => col.field === f.field);
    if (c === undefined || typeof f.value !== 'object' || f.value === null) continue;
    const r = headerFilterToJobFilter(c, f.value as HeaderFilterValue);
    if (r === null) continue;
    if ('error' in r) errors.push(r.error);
    else filters.push(r.filter);
  }
  // A job opened from elsewhere that was not on the page: that job alone, whatever the filters.
  if (scope.focus !== undefined) return { query: { offset: 0, limit: size, filters: [], jobIds: [scope.focus] }, errors };
  const s = selectionQuery(scope.selection, scope.columns);
  if (s.none) return { query: 'none', errors };
  filters.push(...s.filters);
  const sort = params.sort?.[0];
  const group = scope.groupField;
  const query: JobQuery = {
    offset: (page - 1) * size,
    limit: size,
    ...(sort !== undefined
      ? { sort: { column: sort.field, order: sort.dir } }
      : group !== undefined
        ? { sort: { column: group, order: 'asc' } }
        : {}),
    filters,
  };
  if (scope.search !== '') query.search = scope.search;
  if (s.jobIds !== undefined) query.jobIds = s.jobIds;
  return { query, errors };
}

/** What page loading asks of the element. */
export interface PageLoadingContext {
  /** The board client and experiment in server mode, else undefined. */
  source(): { client: AupApiClient; experiment: number } | undefined;
  scope(): PageScope;
  pageSize(): number;
  table(): JobTabulator | undefined;
  /** A page arrived: its jobs' summaries are kept and metrics no config declared become columns. */
  onPage(jobs: readonly JobSummary[]): void;
  /** Header filters that could not be read. */
  onFilterErrors(errors: readonly string[]): void;
  /** Rows were replaced in place: the user's selected rows are selected again. */
  reselect(): void;
}

/**
 * Server mode's pages: Tabulator's remote requests answered through the board client, the current
 * page read again on a live change, and the first page asked for together with the experiment.
 * Loading goes through an AsyncLoadController, so a newer page aborts an older one and a failure
 * keeps the rows shown with its message above them.
 */
export class JobPageLoading {
  /** The last page loaded (kept while the next one loads or after it failed). */
  readonly load: AsyncLoadController<JobPage>;
  /** The page and size of the rows shown. */
  info: { page: number; size: number } | undefined;
  /** The query of the rows shown (a live refresh asks it again). */
  lastQuery: JobQuery | undefined;
  /** A page Tabulator asked for is on its way (a live refresh does not count: it shows no "loading…"). */
  requested = false;
  /** The first page, asked for together with the experiment (whose config the columns need) to save a round trip. */
  private prefetch: { key: string; page: Promise<JobPage>; abort: AbortController } | undefined;

  constructor(
    private readonly element: ReactiveControllerHost,
    private readonly host: PageLoadingContext,
  ) {
    this.load = new AsyncLoadController<JobPage>(element);
  }

  /** The number of jobs the query matches, once known. */
  get total(): number | undefined {
    return this.load.value?.total;
  }

  /** Why the last page failed to load. */
  get error(): string | undefined {
    const s = this.load.state;
    return s.status === 'error' ? s.message : undefined;
  }

  /** Asks for what the table's first request will be (page 1, no sort, no filter), unless something narrows it. */
  prefetchFirstPage(): void {
    this.dropPrefetch();
    const source = this.host.source();
    const scope = this.host.scope();
    if (source === undefined || scope.selection !== null || scope.focus !== undefined) return;
    const query: JobQuery = { offset: 0, limit: this.host.pageSize(), filters: [] };
    const abort = new AbortController();
    const page = source.client.jobs(source.experiment, query, abort.signal);
    page.catch(() => undefined); // Its failure is the table's first request's to report.
    this.prefetch = { key: jobQueryString(query), page, abort };
  }

  /** Stops whatever is loading and forgets the pages (the table is gone). */
  stop(): void {
    this.dropPrefetch();
    this.requested = false;
    this.load.clear();
  }

  /** Shows `message` above the rows (they stay) as a failed load would: the experiment was deleted. */
  fail(message: string): void {
    this.requested = false;
    void this.load.run(() => Promise.reject(new Error(message)), { quiet: true });
  }

  /** Tabulator's remote request: the page, sort and header filters it holds, plus search and selection. */
  request(params: RemoteParams): Promise<RemotePage> {
    const page = params.page ?? 1;
    const size = params.size ?? this.host.pageSize();
    const { query, errors } = pageQuery(params, page, size, this.host.scope());
    this.host.onFilterErrors(errors);
    const source = this.host.source();
    if (source === undefined || query === 'none') {
      this.requested = false;
      this.info = { page: 1, size };
      void this.load.run(async () => ({ total: 0, limit: size, offset: 0, jobs: [] }), { quiet: true });
      return Promise.resolve({ last_page: 1, last_row: 0, data: [] });
    }
    this.requested = true;
    this.lastQuery = query;
    const prefetched = this.prefetch;
    this.prefetch = undefined;
    const usePrefetch = prefetched !== undefined && prefetched.key === jobQueryString(query);
    if (prefetched !== undefined && !usePrefetch) prefetched.abort.abort();
    let signal: AbortSignal | undefined;
    const done = this.load.run(
      (s) => {
        signal = s;
        return usePrefetch ? prefetched.page : source.client.jobs(source.experiment, query, s);
      },
      { quiet: true },
    );
    this.element.requestUpdate();
    // A superseded request never settles: Tabulator has moved on to the newer one.
    return new Promise<RemotePage>((resolve) => void done.then(() => signal?.aborted !== true && resolve(this.settle(page, size))));
  }

  /** A live update: the current page again, in place (same page, same scroll position). */
  refresh(): void {
    const source = this.host.source();
    const query = this.lastQuery;
    const table = this.host.table();
    // A page on its way will bring the news anyway; replacing rows now would block its answer.
    if (table === undefined || !table.built || source === undefined || query === undefined || this.requested) return;
    void this.load.run(
      async (signal) => {
        const result = await source.client.jobs(source.experiment, query, signal);
        // A newer page (which aborted this run) or a new table: the answer is not for these rows.
        if (signal.aborted || this.host.table() !== table) return result;
        this.host.onPage(result.jobs);
        table.syncingSelection = true;
        const size = query.limit ?? this.host.pageSize();
        void table.table.replaceData(result.jobs.map(jobRow)).then(() => this.host.reselect());
        void table.table.setMaxPage(Math.max(1, Math.ceil(result.total / size)));
        return result;
      },
      { quiet: true },
    );
  }

  /** What Tabulator gets once a requested page settled: its rows, or on a failure the rows shown. */
  private settle(page: number, size: number): RemotePage {
    this.requested = false;
    this.element.requestUpdate();
    const table = this.host.table();
    const state = this.load.state;
    if (state.status === 'complete') {
      mark('page');
      this.info = { page, size };
      this.host.onPage(state.value.jobs);
      if (table !== undefined) table.syncingSelection = true;
      const total = state.value.total;
      return { last_page: Math.max(1, Math.ceil(total / size)), last_row: total, data: state.value.jobs.map(jobRow) };
    }
    // Keep the rows shown; the error line above the table says what went wrong.
    const max = table !== undefined ? Number(table.table.getPageMax()) || 1 : 1;
    if (table !== undefined) table.syncingSelection = true;
    return { last_page: max, last_row: this.total ?? 0, data: table !== undefined ? (table.table.getData() as JobRow[]) : [] };
  }

  private dropPrefetch(): void {
    this.prefetch?.abort.abort();
    this.prefetch = undefined;
  }
}
