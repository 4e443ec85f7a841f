import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';

import { AupApiClient } from '../api/api-client.js';
import { adoptPageToken } from '../api/session-token.js';
import type { JobDetail } from '../api/job-detail.js';
import { AsyncLoadController } from '../controllers/async-load-controller.js';
import { CapabilitiesController } from '../controllers/board-capabilities.js';
import { JsonFetchController } from '../controllers/json-fetch-controller.js';
import { LiveController } from '../controllers/live-controller.js';
import { NO_SELECTION, type AupOpenJobEvent, type AupSelectionChangeEvent, type JobSelection } from '../events.js';
import type { AupOpenExperimentEvent, ExperimentListView } from '../experiment-list/experiment-list.js';
import { parseExperimentList, type ExperimentSummary } from '../experiment-list/experiment-summary.js';
import type { AupExperimentCreatedEvent } from '../config-editor/config-editor.js';
import { formatScore, formatTimestamp } from '../format/format.js';
import { boardStyles } from './board.styles.js';
import {
  liveIndicator,
  parseRoute,
  routeHash,
  routeTitle,
  type BoardRoute,
  type ExperimentPage,
  type LiveIndicator,
} from './board-route.js';
import { initialTheme, THEME_STORAGE_KEY, VIEW_STORAGE_KEY, type BoardTheme } from './theme-preference.js';

/** Every element the board composes, in the order they first appear; all get `theme` set. */
export const BOARD_CHILD_TAGS = [
  'aup-experiment-list',
  'aup-experiment-overview',
  'aup-job-chart',
  'aup-job-table',
  'aup-hig',
  'aup-intermediate',
  'aup-compare',
  'aup-config-editor',
  'aup-environment-wizard',
] as const;

/**
 * The whole dashboard: the experiment list, an experiment's overview, its job status (chart and
 * table), hyperparameter interactions (HIG with the table), intermediate results, a comparison
 * of experiments, the config editor and the environment reset, each a route in the URL hash
 * (`#/experiments/3/hig`) so reload, back and forward work. A header carries the navigation, an
 * auto-refresh indicator (live over the event stream, polling, or offline), a dark-mode toggle
 * (remembered in localStorage and passed to every element as `theme`), and a read-only badge:
 * on a read-only board, an attached one, or with `read-only`, control buttons are hidden.
 *
 * The views are composed by tag name; the board wires them together: a selection made in one
 * (`aup-selection-change`) becomes the `selection` of the job table, chart and intermediate
 * view, and `aup-open-job` opens that job in the table (or in a job panel).
 *
 * @summary The aup dashboard: every view, routed, themed and wired.
 *
 * @attr api - Base URL of the board API (`/api/v1`).
 * @attr token - The session token; without it, the board takes `?token=` from the page's URL (how aup-board prints it) into sessionStorage and out of the address bar.
 * @attr read-only - Show no control even if the board serves it.
 * @attr attached - The board was started by `aup run --board`: no create, start, resume or reset.
 * @attr version - aup's version, shown in the header.
 * @attr theme - `light` or `dark`; set by the toggle (and remembered); default: the stored choice, else the system's.
 *
 * @fires aup-route-change - The route changed; `detail`: the BoardRoute.
 *
 * @csspart header - The top bar.
 * @csspart nav - The navigation links.
 * @csspart live - The auto-refresh indicator.
 * @csspart theme-toggle - The dark-mode button.
 * @csspart main - The routed content.
 * @csspart job-panel - The job panel opened by `aup-open-job` when the table cannot open the job itself.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-surface-raised - The header.
 * @cssprop --aup-color-text - Text.
 * @cssprop --aup-color-muted - Secondary text.
 * @cssprop --aup-color-border - Lines.
 * @cssprop --aup-color-accent - The current tab, links.
 * @cssprop --aup-color-success - The live indicator.
 * @cssprop --aup-color-warning - The polling indicator, the read-only badge.
 * @cssprop --aup-color-danger - The offline indicator.
 */
export class AupBoard extends LitElement {
  static override styles = boardStyles;

  static override properties = {
    api: { type: String },
    token: { type: String },
    readOnly: { type: Boolean, attribute: 'read-only', reflect: true },
    attached: { type: Boolean, reflect: true },
    version: { type: String },
    theme: { type: String, reflect: true },
    route: { state: true },
    selection: { state: true },
    jobPanel: { state: true },
    listView: { state: true },
  };

  /** Base URL of the board API. */
  api?: string;
  /** Session token for control. */
  token?: string;
  /** Hide control. */
  readOnly = false;
  /** An attached board. */
  attached = false;
  /** aup's version. */
  version?: string;
  /** The theme every element gets. */
  theme?: BoardTheme;

  /** The current route. */
  route: BoardRoute = { name: 'list' };
  /** The job selection shared by the table, the chart and the intermediate view. */
  selection: JobSelection = NO_SELECTION;

  /** The job the panel shows (its detail loads through `jobDetail`); undefined: no panel. */
  private jobPanel: number | undefined;
  private listView: ExperimentListView = 'list';
  private everLive = false;
  private readonly caps = new CapabilitiesController(this);
  private readonly jobDetail = new AsyncLoadController<JobDetail>(this);
  private readonly experiments = new JsonFetchController<ExperimentSummary[]>(this, parseExperimentList);
  private readonly live = new LiveController(this, (batch) => {
    // The board itself shows names (title, compare choices): reload them when experiments change.
    if (batch.full || batch.changes.some((c) => c.kind === 'experiment' || c.kind === 'experiment_deleted')) this.loadExperiments(true);
  });

  override connectedCallback(): void {
    // First of all, before any controller asks the board for anything: `?token=` leaves the
    // address bar (and so the history entry) for this tab's sessionStorage. Here and not when the
    // bundle loads, so a page that embeds widgets keeps its own query as it is.
    this.token ??= adoptPageToken();
    super.connectedCallback();
    if (this.theme === undefined)
      this.theme = initialTheme(readStorage(THEME_STORAGE_KEY), matchMedia('(prefers-color-scheme: dark)').matches);
    this.listView = readStorage(VIEW_STORAGE_KEY) === 'tiles' ? 'tiles' : 'list';
    this.route = parseRoute(location.hash);
    addEventListener('hashchange', this.onHashChange);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('hashchange', this.onHashChange);
  }

  /** Goes to `route` (a new history entry, so back returns here). */
  navigate(route: BoardRoute): void {
    const hash = routeHash(route);
    if (location.hash === hash) return;
    location.hash = hash; // hashchange updates `route`.
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api')) {
      this.loadExperiments(false);
      this.live.follow(this.api || undefined, undefined);
    }
    if (this.live.mode === 'stream') this.everLive = true;
    if (changed.has('route')) {
      this.closeJobPanel();
      const prev = changed.get('route') as BoardRoute | undefined;
      // A selection belongs to one experiment's jobs.
      if (prev !== undefined && experimentOf(prev) !== experimentOf(this.route)) this.selection = NO_SELECTION;
    }
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has('route')) {
      document.title = `${routeTitle(this.route, this.experimentName(experimentOf(this.route)))} · aup board`;
      this.dispatchEvent(new CustomEvent('aup-route-change', { detail: this.route, bubbles: true, composed: true }));
      const r = this.route;
      if (r.name === 'experiment' && r.page === 'jobs' && r.job !== undefined) void this.openJob(r.id, r.job);
    }
  }

  protected override render(): TemplateResult {
    return html`${this.renderHeader()}
      <main part="main" @aup-selection-change=${this.onSelection} @aup-open-job=${this.onOpenJob}>${this.renderRoute()}</main>
      ${this.renderJobPanel()}`;
  }

  private renderHeader(): TemplateResult {
    const caps = this.caps.value;
    // A board that stopped answering is offline whatever the stream's state (polling keeps failing).
    const indicator = this.experiments.state.status === 'error' ? 'offline' : liveIndicator(this.live.mode, this.everLive);
    const r = this.route;
    const id = experimentOf(r);
    const link = (route: BoardRoute, label: string, current: boolean): TemplateResult =>
      html`<a href=${routeHash(route)} aria-current=${current ? 'page' : 'false'} data-route=${routeHash(route)}>${label}</a>`;
    return html`<header part="header">
        <a class="brand" href="#/">aup board</a>${this.version ? html`<span class="version">v${this.version}</span>` : nothing}
        <nav part="nav" aria-label="Board">
          ${link({ name: 'list' }, 'Experiments', r.name === 'list')}
          ${link({ name: 'compare', ids: r.name === 'compare' ? r.ids : [] }, 'Compare', r.name === 'compare')}
          ${caps.create ? link({ name: 'create' }, 'Create', r.name === 'create') : nothing}
          ${caps.create ? link({ name: 'environment' }, 'Environment', r.name === 'environment') : nothing}
        </nav>
        <span class="grow"></span>
        ${caps.control ? nothing : html`<span class="badge-ro" title="Control is hidden: ${caps.reason === 'unknown' ? 'asking the board' : 'this board is read-only'}" data-field="read-only">${caps.reason === 'unknown' ? '…' : 'read-only'}</span>`}
        ${caps.control && this.attached ? html`<span class="badge-ro" title="Started by aup run --board: creating, starting and resetting are off">attached</span>` : nothing}
        <span class="live ${indicator}" part="live" role="status" data-live=${indicator} title=${liveTitle(indicator)}
          ><span class="dot"></span>${indicator}</span
        >
        <button part="theme-toggle" class="theme-toggle" aria-pressed=${this.theme === 'dark'} title="Dark mode" @click=${this.toggleTheme}>
          ${this.theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
      </header>
      ${id === undefined ? nothing : this.renderExperimentTabs(id, r.name === 'experiment' ? r.page : undefined)}`;
  }

  private renderExperimentTabs(id: number, page: ExperimentPage | undefined): TemplateResult {
    const tabs: Array<[ExperimentPage, string]> = [
      ['overview', 'Overview'],
      ['jobs', 'Job status'],
      ['hig', 'HIG'],
      ['intermediate', 'Intermediate results'],
      ['config', 'Config'],
    ];
    const name = this.experimentName(id);
    return html`<nav class="tabs" aria-label="Experiment">
      <span class="exp-name">${name ?? `Experiment ${id}`} <span class="muted">#${id}</span></span>
      ${tabs.map(([p, label]) => html`<a href=${routeHash({ name: 'experiment', id, page: p })} data-route=${routeHash({ name: 'experiment', id, page: p })} aria-current=${p === page ? 'page' : 'false'}>${label}</a>`)}
    </nav>`;
  }

  private renderRoute(): TemplateResult {
    const r = this.route;
    const ro = !this.caps.value.control;
    const common = { api: this.api ?? '', theme: this.theme ?? 'light' };
    switch (r.name) {
      case 'list':
        return html`<aup-experiment-list
          api=${common.api}
          theme=${common.theme}
          .token=${this.token}
          view=${this.listView}
          ?read-only=${ro}
          ?attached=${this.attached}
          @aup-open-experiment=${this.onOpenExperiment}
          @aup-create-request=${() => this.navigate({ name: 'create' })}
          @aup-reset-request=${() => this.navigate({ name: 'environment' })}
          @aup-view-change=${(e: CustomEvent<{ view: ExperimentListView }>) => this.saveView(e.detail.view)}
        ></aup-experiment-list>`;
      case 'experiment':
        return this.renderExperimentPage(r.id, r.page, common.api, common.theme, ro);
      case 'compare':
        return this.renderCompare(r.ids, common.api, common.theme);
      case 'create':
        return html`<aup-config-editor
          api=${common.api}
          theme=${common.theme}
          .token=${this.token}
          ?read-only=${ro}
          ?attached=${this.attached}
          @aup-experiment-created=${(e: AupExperimentCreatedEvent) => this.navigate({ name: 'experiment', id: e.detail.id, page: 'overview' })}
        ></aup-config-editor>`;
      case 'environment':
        return html`<aup-environment-wizard
          api=${common.api}
          theme=${common.theme}
          .token=${this.token}
          ?read-only=${ro}
          ?attached=${this.attached}
          @aup-environment-reset=${() => this.loadExperiments(true)}
          @aup-cancel=${() => this.navigate({ name: 'list' })}
        ></aup-environment-wizard>`;
      case 'not-found':
        return html`<p class="message">No page at <code>${r.hash}</code>. <a href="#/">Back to the experiments</a>.</p>`;
    }
  }

  private renderExperimentPage(id: number, page: ExperimentPage, api: string, theme: string, ro: boolean): TemplateResult {
    const exp = String(id);
    switch (page) {
      case 'overview':
      case 'config':
        return html`<aup-experiment-overview
          api=${api}
          experiment=${exp}
          theme=${theme}
          section=${page === 'config' ? 'config' : 'summary'}
          @aup-experiment-change=${(e: CustomEvent<{ id: number }>) => this.navigate({ name: 'experiment', id: e.detail.id, page })}
          @aup-open-experiment=${this.onOpenExperiment}
        ></aup-experiment-overview>`;
      case 'jobs':
        return html`<section class="stack">
          <aup-job-chart api=${api} experiment=${exp} theme=${theme} .selection=${this.selection}></aup-job-chart>
          <aup-job-table
            api=${api}
            experiment=${exp}
            theme=${theme}
            .token=${this.token}
            ?read-only=${ro}
            .selection=${this.selection}
          ></aup-job-table>
        </section>`;
      case 'hig':
        return html`<section class="stack">
          <aup-hig api=${api} experiment=${exp} theme=${theme} .selection=${this.selection}></aup-hig>
          <aup-job-table
            api=${api}
            experiment=${exp}
            theme=${theme}
            .token=${this.token}
            ?read-only=${ro}
            .selection=${this.selection}
          ></aup-job-table>
        </section>`;
      case 'intermediate':
        return html`<aup-intermediate api=${api} experiment=${exp} theme=${theme} .selection=${this.selection}></aup-intermediate>`;
    }
  }

  private renderCompare(ids: readonly number[], api: string, theme: string): TemplateResult {
    const all = this.experimentList();
    const toggle = (id: number, on: boolean): void => {
      const next = on ? [...ids, id] : ids.filter((x) => x !== id);
      this.navigate({ name: 'compare', ids: next });
    };
    return html`<section class="compare">
      <fieldset class="choices">
        <legend>Experiments to compare</legend>
        ${all.length === 0 ? html`<span class="muted">No experiments yet.</span>` : nothing}
        ${all.map(
          (e) =>
            html`<label
              ><input
                type="checkbox"
                name="compare"
                value=${e.id}
                .checked=${ids.includes(e.id)}
                @change=${(ev: Event) => toggle(e.id, (ev.target as HTMLInputElement).checked)}
              />
              #${e.id} ${e.name} <span class="muted">(${e.proposer})</span></label
            >`,
        )}
      </fieldset>
      ${
        ids.length === 0
          ? html`<p class="message">Choose two or more experiments (e.g. the same problem with different proposers).</p>`
          : html`<aup-compare api=${api} experiments=${ids.join(',')} theme=${theme}></aup-compare>`
      }
    </section>`;
  }

  private renderJobPanel(): TemplateResult | typeof nothing {
    const jobId = this.jobPanel;
    if (jobId === undefined) return nothing;
    const s = this.jobDetail.state;
    // Only this job's detail: a previous job's, kept by the controller while this one loads, is not shown.
    const d = s.status === 'complete' ? s.value : undefined;
    return html`<aside class="job-panel" part="job-panel" role="dialog" aria-label="Job ${jobId}">
      <header>
        <strong>Job ${jobId}</strong>${d ? html` <span class="badge ${d.status}">${d.status}</span>` : nothing}<span class="grow"></span>
        <button data-action="close-job" aria-label="Close" @click=${this.closeJobPanel}>×</button>
      </header>
      ${
        s.status === 'error'
          ? html`<p class="message error" role="alert">Could not load job ${jobId}: ${s.message}</p>`
          : d === undefined
            ? html`<p class="message" role="status">Loading job ${jobId}…</p>`
            : html`<dl>
                  <dt>Score</dt>
                  <dd data-field="job-score">${formatScore(d.score)}</dd>
                  <dt>Trial</dt>
                  <dd>${d.trial}</dd>
                  <dt>Started</dt>
                  <dd>${formatTimestamp(d.started_at)}</dd>
                  <dt>Ended</dt>
                  <dd>${formatTimestamp(d.ended_at)}</dd>
                  ${Object.entries(d.params).map(
                    ([k, v]) =>
                      html`<dt>${k}</dt>
                        <dd>${typeof v === 'number' ? formatScore(v) : String(v)}</dd>`,
                  )}
                  ${Object.entries(d.metrics).map(
                    ([k, v]) =>
                      html`<dt>${k}</dt>
                        <dd>${formatScore(v)}</dd>`,
                  )}
                  <dt>Attempts</dt>
                  <dd>${d.attempts.map((a) => `${a.attempt}: ${a.status}${a.host ? ` on ${a.host}` : ''}`).join(', ') || '—'}</dd>
                </dl>
                ${d.warnings.length > 0 ? html`<p class="muted">${d.warnings.join(' · ')}</p>` : nothing}`
      }
    </aside>`;
  }

  private onHashChange = (): void => {
    this.route = parseRoute(location.hash);
  };

  private onOpenExperiment = (e: AupOpenExperimentEvent): void => {
    const view = e.detail.view ?? 'overview';
    this.navigate({ name: 'experiment', id: e.detail.id, page: view === 'results' ? 'jobs' : view });
  };

  private onSelection = (e: AupSelectionChangeEvent): void => {
    this.selection = e.detail;
  };

  private onOpenJob = (e: AupOpenJobEvent): void => {
    const { experimentId, jobId } = e.detail;
    const r = this.route;
    const fromTable = e.composedPath().some((n) => n instanceof Element && n.localName === 'aup-job-table');
    // The table opens its own rows; the board only records the job in the URL (a reload reopens it).
    if (fromTable) {
      history.replaceState(null, '', routeHash({ name: 'experiment', id: experimentId, page: 'jobs', job: jobId }));
      return;
    }
    if (r.name === 'experiment' && r.id === experimentId && (r.page === 'jobs' || r.page === 'hig')) {
      void this.openJob(experimentId, jobId);
    } else {
      this.navigate({ name: 'experiment', id: experimentId, page: 'jobs', job: jobId });
    }
  };

  /** Opens a job in the table's expanded row when the table can (an `openJob(id)` method), else in the job panel. */
  private async openJob(_experimentId: number, jobId: number): Promise<void> {
    await this.updateComplete;
    const table = this.renderRoot.querySelector('aup-job-table') as (Element & { openJob?: (id: number) => unknown }) | null;
    if (table !== null && typeof table.openJob === 'function') {
      table.openJob(jobId);
      return;
    }
    if (!this.api) return;
    this.jobPanel = jobId;
    const client = new AupApiClient(this.api);
    this.jobDetail.runAs('fresh', (signal) => client.job(jobId, signal));
  }

  /** Closes the job panel; the detail still loading is dropped. */
  private closeJobPanel = (): void => {
    this.jobPanel = undefined;
    this.jobDetail.clear();
  };

  private toggleTheme = (): void => {
    this.theme = this.theme === 'dark' ? 'light' : 'dark';
    writeStorage(THEME_STORAGE_KEY, this.theme);
  };

  private saveView(view: ExperimentListView): void {
    this.listView = view;
    writeStorage(VIEW_STORAGE_KEY, view);
  }

  private loadExperiments(force: boolean): void {
    if (this.api) this.experiments.load(`${this.api.replace(/\/+$/, '')}/experiments`, force);
  }

  private experimentList(): ExperimentSummary[] {
    const s = this.experiments.state;
    return s.status === 'complete' ? s.value : s.status === 'idle' ? [] : (s.previous ?? []);
  }

  private experimentName(id: number | undefined): string | undefined {
    return id === undefined ? undefined : this.experimentList().find((e) => e.id === id)?.name;
  }
}

function experimentOf(r: BoardRoute): number | undefined {
  return r.name === 'experiment' ? r.id : undefined;
}

function liveTitle(i: LiveIndicator): string {
  switch (i) {
    case 'live':
      return 'Live: changes arrive over the event stream as they happen';
    case 'polling':
      return 'Polling: the event stream is unavailable, the board reloads every few seconds';
    case 'connecting':
      return 'Connecting to the event stream…';
    case 'offline':
      return 'Offline: the board cannot reach aup-board; it keeps retrying';
  }
}

// localStorage throws in some private modes and sandboxed frames: a preference is not worth an error.
function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not remembered; the toggle still works for this page.
  }
}
