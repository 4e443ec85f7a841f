import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';

import { AupApiClient } from '../api/api-client.js';
import { commaList, positiveId } from '../attributes/comma-list.js';
import { AupChartElement, type ChartSlot } from '../charts/chart-element.js';
import type { ChartContent } from '../charts/vega-chart.js';
import { AsyncLoadController, type LoadCause } from '../controllers/async-load-controller.js';
import { LiveController, type LiveBatch } from '../controllers/live-controller.js';
import { fire, type OpenJobDetail } from '../events.js';
import { valueScaleType, type ChartTheme } from '../specs/chart-theme.js';
import { COMPARE_DATA, compareRows, compareSpec } from '../specs/compare-spec.js';
import { emptyMessage, errorMessage, loadingMessage } from '../theme/state-messages.js';
import { compareSeriesFrom, type CompareData } from './compare-data.js';
import { compareStyles } from './compare.styles.js';

const idList = commaList(positiveId);

/**
 * Several experiments' best score so far, overlaid: over job index or time, one step line per
 * experiment with a point at each improvement (a one-shot experiment is its single point), so
 * proposers run on the same problem compare at a glance. Clicking a point opens the job that set it.
 *
 * @summary Best-so-far curves of several experiments.
 *
 * @attr api - Base URL of the board API, e.g. `/api/v1`.
 * @attr experiments - Experiment ids, comma-separated (`3,4,7`); without it, every experiment.
 * @attr x - `index` (default: job index) or `time`.
 * @attr log - Present: log scale on the value axis.
 * @attr height - Plot height in pixels.
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @prop {CompareData | undefined} data - `{ x?, series: [{ experimentId, name, x, best, jobIds?, end? }] }` to draw instead of fetching.
 *
 * @fires aup-open-job - An improvement's point was clicked; `detail: { experimentId, jobId }`. Bubbles, composed.
 *
 * @csspart toolbar - The controls above the chart.
 * @csspart chart - The chart's container.
 * @csspart tooltip - The tooltip over a point.
 * @csspart message - The loading, empty and error messages.
 * @csspart retry - The button that reloads after a failed load.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-text - Text and axis titles.
 * @cssprop --aup-color-muted - Axis labels.
 * @cssprop --aup-color-border - Grid and axis lines.
 * @cssprop --aup-chart-palette - One colour per experiment, comma-separated.
 * @cssprop --aup-font-family - Font.
 */
export class AupCompare extends AupChartElement {
  static override styles = compareStyles;

  static override properties = {
    api: { type: String },
    experiments: { converter: idList },
    x: { type: String },
    log: { type: Boolean, reflect: true },
    height: { type: Number },
    data: { attribute: false },
  };

  api?: string;
  /** The experiments compared; undefined: all. */
  experiments?: number[];
  x: 'index' | 'time' = 'index';
  log = false;
  height = 320;
  data?: CompareData;

  private readonly load = new AsyncLoadController<CompareData>(this);
  private readonly live = new LiveController(this, (batch) => this.onLive(batch));

  /** Fetches again (no-op with `data`). */
  refresh(): void {
    if (this.data === undefined) this.startLoad('fresh');
  }

  /** The curves drawn now. */
  get shown(): CompareData | undefined {
    return this.data ?? this.load.value;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') || changed.has('experiments') || changed.has('data') || changed.has('x')) {
      if (this.data !== undefined || !this.api) {
        this.live.follow(undefined, undefined);
        this.load.clear();
      } else {
        // Every experiment's changes: the board sends them on one stream when no experiment is named.
        this.live.follow(this.api, undefined);
        this.startLoad(changed.has('api') || changed.has('experiments') ? 'fresh' : 'quiet');
      }
    }
  }

  /** Loads the element's data from the board, as `how` asks (see LoadCause). */
  private startLoad(how: LoadCause): void {
    const client = new AupApiClient(this.api!);
    const wanted = this.experiments;
    const x = this.x;
    const task = async (signal: AbortSignal): Promise<CompareData> => {
      const list = await client.experiments(signal);
      const ids = wanted ?? list.map((e) => e.id).sort((a, b) => a - b);
      const known = ids.filter((id) => list.some((e) => e.id === id));
      const missing = ids.filter((id) => !known.includes(id));
      if (missing.length > 0) throw new Error(`no experiment ${missing.join(', ')} on this board`);
      const best = known.length === 0 ? [] : await client.bestSoFar(known, x, signal);
      return { x, series: compareSeriesFrom(list, best, x) };
    };
    this.load.runAs(how, task);
  }

  private onLive(batch: LiveBatch): void {
    if (this.data !== undefined) return;
    const ids = this.experiments;
    if (batch.full || ids === undefined || batch.changes.some((c) => c.experiment_id !== null && ids.includes(c.experiment_id)))
      this.startLoad('live');
  }

  protected override render(): TemplateResult {
    const shown = this.shown;
    const empty = shown === undefined || shown.series.length === 0;
    return html`<div class="toolbar" part="toolbar">
        <label
          >X axis
          <select name="x" @change=${(e: Event) => (this.x = (e.target as HTMLSelectElement).value as 'index' | 'time')}>
            <option value="index" ?selected=${this.x === 'index'}>job index</option>
            <option value="time" ?selected=${this.x === 'time'}>time</option>
          </select></label
        >
        <label
          ><input
            type="checkbox"
            name="log"
            .checked=${this.log}
            @change=${(e: Event) => (this.log = (e.target as HTMLInputElement).checked)}
          />
          log scale</label
        >
        ${shown === undefined ? nothing : html`<span class="count">${shown.series.length} experiments</span>`}
      </div>
      ${this.renderMessage(shown)}
      <div class="chart-area">
        <div class="chart" part="chart" data-slot="main" ?hidden=${empty || this.chartError() !== undefined}></div>
        ${this.tooltip.render()}
      </div>`;
  }

  private renderMessage(shown: CompareData | undefined): TemplateResult | typeof nothing {
    const failed = this.chartError();
    if (failed !== undefined) return errorMessage('the chart', failed);
    if (this.data === undefined) {
      if (!this.api)
        return emptyMessage(html`Set the <code>api</code> attribute (and <code>experiments</code>) or the <code>data</code> property.`);
      const state = this.load.state;
      if (state.status === 'error') return errorMessage('the best-so-far curves', state.message, () => this.load.retry());
      if (shown === undefined) return loadingMessage('best-so-far curves');
    }
    if (shown !== undefined && shown.series.length === 0) return emptyMessage('No scored jobs in these experiments yet.');
    return nothing;
  }

  protected override chartSlots(): ChartSlot[] {
    const shown = this.shown;
    return [
      {
        name: 'main',
        inputs: [shown, this.log, this.height],
        content: (theme) => (shown === undefined ? undefined : this.curves(shown, theme)),
      },
    ];
  }

  private curves(shown: CompareData, theme: ChartTheme): ChartContent | undefined {
    if (shown.series.length === 0) return undefined;
    const x = shown.x ?? this.x;
    const spec = compareSpec(shown.series, { x, log: this.log, theme, height: this.height });
    const rows = compareRows(shown.series);
    const scale = valueScaleType(
      rows.map((r) => r.best),
      this.log,
    );
    return { spec, key: JSON.stringify([theme, x, scale, this.height]), data: { [COMPARE_DATA]: rows }, renderer: 'svg' };
  }

  protected override onChartClick(_slot: string, datum: Record<string, unknown> | undefined, markType: string | undefined): void {
    if (markType !== 'symbol' || datum === undefined || typeof datum['jobId'] !== 'number' || typeof datum['experimentId'] !== 'number')
      return;
    fire<OpenJobDetail>(this, 'aup-open-job', { experimentId: datum['experimentId'], jobId: datum['jobId'] });
  }
}
