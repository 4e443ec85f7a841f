import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';

import { JsonFetchController } from '../controllers/json-fetch-controller.js';
import { formatProgress, formatScore, formatTimestamp } from '../format/format.js';
import { experimentListStyles } from './experiment-list.styles.js';
import { parseExperimentList, type ExperimentSummary } from './experiment-summary.js';

/** `detail` of the `aup-open-experiment` event. */
export interface OpenExperimentDetail {
  id: number;
}
export type AupOpenExperimentEvent = CustomEvent<OpenExperimentDetail>;

/**
 * A table of experiments: id, name, status, proposer, jobs done out of planned, best score and
 * creation time. Data comes from the board API (`api` attribute) or from the `data` property.
 *
 * @summary Lists experiments; activating a row asks the page to open that experiment.
 *
 * @attr api - Base URL of the board API, e.g. `/api/v1`; the element fetches `${api}/experiments`.
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @prop {ExperimentSummary[] | undefined} data - Rows to show instead of fetching (no server needed); wins over `api`.
 *
 * @fires aup-open-experiment - A row was clicked or activated with Enter/Space; `detail: { id }`. Bubbles, composed.
 *
 * @csspart table - The table of experiments.
 * @csspart row - One experiment's row.
 * @csspart message - The loading, empty and error messages.
 * @csspart retry - The button that reloads after a failed load.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-text - Text.
 * @cssprop --aup-color-muted - Headers and secondary text.
 * @cssprop --aup-color-border - Row separators.
 * @cssprop --aup-color-row-hover - Background of the row under the pointer.
 * @cssprop --aup-color-accent - Focus ring, running status, buttons.
 * @cssprop --aup-color-success - Finished status.
 * @cssprop --aup-color-danger - Failed status and errors.
 * @cssprop --aup-color-warning - Stopped status.
 * @cssprop --aup-font-family - Font.
 * @cssprop --aup-font-size - Base font size.
 */
export class AupExperimentList extends LitElement {
  static override styles = experimentListStyles;

  static override properties = {
    api: { type: String },
    data: { attribute: false },
    theme: { type: String, reflect: true },
  };

  /** Base URL of the board API (`/api/v1`). */
  api?: string;
  /** Experiment summaries to show; when set, nothing is fetched. */
  data?: ExperimentSummary[];
  /** `light` or `dark`; unset follows the system. */
  theme?: 'light' | 'dark';

  private readonly experiments = new JsonFetchController<ExperimentSummary[]>(this, parseExperimentList);

  /** Fetches the list again from `api` (no-op when `data` is set). */
  refresh(): void {
    const url = this.listUrl();
    if (url !== undefined) this.experiments.load(url, true);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') || changed.has('data')) {
      const url = this.listUrl();
      if (url !== undefined) this.experiments.load(url);
    }
  }

  protected override render(): TemplateResult {
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

  private renderRows(rows: readonly ExperimentSummary[]): TemplateResult {
    if (rows.length === 0) {
      return html`<p class="message" part="message">No experiments yet: run one with <code>npx aup run experiment.json</code>.</p>`;
    }
    return html`<table part="table">
      <thead>
        <tr>
          <th class="num" scope="col">ID</th>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Proposer</th>
          <th class="num" scope="col">Jobs</th>
          <th class="num" scope="col">Best score</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (e) => html`<tr
            part="row"
            tabindex="0"
            data-id=${e.id}
            @click=${() => this.open(e.id)}
            @keydown=${(ev: KeyboardEvent) => this.onRowKey(ev, e.id)}
          >
            <td class="num">${e.id}</td>
            <td class="name">${e.name}</td>
            <td><span class="badge ${e.status}">${e.status}</span></td>
            <td>${e.proposer}</td>
            <td class="num">${formatProgress(e.jobs_done, e.n_samples)}</td>
            <td class="num" title=${e.best_score === null ? nothing : String(e.best_score)}>
              ${formatScore(e.best_score)} <span class="target">${e.target}</span>
            </td>
            <td title=${e.created_at}>${formatTimestamp(e.created_at)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private onRowKey(ev: KeyboardEvent, id: number): void {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      this.open(id);
    }
  }

  private open(id: number): void {
    this.dispatchEvent(
      new CustomEvent<OpenExperimentDetail>('aup-open-experiment', { detail: { id }, bubbles: true, composed: true }),
    );
  }

  private listUrl(): string | undefined {
    if (this.data !== undefined || !this.api) return undefined;
    return `${this.api.replace(/\/+$/, '')}/experiments`;
  }
}
