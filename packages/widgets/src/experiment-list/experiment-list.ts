import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';

import { AupApiClient } from '../api/api-client.js';
import { CapabilitiesController } from '../controllers/board-capabilities.js';
import { JsonFetchController } from '../controllers/json-fetch-controller.js';
import { LiveController, type LiveMode } from '../controllers/live-controller.js';
import { fire } from '../events.js';
import { formatProgress, formatScore, formatTimestamp } from '../format/format.js';
import { experimentActions, progressShare, type RunAction } from './experiment-actions.js';
import { experimentListStyles } from './experiment-list.styles.js';
import { parseExperimentList, type ExperimentSummary } from './experiment-summary.js';

/** Which page of an experiment a list button asks for. */
export type ExperimentView = 'overview' | 'config' | 'results';

/** `detail` of the `aup-open-experiment` event. */
export interface OpenExperimentDetail {
  id: number;
  /** The page asked for: the overview (a row click), its config (CONFIG) or its jobs (RESULTS). Absent means overview. */
  view?: ExperimentView;
}
export type AupOpenExperimentEvent = CustomEvent<OpenExperimentDetail>;

/** What a list button did. */
export type ExperimentActionName = RunAction | 'copy' | 'delete';

/** `detail` of `aup-experiment-action`: an action the user took succeeded (the list reloads by itself). */
export interface ExperimentActionDetail {
  id: number;
  action: ExperimentActionName;
  /** The API's answer (for `copy`, `{ experiment: ExperimentSummary, runner }`). */
  result: unknown;
}
export type AupExperimentActionEvent = CustomEvent<ExperimentActionDetail>;

/** How the list is laid out. */
export type ExperimentListView = 'list' | 'tiles';

/**
 * The experiments of a board, as a table or as tiles: status, progress, best score, proposer,
 * user and dates, with buttons to open an experiment's config or results, start / stop / resume
 * it, copy it, delete it (after a confirmation), create a new one and reset the environment.
 * Data comes from the board API (`api` attribute; follows live updates) or from the `data` property.
 *
 * Control buttons appear only when the board serves them to this page: not with `read-only`,
 * not on a read-only board (GET /health), not for an API on another origin. On an `attached`
 * board (`aup run --board`) only STOP and DELETE remain.
 *
 * @summary Lists experiments; buttons open, control, copy and delete them.
 *
 * @attr api - Base URL of the board API, e.g. `/api/v1`; the element fetches `${api}/experiments`.
 * @attr token - The session token for the control buttons (`Authorization: Bearer`).
 * @attr view - `list` (a table, the default) or `tiles` (cards).
 * @attr read-only - Shows no control button.
 * @attr attached - The board was started by `aup run --board`: no create, copy, start, resume or reset.
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @prop {ExperimentSummary[] | undefined} data - Rows to show instead of fetching (no server needed); wins over `api`.
 * @prop {LiveMode} liveMode - How the list follows changes: `stream`, `polling`, `connecting` or `off` (read-only).
 *
 * @fires aup-open-experiment - A row was activated (`detail: { id }`), or CONFIG / RESULTS clicked (`detail: { id, view }`).
 * @fires aup-experiment-action - START, STOP, RESUME, copy or delete succeeded; `detail: { id, action, result }`.
 * @fires aup-create-request - CREATE NEW EXPERIMENT was clicked; `detail: {}`.
 * @fires aup-reset-request - RESET ENVIRONMENT was clicked; `detail: {}`.
 * @fires aup-view-change - The layout switch was used; `detail: { view }` (`list` or `tiles`).
 *
 * @csspart toolbar - The bar with the view switch and the create / reset buttons.
 * @csspart table - The table of experiments (list view).
 * @csspart row - One experiment's row (list view).
 * @csspart tiles - The grid of tiles (tile view).
 * @csspart tile - One experiment's tile.
 * @csspart progress - A progress bar.
 * @csspart actions - The buttons of one experiment.
 * @csspart imported - The "imported from <tool>" mark of an experiment `aup import` brought in (it has no run button).
 * @csspart confirm - The delete confirmation dialog.
 * @csspart message - The loading, empty and error messages.
 * @csspart retry - The button that reloads after a failed load.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-surface-raised - Tiles and the toolbar.
 * @cssprop --aup-color-text - Text.
 * @cssprop --aup-color-muted - Headers and secondary text.
 * @cssprop --aup-color-border - Row separators.
 * @cssprop --aup-color-row-hover - Background of the row under the pointer.
 * @cssprop --aup-color-accent - Focus ring, running status, buttons, progress bars.
 * @cssprop --aup-color-success - Finished status.
 * @cssprop --aup-color-danger - Failed status, errors, the delete button.
 * @cssprop --aup-color-warning - Stopped status.
 * @cssprop --aup-font-family - Font.
 * @cssprop --aup-font-size - Base font size.
 */
export class AupExperimentList extends LitElement {
  static override styles = experimentListStyles;

  static override properties = {
    api: { type: String },
    token: { type: String },
    view: { type: String, reflect: true },
    readOnly: { type: Boolean, attribute: 'read-only', reflect: true },
    attached: { type: Boolean, reflect: true },
    data: { attribute: false },
    theme: { type: String, reflect: true },
    busy: { state: true },
    actionError: { state: true },
    confirming: { state: true },
  };

  /** Base URL of the board API (`/api/v1`). */
  api?: string;
  /** Session token sent with control requests. */
  token?: string;
  /** `list` or `tiles`. */
  view: ExperimentListView = 'list';
  /** Hide every control button. */
  readOnly = false;
  /** An attached board: only STOP and DELETE. */
  attached = false;
  /** Experiment summaries to show; when set, nothing is fetched. */
  data?: ExperimentSummary[];
  /** `light` or `dark`; unset follows the system. */
  theme?: 'light' | 'dark';

  private busy: ReadonlySet<number> = new Set();
  private actionError: string | undefined;
  private confirming: ExperimentSummary | undefined;

  private readonly experiments = new JsonFetchController<ExperimentSummary[]>(this, parseExperimentList);
  private readonly caps = new CapabilitiesController(this);
  private readonly live = new LiveController(this, () => this.refresh());

  /** How the list follows changes (for an indicator). */
  get liveMode(): LiveMode {
    return this.live.mode;
  }

  /** Fetches the list again from `api` (no-op when `data` is set). */
  refresh(): void {
    const url = this.listUrl();
    if (url !== undefined) this.experiments.load(url, true);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') || changed.has('data')) {
      const url = this.listUrl();
      if (url !== undefined) this.experiments.load(url);
      // Every experiment's changes (created, progressing, deleted) reach the list.
      this.live.follow(this.data === undefined && this.api ? this.api : undefined, undefined);
    }
  }

  protected override render(): TemplateResult {
    return html`${this.renderToolbar()}${
      this.actionError === undefined
        ? nothing
        : html`<p class="message error" part="message" role="alert">
            ${this.actionError}<button @click=${() => (this.actionError = undefined)}>Dismiss</button>
          </p>`
    }${this.renderBody()}${this.renderConfirm()}`;
  }

  private renderBody(): TemplateResult {
    if (this.data !== undefined) return this.renderRows(this.data);
    if (!this.api) {
      return html`<p class="message" part="message">Set the <code>api</code> attribute or the <code>data</code> property.</p>`;
    }
    const state = this.experiments.state;
    switch (state.status) {
      case 'idle':
      case 'pending':
        return state.status === 'pending' && state.previous !== undefined
          ? this.renderRows(state.previous)
          : html`<p class="message" part="message" role="status">Loading experiments…</p>`;
      case 'error':
        return html`<p class="message error" part="message" role="alert">
            Could not load experiments: ${state.message}<button part="retry" @click=${this.refresh}>Retry</button>
          </p>
          ${state.previous !== undefined ? this.renderRows(state.previous) : nothing}`;
      case 'complete':
        return this.renderRows(state.value);
    }
  }

  private renderToolbar(): TemplateResult {
    const caps = this.caps.value;
    return html`<div class="toolbar" part="toolbar">
      <div class="switch" role="group" aria-label="Layout">
        <button data-view="list" aria-pressed=${this.view !== 'tiles'} @click=${() => this.setView('list')}>List</button>
        <button data-view="tiles" aria-pressed=${this.view === 'tiles'} @click=${() => this.setView('tiles')}>Tiles</button>
      </div>
      <span class="grow"></span>
      ${
        caps.create
          ? html`<button class="primary" data-action="create" @click=${() => fire(this, 'aup-create-request', {})}>
                Create new experiment
              </button>
              <button class="danger" data-action="reset" @click=${() => fire(this, 'aup-reset-request', {})}>Reset environment</button>`
          : nothing
      }
    </div>`;
  }

  private renderRows(rows: readonly ExperimentSummary[]): TemplateResult {
    if (rows.length === 0) {
      return html`<p class="message" part="message">
        No experiments yet: run one with <code>npx aup run experiment.json</code>${this.caps.value.create ? ' or create one here' : ''}.
      </p>`;
    }
    return this.view === 'tiles' ? this.renderTiles(rows) : this.renderTable(rows);
  }

  private renderTable(rows: readonly ExperimentSummary[]): TemplateResult {
    return html`<div class="scroll">
      <table part="table">
        <thead>
          <tr>
            <th class="num" scope="col">ID</th>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th class="num" scope="col">Best score</th>
            <th scope="col">Proposer</th>
            <th scope="col">User</th>
            <th scope="col">Host</th>
            <th scope="col">Created</th>
            <th scope="col">Ended</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (e) =>
              html`<tr
                part="row"
                tabindex="0"
                data-id=${e.id}
                data-status=${e.status}
                @click=${() => this.open(e.id)}
                @keydown=${(ev: KeyboardEvent) => this.onRowKey(ev, e.id)}
              >
                <td class="num">${e.id}</td>
                <td class="name">
                  ${e.name}
                  ${e.imported_from ? html`<span class="imported" part="imported" data-imported=${e.imported_from}>imported from ${e.imported_from}</span>` : nothing}
                </td>
                <td><span class="badge ${e.status}">${e.status}</span></td>
                <td class="progress-cell">${this.renderProgress(e)}</td>
                <td class="num" title=${e.best_score === null ? nothing : String(e.best_score)}>
                  ${formatScore(e.best_score)} <span class="target">${e.target}</span>
                </td>
                <td>${e.proposer}</td>
                <td>${e.user}</td>
                <td class="host">${e.hostname ?? ''}</td>
                <td title=${e.started_at === null ? `created ${e.created_at}` : `created ${e.created_at}, started ${e.started_at}`}>
                  ${formatTimestamp(e.created_at)}
                </td>
                <td title=${e.ended_at ?? nothing}>${formatTimestamp(e.ended_at)}</td>
                <td class="actions">${this.renderActions(e)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private renderTiles(rows: readonly ExperimentSummary[]): TemplateResult {
    return html`<div class="tiles" part="tiles">
      ${rows.map(
        (e) =>
          html`<article class="tile" part="tile" data-id=${e.id} data-status=${e.status}>
            <header>
              <a
                href="#"
                class="tile-name"
                @click=${(ev: Event) => {
                  ev.preventDefault();
                  this.open(e.id);
                }}
                >${e.name}</a
              >
              <span class="muted">#${e.id}</span>
              <span class="grow"></span>
              <span class="badge ${e.status}">${e.status}</span>
            </header>
            <div class="tile-progress">${this.renderProgress(e)}</div>
            <dl>
              <dt>Best score</dt>
              <dd title=${e.best_score === null ? nothing : String(e.best_score)}>
                ${formatScore(e.best_score)} <span class="target">${e.target}</span>
              </dd>
              <dt>Proposer</dt>
              <dd>${e.proposer}</dd>
              <dt>User</dt>
              <dd>${e.user}</dd>
              <dt>Host</dt>
              <dd class="host">${e.hostname ?? ''}</dd>
              <dt>Created</dt>
              <dd title=${e.created_at}>${formatTimestamp(e.created_at)}</dd>
              <dt>Started</dt>
              <dd title=${e.started_at ?? nothing}>${formatTimestamp(e.started_at)}</dd>
              <dt>Ended</dt>
              <dd title=${e.ended_at ?? nothing}>${formatTimestamp(e.ended_at)}</dd>
            </dl>
            <div class="actions">${this.renderActions(e)}</div>
          </article>`,
      )}
    </div>`;
  }

  private renderProgress(e: ExperimentSummary): TemplateResult {
    const pct = Math.round(progressShare(e.jobs_done, e.n_samples) * 100);
    return html`<div
        class="progress"
        part="progress"
        role="progressbar"
        aria-valuemin="0"
        aria-valuemax=${e.n_samples}
        aria-valuenow=${e.jobs_done}
        aria-label="Jobs done"
      >
        <div class="bar ${e.status}" style="width: ${pct}%"></div>
      </div>
      <span class="progress-text">${formatProgress(e.jobs_done, e.n_samples)}</span>`;
  }

  private renderActions(e: ExperimentSummary): TemplateResult {
    const acts = experimentActions(e.status, this.caps.value, e.imported_from);
    const busy = this.busy.has(e.id);
    // Buttons sit inside a clickable row: they must not also open the experiment.
    const click = (f: () => void) => (ev: Event) => {
      ev.stopPropagation();
      f();
    };
    return html`<span part="actions" class="buttons" @keydown=${(ev: Event) => ev.stopPropagation()}>
      <button data-action="config" @click=${click(() => this.open(e.id, 'config'))}>Config</button>
      <button data-action="results" @click=${click(() => this.open(e.id, 'results'))}>Results</button>
      ${
        acts.run === null
          ? nothing
          : html`<button
              class=${acts.run === 'stop' ? 'danger' : 'primary'}
              data-action=${acts.run}
              ?disabled=${busy}
              @click=${click(() => void this.act(e, acts.run!))}
            >
              ${acts.run === 'start' ? 'Start' : acts.run === 'stop' ? 'Stop' : 'Resume'}
            </button>`
      }
      ${acts.copy ? html`<button data-action="copy" title="Create a new experiment from a copy of this one" ?disabled=${busy} @click=${click(() => void this.act(e, 'copy'))}>Copy</button>` : nothing}
      ${acts.delete ? html`<button class="danger" data-action="delete" ?disabled=${busy} @click=${click(() => (this.confirming = e))}>Delete</button>` : nothing}
    </span>`;
  }

  private renderConfirm(): TemplateResult | typeof nothing {
    const e = this.confirming;
    if (e === undefined) return nothing;
    return html`<div class="backdrop" @click=${() => (this.confirming = undefined)}>
      <div
        class="dialog"
        part="confirm"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        @click=${(ev: Event) => ev.stopPropagation()}
        @keydown=${(ev: KeyboardEvent) => {
          if (ev.key === 'Escape') this.confirming = undefined;
        }}
      >
        <h2 id="confirm-title">Delete experiment ${e.id} (${e.name})?</h2>
        <p>
          Its ${e.jobs_done} finished job${e.jobs_done === 1 ? '' : 's'}, their results and intermediate values are removed from the
          database. This cannot be undone.
        </p>
        <label
          ><input type="checkbox" name="files" /> Also delete its job files (<code>jobs/&lt;id&gt;.json</code> and logs) in its working
          directory</label
        >
        <div class="dialog-buttons">
          <button data-action="cancel" @click=${() => (this.confirming = undefined)}>Cancel</button>
          <button class="danger" data-action="confirm-delete" @click=${() => void this.confirmDelete(e)}>Delete</button>
        </div>
      </div>
    </div>`;
  }

  protected override updated(changed: PropertyValues): void {
    // Focus moves into the dialog when it opens, so Escape and Tab act on it.
    if (changed.has('confirming') && this.confirming !== undefined) {
      this.renderRoot.querySelector<HTMLElement>('.dialog [data-action="cancel"]')?.focus();
    }
  }

  private async confirmDelete(e: ExperimentSummary): Promise<void> {
    const files = this.renderRoot.querySelector<HTMLInputElement>('.dialog input[name="files"]')?.checked === true;
    this.confirming = undefined;
    await this.act(e, 'delete', files);
  }

  private async act(e: ExperimentSummary, action: ExperimentActionName, files = false): Promise<void> {
    if (!this.api) return;
    const client = new AupApiClient(this.api, this.token);
    this.busy = new Set([...this.busy, e.id]);
    this.actionError = undefined;
    try {
      let result: unknown;
      if (action === 'copy') result = await client.copyExperiment(e.id, {});
      else if (action === 'delete') result = await client.deleteExperiment(e.id, files);
      // Stop waits briefly for the runner, so the list usually shows `stopped` right after.
      else result = await client.control(e.id, action, action === 'stop' ? STOP_WAIT_MS : undefined);
      fire<ExperimentActionDetail>(this, 'aup-experiment-action', { id: e.id, action, result });
    } catch (err) {
      this.actionError = `Could not ${action} experiment ${e.id} (${e.name}): ${(err as Error).message}`;
    } finally {
      const next = new Set(this.busy);
      next.delete(e.id);
      this.busy = next;
      this.refresh();
    }
  }

  private setView(view: ExperimentListView): void {
    if (this.view === view) return;
    this.view = view;
    fire(this, 'aup-view-change', { view });
  }

  private onRowKey(ev: KeyboardEvent, id: number): void {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      this.open(id);
    }
  }

  private open(id: number, view?: ExperimentView): void {
    fire<OpenExperimentDetail>(this, 'aup-open-experiment', view === undefined ? { id } : { id, view });
  }

  private listUrl(): string | undefined {
    if (this.data !== undefined || !this.api) return undefined;
    return `${this.api.replace(/\/+$/, '')}/experiments`;
  }
}

/**
 * How long STOP waits for the runner's answer: a runner takes a control request within a fraction
 * of a second, so two seconds covers a loaded machine without making the button feel stuck.
 */
const STOP_WAIT_MS = 2_000;
