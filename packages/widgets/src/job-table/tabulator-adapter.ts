import type { ColumnDefinition, Options, RowComponent, Tabulator as TabulatorTable } from 'tabulator-tables';

import { JOB_STATUSES } from '../api/job-statuses.js';
import type { JobSummary } from '../api/job-summary.js';
import type { JobSelection } from '../events.js';
import { jobInSelection } from '../selection/job-selection.js';
import { columnWidth, escapeHtml, formatCell, groupHeader, localSorter, mark } from './job-cells.js';
import type { JobColumn, JobRow } from './job-columns.js';
import {
  filterOps,
  headerFilterToJobFilter,
  isEmptyHeaderFilter,
  opLabel,
  rowMatchesFilter,
  rowMatchesSearch,
  type HeaderFilterValue,
} from './job-filters.js';
import type { TabulatorConstructor } from './tabulator.js';

/** Page sizes offered; the API serves at most 1,000 jobs a request. */
export const PAGE_SIZES = [50, 100, 250, 500, 1000];
/** Typing pauses this long before a search or header filter asks the server: one request per word, not per key. */
export const FILTER_DEBOUNCE_MS = 300;
/** Any truthy URL turns on Tabulator's remote loading; the request function asks the board API itself. */
const REMOTE_URL = 'aup-board-jobs';

/** The parameters Tabulator hands a remote request (remote paging, sorting and filtering). */
export interface RemoteParams {
  page?: number;
  size?: number;
  sort?: Array<{ field: string; dir: 'asc' | 'desc' }>;
  filter?: Array<{ field: string; type: string; value: unknown }>;
}
/** What a remote request answers Tabulator. */
export interface RemotePage {
  last_page: number;
  last_row: number;
  data: JobRow[];
}

/** What the adapter asks of the element: its columns and rows, and where the table's events go. */
export interface JobTabulatorHost {
  /** Server mode (pages through `requestPage`), or the `data` rows in the page. */
  readonly remote: boolean;
  readonly columns: readonly JobColumn[];
  readonly hiddenFields: ReadonlySet<string>;
  readonly groupFields: readonly string[];
  pageSize(): number;
  /** The `data` rows (local mode). */
  localRows(): JobRow[];
  requestPage(params: RemoteParams): Promise<RemotePage>;
  isExpanded(id: number): boolean;
  toggleExpanded(id: number): void;
  /** Draws (or removes) a row's expanded detail after Tabulator laid the row out. */
  formatRow(row: RowComponent): void;
  /** The table is built: columns, grouping and filters may be applied. */
  onBuilt(): void;
  /** The user selected or deselected a row (not the table's own re-selection after a load). */
  onRowSelection(id: number, selected: boolean): void;
  onOpen(id: number): void;
  /** New rows are in and laid out. */
  onRows(): void;
  /** Rows shown after the local filters (local mode). */
  onFiltered(count: number): void;
}

/**
 * One Tabulator table of jobs: its options, column definitions and header filter controls, the
 * grouping, the local search and selection filter, and the rows selected again after each load.
 * The element keeps the state (columns, selection, expanded rows); this turns it into Tabulator calls.
 */
export class JobTabulator {
  /** Set once Tabulator fired `tableBuilt`: before it, the table takes no calls. */
  built = false;
  /** While the table itself (re)selects rows after a page load, its select events are not the user's. */
  syncingSelection = false;
  readonly table: TabulatorTable;
  /** The columns key the table's definitions were made from (they are rebuilt only when it changes). */
  private columnsKey: string;
  /** Whether the `data` rows carry our search/selection filter (Tabulator's own setFilter). */
  private localFilter = false;
  private destroyed = false;

  constructor(
    Tabulator: TabulatorConstructor,
    holder: HTMLElement,
    private readonly host: JobTabulatorHost,
    columnsKey: string,
  ) {
    this.columnsKey = columnsKey;
    const table = new Tabulator(holder, this.options(holder));
    this.table = table;
    table.on('tableBuilt', () => {
      if (this.destroyed) return;
      this.built = true;
      host.onBuilt();
    });
    table.on('rowSelected', (row: RowComponent) => this.onSelect(row, true));
    table.on('rowDeselected', (row: RowComponent) => this.onSelect(row, false));
    table.on('rowDblClick', (_e: UIEvent, row: RowComponent) => host.onOpen((row.getData() as JobRow).id));
    table.on('dataProcessed', () => {
      mark('rows');
      host.onRows();
    });
    table.on('dataFiltered', (_filters: unknown, rows: RowComponent[]) => {
      if (!host.remote) host.onFiltered(rows.length);
    });
  }

  destroy(): void {
    this.destroyed = true;
    this.built = false;
    this.table.destroy();
  }

  /** Gives the table the host's current columns when they changed since its definitions were made. */
  applyColumns(key: string): void {
    if (!this.built || this.columnsKey === key) return;
    this.columnsKey = key;
    this.table.setColumns(this.columnDefinitions());
  }

  /** Groups the rows by the host's group columns (none: ungrouped). */
  applyGrouping(): void {
    if (!this.built) return;
    const fields = this.host.groupFields;
    if (fields.length === 0) {
      // Tabulator's way to end grouping (its types list only the ways to group).
      this.table.setGroupBy(false as unknown as string);
      return;
    }
    const columns = this.host.columns;
    this.table.setGroupHeader(
      fields.map((f) => {
        const c = columns.find((col) => col.field === f);
        return (value: unknown, count: number) => groupHeader(c, f, value, count);
      }),
    );
    this.table.setGroupBy(fields.map((f) => (row: JobRow) => row[f] ?? null));
  }

  /**
   * Local mode: the search and the selection as one row filter (header filters are Tabulator's
   * own, with our comparators). Answers the rows shown when no filter is set.
   */
  applyLocalFilter(search: string, selection: JobSelection | null, summaries: ReadonlyMap<number, JobSummary>): number | undefined {
    const table = this.table;
    if (search === '' && selection === null) {
      // Clearing refilters (and redraws) every row: only when a filter was set.
      if (this.localFilter) table.clearFilter(false);
      this.localFilter = false;
      return table.getDataCount('active');
    }
    this.localFilter = true;
    table.setFilter((row: JobRow) => {
      if (search !== '' && !rowMatchesSearch(row, search)) return false;
      if (selection !== null) {
        const summary = summaries.get(row.id);
        if (summary === undefined || !jobInSelection(summary, selection)) return false;
      }
      return true;
    });
    return undefined;
  }

  /** The row of a job on the current page; Tabulator answers `false` (not in its types) for none. */
  findRow(id: number): RowComponent | undefined {
    const row = this.table.getRow(id) as RowComponent | false | undefined;
    return row === false ? undefined : row;
  }

  /** After new rows came in: the rows the user selected (on any page) are selected again. */
  reselect(selected: ReadonlySet<number>): void {
    this.syncingSelection = true;
    try {
      const ids = [...selected].filter((id) => this.findRow(id) !== undefined);
      if (ids.length > 0) this.table.selectRow(ids);
    } finally {
      this.syncingSelection = false;
    }
  }

  /** Deselects every row without reporting it as the user's. */
  deselectAll(): void {
    this.syncingSelection = true;
    try {
      this.table.deselectRow();
    } finally {
      this.syncingSelection = false;
    }
  }

  private onSelect(row: RowComponent, selected: boolean): void {
    if (!this.syncingSelection) this.host.onRowSelection((row.getData() as JobRow).id, selected);
  }

  private options(holder: HTMLElement): Options {
    const remote = this.host.remote;
    return {
      index: 'id',
      height: '100%',
      // Widths are given per column (columnWidth): measuring every cell to fit the data was the
      // largest cost of the first render (about 0.4 s of CPU for a page of 100 rows).
      layout: 'fitData',
      // Param names may hold dots (config templates name them by path): fields are flat keys.
      nestedFieldSeparator: false,
      columns: this.columnDefinitions(),
      placeholder: remote ? 'No jobs match.' : 'No jobs.',
      // A click toggles a row (and so does its checkbox); a drag over rows selects them all.
      selectableRows: true,
      columnHeaderSortMulti: false,
      popupContainer: holder,
      rowFormatter: (row) => this.host.formatRow(row),
      groupStartOpen: true,
      groupToggleElement: 'header',
      ...(remote
        ? {
            pagination: true,
            paginationMode: 'remote',
            paginationSize: this.host.pageSize(),
            paginationSizeSelector: PAGE_SIZES,
            paginationButtonCount: 5,
            sortMode: 'remote',
            filterMode: 'remote',
            ajaxURL: REMOTE_URL,
            ajaxRequestFunc: (_url: string, _config: unknown, params: RemoteParams) => this.host.requestPage(params),
            dataLoader: false,
          }
        : { data: this.host.localRows(), renderVertical: 'virtual' }),
    };
  }

  private columnDefinitions(): ColumnDefinition[] {
    const local = !this.host.remote;
    const defs: ColumnDefinition[] = [
      {
        title: '',
        field: '__expand',
        formatter: (cell) => this.expander((cell.getRow().getData() as JobRow).id),
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
    for (const c of this.host.columns) {
      const numeric = c.kind === 'number' || c.kind === 'duration';
      defs.push({
        title: escapeHtml(c.title),
        titleDownload: c.title,
        field: c.field,
        width: columnWidth(c),
        visible: !this.host.hiddenFields.has(c.field),
        hozAlign: numeric ? 'right' : 'left',
        headerSort: true,
        sorter: local ? localSorter(c) : undefined,
        formatter: (cell) => formatCell(c, cell.getValue()),
        headerFilter: (_cell: unknown, _onRendered: unknown, success: (v: unknown) => void) => headerFilterControl(c, success),
        headerFilterEmptyCheck: isEmptyHeaderFilter,
        headerFilterFunc: (value: HeaderFilterValue, _rowValue: unknown, rowData: JobRow) => {
          const f = headerFilterToJobFilter(c, value);
          return f === null || 'error' in f ? true : rowMatchesFilter(rowData, f.filter, c.kind);
        },
      } as ColumnDefinition);
    }
    return defs;
  }

  private expander(id: number): HTMLElement {
    const b = document.createElement('button');
    b.className = 'expander';
    b.setAttribute('part', 'expand');
    const open = this.host.isExpanded(id);
    b.setAttribute('aria-expanded', String(open));
    b.setAttribute('aria-label', `${open ? 'Collapse' : 'Expand'} job ${id}`);
    b.textContent = open ? '▾' : '▸';
    // Its own click only: a click that reached the row would also toggle the row's selection.
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      this.host.toggleExpanded(id);
    });
    b.addEventListener('mousedown', (e) => e.stopPropagation());
    return b;
  }
}

/** A column's header filter: a comparator and a value, reported (debounced) as a HeaderFilterValue. */
function headerFilterControl(c: JobColumn, success: (v: unknown) => void): HTMLElement {
  const box = document.createElement('div');
  box.className = 'hf';
  const op = document.createElement('select');
  op.setAttribute('aria-label', `${c.title}: comparator`);
  for (const o of filterOps(c.kind)) op.add(new Option(opLabel(o, c.kind), o));
  const value = filterValueControl(c);
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

/** The value half of a header filter: a status list, a date, or a search box. */
function filterValueControl(c: JobColumn): HTMLInputElement | HTMLSelectElement {
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
  return value;
}
