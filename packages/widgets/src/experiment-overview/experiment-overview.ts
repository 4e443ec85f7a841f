import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';

import { parseExperimentDetail, type ExperimentDetail, type JobStatus } from '../api/experiment-detail.js';
import { JOB_STATUSES } from '../api/job-statuses.js';
import { JsonFetchController } from '../controllers/json-fetch-controller.js';
import { LiveController, type LiveMode } from '../controllers/live-controller.js';
import { fire, type OpenJobDetail } from '../events.js';
import { progressShare } from '../experiment-list/experiment-actions.js';
import { parseExperimentList, type ExperimentSummary } from '../experiment-list/experiment-summary.js';
import { formatDuration, formatProgress, formatScore, formatTimestamp } from '../format/format.js';
import { errorMessage, loadingMessage } from '../theme/state-messages.js';
import { compactJson } from './compact-json.js';
import { isOneShot, runEstimate } from './estimate.js';
import { stopReasonText, warmStartText } from './stop-and-warm-start.js';
import { experimentOverviewStyles } from './experiment-overview.styles.js';

/** `detail` of `aup-experiment-change`: the selector switched to another experiment. */
export interface ExperimentChangeDetail {
  id: number;
}
export type AupExperimentChangeEvent = CustomEvent<ExperimentChangeDetail>;

/** Which part the overview brings into view. */
export type OverviewSection = 'summary' | 'config';

/**
 * How often the elapsed time and the remaining estimate tick while an experiment runs: once a
 * second, the resolution they are shown at.
 */
const TICK_MS = 1_000;

const JOB_STATUS_LABELS: Record<JobStatus, string> = {
  queued: 'Queued jobs',
  running: 'Running jobs',
  finished: 'Finished jobs',
  failed: 'Failed jobs',
  early_stopped: 'Stopped early',
  interrupted: 'Interrupted jobs',
};

/** The remaining-time cell: an estimate while running, `done` once finished, `—` when unknown. */
function remainingText(status: string, remainingMs: number | null): string {
  if (status === 'finished') return 'done';
  return remainingMs === null ? '—' : `≈ ${formatDuration(remainingMs)}`;
}

/**
 * One experiment at a glance: status, progress, elapsed time and an estimate of the time left,
 * the best score with its hyperparameters, job counts by status, and the normalised config. A
 * selector switches to another experiment without going back to the list. A one-shot experiment
 * (no hyperparameters) shows its status and config only.
 *
 * @summary Status, progress, best params and config of one experiment.
 *
 * @attr api - Base URL of the board API (`/api/v1`).
 * @attr experiment - The experiment id.
 * @attr section - `config` brings the config into view (the list's CONFIG button); default `summary`.
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @prop {ExperimentDetail | undefined} data - The experiment to show instead of fetching; wins over `api`.
 * @prop {ExperimentSummary[] | undefined} experiments - The selector's choices when `data` is used (fetched from `api` otherwise).
 *
 * @fires aup-experiment-change - The selector switched experiments; `detail: { id }`. The element shows the new one itself.
 * @fires aup-open-job - The best job was clicked; `detail: { experimentId, jobId }`.
 * @fires aup-open-experiment - RESULTS was clicked; `detail: { id, view: 'results' }`.
 *
 * @csspart selector - The experiment selector.
 * @csspart summary - Status, progress, times and counts.
 * @csspart best - The best score and its hyperparameters.
 * @csspart config - The config block.
 * @csspart message - The loading, empty and error messages.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-surface-raised - Cards and the config block.
 * @cssprop --aup-color-text - Text.
 * @cssprop --aup-color-muted - Labels.
 * @cssprop --aup-color-border - Card borders.
 * @cssprop --aup-color-accent - Progress bar, links.
 * @cssprop --aup-font-family - Font.
 * @cssprop --aup-font-size - Base font size.
 */
export class AupExperimentOverview extends LitElement {
  static override styles = experimentOverviewStyles;

  static override properties = {
    api: { type: String },
    experiment: { type: Number },
    section: { type: String, reflect: true },
    theme: { type: String, reflect: true },
    data: { attribute: false },
    experiments: { attribute: false },
    now: { state: true },
  };

  /** Base URL of the board API. */
  api?: string;
  /** The experiment shown. */
  experiment?: number;
  /** `summary` or `config`. */
  section: OverviewSection = 'summary';
  /** `light` or `dark`; unset follows the system. */
  theme?: 'light' | 'dark';
  /** The experiment to show; when set, nothing is fetched. */
  data?: ExperimentDetail;
  /** The selector's choices for `data` mode. */
  experiments?: ExperimentSummary[];

  private now = Date.now();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly detail = new JsonFetchController<ExperimentDetail>(this, parseExperimentDetail);
  private readonly list = new JsonFetchController<ExperimentSummary[]>(this, parseExperimentList);
  private readonly live = new LiveController(this, () => this.refresh());

  /** How the overview follows changes. */
  get liveMode(): LiveMode {
    return this.live.mode;
  }

  /** Fetches the experiment (and the selector's list) again. */
  refresh(): void {
    const base = this.base();
    if (base === undefined) return;
    if (this.experiment !== undefined) this.detail.load(`${base}/experiments/${this.experiment}`, true);
    this.list.load(`${base}/experiments`, true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTicker();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const base = this.base();
    if (changed.has('api') || changed.has('experiment') || changed.has('data')) {
      if (base !== undefined && this.experiment !== undefined) this.detail.load(`${base}/experiments/${this.experiment}`);
      if (base !== undefined) this.list.load(`${base}/experiments`);
      this.live.follow(base !== undefined && this.experiment !== undefined ? base : undefined, this.experiment);
    }
    const shown = this.shown();
    const running = shown !== undefined && (shown.status === 'running' || shown.status === 'stopping');
    if (running && this.ticker === undefined && this.isConnected) {
      this.ticker = setInterval(() => (this.now = Date.now()), TICK_MS);
    } else if (!running) {
      this.stopTicker();
    }
  }

  protected override updated(changed: PropertyValues): void {
    if (this.section === 'config' && (changed.has('section') || changed.has('experiment'))) {
      this.renderRoot.querySelector('.config')?.scrollIntoView({ block: 'start' });
    }
  }

  protected override render(): TemplateResult {
    if (this.data !== undefined) return this.renderExperiment(this.data);
    if (!this.api)
      return html`<p class="message" part="message">
        Set the <code>api</code> and <code>experiment</code> attributes, or the <code>data</code> property.
      </p>`;
    if (this.experiment === undefined)
      return html`${this.renderSelector(undefined)}
        <p class="message" part="message">Choose an experiment.</p>`;
    const s = this.detail.state;
    switch (s.status) {
      case 'idle':
      case 'pending':
        return s.status === 'pending' && s.previous !== undefined && s.previous.id === this.experiment
          ? this.renderExperiment(s.previous)
          : loadingMessage(`experiment ${this.experiment}`);
      case 'error':
        return html`${this.renderSelector(this.experiment)}${errorMessage(`experiment ${this.experiment}`, s.message, () => this.refresh())}`;
      case 'complete':
        return this.renderExperiment(s.value);
    }
  }

  private renderSelector(current: number | undefined): TemplateResult {
    const choices = this.data !== undefined ? (this.experiments ?? []) : this.listValue();
    if (choices.length === 0) return html``;
    return html`<label
      >Experiment
      <select part="selector" aria-label="Experiment" @change=${this.onSelect}>
        ${current === undefined ? html`<option value="" selected>Choose…</option>` : nothing}
        ${choices.map((e) => html`<option value=${e.id} ?selected=${e.id === current}>#${e.id} ${e.name} (${e.status})</option>`)}
      </select></label
    >`;
  }

  private renderExperiment(e: ExperimentDetail): TemplateResult {
    const oneShot = isOneShot(e.config);
    const est = runEstimate(e, this.now);
    const pct = Math.round(progressShare(e.jobs_done, e.n_samples) * 100);
    return html`<div class="head">
        <h2>${e.name} <span class="note">#${e.id}</span></h2>
        <span class="badge ${e.status}" data-status=${e.status}>${e.status}</span>
        <span class="grow"></span>
        ${this.renderSelector(e.id)}
        <button data-action="results" @click=${() => fire(this, 'aup-open-experiment', { id: e.id, view: 'results' })}>Results</button>
      </div>
      ${e.error ? html`<p class="error-text" role="alert">${e.error}</p>` : nothing}
      <div class="cards">
        <section class="card" part="summary">
          <h3>Progress</h3>
          <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=${e.n_samples} aria-valuenow=${e.jobs_done}>
            <div class="bar ${e.status}" style="width: ${pct}%"></div>
          </div>
          <dl>
            <dt>Jobs done</dt>
            <dd data-field="progress">${formatProgress(e.jobs_done, e.n_samples)}</dd>
            <dt>Elapsed</dt>
            <dd data-field="elapsed">${formatDuration(est.elapsedMs)}</dd>
            ${
              oneShot
                ? nothing
                : html`<dt>Remaining</dt>
                    <dd data-field="remaining" title="At the pace so far">${remainingText(e.status, est.remainingMs)}</dd>`
            }
            <dt>Started</dt>
            <dd>${formatTimestamp(e.started_at)}</dd>
            <dt>Ended</dt>
            <dd>${formatTimestamp(e.ended_at)}</dd>
            ${this.renderStopReason(e)}
          </dl>
        </section>
        ${oneShot ? nothing : this.renderBest(e)}
        <section class="card">
          <h3>Details</h3>
          <dl>
            <dt>Proposer</dt>
            <dd>${e.proposer}</dd>
            <dt>Target</dt>
            <dd>${e.target === 'max' ? 'maximise' : 'minimise'}</dd>
            <dt>User</dt>
            <dd>${e.user}</dd>
            <dt>Created</dt>
            <dd>${formatTimestamp(e.created_at)}</dd>
            ${this.renderWarmStart(e)}
            ${JOB_STATUSES.filter((k) => (e.job_counts?.[k] ?? 0) > 0).map(
              (k) =>
                html`<dt>${JOB_STATUS_LABELS[k]}</dt>
                  <dd data-count=${k}>${e.job_counts[k]}</dd>`,
            )}
          </dl>
        </section>
      </div>
      <section class="config" part="config">
        <h3>Config</h3>
        ${oneShot ? html`<p class="note">A one-shot experiment: no hyperparameters, one run of the script.</p>` : nothing}
        <pre>${compactJson(e.config)}</pre>
      </section>`;
  }

  /** Why it ended, or, while a stop rule lets the last jobs finish, why it is ending. */
  private renderStopReason(e: ExperimentDetail): TemplateResult | typeof nothing {
    const reason = e.stop_reason;
    if (reason === undefined || reason === null) return nothing;
    const ending = e.status === 'running';
    return html`<dt>${ending ? 'Ending' : 'Ended because'}</dt>
      <dd data-field="stop-reason" data-reason=${reason}>${stopReasonText(reason)}${ending ? ' (running jobs finish)' : ''}</dd>`;
  }

  /** The experiments whose jobs the proposer was told first, and how many. */
  private renderWarmStart(e: ExperimentDetail): TemplateResult | typeof nothing {
    const w = e.warm_start;
    if (w === undefined || w === null) return nothing;
    const { text, title } = warmStartText(w);
    return html`<dt>Warm start</dt>
      <dd data-field="warm-start" title=${title}>${text}</dd>`;
  }

  private renderBest(e: ExperimentDetail): TemplateResult {
    const best = e.best_job;
    return html`<section class="card" part="best">
      <h3>Best score (${e.target})</h3>
      ${
        best === null
          ? html`<p class="note">No job has a score yet.</p>`
          : html`<div class="score" data-field="best-score" title=${best.score === null ? nothing : String(best.score)}>
                ${formatScore(best.score)}
              </div>
              <p class="note">
                <a
                  href="#"
                  data-action="open-best"
                  @click=${(ev: Event) => {
                    ev.preventDefault();
                    fire<OpenJobDetail>(this, 'aup-open-job', { experimentId: e.id, jobId: best.id });
                  }}
                  >job ${best.id}</a
                >, trial ${best.trial}
              </p>
              <table data-field="best-params">
                <tbody>
                  ${Object.entries(best.params).map(
                    ([k, v]) =>
                      html`<tr>
                        <th scope="row">${k}</th>
                        <td>${typeof v === 'number' ? formatScore(v) : String(v)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }
    </section>`;
  }

  private onSelect = (ev: Event): void => {
    const id = Number((ev.target as HTMLSelectElement).value);
    if (!Number.isInteger(id) || id === this.experiment) return;
    if (this.data === undefined) this.experiment = id;
    fire<ExperimentChangeDetail>(this, 'aup-experiment-change', { id });
  };

  private listValue(): ExperimentSummary[] {
    const s = this.list.state;
    return s.status === 'complete' ? s.value : s.status === 'idle' ? [] : (s.previous ?? []);
  }

  private shown(): ExperimentDetail | undefined {
    if (this.data !== undefined) return this.data;
    const s = this.detail.state;
    return s.status === 'complete' ? s.value : s.status === 'idle' ? undefined : s.previous;
  }

  private stopTicker(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private base(): string | undefined {
    return this.data === undefined && this.api ? this.api.replace(/\/+$/, '') : undefined;
  }
}
