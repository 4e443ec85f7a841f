import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';

import { AupApiClient } from '../api/api-client.js';
import { fetchAllJobs } from '../api/fetch-all-jobs.js';
import { AupChartElement, type ChartSlot } from '../charts/chart-element.js';
import type { ChartContent } from '../charts/vega-chart.js';
import { AsyncLoadController, type LoadCause } from '../controllers/async-load-controller.js';
import { LiveController, type LiveBatch } from '../controllers/live-controller.js';
import { fire, type JobSelection, type OpenJobDetail } from '../events.js';
import { applyLiveJobs } from '../live/merge-job-changes.js';
import { selectedJobIds } from '../selection/job-selection.js';
import type { ChartTheme } from '../specs/chart-theme.js';
import { chooseRenderer, JOB_CHART_DATA, jobChartRows, jobChartSpec, paramNames } from '../specs/job-chart-spec.js';
import { emptyMessage, errorMessage, loadingMessage } from '../theme/state-messages.js';
import { jobChartData, metricLabels, type JobChartData, type JobChartValue } from './job-chart-data.js';
import { jobChartStyles } from './job-chart.styles.js';

/**
 * Each job's score (or a secondary metric) over job index or end time, with the best-so-far line.
 * Wheel zooms, drag pans, double-click resets; hovering a point shows the job's params; clicking
 * it asks the page to open the job. Jobs in `selection` are drawn larger, the others faded.
 *
 * @summary Scores per job with the best so far.
 *
 * @attr api - Base URL of the board API, e.g. `/api/v1`.
 * @attr experiment - The experiment id to chart (with `api`).
 * @attr value - `score` (default) or `metric:<label>`: the plotted value.
 * @attr x - `index` (default: trial order) or `time` (job end time).
 * @attr log - Present: log scale on the value axis (symlog when a value is 0 or below).
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @prop {JobChartData | undefined} data - `{ experimentId?, target, jobs }` to chart instead of fetching; wins over `api`.
 * @prop {JobSelection | null} selection - Jobs to highlight (what another element selected).
 *
 * @fires aup-open-job - A job's point was clicked; `detail: { experimentId, jobId }`. Bubbles, composed.
 *
 * @csspart toolbar - The row of controls above the chart.
 * @csspart chart - The chart's container (vega-embed inside).
 * @csspart tooltip - The tooltip over a point.
 * @csspart message - The loading, empty and error messages.
 * @csspart retry - The button that reloads after a failed load.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-text - Text and axis titles.
 * @cssprop --aup-color-muted - Axis labels.
 * @cssprop --aup-color-border - Grid and axis lines.
 * @cssprop --aup-color-accent - The jobs' points.
 * @cssprop --aup-chart-highlight - The best-so-far line.
 * @cssprop --aup-font-family - Font.
 */
export class AupJobChart extends AupChartElement {
  static override styles = jobChartStyles;

  static override properties = {
    api: { type: String },
    experiment: { type: Number },
    value: { type: String },
    x: { type: String },
    log: { type: Boolean, reflect: true },
    height: { type: Number },
    data: { attribute: false },
    selection: { attribute: false },
  };

  api?: string;
  experiment?: number;
  /** The plotted value: `score` or `metric:<label>`. */
  value: JobChartValue = 'score';
  /** The x axis: trial index or job end time. */
  x: 'index' | 'time' = 'index';
  log = false;
  /** Plot height in pixels. */
  height = 320;
  data?: JobChartData;
  selection: JobSelection | null = null;

  private readonly load = new AsyncLoadController<JobChartData>(this);
  private readonly live = new LiveController(this, (batch) => this.onLive(batch));

  /** Fetches the jobs again (no-op with `data`). */
  refresh(): void {
    if (this.data === undefined) this.startLoad('fresh');
  }

  /** The chart's input: `data`, or what was fetched. */
  get shown(): JobChartData | undefined {
    return this.data ?? this.load.value;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') || changed.has('experiment') || changed.has('data')) {
      if (this.data !== undefined || !this.api || this.experiment === undefined || !Number.isInteger(this.experiment)) {
        this.live.follow(undefined, undefined);
        this.load.clear();
      } else {
        this.live.follow(this.api, this.experiment);
        this.startLoad('fresh');
      }
    }
  }

  /** Loads the element's data from the board, as `how` asks (see LoadCause). */
  private startLoad(how: LoadCause): void {
    const api = this.api!;
    const id = this.experiment!;
    const task = async (signal: AbortSignal): Promise<JobChartData> => {
      const client = new AupApiClient(api);
      const [experiment, { jobs }] = await Promise.all([client.experiment(id, signal), fetchAllJobs(client, id, { signal })]);
      return { experimentId: id, target: experiment.target, jobs };
    };
    this.load.runAs(how, task);
  }

  private onLive(batch: LiveBatch): void {
    if (this.data !== undefined || this.experiment === undefined) return;
    applyLiveJobs(this.load, batch, this.experiment, () => this.startLoad('live'));
  }

  protected override render(): TemplateResult {
    const shown = this.shown;
    return html`${this.renderToolbar(shown)}${this.renderMessage(shown)}
      <div class="chart-area">
        <div
          class="chart"
          part="chart"
          data-slot="main"
          ?hidden=${shown === undefined || shown.jobs.length === 0 || this.chartError() !== undefined}
        ></div>
        ${this.tooltip.render()}
      </div>`;
  }

  private renderToolbar(shown: JobChartData | undefined): TemplateResult {
    const metrics = shown === undefined ? [] : metricLabels(shown.jobs);
    const values: JobChartValue[] = ['score', ...metrics.map((m) => `metric:${m}` as const)];
    if (!values.includes(this.value)) values.push(this.value);
    return html`<div class="toolbar" part="toolbar">
      <label
        >Value
        <select name="value" @change=${(e: Event) => (this.value = (e.target as HTMLSelectElement).value as JobChartValue)}>
          ${values.map((v) => html`<option value=${v} ?selected=${v === this.value}>${v === 'score' ? 'score' : v.slice(7)}</option>`)}
        </select></label
      >
      <label
        >X axis
        <select name="x" @change=${(e: Event) => (this.x = (e.target as HTMLSelectElement).value as 'index' | 'time')}>
          <option value="index" ?selected=${this.x === 'index'}>job index</option>
          <option value="time" ?selected=${this.x === 'time'}>end time</option>
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
      ${shown === undefined ? nothing : html`<span class="count">${shown.jobs.length.toLocaleString('en')} jobs</span>`}
    </div>`;
  }

  private renderMessage(shown: JobChartData | undefined): TemplateResult | typeof nothing {
    const failed = this.chartError();
    if (failed !== undefined) return errorMessage('the chart', failed);
    if (this.data === undefined) {
      if (!this.api || this.experiment === undefined) {
        return emptyMessage(html`Set the <code>api</code> and <code>experiment</code> attributes or the <code>data</code> property.`);
      }
      const state = this.load.state;
      if (state.status === 'error') return errorMessage('the jobs', state.message, () => this.load.retry());
      if (shown === undefined) return loadingMessage('jobs');
    }
    if (shown !== undefined && shown.jobs.length === 0) return emptyMessage('No jobs yet.');
    return nothing;
  }

  protected override chartSlots(): ChartSlot[] {
    return [
      {
        name: 'main',
        inputs: [this.shown, this.value, this.x, this.log, this.height, this.selection],
        content: (theme) => this.chartContent(theme),
      },
    ];
  }

  private chartContent(theme: ChartTheme): ChartContent | undefined {
    const shown = this.shown;
    if (shown === undefined || shown.jobs.length === 0) return undefined;
    const data = jobChartData(shown.jobs, this.value);
    const selected = selectedJobIds(shown.jobs, this.selection);
    const opts = {
      target: shown.target,
      x: this.x,
      valueLabel: this.value === 'score' ? 'score' : this.value.slice(7),
      log: this.log,
      theme,
      selected,
      height: this.height,
    } as const;
    const spec = jobChartSpec(data, opts);
    const renderer = chooseRenderer(data.length);
    // The spec's shape: scale type and tooltip fields follow the data, so they are part of the key.
    const names = paramNames(data);
    const scale = JSON.stringify((spec as { layer: { encoding: { y: { scale: unknown } } }[] }).layer[1]!.encoding.y.scale);
    return {
      spec,
      key: JSON.stringify([theme, opts.target, opts.x, opts.valueLabel, this.height, names, scale, renderer]),
      data: { [JOB_CHART_DATA]: jobChartRows(data, opts, names) },
      renderer,
    };
  }

  protected override onChartClick(_slot: string, datum: Record<string, unknown> | undefined, markType: string | undefined): void {
    // Points are symbols; a click on the best-so-far line is not a click on one job.
    if (markType !== 'symbol' || datum === undefined || typeof datum['jobId'] !== 'number') return;
    const experimentId = this.data?.experimentId ?? this.shown?.experimentId ?? this.experiment ?? 0;
    fire<OpenJobDetail>(this, 'aup-open-job', { experimentId, jobId: datum['jobId'] });
  }
}
