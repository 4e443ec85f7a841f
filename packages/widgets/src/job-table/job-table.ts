import { LitElement, html, nothing, render, type PropertyValues, type TemplateResult } from 'lit';
import type { ColumnDefinition, Options, RowComponent, Tabulator as TabulatorTable } from 'tabulator-tables';

import { AupApiClient, type ExportFormat } from '../api/api-client.js';
import type { ExperimentDetail } from '../api/experiment-detail.js';
import { jobQueryString, type JobQuery } from '../api/job-query.js';
import type { JobPage, JobSummary } from '../api/job-summary.js';
import { CapabilitiesController } from '../controllers/board-capabilities.js';
import { LiveController, type LiveBatch } from '../controllers/live-controller.js';
import { fire, isEmptySelection, type JobSelection, type OpenJobDetail } from '../events.js';
import { formatDuration, formatScore, formatTimestamp, MISSING } from '../format/format.js';
import { jobInSelection } from '../selection/job-selection.js';
import { emptyMessage, errorMessage, loadingMessage } from '../theme/state-messages.js';
import { inferFromJobs, jobColumns, jobRow, metricsFromConfig, paramsFromConfig, type JobColumn, type JobRow } from './job-columns.js';
import { renderJobDetail, type JobDetailState } from './job-detail-view.js';
import {
  filterOps,
  headerFilterToJobFilter,
  isEmptyHeaderFilter,
  opLabel,
  rowMatchesFilter,
  rowMatchesSearch,
  selectionQuery,
  type HeaderFilterValue,
} from './job-filters.js';
import { jobTableStyles } from './job-table.styles.js';
import { loadedTabulator, loadTabulator } from './tabulator.js';

/** The element's tag: the `source` of the selections it fires, and the one whose echo it ignores. */
const TAG = 'aup-job-table';
/** Rows per page when the page names none: a screenful and a half, one fast request (≤ 50 ms at 100,000 jobs). */
export const DEFAULT_PAGE_SIZE = 100;
/** Page sizes offered; the API serves at most 1,000 jobs a request. */
const PAGE_SIZES = [50, 100, 250, 500, 1000];
/** Typing pauses this long before a search or header filter asks the server: one request per word, not per key. */
export const FILTER_DEBOUNCE_MS = 300;
/** Bytes of an attempt's log shown in an expanded row: the end of the log, where errors are. */
export const LOG_TAIL_BYTES = 64 * 1024;
/** A running job's log is read again this often while its row is open: close to live, one small request. */
export const LOG_FOLLOW_MS = 2_000;
/** How long a kill waits for the runner's answer before saying it was only requested. */
const KILL_WAIT_MS = 10_000;
/** Any truthy URL turns on Tabulator's remote loading; the request function below asks the board API itself. */
const REMOTE_URL = 'aup-board-jobs';
const JOB_STATUSES = ['queued', 'running', 'finished', 'failed', 'early_stopped', 'interrupted'];

type Mode = 'none' | 'api' | 'data';
type Load<T> =
  | { state: 'idle' }
  | { state: 'loading'; previous?: T }
  | { state: 'complete'; value: T }
  | { state: 'error'; message: string; previous?: T };
/** The parameters Tabulator hands a remote request (remote paging, sorting and filtering). */
interface RemoteParams {
  page?: number;
  size?: number;
  sort?: Array<{ field: string; dir: 'asc' | 'desc' }>;
  filter?: Array<{ field: string; type: string; value: unknown }>;
}
interface RemotePage {
  last_page: number;
  last_row: number;
  data: JobRow[];
}

/**
 * The jobs of one experiment in a Tabulator table: status, score, metrics, start, end, duration and
 * every parameter as columns; sorting and per-column filters (comparators for numbers, dates and
 * text) and a global search answered by the board API, page by page, so 100,000 jobs stay smooth;
 * nested grouping, a column chooser, row selection shared with other elements, expandable rows
 * (metrics, params, attempts, host and git, text records, artifacts, warnings, logs per attempt),
 * kill and delete, export to csv, xlsx and json. Follows the board's live updates.
 *
 * @summary The job table of an experiment, server-paged, with everything about each job a click away.
 *
 * @attr api - Base URL of the board API, e.g. `/api/v1`.
 * @attr experiment - The experiment id whose jobs are shown.
 * @attr token - The board's session token (`?token=` of the URL aup-board printed), needed to kill or delete a job.
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @attr read-only - Hide kill and delete (also hidden on a `--read-only` board and for an `api` on another origin).
 * @attr page-size - Rows per page with `api` (default 100; 50 to 1,000).
 * @prop {JobSummary[] | undefined} data - Jobs to show instead of fetching (no server; sorted, filtered and grouped in the page).
 * @prop {JobSelection | null} selection - A selection from another element (a brush on `<aup-hig>`): only matching jobs are shown.
 *
 * @fires aup-selection-change - Rows were selected or deselected; `detail: { source: 'aup-job-table', ranges: {}, jobIds }`. Bubbles, composed.
 * @fires aup-open-job - A row was double-clicked, or Open pressed in its expanded view; `detail: { experimentId, jobId }`. Bubbles, composed.
 *
 * @csspart toolbar - The bar with search, grouping, column chooser, export and counts.
 * @csspart search - The global search box.
 * @csspart column-chooser - The column chooser (a disclosure with a checkbox per column).
 * @csspart export - The export links.
 * @csspart table - The box holding the Tabulator table and its pager: `--aup-job-table-height` high, or what the toolbar leaves of a height the page gives the element.
 * @csspart message - Loading, empty and error messages.
 * @csspart retry - The button that reloads after a failed load.
 *
 * @cssprop --aup-job-table-height - Height of the table with its pager (default 34rem) when the page does not fix the element's height; rows scroll inside it.
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-surface-raised - Header, footer, group rows and code blocks.
 * @cssprop --aup-color-text - Text.
 * @cssprop --aup-color-muted - Secondary text.
 * @cssprop --aup-color-border - Grid lines and borders.
 * @cssprop --aup-color-row-hover - Row under the pointer.
 * @cssprop --aup-color-row-selected - Selected rows.
 * @cssprop --aup-color-accent - Links, focus, running status, sort arrows.
 * @cssprop --aup-color-success - Finished status.
 * @cssprop --aup-color-danger - Failed status, errors, invalid filters.
 * @cssprop --aup-color-warning - Interrupted and early-stopped status, warnings.
 * @cssprop --aup-font-family - Font.
 * @cssprop --aup-font-size - Base font size.
 */
export class AupJobTable extends LitElement {
  static override styles = jobTableStyles;

  static override properties = {
    api: { type: String },
    experiment: { type: Number },
    token: { type: String },
    theme: { type: String, reflect: true },
    readOnly: { type: Boolean, attribute: 'read-only' },
    pageSize: { type: Number, attribute: 'page-size' },
    data: { attribute: false },
    selection: { attribute: false },
    expLoad: { state: true },
    pageError: { state: true },
    pageLoading: { state: true },
    total: { state: true },
    pageInfo: { state: true },
    selectedIds: { state: true },
    groupFields: { state: true },
    hiddenFields: { state: true },
    filterErrors: { state: true },
    visibleCount: { state: true },
    tabulatorError: { state: true },
  };

  /** Base URL of the board API (`/api/v1`). */
  api?: string;
  /** The experiment whose jobs are shown. */
  experiment?: number;
  /** The session token, for kill and delete. */
  token?: string;
  /** `light` or `dark`; unset follows the system. */
  theme?: 'light' | 'dark';
  /** No kill or delete buttons (they are hidden anyway on a read-only board or an API on another origin). */
  readOnly = false;
  /** Rows per page (server mode). */
  pageSize = DEFAULT_PAGE_SIZE;
  /** Jobs to show without a server; wins over `api`. */
  data?: JobSummary[];
  /** Only jobs in this selection are shown (ignored when it came from this table). */
  selection: JobSelection | null = null;

  private expLoad: Load<ExperimentDetail> = { state: 'idle' };
  private pageError: string | undefined;
  private pageLoading = false;
  private total: number | undefined;
  private pageInfo: { page: number; size: number } | undefined;
  private selectedIds: ReadonlySet<number> = new Set();
  private groupFields: readonly string[] = [];
  private hiddenFields: ReadonlySet<string> = new Set();
  private filterErrors: readonly string[] = [];
  private visibleCount: number | undefined;
  /** Why Tabulator could not be loaded (a bundler's chunk that failed to download). */
  private tabulatorError: string | undefined;

  #mode: Mode = 'none';
  #client: AupApiClient | undefined;
  #columns: JobColumn[] = [];
  #columnsKey = '';
  /** The columns the Tabulator table has (its definitions are rebuilt only when they change). */
  #appliedColumnsKey = '';
  /** Columns seen so far: a column hidden by default starts hidden once, then follows the chooser. */
  #seenFields = new Set<string>();
  #table: TabulatorTable | undefined;
  #built = false;
  #search = '';
  #searchTimer: ReturnType<typeof setTimeout> | undefined;
  #expAbort: AbortController | undefined;
  #pageAbort: AbortController | undefined;
  #lastQuery: JobQuery | undefined;
  /** The first page, asked for together with the experiment (whose config the columns need) to save a round trip. */
  #prefetch: { key: string; page: Promise<JobPage>; abort: AbortController } | undefined;
  /** Incremented for each page Tabulator asks for, so a live refresh that started before a new query is dropped. */
  #queryGen = 0;
  #summaries = new Map<number, JobSummary>();
  #expanded = new Set<number>();
  #details = new Map<number, JobDetailState>();
  /** While the table itself (re)selects rows after a page load, its select events are not the user's. */
  #syncingSelection = false;
  #control = false;
  /** The selection rows are filtered by: the last one made elsewhere (never our own echo). */
  #filterSelection: JobSelection | null = null;
  /** A job opened by openJob that is not on the page yet. */
  #pendingOpen: number | undefined;
  /** A job shown alone (openJob for a job that was not on the page). */
  #focus: number | undefined;
  #selectionFirePending = false;
  #logTimer: ReturnType<typeof setInterval> | undefined;
  /** Whether the `data` rows carry our search/selection filter (Tabulator's own setFilter). */
  #localFilter = false;
  readonly #live = new LiveController(this, (batch) => this.#onLive(batch));
  // Kill and delete only where the board serves them to this page (same origin, not read-only).
  readonly #caps = new CapabilitiesController(this);

  /**
   * Shows page `page` (from 1) of the jobs as they are sorted and filtered now; resolves once its
   * rows are in. Server mode only (the `data` property scrolls instead).
   */
  async goToPage(page: number): Promise<void> {
    if (this.#mode !== 'api' || !this.#built) return;
    await this.#table!.setPage(page);
  }

  /**
   * Opens job `id` in its expanded row: in place when it is on the page, else the table shows that
   * job alone (with a button back to all jobs). `<aup-board>` calls it for a job opened elsewhere
   * (a point of the job chart, a `#/experiments/3/jobs/12` link); it may be called before the table has loaded.
   */
  openJob(id: number): void {
    this.#pendingOpen = id;
    this.#openPending();
  }

  /** Reloads the experiment and the current page (or re-reads `data`). */
  refresh(): void {
    if (this.#mode === 'api') {
      this.#loadExperiment();
      if (this.#built) this.#reload();
    } else if (this.#mode === 'data' && this.#built) {
      this.#setLocalData();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#expAbort?.abort();
    this.#pageAbort?.abort();
    this.#prefetch?.abort.abort();
    this.#prefetch = undefined;
    clearInterval(this.#logTimer);
    this.#logTimer = undefined;
    this.#destroyTable();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Output gives no change event: the logs of open running jobs are polled.
    this.#logTimer ??= setInterval(() => this.#followLogs(), LOG_FOLLOW_MS);
    // Tabulator loads while the experiment does; a failure is reported when the table is built.
    loadTabulator().catch(() => undefined);
    // Coming back to the page after a disconnect: the table is built again on the next update.
    if (this.hasUpdated) this.requestUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') || changed.has('experiment') || changed.has('data')) this.#configure();
    if (changed.has('token') && this.#client !== undefined) this.#client.token = this.token === '' ? undefined : this.token;
    // The echo of our own row selection (a page passing every aup-selection-change back to each
    // element) changes nothing: the rows stay filtered by the last selection made elsewhere.
    if (changed.has('selection') && this.selection?.source !== TAG) {
      const next = isEmptySelection(this.selection) ? null : this.selection;
      if (next !== this.#filterSelection) {
        this.#filterSelection = next;
        if (this.#built && this.#mode === 'api') this.#reload();
        else if (this.#built) this.#applyLocalFilter();
      }
    }
    if (changed.has('pageSize') && this.#built && this.#mode === 'api') void this.#table!.setPageSize(this.#pageSize());
  }

  protected override updated(): void {
    if (this.#table === undefined && this.#columns.length > 0 && this.isConnected) this.#createTable();
    // The expanded rows live inside Tabulator's rows, outside this render: they follow by hand.
    const control = this.#caps.value.control;
    if (control !== this.#control) {
      this.#control = control;
      for (const id of this.#expanded) this.#renderDetail(id);
    }
  }

  protected override render(): TemplateResult {
    if (this.#mode === 'none') {
      return emptyMessage(html`Set the <code>api</code> and <code>experiment</code> attributes, or the <code>data</code> property.`);
    }
    if (this.#mode === 'api' && this.#columns.length === 0) {
      if (this.expLoad.state === 'error') return errorMessage(`experiment ${this.experiment}`, this.expLoad.message, () => this.refresh());
      return loadingMessage('jobs');
    }
    if (this.tabulatorError !== undefined) return errorMessage('the table', this.tabulatorError);
    return html`<div class="frame">
      ${this.#renderToolbar()} ${this.#renderNotices()}
      <div class="table-box" part="table"><div class="table"></div></div>
    </div>`;
  }

  // -------------------------------------------------------------------------------------------
  // Configuration: which data, which columns

  #configure(): void {
    const mode: Mode =
      this.data !== undefined ? 'data' : this.api && this.experiment !== undefined && Number.isInteger(this.experiment) ? 'api' : 'none';
    const modeChanged = mode !== this.#mode;
    this.#mode = mode;
    if (mode !== 'api') this.#live.follow(undefined, undefined);
    if (mode === 'data') {
      this.#client = undefined;
      const { params, metrics } = inferFromJobs(this.data!);
      this.#setColumns(jobColumns({ params, metrics }), modeChanged);
      this.#summaries = new Map(this.data!.map((j) => [j.id, j]));
      if (this.#built && !modeChanged) this.#setLocalData();
      return;
    }
    if (modeChanged || mode === 'none') this.#destroyTable();
    if (mode === 'none') return;
    this.#client = new AupApiClient(this.api!, this.token);
    this.#expanded.clear();
    this.#details.clear();
    this.selectedIds = new Set();
    this.#destroyTable();
    this.#columns = [];
    this.#columnsKey = '';
    this.#loadExperiment();
    this.#prefetchFirstPage();
    this.#live.follow(this.api, this.experiment);
  }

  #loadExperiment(): void {
    const client = this.#client;
    if (client === undefined || this.experiment === undefined) return;
    this.#expAbort?.abort();
    const abort = new AbortController();
    this.#expAbort = abort;
    const previous = this.expLoad.state === 'complete' ? this.expLoad.value : undefined;
    this.expLoad = { state: 'loading', previous };
    client.experiment(this.experiment, abort.signal).then(
      (exp) => {
        if (abort.signal.aborted) return;
        mark('experiment');
        this.expLoad = { state: 'complete', value: exp };
        const cols = jobColumns({ params: paramsFromConfig(exp.config), metrics: metricsFromConfig(exp.config) });
        // Metrics a config does not declare (#aup: result metrics) were added from pages; keep them.
        for (const c of this.#columns)
          if (c.group === 'metric' && !cols.some((n) => n.field === c.field))
            cols.splice(
              cols.findIndex((n) => n.group === 'param' || n.field === 'trial'),
              0,
              c,
            );
        this.#setColumns(cols, false);
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        this.expLoad = { state: 'error', message: (e as Error).message, previous };
      },
    );
  }

  #prefetchFirstPage(): void {
    this.#prefetch?.abort.abort();
    this.#prefetch = undefined;
    if (this.#client === undefined || this.experiment === undefined || this.#filterSelection !== null || this.#focus !== undefined) return;
    // What the table's first request will be: page 1, no sort, no filter (see #query).
    const query: JobQuery = { offset: 0, limit: this.#pageSize(), filters: [] };
    const abort = new AbortController();
    const page = this.#client.jobs(this.experiment, query, abort.signal);
    page.catch(() => undefined); // Its failure is the table's first request's to report.
    this.#prefetch = { key: jobQueryString(query), page, abort };
  }

  #setColumns(cols: JobColumn[], rebuild: boolean): void {
    const key = cols.map((c) => `${c.field}\u0000${c.kind}`).join('\u0001');
    if (key === this.#columnsKey && !rebuild) return;
    this.#columns = cols;
    this.#columnsKey = key;
    const fresh = cols.filter((c) => !this.#seenFields.has(c.field));
    if (fresh.some((c) => !c.visible))
      this.hiddenFields = new Set([...this.hiddenFields, ...fresh.filter((c) => !c.visible).map((c) => c.field)]);
    for (const c of fresh) this.#seenFields.add(c.field);
    if (rebuild) this.#destroyTable();
    else this.#applyColumns();
    this.requestUpdate();
  }

  /** Gives the table the current columns, once it is built (tableBuilt calls it again). */
  #applyColumns(): void {
    if (!this.#built || this.#appliedColumnsKey === this.#columnsKey) return;
    this.#appliedColumnsKey = this.#columnsKey;
    this.#table!.setColumns(this.#columnDefinitions());
  }

  // -------------------------------------------------------------------------------------------
  // The Tabulator table

  #createTable(): void {
    const holder = this.renderRoot.querySelector<HTMLElement>('.table');
    if (holder === null) return;
    const Tabulator = loadedTabulator();
    if (Tabulator === undefined) {
      // The first table of the page: built on the update after Tabulator has loaded.
      loadTabulator().then(
        () => this.requestUpdate(),
        (e: unknown) => (this.tabulatorError = (e as Error)?.message ?? String(e)),
      );
      return;
    }
    const remote = this.#mode === 'api';
    const options: Options = {
      index: 'id',
      height: '100%',
      // Widths are given per column (columnWidth): measuring every cell to fit the data was the
      // largest cost of the first render (about 0.4 s of CPU for a page of 100 rows).
      layout: 'fitData',
      // Param names may hold dots (config templates name them by path): fields are flat keys.
      nestedFieldSeparator: false,
      columns: this.#columnDefinitions(),
      placeholder: remote ? 'No jobs match.' : 'No jobs.',
      // A click toggles a row (and so does its checkbox); a drag over rows selects them all.
      selectableRows: true,
      columnHeaderSortMulti: false,
      popupContainer: holder,
      rowFormatter: (row) => this.#formatRow(row),
      groupStartOpen: true,
      groupToggleElement: 'header',
      ...(remote
        ? {
            pagination: true,
            paginationMode: 'remote',
            paginationSize: this.#pageSize(),
            paginationSizeSelector: PAGE_SIZES,
            paginationButtonCount: 5,
            sortMode: 'remote',
            filterMode: 'remote',
            ajaxURL: REMOTE_URL,
            ajaxRequestFunc: (_url: string, _config: unknown, params: RemoteParams) => this.#requestPage(params),
            dataLoader: false,
          }
        : { data: this.#localRows(), renderVertical: 'virtual' }),
    };
    const table = new Tabulator(holder, options);
    this.#table = table;
    this.#built = false;
    this.#appliedColumnsKey = this.#columnsKey;
    table.on('tableBuilt', () => {
      if (this.#table !== table) return;
      this.#built = true;
      this.#applyColumns();
      if (this.groupFields.length > 0) this.#applyGrouping();
      if (!remote) this.#applyLocalFilter();
    });
    table.on('rowSelected', (row: RowComponent) => this.#onRowSelection(row, true));
    table.on('rowDeselected', (row: RowComponent) => this.#onRowSelection(row, false));
    table.on('rowDblClick', (_e: UIEvent, row: RowComponent) => this.#open((row.getData() as JobRow).id));
    table.on('dataProcessed', () => {
      mark('rows');
      this.#reselect();
      // After Tabulator has laid the rows out.
      if (this.#pendingOpen !== undefined) setTimeout(() => this.#openPending());
    });
    table.on('dataFiltered', (_filters: unknown, rows: RowComponent[]) => {
      if (!remote) this.visibleCount = rows.length;
    });
  }

  #destroyTable(): void {
    const table = this.#table;
    this.#table = undefined;
    this.#built = false;
    this.#localFilter = false;
    this.#pageAbort?.abort();
    if (table !== undefined) table.destroy();
    const holder = this.renderRoot?.querySelector<HTMLElement>('.table');
    if (holder) holder.replaceChildren();
  }

  #pageSize(): number {
    const n = Number(this.pageSize);
    return PAGE_SIZES.includes(n) ? n : Number.isInteger(n) && n >= 1 && n <= 1000 ? n : DEFAULT_PAGE_SIZE;
  }

  #columnDefinitions(): ColumnDefinition[] {
    const local = this.#mode === 'data';
    const defs: ColumnDefinition[] = [
      {
        title: '',
        field: '__expand',
        formatter: (cell) => this.#expander((cell.getRow().getData() as JobRow).id),
        headerSort: false,
        resizable: false,
        width: 30,
        hozAlign: 'center',
        download: false,
      },
      {
        title: '',
        formatter: 'rowSelection',
        titleFormatter: 'rowSelection',
        headerSort: false,
        resizable: false,
        width: 32,
        hozAlign: 'center',
        download: false,
      },
    ];
    for (const c of this.#columns) {
      const numeric = c.kind === 'number' || c.kind === 'duration';
      defs.push({
        title: escapeHtml(c.title),
        titleDownload: c.title,
        field: c.field,
        width: columnWidth(c),
        visible: !this.hiddenFields.has(c.field),
        hozAlign: numeric ? 'right' : 'left',
        headerSort: true,
        sorter: local ? localSorter(c) : undefined,
        formatter: (cell) => formatCell(c, cell.getValue()),
        headerFilter: (_cell: unknown, _onRendered: unknown, success: (v: unknown) => void) => this.#headerFilter(c, success),
        headerFilterEmptyCheck: isEmptyHeaderFilter,
        headerFilterFunc: (value: HeaderFilterValue, _rowValue: unknown, rowData: JobRow) => {
          const f = headerFilterToJobFilter(c, value);
          return f === null || 'error' in f ? true : rowMatchesFilter(rowData, f.filter, c.kind);
        },
      } as ColumnDefinition);
    }
    return defs;
  }

  #expander(id: number): HTMLElement {
    const b = document.createElement('button');
    b.className = 'expander';
    b.setAttribute('part', 'expand');
    const open = this.#expanded.has(id);
    b.setAttribute('aria-expanded', String(open));
    b.setAttribute('aria-label', `${open ? 'Collapse' : 'Expand'} job ${id}`);
    b.textContent = open ? '▾' : '▸';
    // Its own click only: a click that reached the row would also toggle the row's selection.
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      this.#toggleExpanded(id);
    });
    b.addEventListener('mousedown', (e) => e.stopPropagation());
    return b;
  }

  #headerFilter(c: JobColumn, success: (v: unknown) => void): HTMLElement {
    const box = document.createElement('div');
    box.className = 'hf';
    const op = document.createElement('select');
    op.setAttribute('aria-label', `${c.title}: comparator`);
    for (const o of filterOps(c.kind)) op.add(new Option(opLabel(o, c.kind), o));
    let value: HTMLInputElement | HTMLSelectElement;
    if (c.kind === 'status') {
      const s = document.createElement('select');
      s.add(new Option('any', ''));
      for (const st of JOB_STATUSES) s.add(new Option(st, st));
      value = s;
    } else {
      const input = document.createElement('input');
      input.type = c.kind === 'date' ? 'date' : 'search';
      input.placeholder = c.kind === 'duration' ? 'seconds' : c.kind === 'number' ? 'value' : c.kind === 'date' ? '' : 'text';
      if (c.kind === 'number' || c.kind === 'duration') input.inputMode = 'decimal';
      value = input;
    }
    value.className = 'hf-value';
    value.setAttribute('aria-label', `Filter ${c.title}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sent = '';
    const emit = (): void => {
      clearTimeout(timer);
      const v: HeaderFilterValue = { op: op.value as HeaderFilterValue['op'], text: value.value };
      // A change event after the input events of the same text asks for nothing new, and neither
      // does a comparator chosen before any value.
      const key = v.text.trim() === '' ? '' : `${v.op}\u0000${v.text.trim()}`;
      if (key === sent) return;
      sent = key;
      const r = headerFilterToJobFilter(c, v);
      const invalid = r !== null && 'error' in r;
      box.classList.toggle('invalid', invalid);
      value.title = invalid ? (r as { error: string }).error : '';
      success(invalid ? { op: v.op, text: '' } : v);
    };
    value.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(emit, FILTER_DEBOUNCE_MS);
    });
    value.addEventListener('change', emit);
    op.addEventListener('change', emit);
    for (const el of [op, value]) {
      // A press in a filter control is not a click on the column header (which sorts).
      el.addEventListener('mousedown', (e) => e.stopPropagation());
      el.addEventListener('click', (e) => e.stopPropagation());
    }
    box.append(op, value);
    return box;
  }

  // -------------------------------------------------------------------------------------------
  // Server mode: one page per request

  /** Tabulator's remote request: the page, sort and header filters it holds, plus search and selection. */
  #requestPage(params: RemoteParams): Promise<RemotePage> {
    const client = this.#client;
    const page = params.page ?? 1;
    const size = params.size ?? this.#pageSize();
    const query = this.#query(params, page, size);
    this.#queryGen += 1;
    this.#pageAbort?.abort();
    if (client === undefined || this.experiment === undefined || query === 'none') {
      this.pageLoading = false;
      this.total = 0;
      this.pageInfo = { page: 1, size };
      return Promise.resolve({ last_page: 1, last_row: 0, data: [] });
    }
    const abort = new AbortController();
    this.#pageAbort = abort;
    this.pageLoading = true;
    this.#lastQuery = query;
    const prefetched = this.#prefetch;
    this.#prefetch = undefined;
    const usePrefetch = prefetched !== undefined && prefetched.key === jobQueryString(query);
    if (prefetched !== undefined && !usePrefetch) prefetched.abort.abort();
    const request = usePrefetch ? prefetched.page : client.jobs(this.experiment, query, abort.signal);
    return new Promise<RemotePage>((resolve) => {
      request.then(
        (result) => {
          if (abort.signal.aborted) return;
          mark('page');
          this.pageLoading = false;
          this.pageError = undefined;
          this.total = result.total;
          this.pageInfo = { page, size };
          this.#notePage(result.jobs);
          this.#syncingSelection = true;
          resolve({ last_page: Math.max(1, Math.ceil(result.total / size)), last_row: result.total, data: result.jobs.map(jobRow) });
        },
        (e: unknown) => {
          // A superseded request never settles: Tabulator has moved on to the newer one.
          if (abort.signal.aborted) return;
          this.pageLoading = false;
          this.pageError = (e as Error).message;
          // Keep the rows shown; the error line above the table says what went wrong.
          const table = this.#table;
          const max = table !== undefined ? Number(table.getPageMax()) || 1 : 1;
          this.#syncingSelection = true;
          resolve({ last_page: max, last_row: this.total ?? 0, data: table !== undefined ? (table.getData() as JobRow[]) : [] });
        },
      );
    });
  }

  /** The JobQuery of a page, or 'none' when the selection keeps no job. */
  #query(params: RemoteParams, page: number, size: number): JobQuery | 'none' {
    const errors: string[] = [];
    const filters: NonNullable<JobQuery['filters']>[number][] = [];
    for (const f of params.filter ?? []) {
      const c = this.#columns.find((col) => col.field === f.field);
      if (c === undefined || typeof f.value !== 'object' || f.value === null) continue;
      const r = headerFilterToJobFilter(c, f.value as HeaderFilterValue);
      if (r === null) continue;
      if ('error' in r) errors.push(r.error);
      else filters.push(r.filter);
    }
    this.filterErrors = errors;
    if (this.#focus !== undefined) {
      // A job opened from elsewhere that was not on the page: that job alone, whatever the filters.
      return { offset: 0, limit: size, filters: [], jobIds: [this.#focus] };
    }
    const s = selectionQuery(this.#filterSelection, this.#columns);
    if (s.none) return 'none';
    filters.push(...s.filters);
    const jobIds = s.jobIds;
    const sort = params.sort?.[0];
    const group = this.groupFields[0];
    const query: JobQuery = {
      offset: (page - 1) * size,
      limit: size,
      // Grouped without a chosen sort: sorted by the first group column, so each group is contiguous across pages.
      ...(sort !== undefined
        ? { sort: { column: sort.field, order: sort.dir } }
        : group !== undefined
          ? { sort: { column: group, order: 'asc' } }
          : {}),
      filters,
    };
    if (this.#search !== '') query.search = this.#search;
    if (jobIds !== undefined) query.jobIds = jobIds;
    return query;
  }

  /** Keeps each job's summary (for the detail view) and adds columns for metrics no config declared. */
  #notePage(jobs: readonly JobSummary[]): void {
    for (const j of jobs) this.#summaries.set(j.id, j);
    const known = new Set(this.#columns.map((c) => c.field));
    const extra = [...new Set(jobs.flatMap((j) => Object.keys(j.metrics)))].filter((l) => !known.has(`metric:${l}`));
    if (extra.length === 0) return;
    const cols = [...this.#columns];
    const at = cols.findIndex((c) => c.group === 'param' || c.field === 'trial');
    cols.splice(
      at,
      0,
      ...extra
        .sort()
        .map((label): JobColumn => ({ field: `metric:${label}`, title: label, kind: 'number', group: 'metric', visible: true })),
    );
    // After Tabulator has taken this page's rows: changing columns inside its request would race it.
    queueMicrotask(() => this.#setColumns(cols, false));
  }

  /** A new query (search, selection, grouping): back to page 1. */
  #reload(): void {
    if (!this.#built) return;
    void this.#table!.setData();
  }

  /** A live update: the current page again, in place (same page, same scroll position). */
  #refreshPage(): void {
    const client = this.#client;
    const query = this.#lastQuery;
    const table = this.#table;
    // A page on its way will bring the news anyway; replacing rows now would block its answer.
    if (!this.#built || client === undefined || query === undefined || table === undefined || this.pageLoading) return;
    const gen = this.#queryGen;
    client.jobs(this.experiment!, query).then(
      (result) => {
        if (gen !== this.#queryGen || this.#table !== table || this.pageLoading) return;
        this.total = result.total;
        this.pageError = undefined;
        this.#notePage(result.jobs);
        this.#syncingSelection = true;
        void table.replaceData(result.jobs.map(jobRow)).then(() => this.#reselect());
        const size = query.limit ?? this.#pageSize();
        void table.setMaxPage(Math.max(1, Math.ceil(result.total / size)));
      },
      (e: unknown) => {
        if (gen === this.#queryGen) this.pageError = (e as Error).message;
      },
    );
  }

  #onLive(batch: LiveBatch): void {
    if (this.#mode !== 'api') return;
    if (batch.changes.some((c) => c.kind === 'experiment_deleted' && c.experiment_id === this.experiment)) {
      this.pageError = `experiment ${this.experiment} was deleted`;
      return;
    }
    // Intermediate values and records change no column: only job (and experiment) changes refetch the page.
    if (batch.full || batch.changes.some((c) => c.kind === 'job' || c.kind === 'experiment')) this.#refreshPage();
    const touched = new Set(batch.changes.map((c) => c.job_id).filter((id): id is number => id !== null));
    for (const id of this.#expanded) if (batch.full || touched.has(id)) this.#loadDetail(id, true);
  }

  // -------------------------------------------------------------------------------------------
  // Data mode: everything in the page

  #localRows(): JobRow[] {
    return (this.data ?? []).map(jobRow);
  }

  #setLocalData(): void {
    if (!this.#built) return;
    void this.#table!.replaceData(this.#localRows());
  }

  /** Search and selection as one row filter (header filters are Tabulator's own, with our comparators). */
  #applyLocalFilter(): void {
    if (!this.#built || this.#mode !== 'data') return;
    const table = this.#table!;
    const q = this.#search;
    const selection = this.#filterSelection;
    if (q === '' && selection === null) {
      // Clearing refilters (and redraws) every row: only when a filter was set.
      if (this.#localFilter) table.clearFilter(false);
      this.#localFilter = false;
      this.visibleCount = table.getDataCount('active');
      return;
    }
    this.#localFilter = true;
    table.setFilter((row: JobRow) => {
      if (q !== '' && !rowMatchesSearch(row, q)) return false;
      if (selection !== null) {
        const summary = this.#summaries.get(row.id);
        if (summary === undefined || !jobInSelection(summary, selection)) return false;
      }
      return true;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Toolbar: search, grouping, columns, export

  #onSearch(e: Event): void {
    const value = (e.target as HTMLInputElement).value;
    clearTimeout(this.#searchTimer);
    this.#searchTimer = setTimeout(() => {
      if (value.trim() === this.#search) return;
      this.#search = value.trim();
      if (this.#mode === 'api') this.#reload();
      else this.#applyLocalFilter();
      this.requestUpdate();
    }, FILTER_DEBOUNCE_MS);
  }

  #addGroup(e: Event): void {
    const select = e.target as HTMLSelectElement;
    const field = select.value;
    select.value = '';
    if (field === '' || this.groupFields.includes(field)) return;
    this.groupFields = [...this.groupFields, field];
    this.#applyGrouping();
  }

  #removeGroup(field: string): void {
    this.groupFields = this.groupFields.filter((f) => f !== field);
    this.#applyGrouping();
  }

  #applyGrouping(): void {
    if (!this.#built) return;
    const table = this.#table!;
    const fields = this.groupFields;
    if (fields.length === 0) {
      // Tabulator's way to end grouping (its types list only the ways to group).
      table.setGroupBy(false as unknown as string);
    } else {
      table.setGroupHeader(
        fields.map((f) => {
          const c = this.#columns.find((col) => col.field === f);
          return (value: unknown, count: number) =>
            `${escapeHtml(c?.title ?? f)}: ${escapeHtml(value === null || value === undefined ? MISSING : c !== undefined ? formatText(c, value) : String(value))}<span>${count} job${count === 1 ? '' : 's'}</span>`;
        }),
      );
      table.setGroupBy(fields.map((f) => (row: JobRow) => row[f] ?? null));
    }
    // Server mode: the first group column orders the pages (see #query).
    if (this.#mode === 'api') this.#reload();
  }

  #toggleColumn(field: string, visible: boolean): void {
    const hidden = new Set(this.hiddenFields);
    if (visible) hidden.delete(field);
    else hidden.add(field);
    this.hiddenFields = hidden;
    if (!this.#built) return;
    if (visible) void this.#table!.showColumn(field);
    else void this.#table!.hideColumn(field);
  }

  #download(format: 'csv' | 'json'): void {
    if (!this.#built) return;
    const range = this.selectedIds.size > 0 ? 'selected' : 'active';
    this.#table!.download(format, `jobs.${format}`, {}, range);
  }

  #renderToolbar(): TemplateResult {
    const visible = this.#columns.filter((c) => !this.hiddenFields.has(c.field));
    const groupable = visible.filter((c) => !this.groupFields.includes(c.field) && c.kind !== 'date');
    return html`<div class="toolbar" part="toolbar">
      <input type="search" part="search" aria-label="Search jobs" placeholder="Search params, status, id" @input=${this.#onSearch} />
      <label
        >Group by
        <select aria-label="Group by a column" @change=${this.#addGroup}>
          <option value="">${this.groupFields.length === 0 ? 'none' : 'then…'}</option>
          ${groupable.map((c) => html`<option value=${c.field}>${c.title}</option>`)}
        </select></label
      >
      <span class="chips">
        ${this.groupFields.map((f) => {
          const title = this.#columns.find((c) => c.field === f)?.title ?? f;
          return html`<span class="chip"
            >${title}<button aria-label="Stop grouping by ${title}" @click=${() => this.#removeGroup(f)}>×</button></span
          >`;
        })}
      </span>
      ${this.#renderChooser()} ${this.#renderExports()}
      <span class="info" role="status">${this.#infoText()}</span>
    </div>`;
  }

  #renderChooser(): TemplateResult {
    const groups: Array<[string, JobColumn[]]> = [
      ['Job', this.#columns.filter((c) => c.group === 'job')],
      ['Metrics', this.#columns.filter((c) => c.group === 'metric')],
      ['Parameters', this.#columns.filter((c) => c.group === 'param')],
    ];
    return html`<details class="menu" part="column-chooser">
      <summary>Columns</summary>
      <div class="menu-body">
        ${groups
          .filter(([, cols]) => cols.length > 0)
          .map(
            ([name, cols]) =>
              html`<h4>${name}</h4>
                ${cols.map(
                  (c) =>
                    html`<label
                      ><input
                        type="checkbox"
                        data-field=${c.field}
                        .checked=${!this.hiddenFields.has(c.field)}
                        @change=${(e: Event) => this.#toggleColumn(c.field, (e.target as HTMLInputElement).checked)}
                      />
                      ${c.title}</label
                    >`,
                )}`,
          )}
      </div>
    </details>`;
  }

  #renderExports(): TemplateResult | typeof nothing {
    const ids = [...this.selectedIds].sort((a, b) => a - b);
    const which = ids.length > 0 ? `${ids.length} selected` : 'all';
    if (this.#mode === 'data') {
      return html`<span class="exports" part="export"
        >Export ${which}: <button @click=${() => this.#download('csv')}>CSV</button
        ><button @click=${() => this.#download('json')}>JSON</button></span
      >`;
    }
    const client = this.#client;
    if (client === undefined || this.experiment === undefined) return nothing;
    const formats: ExportFormat[] = ['csv', 'xlsx', 'json'];
    return html`<span class="exports" part="export"
      >Export ${which}:
      ${formats.map((f) => html`<a href=${client.exportUrl(this.experiment!, f, ids.length > 0 ? ids : undefined)} download data-format=${f}>${f.toUpperCase()}</a>`)}
      ${ids.length > 0 ? html`<button @click=${() => this.#clearSelection()}>Clear selection</button>` : nothing}</span
    >`;
  }

  #infoText(): string {
    const parts: string[] = [];
    if (this.#mode === 'api') {
      if (this.total !== undefined) {
        const filtered = this.#search !== '' || (this.#lastQuery?.filters?.length ?? 0) > 0 || this.#lastQuery?.jobIds !== undefined;
        const info = this.pageInfo;
        const first = info === undefined || this.total === 0 ? 0 : (info.page - 1) * info.size + 1;
        const last = info === undefined ? 0 : Math.min(this.total, info.page * info.size);
        parts.push(
          `${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${this.total.toLocaleString('en-US')} ${filtered ? 'matching jobs' : 'jobs'}`,
        );
      }
    } else if (this.data !== undefined) {
      const shown = this.visibleCount ?? this.data.length;
      parts.push(
        shown === this.data.length
          ? `${shown.toLocaleString('en-US')} jobs`
          : `${shown.toLocaleString('en-US')} of ${this.data.length.toLocaleString('en-US')} jobs`,
      );
    }
    if (this.selectedIds.size > 0) parts.push(`${this.selectedIds.size} selected`);
    if (this.pageLoading) parts.push('loading…');
    return parts.join(' · ');
  }

  #renderNotices(): TemplateResult {
    const out: TemplateResult[] = [];
    if (this.pageError !== undefined) {
      out.push(
        html`<p class="notice error" part="message" role="alert">
          Could not load jobs: ${this.pageError}<button part="retry" @click=${() => this.refresh()}>Retry</button>
        </p>`,
      );
    }
    for (const e of this.filterErrors) out.push(html`<p class="notice error" role="alert">${e}</p>`);
    if (this.#focus !== undefined) {
      out.push(
        html`<p class="notice" part="selection-notice">
          Showing job ${this.#focus} alone. <button @click=${() => this.#clearFocus()}>Show all jobs</button>
        </p>`,
      );
    }
    const s = this.#filterSelection;
    if (s !== null && this.#focus === undefined) {
      const q = selectionQuery(s, this.#columns);
      out.push(
        html`<p class="notice" part="selection-notice">
          Showing the jobs selected in ${s.source || 'another view'}: ${describeSelection(s, this.#columns)}
          ${q.unsupported.length > 0 && this.#mode === 'api' ? html`<span class="warning">(not filtered by ${q.unsupported.join(', ')}: several values of a column without a known list)</span>` : nothing}
          <button @click=${() => this.#clearFilterSelection()}>Show all jobs</button>
        </p>`,
      );
    }
    return html`${out}`;
  }

  // -------------------------------------------------------------------------------------------
  // Selection

  #clearFilterSelection(): void {
    this.#filterSelection = null;
    this.selection = null;
    if (this.#mode === 'api') this.#reload();
    else this.#applyLocalFilter();
    this.requestUpdate();
  }

  #clearFocus(): void {
    this.#focus = undefined;
    this.#reload();
    this.requestUpdate();
  }

  /** Expands the job asked for by openJob once its row is on the page; shows it alone when it is not. */
  #openPending(): void {
    const id = this.#pendingOpen;
    if (id === undefined || !this.#built) return;
    const row = this.#findRow(id);
    if (row !== undefined) {
      this.#pendingOpen = undefined;
      if (!this.#expanded.has(id)) this.#toggleExpanded(id);
      void this.#table!.scrollToRow(id, 'top', false);
    } else if (this.#mode === 'api' && this.#focus !== id && !this.pageLoading) {
      this.#focus = id;
      this.#reload();
      this.requestUpdate();
    } else if (this.#mode === 'data') {
      this.#pendingOpen = undefined;
    }
  }

  #onRowSelection(row: RowComponent, selected: boolean): void {
    if (this.#syncingSelection) return;
    const id = (row.getData() as JobRow).id;
    if (selected === this.selectedIds.has(id)) return;
    const next = new Set(this.selectedIds);
    if (selected) next.add(id);
    else next.delete(id);
    this.selectedIds = next;
    this.#fireSelection();
  }

  /** One event per burst (selecting all rows of a page selects them one by one). */
  #fireSelection(): void {
    if (this.#selectionFirePending) return;
    this.#selectionFirePending = true;
    queueMicrotask(() => {
      this.#selectionFirePending = false;
      const ids = [...this.selectedIds].sort((a, b) => a - b);
      fire<JobSelection>(this, 'aup-selection-change', { source: TAG, ranges: {}, jobIds: ids.length > 0 ? ids : null });
    });
  }

  /** After new rows came in: the rows the user selected (on any page) are selected again. */
  #reselect(): void {
    const table = this.#table;
    if (table === undefined) return;
    this.#syncingSelection = true;
    try {
      const ids = [...this.selectedIds].filter((id) => this.#findRow(id) !== undefined);
      if (ids.length > 0) table.selectRow(ids);
    } finally {
      this.#syncingSelection = false;
    }
  }

  #clearSelection(): void {
    this.selectedIds = new Set();
    this.#syncingSelection = true;
    try {
      this.#table?.deselectRow();
    } finally {
      this.#syncingSelection = false;
    }
    this.#fireSelection();
  }

  // -------------------------------------------------------------------------------------------
  // Expanded rows

  #formatRow(row: RowComponent): void {
    const data = row.getData() as JobRow;
    const el = row.getElement();
    let holder = el.querySelector<HTMLElement>(':scope > .detail');
    if (!this.#expanded.has(data.id)) {
      holder?.remove();
      return;
    }
    if (holder === null) {
      holder = document.createElement('div');
      holder.className = 'detail';
      holder.setAttribute('part', 'detail');
      // Clicks inside the detail are not clicks on the row (which select it).
      for (const type of ['click', 'dblclick', 'mousedown', 'mouseup']) holder.addEventListener(type, (e) => e.stopPropagation());
      el.appendChild(holder);
    }
    this.#renderDetail(data.id, holder, data);
  }

  #toggleExpanded(id: number): void {
    if (this.#expanded.has(id)) {
      this.#expanded.delete(id);
    } else {
      this.#expanded.add(id);
      if (this.#mode === 'api' && !this.#details.has(id)) this.#loadDetail(id, false);
    }
    const row = this.#findRow(id);
    if (row) {
      row.reformat();
      this.#measureRow(id);
    }
  }

  #renderDetail(id: number, holder?: HTMLElement, data?: JobRow): void {
    const row = data ?? this.#rowData(id);
    const el = holder ?? this.#rowElement(id)?.querySelector<HTMLElement>(':scope > .detail') ?? undefined;
    if (row === undefined || el === undefined) return;
    const client = this.#client;
    render(
      renderJobDetail(this.#mode === 'api' ? (this.#details.get(id) ?? { load: 'loading' }) : undefined, {
        row,
        experiment:
          this.expLoad.state === 'complete' ? this.expLoad.value : this.expLoad.state !== 'idle' ? this.expLoad.previous : undefined,
        canControl: this.#mode === 'api' && this.#caps.value.control,
        ...(client !== undefined
          ? { artifactUrl: (j: number, i: number) => client.artifactUrl(j, i), imageUrl: (j: number, i: number) => client.imageUrl(j, i) }
          : {}),
        onOpen: () => this.#open(id),
        onAction: (kind) => this.#setDetail(id, { action: { kind, phase: 'confirm' } }),
        onConfirm: () => void this.#runAction(id),
        onCancel: () => this.#setDetail(id, { action: undefined }),
        onLog: (attempt) => this.#loadLog(id, attempt),
      }),
      el,
    );
    // Content that came later made the row grow or shrink: Tabulator lays out rows by their
    // measured height. (Inside the row formatter Tabulator measures the row itself afterwards.)
    if (holder === undefined) this.#measureRow(id);
  }

  #measureRow(id: number): void {
    this.#findRow(id)?.normalizeHeight();
  }

  /** The row of a job on the current page; Tabulator answers `false` (not in its types) for none. */
  #findRow(id: number): RowComponent | undefined {
    const row = this.#table?.getRow(id) as RowComponent | false | undefined;
    return row === false ? undefined : row;
  }

  #rowData(id: number): JobRow | undefined {
    return this.#findRow(id)?.getData() as JobRow | undefined;
  }

  #rowElement(id: number): HTMLElement | undefined {
    return this.#findRow(id)?.getElement();
  }

  #setDetail(id: number, patch: Partial<JobDetailState>): void {
    const prev = this.#details.get(id) ?? { load: 'loading' };
    this.#details.set(id, { ...prev, ...patch });
    this.#renderDetail(id);
  }

  /** GET /jobs/{jid} and the log of the chosen (or last) attempt; `quiet` keeps what is shown until the answer. */
  #loadDetail(id: number, quiet: boolean): void {
    const client = this.#client;
    if (client === undefined) return;
    if (!quiet) this.#setDetail(id, { load: 'loading' });
    client.job(id).then(
      (job) => {
        const prev = this.#details.get(id);
        this.#setDetail(id, { load: 'complete', job, error: undefined });
        const attempt = prev?.logAttempt ?? job.attempts.at(-1)?.attempt;
        if (attempt !== undefined) this.#loadLog(id, attempt, quiet);
      },
      (e: unknown) => {
        if (!quiet || this.#details.get(id)?.job === undefined) this.#setDetail(id, { load: 'error', error: (e as Error).message });
      },
    );
  }

  #loadLog(id: number, attempt: number, quiet = false): void {
    const client = this.#client;
    if (client === undefined) return;
    const prev = this.#details.get(id);
    if (!quiet || prev?.log?.attempt !== attempt) this.#setDetail(id, { logAttempt: attempt, log: { attempt, state: 'loading' } });
    client.log(id, attempt, LOG_TAIL_BYTES).then(
      (slice) => {
        if (this.#details.get(id)?.logAttempt !== attempt) return;
        this.#setDetail(id, { log: { attempt, state: 'complete', text: slice.text, size: slice.size, offset: slice.offset } });
      },
      (e: unknown) => {
        if (this.#details.get(id)?.logAttempt !== attempt) return;
        this.#setDetail(id, { log: { attempt, state: 'error', error: (e as Error).message } });
      },
    );
  }

  #followLogs(): void {
    if (this.#mode !== 'api') return;
    for (const id of this.#expanded) {
      const state = this.#details.get(id);
      const last = state?.job?.attempts.at(-1)?.attempt;
      if (state?.job?.status !== 'running' || last === undefined || (state.logAttempt ?? last) !== last) continue;
      if (state.log?.state === 'loading') continue;
      this.#loadLog(id, last, true);
    }
  }

  async #runAction(id: number): Promise<void> {
    const client = this.#client;
    const kind = this.#details.get(id)?.action?.kind;
    if (client === undefined || kind === undefined) return;
    this.#setDetail(id, { action: { kind, phase: 'pending', message: kind === 'kill' ? `Killing job ${id}…` : `Deleting job ${id}…` } });
    try {
      if (kind === 'kill') {
        const answer = (await client.killJob(id, KILL_WAIT_MS)) as {
          done_at?: string | null;
          result?: { ok?: boolean; message?: string } | null;
        };
        const ok = answer.result?.ok;
        const message =
          answer.done_at == null
            ? `Kill requested; the runner has not answered yet.`
            : ok === false
              ? `The runner could not kill it: ${answer.result?.message ?? 'no reason given'}`
              : `Job ${id} was killed.`;
        this.#setDetail(id, { action: { kind, phase: ok === false ? 'error' : 'done', message } });
        this.#loadDetail(id, true);
      } else {
        await client.deleteJob(id);
        this.#expanded.delete(id);
        this.#details.delete(id);
        if (this.selectedIds.has(id)) {
          const next = new Set(this.selectedIds);
          next.delete(id);
          this.selectedIds = next;
          this.#fireSelection();
        }
      }
      this.#refreshPage();
    } catch (e) {
      this.#setDetail(id, { action: { kind, phase: 'error', message: (e as Error).message } });
    }
  }

  #open(jobId: number): void {
    fire<OpenJobDetail>(this, 'aup-open-job', { experimentId: this.experiment ?? 0, jobId });
  }
}

// ---------------------------------------------------------------------------------------------
// Cells

/**
 * A User Timing mark (`aup-job-table:experiment`, `:page`, `:rows`), so a profile or the browser
 * benchmark (test/bench/browser-job-table.mjs) can tell where the time of a render went.
 */
function mark(what: string): void {
  if (typeof performance !== 'undefined' && typeof performance.mark === 'function') performance.mark(`${TAG}:${what}`);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Tabulator writes a formatter's string as HTML; values come from jobs (any text), so they are escaped. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function formatText(c: JobColumn, value: unknown): string {
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

function formatCell(c: JobColumn, value: unknown): string {
  if (value === null || value === undefined) return `<span class="missing">${MISSING}</span>`;
  const text = escapeHtml(formatText(c, value));
  if (c.kind === 'status') return `<span class="badge ${escapeHtml(String(value))}">${text}</span>`;
  // The exact value on hover when the cell rounds it.
  const exact = escapeHtml(String(value));
  return exact === text ? text : `<span title="${exact}">${text}</span>`;
}

/** Pixels per column kind: room for the value and the header's filter, without measuring the cells. */
const KIND_WIDTHS: Readonly<Record<JobColumn['kind'], number>> = { number: 110, text: 120, date: 150, duration: 110, status: 130 };
// A bold header character is about this wide; the sort arrow and padding take the rest.
const TITLE_CHAR_PX = 8;
const TITLE_PADDING_PX = 36;

function columnWidth(c: JobColumn): number {
  const base = c.field === 'id' ? 90 : KIND_WIDTHS[c.kind];
  return Math.max(base, Math.min(320, c.title.length * TITLE_CHAR_PX + TITLE_PADDING_PX));
}

/** Client-side sorting for the `data` property, missing values last as on the server. */
function localSorter(c: JobColumn): ColumnDefinition['sorter'] {
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
function describeSelection(s: JobSelection, columns: readonly JobColumn[]): string {
  const parts = Object.entries(s.ranges).map(([field, range]) => {
    const title = columns.find((c) => c.field === field)?.title ?? field;
    if (range.length === 2 && typeof range[0] === 'number' && typeof range[1] === 'number')
      return `${title} ${formatScore(range[0])}–${formatScore(range[1])}`;
    return `${title}: ${range.length === 0 ? '(nothing)' : range.map(String).join(', ')}`;
  });
  if (s.jobIds !== null && s.jobIds.length > 0) parts.push(`${s.jobIds.length} job${s.jobIds.length === 1 ? '' : 's'}`);
  return parts.join('; ');
}
