import { html, nothing, type TemplateResult } from 'lit';

import type { AupApiClient, ExportFormat } from '../api/api-client.js';
import type { JobSelection } from '../events.js';
import { describeSelection } from './job-cells.js';
import type { JobTabulator } from './tabulator-adapter.js';
import type { JobColumn } from './job-columns.js';
import { selectionQuery } from './job-filters.js';

// The job table's toolbar and the notices above its rows, as functions of what the element holds:
// search, grouping, the column chooser, export and counts; load errors, filter errors, and what
// narrows the rows (a job shown alone, a selection made elsewhere).

/** What the toolbar's state asks of the element. */
export interface ToolbarHost {
  requestUpdate(): void;
  columns(): readonly JobColumn[];
  /** The table once built, else undefined. */
  table(): JobTabulator | undefined;
  /** The search changed: a new query, or the local filter. */
  onSearchChange(): void;
  /** The group columns changed. */
  onGroupChange(): void;
}

/**
 * What the user chose in the toolbar: the search (debounced), the group columns and the hidden
 * columns; the element reads them for its queries and the table.
 */
export class JobTableToolbar {
  search = '';
  groupFields: readonly string[] = [];
  hiddenFields: ReadonlySet<string> = new Set();
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ToolbarHost,
    private readonly debounceMs: number,
  ) {}

  /** Columns that start hidden (seen for the first time, hidden by default). */
  hide(fields: readonly string[]): void {
    if (fields.length === 0) return;
    this.hiddenFields = new Set([...this.hiddenFields, ...fields]);
    this.host.requestUpdate();
  }

  /** The toolbar with these counts, export choices and the Clear selection action. */
  render(v: Pick<ToolbarView, 'selectedIds' | 'server' | 'local' | 'info' | 'onClearSelection'>): TemplateResult {
    return renderToolbar({
      ...v,
      columns: this.host.columns(),
      hiddenFields: this.hiddenFields,
      groupFields: this.groupFields,
      onSearch: (e) => this.onSearch(e),
      onAddGroup: (e) => this.addGroup(e),
      onRemoveGroup: (field) => this.setGrouping(this.groupFields.filter((f) => f !== field)),
      onToggleColumn: (field, visible) => this.toggleColumn(field, visible),
      onDownload: (format) => this.download(format, v.selectedIds.size > 0),
    });
  }

  private onSearch(e: Event): void {
    const value = (e.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => {
      if (value.trim() === this.search) return;
      this.search = value.trim();
      this.host.onSearchChange();
      this.host.requestUpdate();
    }, this.debounceMs);
  }

  private addGroup(e: Event): void {
    const select = e.target as HTMLSelectElement;
    const field = select.value;
    select.value = '';
    if (field === '' || this.groupFields.includes(field)) return;
    this.setGrouping([...this.groupFields, field]);
  }

  private setGrouping(fields: readonly string[]): void {
    this.groupFields = fields;
    this.host.requestUpdate();
    this.host.onGroupChange();
  }

  private toggleColumn(field: string, visible: boolean): void {
    const hidden = new Set(this.hiddenFields);
    if (visible) hidden.delete(field);
    else hidden.add(field);
    this.hiddenFields = hidden;
    this.host.requestUpdate();
    const table = this.host.table();
    if (table?.built !== true) return;
    if (visible) void table.table.showColumn(field);
    else void table.table.hideColumn(field);
  }

  private download(format: 'csv' | 'json', selected: boolean): void {
    const table = this.host.table();
    if (table?.built === true) table.table.download(format, `jobs.${format}`, {}, selected ? 'selected' : 'active');
  }
}

/** What the toolbar shows and where its controls report. */
export interface ToolbarView {
  readonly columns: readonly JobColumn[];
  readonly hiddenFields: ReadonlySet<string>;
  readonly groupFields: readonly string[];
  readonly selectedIds: ReadonlySet<number>;
  /** Server mode's client and experiment (export links); undefined with `data` (export by Tabulator). */
  readonly server: { client: AupApiClient; experiment: number } | undefined;
  /** `data` mode (exports are made in the page). */
  readonly local: boolean;
  /** The counts at the right end. */
  readonly info: string;
  onSearch(e: Event): void;
  onAddGroup(e: Event): void;
  onRemoveGroup(field: string): void;
  onToggleColumn(field: string, visible: boolean): void;
  onDownload(format: 'csv' | 'json'): void;
  onClearSelection(): void;
}

export function renderToolbar(v: ToolbarView): TemplateResult {
  const visible = v.columns.filter((c) => !v.hiddenFields.has(c.field));
  const groupable = visible.filter((c) => !v.groupFields.includes(c.field) && c.kind !== 'date');
  return html`<div class="toolbar" part="toolbar">
    <input type="search" part="search" aria-label="Search jobs" placeholder="Search params, status, id" @input=${v.onSearch} />
    <label
      >Group by
      <select aria-label="Group by a column" @change=${v.onAddGroup}>
        <option value="">${v.groupFields.length === 0 ? 'none' : 'then…'}</option>
        ${groupable.map((c) => html`<option value=${c.field}>${c.title}</option>`)}
      </select></label
    >
    <span class="chips">
      ${v.groupFields.map((f) => {
        const title = v.columns.find((c) => c.field === f)?.title ?? f;
        return html`<span class="chip"
          >${title}<button aria-label="Stop grouping by ${title}" @click=${() => v.onRemoveGroup(f)}>×</button></span
        >`;
      })}
    </span>
    ${renderChooser(v)} ${renderExports(v)}
    <span class="info" role="status">${v.info}</span>
  </div>`;
}

function renderChooser(v: ToolbarView): TemplateResult {
  const groups: Array<[string, JobColumn[]]> = [
    ['Job', v.columns.filter((c) => c.group === 'job')],
    ['Metrics', v.columns.filter((c) => c.group === 'metric')],
    ['Parameters', v.columns.filter((c) => c.group === 'param')],
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
                      .checked=${!v.hiddenFields.has(c.field)}
                      @change=${(e: Event) => v.onToggleColumn(c.field, (e.target as HTMLInputElement).checked)}
                    />
                    ${c.title}</label
                  >`,
              )}`,
        )}
    </div>
  </details>`;
}

function renderExports(v: ToolbarView): TemplateResult | typeof nothing {
  const ids = [...v.selectedIds].sort((a, b) => a - b);
  const which = ids.length > 0 ? `${ids.length} selected` : 'all';
  if (v.local) {
    return html`<span class="exports" part="export"
      >Export ${which}: <button @click=${() => v.onDownload('csv')}>CSV</button
      ><button @click=${() => v.onDownload('json')}>JSON</button></span
    >`;
  }
  const server = v.server;
  if (server === undefined) return nothing;
  const formats: ExportFormat[] = ['csv', 'xlsx', 'json'];
  return html`<span class="exports" part="export"
    >Export ${which}:
    ${formats.map(
      (f) =>
        html`<a href=${server.client.exportUrl(server.experiment, f, ids.length > 0 ? ids : undefined)} download data-format=${f}
          >${f.toUpperCase()}</a
        >`,
    )}
    ${ids.length > 0 ? html`<button @click=${v.onClearSelection}>Clear selection</button>` : nothing}</span
  >`;
}

/** The counts of the toolbar: `1–100 of 2,345 matching jobs · 3 selected · loading…`. */
export function infoText(i: {
  /** Server mode: the total, whether anything narrows it, and the page shown. */
  server?: { total: number | undefined; filtered: boolean; page: { page: number; size: number } | undefined; loading: boolean };
  /** `data` mode: the rows shown and all rows. */
  local?: { shown: number; all: number };
  selected: number;
}): string {
  const parts: string[] = [];
  const n = (x: number): string => x.toLocaleString('en-US');
  const s = i.server;
  if (s !== undefined && s.total !== undefined) {
    const first = s.page === undefined || s.total === 0 ? 0 : (s.page.page - 1) * s.page.size + 1;
    const last = s.page === undefined ? 0 : Math.min(s.total, s.page.page * s.page.size);
    parts.push(`${n(first)}–${n(last)} of ${n(s.total)} ${s.filtered ? 'matching jobs' : 'jobs'}`);
  } else if (i.local !== undefined) {
    const { shown, all } = i.local;
    parts.push(shown === all ? `${n(shown)} jobs` : `${n(shown)} of ${n(all)} jobs`);
  }
  if (i.selected > 0) parts.push(`${i.selected} selected`);
  if (s?.loading === true) parts.push('loading…');
  return parts.join(' · ');
}

/** What the notices above the rows show, and their buttons. */
export interface NoticesView {
  readonly pageError: string | undefined;
  readonly filterErrors: readonly string[];
  readonly focus: number | undefined;
  readonly selection: JobSelection | null;
  readonly columns: readonly JobColumn[];
  readonly remote: boolean;
  onRetry(): void;
  onClearFocus(): void;
  onClearSelection(): void;
}

export function renderNotices(v: NoticesView): TemplateResult {
  const out: TemplateResult[] = [];
  if (v.pageError !== undefined) {
    out.push(
      html`<p class="notice error" part="message" role="alert">
        Could not load jobs: ${v.pageError}<button part="retry" @click=${v.onRetry}>Retry</button>
      </p>`,
    );
  }
  for (const e of v.filterErrors) out.push(html`<p class="notice error" role="alert">${e}</p>`);
  if (v.focus !== undefined) {
    out.push(
      html`<p class="notice" part="selection-notice">
        Showing job ${v.focus} alone. <button @click=${v.onClearFocus}>Show all jobs</button>
      </p>`,
    );
  }
  const s = v.selection;
  if (s !== null && v.focus === undefined) {
    const q = selectionQuery(s, v.columns);
    out.push(
      html`<p class="notice" part="selection-notice">
        Showing the jobs selected in ${s.source || 'another view'}: ${describeSelection(s, v.columns)}
        ${q.unsupported.length > 0 && v.remote ? html`<span class="warning">(not filtered by ${q.unsupported.join(', ')}: several values of a column without a known list)</span>` : nothing}
        <button @click=${v.onClearSelection}>Show all jobs</button>
      </p>`,
    );
  }
  return html`${out}`;
}
