import { LitElement, html, type PropertyValues, type TemplateResult } from 'lit';
import type { RowComponent } from 'tabulator-tables';

import { AupApiClient } from '../api/api-client.js';
import type { ExperimentDetail } from '../api/experiment-detail.js';
import type { JobSummary } from '../api/job-summary.js';
import { AsyncLoadController } from '../controllers/async-load-controller.js';
import { CapabilitiesController } from '../controllers/board-capabilities.js';
import { LiveController, type LiveBatch } from '../controllers/live-controller.js';
import { fire, isEmptySelection, type JobSelection, type OpenJobDetail } from '../events.js';
import { emptyMessage, errorMessage, loadingMessage } from '../theme/state-messages.js';
import { JobDetailRows } from './detail-rows.js';
import { JOB_TABLE_TAG, mark } from './job-cells.js';
import {
  inferFromJobs,
  jobColumns,
  jobRow,
  keepUndeclaredMetrics,
  metricsFromConfig,
  paramsFromConfig,
  withPageMetrics,
  type JobColumn,
  type JobRow,
} from './job-columns.js';
import { infoText, JobTableToolbar, renderNotices } from './job-table-toolbar.js';
import { jobTableStyles } from './job-table.styles.js';
import { JobPageLoading } from './page-loading.js';
import { FILTER_DEBOUNCE_MS, JobTabulator, PAGE_SIZES } from './tabulator-adapter.js';
import { loadedTabulator, loadTabulator } from './tabulator.js';

export { LOG_FOLLOW_MS, LOG_TAIL_BYTES } from './detail-rows.js';
export { FILTER_DEBOUNCE_MS } from './tabulator-adapter.js';

/** Rows per page when the page names none: a screenful and a half, one fast request (≤ 50 ms at 100,000 jobs). */
export const DEFAULT_PAGE_SIZE = 100;

type Mode = 'none' | 'api' | 'data';

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
    selectedIds: { state: true },
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

  private selectedIds: ReadonlySet<number> = new Set();
  private filterErrors: readonly string[] = [];
  private visibleCount: number | undefined;
  /** Why Tabulator could not be loaded (a bundler's chunk that failed to download). */
  private tabulatorError: string | undefined;

  private mode: Mode = 'none';
  private client: AupApiClient | undefined;
  private columns: JobColumn[] = [];
  private columnsKey = '';
  /** Columns seen so far: a column hidden by default starts hidden once, then follows the chooser. */
  private readonly seenFields = new Set<string>();
  private tabulator: JobTabulator | undefined;
  private summaries = new Map<number, JobSummary>();
  private control = false;
  /** The selection rows are filtered by: the last one made elsewhere (never our own echo). */
  private filterSelection: JobSelection | null = null;
  /** A job opened by openJob that is not on the page yet. */
  private pendingOpen: number | undefined;
  /** A job shown alone (openJob for a job that was not on the page). */
  private focusedJob: number | undefined;
  private selectionFirePending = false;
  private readonly toolbar = new JobTableToolbar(
    {
      requestUpdate: () => this.requestUpdate(),
      columns: () => this.columns,
      table: () => this.tabulator,
      onSearchChange: () => this.refilter(),
      onGroupChange: () => this.applyGrouping(),
    },
    FILTER_DEBOUNCE_MS,
  );
  private readonly experimentLoad = new AsyncLoadController<ExperimentDetail>(this);
  private readonly pages = new JobPageLoading(this, {
    source: () => this.source(),
    scope: () => ({
      columns: this.columns,
      search: this.toolbar.search,
      selection: this.filterSelection,
      focus: this.focusedJob,
      groupField: this.toolbar.groupFields[0],
    }),
    pageSize: () => this.effectivePageSize(),
    table: () => this.tabulator,
    onPage: (jobs) => this.notePage(jobs),
    onFilterErrors: (errors) => (this.filterErrors = errors),
    reselect: () => this.tabulator?.reselect(this.selectedIds),
  });
  private readonly details = new JobDetailRows({
    client: () => (this.mode === 'api' ? this.client : undefined),
    experiment: () => this.experimentLoad.value,
    canControl: () => this.caps.value.control,
    findRow: (id) => this.tabulator?.findRow(id),
    open: (id) => this.open(id),
    afterAction: (id, kind) => {
      if (kind === 'delete' && this.selectedIds.has(id)) this.setSelected(id, false);
      this.pages.refresh();
    },
  });
  private readonly live = new LiveController(this, (batch) => this.onLive(batch));
  // Kill and delete only where the board serves them to this page (same origin, not read-only).
  private readonly caps = new CapabilitiesController(this);

  /**
   * Shows page `page` (from 1) of the jobs as they are sorted and filtered now; resolves once its
   * rows are in. Server mode only (the `data` property scrolls instead).
   */
  async goToPage(page: number): Promise<void> {
    if (this.mode !== 'api' || this.tabulator?.built !== true) return;
    await this.tabulator.table.setPage(page);
  }

  /**
   * Opens job `id` in its expanded row: in place when it is on the page, else the table shows that
   * job alone (with a button back to all jobs). `<aup-board>` calls it for a job opened elsewhere
   * (a point of the job chart, a `#/experiments/3/jobs/12` link); it may be called before the table has loaded.
   */
  openJob(id: number): void {
    this.pendingOpen = id;
    this.openPending();
  }

  /** Reloads the experiment and the current page (or re-reads `data`). */
  refresh(): void {
    if (this.mode === 'api') {
      this.loadExperiment();
      this.reload();
    } else if (this.mode === 'data') {
      this.setLocalData();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.details.stopFollowing();
    this.destroyTable();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.details.follow();
    // Tabulator loads while the experiment does; a failure is reported when the table is built.
    loadTabulator().catch(() => undefined);
    // Coming back to the page after a disconnect: the table is built again on the next update.
    if (this.hasUpdated) this.requestUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') || changed.has('experiment') || changed.has('data')) this.configure();
    if (changed.has('token') && this.client !== undefined) this.client.token = this.token === '' ? undefined : this.token;
    // The echo of our own row selection (a page passing every aup-selection-change back to each
    // element) changes nothing: the rows stay filtered by the last selection made elsewhere.
    if (changed.has('selection') && this.selection?.source !== JOB_TABLE_TAG) {
      const next = isEmptySelection(this.selection) ? null : this.selection;
      if (next !== this.filterSelection) {
        this.filterSelection = next;
        this.refilter();
      }
    }
    if (changed.has('pageSize') && this.tabulator?.built === true && this.mode === 'api')
      void this.tabulator.table.setPageSize(this.effectivePageSize());
  }

  protected override updated(): void {
    if (this.tabulator === undefined && this.columns.length > 0 && this.isConnected) this.createTable();
    // The expanded rows live inside Tabulator's rows, outside this render: they follow by hand.
    const control = this.caps.value.control;
    if (control !== this.control) {
      this.control = control;
      this.details.renderAll();
    }
  }

  protected override render(): TemplateResult {
    if (this.mode === 'none') {
      return emptyMessage(html`Set the <code>api</code> and <code>experiment</code> attributes, or the <code>data</code> property.`);
    }
    if (this.mode === 'api' && this.columns.length === 0) {
      const state = this.experimentLoad.state;
      if (state.status === 'error') return errorMessage(`experiment ${this.experiment}`, state.message, () => this.refresh());
      return loadingMessage('jobs');
    }
    if (this.tabulatorError !== undefined) return errorMessage('the table', this.tabulatorError);
    return html`<div class="frame">
      ${this.renderToolbar()} ${this.renderNotices()}
      <div class="table-box" part="table"><div class="table"></div></div>
    </div>`;
  }

  // ---- configuration: which data, which columns ----------------------------------------------

  private configure(): void {
    const mode: Mode =
      this.data !== undefined ? 'data' : this.api && this.experiment !== undefined && Number.isInteger(this.experiment) ? 'api' : 'none';
    const modeChanged = mode !== this.mode;
    this.mode = mode;
    if (mode !== 'api') this.live.follow(undefined, undefined);
    if (mode === 'data') {
      this.client = undefined;
      const { params, metrics } = inferFromJobs(this.data!);
      this.setColumns(jobColumns({ params, metrics }), modeChanged);
      this.summaries = new Map(this.data!.map((j) => [j.id, j]));
      if (!modeChanged) this.setLocalData();
      return;
    }
    if (modeChanged || mode === 'none') this.destroyTable();
    if (mode === 'none') return;
    this.client = new AupApiClient(this.api!, this.token);
    this.details.clear();
    this.selectedIds = new Set();
    this.destroyTable();
    this.columns = [];
    this.columnsKey = '';
    this.loadExperiment();
    this.pages.prefetchFirstPage();
    this.live.follow(this.api, this.experiment);
  }

  /** Server mode: the board client and the experiment. */
  private source(): { client: AupApiClient; experiment: number } | undefined {
    return this.mode === 'api' && this.client !== undefined && this.experiment !== undefined
      ? { client: this.client, experiment: this.experiment }
      : undefined;
  }

  private loadExperiment(): void {
    const source = this.source();
    if (source === undefined) return;
    void this.experimentLoad.run(async (signal) => {
      const exp = await source.client.experiment(source.experiment, signal);
      if (!signal.aborted) this.onExperiment(exp);
      return exp;
    });
  }

  private onExperiment(exp: ExperimentDetail): void {
    mark('experiment');
    const cols = jobColumns({ params: paramsFromConfig(exp.config), metrics: metricsFromConfig(exp.config) });
    this.setColumns(keepUndeclaredMetrics(cols, this.columns), false);
  }

  private setColumns(cols: JobColumn[], rebuild: boolean): void {
    const key = cols.map((c) => `${c.field}\u0000${c.kind}`).join('\u0001');
    if (key === this.columnsKey && !rebuild) return;
    this.columns = cols;
    this.columnsKey = key;
    const fresh = cols.filter((c) => !this.seenFields.has(c.field));
    this.toolbar.hide(fresh.filter((c) => !c.visible).map((c) => c.field));
    for (const c of fresh) this.seenFields.add(c.field);
    if (rebuild) this.destroyTable();
    else this.tabulator?.applyColumns(this.columnsKey);
    this.requestUpdate();
  }

  /** Keeps each job's summary (for the detail view) and adds columns for metrics no config declared. */
  private notePage(jobs: readonly JobSummary[]): void {
    for (const j of jobs) this.summaries.set(j.id, j);
    const cols = withPageMetrics(this.columns, jobs);
    if (cols === undefined) return;
    // After Tabulator has taken this page's rows: changing columns inside its request would race it.
    queueMicrotask(() => this.setColumns(cols, false));
  }

  private effectivePageSize(): number {
    const n = Number(this.pageSize);
    return PAGE_SIZES.includes(n) ? n : Number.isInteger(n) && n >= 1 && n <= 1000 ? n : DEFAULT_PAGE_SIZE;
  }

  // ---- the table ------------------------------------------------------------------------------

  private createTable(): void {
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
    const remote = this.mode === 'api';
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getters below read the element's current state
    const el = this;
    const adapter: JobTabulator = new JobTabulator(
      Tabulator,
      holder,
      {
        remote,
        get columns() {
          return el.columns;
        },
        get hiddenFields() {
          return el.toolbar.hiddenFields;
        },
        get groupFields() {
          return el.toolbar.groupFields;
        },
        pageSize: () => this.effectivePageSize(),
        localRows: () => this.localRows(),
        requestPage: (params) => this.pages.request(params),
        isExpanded: (id) => this.details.isExpanded(id),
        toggleExpanded: (id) => this.details.toggle(id),
        formatRow: (row: RowComponent) => this.details.formatRow(row),
        onBuilt: () => {
          if (this.tabulator !== adapter) return;
          adapter.applyColumns(this.columnsKey);
          if (this.toolbar.groupFields.length > 0) this.applyGrouping();
          if (!remote) this.applyLocalFilter();
        },
        onRowSelection: (id, selected) => this.setSelected(id, selected),
        onOpen: (id) => this.open(id),
        onRows: () => {
          adapter.reselect(this.selectedIds);
          // After Tabulator has laid the rows out.
          if (this.pendingOpen !== undefined) setTimeout(() => this.openPending());
        },
        onFiltered: (count) => (this.visibleCount = count),
      },
      this.columnsKey,
    );
    this.tabulator = adapter;
  }

  private destroyTable(): void {
    const table = this.tabulator;
    this.tabulator = undefined;
    this.pages.stop();
    table?.destroy();
    const holder = this.renderRoot?.querySelector<HTMLElement>('.table');
    if (holder) holder.replaceChildren();
  }

  /** A new query (search, selection, grouping): back to page 1. */
  private reload(): void {
    if (this.tabulator?.built === true) void this.tabulator.table.setData();
  }

  /** The search or the selection changed: a new query in server mode, the local filter with `data`. */
  private refilter(): void {
    if (this.mode === 'api') this.reload();
    else this.applyLocalFilter();
  }

  private onLive(batch: LiveBatch): void {
    if (this.mode !== 'api') return;
    if (batch.changes.some((c) => c.kind === 'experiment_deleted' && c.experiment_id === this.experiment)) {
      this.pages.fail(`experiment ${this.experiment} was deleted`);
      return;
    }
    // Intermediate values and records change no column: only job (and experiment) changes refetch the page.
    if (batch.full || batch.changes.some((c) => c.kind === 'job' || c.kind === 'experiment')) this.pages.refresh();
    this.details.onLive(batch);
  }

  // ---- data mode: everything in the page ------------------------------------------------------

  private localRows(): JobRow[] {
    return (this.data ?? []).map(jobRow);
  }

  private setLocalData(): void {
    if (this.tabulator?.built === true) void this.tabulator.table.replaceData(this.localRows());
  }

  private applyLocalFilter(): void {
    if (this.tabulator?.built !== true || this.mode !== 'data') return;
    const count = this.tabulator.applyLocalFilter(this.toolbar.search, this.filterSelection, this.summaries);
    if (count !== undefined) this.visibleCount = count;
  }

  // ---- toolbar: search, grouping, columns, export ---------------------------------------------

  private renderToolbar(): TemplateResult {
    const server = this.source();
    return this.toolbar.render({
      selectedIds: this.selectedIds,
      server,
      local: this.mode === 'data',
      info: infoText({
        ...(this.mode === 'api'
          ? {
              server: {
                total: this.pages.total,
                filtered:
                  this.toolbar.search !== '' ||
                  (this.pages.lastQuery?.filters?.length ?? 0) > 0 ||
                  this.pages.lastQuery?.jobIds !== undefined,
                page: this.pages.info,
                loading: this.pages.requested,
              },
            }
          : this.data !== undefined
            ? { local: { shown: this.visibleCount ?? this.data.length, all: this.data.length } }
            : {}),
        selected: this.selectedIds.size,
      }),
      onClearSelection: () => this.clearSelection(),
    });
  }

  private renderNotices(): TemplateResult {
    return renderNotices({
      pageError: this.mode === 'api' ? this.pages.error : undefined,
      filterErrors: this.filterErrors,
      focus: this.focusedJob,
      selection: this.filterSelection,
      columns: this.columns,
      remote: this.mode === 'api',
      onRetry: () => this.refresh(),
      onClearFocus: () => this.clearFocus(),
      onClearSelection: () => this.clearFilterSelection(),
    });
  }

  private applyGrouping(): void {
    if (this.tabulator?.built !== true) return;
    this.tabulator.applyGrouping();
    // Server mode: the first group column orders the pages (see pageQuery).
    if (this.mode === 'api') this.reload();
  }

  // ---- selection ------------------------------------------------------------------------------

  private clearFilterSelection(): void {
    this.filterSelection = null;
    this.selection = null;
    this.refilter();
    this.requestUpdate();
  }

  private clearFocus(): void {
    this.focusedJob = undefined;
    this.reload();
    this.requestUpdate();
  }

  /** Expands the job asked for by openJob once its row is on the page; shows it alone when it is not. */
  private openPending(): void {
    const id = this.pendingOpen;
    const table = this.tabulator;
    if (id === undefined || table?.built !== true) return;
    if (table.findRow(id) !== undefined) {
      this.pendingOpen = undefined;
      if (!this.details.isExpanded(id)) this.details.toggle(id);
      void table.table.scrollToRow(id, 'top', false);
    } else if (this.mode === 'api' && this.focusedJob !== id && !this.pages.requested) {
      this.focusedJob = id;
      this.reload();
      this.requestUpdate();
    } else if (this.mode === 'data') {
      this.pendingOpen = undefined;
    }
  }

  /** A row the user selected or deselected (also a deleted job leaving the selection). */
  private setSelected(id: number, selected: boolean): void {
    if (selected === this.selectedIds.has(id)) return;
    const next = new Set(this.selectedIds);
    if (selected) next.add(id);
    else next.delete(id);
    this.selectedIds = next;
    this.fireSelection();
  }

  /** One event per burst (selecting all rows of a page selects them one by one). */
  private fireSelection(): void {
    if (this.selectionFirePending) return;
    this.selectionFirePending = true;
    queueMicrotask(() => {
      this.selectionFirePending = false;
      const ids = [...this.selectedIds].sort((a, b) => a - b);
      fire<JobSelection>(this, 'aup-selection-change', { source: JOB_TABLE_TAG, ranges: {}, jobIds: ids.length > 0 ? ids : null });
    });
  }

  private clearSelection(): void {
    this.selectedIds = new Set();
    this.tabulator?.deselectAll();
    this.fireSelection();
  }

  private open(jobId: number): void {
    fire<OpenJobDetail>(this, 'aup-open-job', { experimentId: this.experiment ?? 0, jobId });
  }
}
