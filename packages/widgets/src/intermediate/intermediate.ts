import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';

import { AupApiClient } from '../api/api-client.js';
import type { JobSummary } from '../api/job-summary.js';
import type { IntermediateSeries, JobRecordValue } from '../api/series.js';
import { commaList } from '../attributes/comma-list.js';
import { AupChartElement, type ChartSlot } from '../charts/chart-element.js';
import type { ChartContent } from '../charts/vega-chart.js';
import { AsyncLoadController, type LoadCause } from '../controllers/async-load-controller.js';
import { LiveController, type LiveBatch } from '../controllers/live-controller.js';
import { isEmptySelection, type JobSelection } from '../events.js';
import { jobInSelection, selectionFilters } from '../selection/job-selection.js';
import { valueScaleType, type ChartTheme } from '../specs/chart-theme.js';
import { MAX_EMA_WEIGHT } from '../specs/ema.js';
import {
  HISTOGRAM_DATA,
  histogramCells,
  histogramSpec,
  INTERMEDIATE_DATA,
  intermediateRows,
  intermediateSpec,
  type HistogramRecord,
} from '../specs/intermediate-spec.js';
import { chooseRenderer } from '../specs/job-chart-spec.js';
import { emptyMessage, errorMessage, loadingMessage } from '../theme/state-messages.js';
import { legendLabels, paramOrder, varyingParams } from './legend-labels.js';
import { intermediateStyles } from './intermediate.styles.js';

/** What `<aup-intermediate>`'s `data` property takes (the API's shapes; no server needed). */
export interface IntermediateData {
  experimentId?: number;
  /** Orders the top-k when no selection is given; default `min`. */
  target?: 'min' | 'max';
  /** The jobs whose series may be drawn (their params label the legend). */
  jobs: readonly JobSummary[];
  series: readonly IntermediateSeries[];
  /** Histogram and image records by job id. Image records show `path` as the image's URL. */
  records?: Readonly<Record<number, readonly JobRecordValue[]>>;
}

/** What the element shows after a load: the chosen jobs and their series. */
interface Loaded {
  experimentId: number;
  target: 'min' | 'max';
  jobs: JobSummary[];
  series: IntermediateSeries[];
  /** How many jobs matched (more than `jobs.length` when the selection was cut to MAX_SELECTED_JOBS). */
  matched: number;
  mode: 'selection' | 'top';
}

/**
 * Most jobs drawn for a selection: beyond a few dozen lines a chart is a blur and the series
 * request grows large; the best ones by score are kept and the toolbar says how many matched.
 */
export const MAX_SELECTED_JOBS = 50;
/** Values per job asked of the series route (it keeps each series' min and max when it downsamples). */
export const SERIES_POINTS_PER_JOB = 1000;
/** The series route's cap on points per request. */
const MAX_SERIES_POINTS = 100_000;
/** Jobs scanned for a selection the jobs route cannot filter in full (a categorical list of several values). */
const SELECTION_SCAN = 1000;

// `legend-params=""` names no param: the legend shows job ids.
const legendParamsConverter = commaList(undefined, { blank: 'empty' });

/**
 * Intermediate results over steps for selected jobs (the `selection` property: a brush on
 * `<aup-hig>`, rows of `<aup-job-table>`), or the top-k jobs by score when nothing is selected.
 * The legend names each line by chosen hyperparameters; a label selector switches between the
 * values a job records (`loss`, `accuracy`, ...); EMA smoothing and a log scale are one click
 * away. Below, the histograms a job recorded (a heat map over steps) and its images per step.
 *
 * @summary Learning curves of chosen jobs, with histograms and images.
 *
 * @attr api - Base URL of the board API, e.g. `/api/v1`.
 * @attr experiment - The experiment id (with `api`).
 * @attr label - The intermediate label to draw; default the first one recorded.
 * @attr top-k - Without a selection, draw the best K jobs by score (default 10).
 * @attr smoothing - EMA weight in [0, 0.999) (0: raw values).
 * @attr log - Present: log scale on the value axis.
 * @attr legend-params - Params named in the legend, comma-separated; default those that differ between the shown jobs (up to 3).
 * @attr height - Plot height in pixels.
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @prop {IntermediateData | undefined} data - Jobs, series and records to draw instead of fetching; wins over `api`.
 * @prop {JobSelection | null} selection - The jobs to draw (their ids, or the jobs matching its ranges).
 *
 * @csspart toolbar - The controls above the chart.
 * @csspart chart - A chart's container (the curves; the histogram).
 * @csspart records - The histograms and images section.
 * @csspart image - The image shown for the chosen step.
 * @csspart tooltip - The tooltip over a curve.
 * @csspart message - The loading, empty and error messages.
 * @csspart retry - The button that reloads after a failed load.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-text - Text and axis titles.
 * @cssprop --aup-color-muted - Axis labels.
 * @cssprop --aup-color-border - Grid and axis lines.
 * @cssprop --aup-chart-palette - Line colours, comma-separated.
 * @cssprop --aup-font-family - Font.
 */
export class AupIntermediate extends AupChartElement {
  static override styles = intermediateStyles;

  static override properties = {
    api: { type: String },
    experiment: { type: Number },
    label: { type: String },
    topK: { type: Number, attribute: 'top-k' },
    smoothing: { type: Number },
    log: { type: Boolean, reflect: true },
    legendParams: { converter: legendParamsConverter, attribute: 'legend-params' },
    height: { type: Number },
    data: { attribute: false },
    selection: { attribute: false },
    recordsJob: { state: true },
    histogramName: { state: true },
    imageName: { state: true },
    imageStep: { state: true },
  };

  api?: string;
  experiment?: number;
  /** The intermediate label drawn; undefined: the first recorded. */
  label?: string;
  topK = 10;
  smoothing = 0;
  log = false;
  /** Params named in the legend; undefined: those that differ between the shown jobs. */
  legendParams?: string[];
  height = 320;
  data?: IntermediateData;
  selection: JobSelection | null = null;

  protected recordsJob: number | undefined;
  protected histogramName: string | undefined;
  protected imageName: string | undefined;
  protected imageStep = 0;

  private readonly load = new AsyncLoadController<Loaded>(this);
  private readonly records = new AsyncLoadController<{ jobId: number; records: JobRecordValue[] }>(this);
  private readonly live = new LiveController(this, (batch) => this.onLive(batch));
  private memo: { key: unknown[]; value: Loaded } | undefined;
  /** The job whose records were last asked for. */
  private recordsFor: number | undefined;

  /** Fetches again (no-op with `data`). */
  refresh(): void {
    if (this.data === undefined) this.startLoad('fresh');
  }

  /** The jobs and series drawn now. */
  get shown(): Loaded | undefined {
    if (this.data === undefined) return this.load.value;
    const key = [this.data, this.selection, this.topK];
    if (this.memo !== undefined && this.memo.key.every((v, i) => v === key[i])) return this.memo.value;
    const value = fromData(this.data, this.selection, this.topK);
    this.memo = { key, value };
    return value;
  }

  /** The labels the shown jobs recorded, sorted. */
  get labels(): string[] {
    return [...new Set((this.shown?.series ?? []).map((s) => s.label))].sort();
  }

  /** The label drawn: `label` when recorded, else the first. */
  get currentLabel(): string | undefined {
    const labels = this.labels;
    return this.label !== undefined && labels.includes(this.label) ? this.label : labels[0];
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const source = changed.has('api') || changed.has('experiment') || changed.has('data');
    if (source || changed.has('selection') || changed.has('topK')) {
      if (this.data !== undefined || !this.api || this.experiment === undefined || !Number.isInteger(this.experiment)) {
        this.live.follow(undefined, undefined);
        this.load.clear();
      } else {
        this.live.follow(this.api, this.experiment);
        this.startLoad(source ? 'fresh' : 'quiet');
      }
    }
    const shown = this.shown;
    if (shown !== undefined && (this.recordsJob === undefined || !shown.jobs.some((j) => j.id === this.recordsJob))) {
      this.recordsJob = shown.jobs[0]?.id;
    }
    if (source || this.recordsJob !== this.recordsFor) {
      this.recordsFor = this.recordsJob;
      this.loadRecords(false);
    }
  }

  /** Loads the element's data from the board, as `how` asks (see LoadCause). */
  private startLoad(how: LoadCause): void {
    const api = this.api!;
    const id = this.experiment!;
    const selection = this.selection;
    const topK = Math.max(1, Math.floor(this.topK));
    const task = (signal: AbortSignal): Promise<Loaded> => loadIntermediate(new AupApiClient(api), id, selection, topK, signal);
    this.load.runAs(how, task);
  }

  private loadRecords(quiet: boolean): void {
    const jobId = this.recordsJob;
    if (jobId === undefined) return this.records.clear();
    if (this.data !== undefined) {
      this.records.set({ jobId, records: [...(this.data.records?.[jobId] ?? [])] });
      return;
    }
    if (!this.api) return;
    const client = new AupApiClient(this.api);
    // Histograms and images only: text records can be long and are the job table's to show.
    void this.records.run(
      async (signal) => {
        const [histograms, images] = await Promise.all([
          client.records(jobId, { kind: 'histogram' }, signal),
          client.records(jobId, { kind: 'image' }, signal),
        ]);
        return { jobId, records: [...histograms, ...images] };
      },
      { quiet },
    );
  }

  private onLive(batch: LiveBatch): void {
    if (this.data !== undefined) return;
    this.startLoad('live');
    if (batch.full || batch.changes.some((c) => c.kind === 'records' && c.job_id === this.recordsJob)) this.loadRecords(true);
  }

  // ---- rendering --------------------------------------------------------------------------

  private legendParamsFor(shown: Loaded): string[] {
    return this.legendParams ?? varyingParams(shown.jobs);
  }

  protected override render(): TemplateResult {
    const shown = this.shown;
    const lines = shown === undefined ? [] : this.linesOf(shown);
    return html`${this.renderToolbar(shown)}${this.renderMessage(shown, lines.length)}
      <div class="chart-area">
        <div class="chart" part="chart" data-slot="main" ?hidden=${lines.length === 0 || this.chartError() !== undefined}></div>
        ${this.tooltip.render()}
      </div>
      ${shown === undefined || shown.jobs.length === 0 ? nothing : this.renderRecords(shown)}`;
  }

  private renderToolbar(shown: Loaded | undefined): TemplateResult | typeof nothing {
    if (shown === undefined) return nothing;
    const labels = this.labels;
    const current = this.currentLabel;
    const legend = this.legendParamsFor(shown);
    const params = paramOrder(shown.jobs);
    const count =
      shown.mode === 'top'
        ? `best ${shown.jobs.length} by score`
        : shown.matched > shown.jobs.length
          ? `best ${shown.jobs.length} of ${shown.matched.toLocaleString('en')} selected`
          : `${shown.jobs.length} selected`;
    return html`<div class="toolbar" part="toolbar">
      <label
        >Label
        <select name="label" ?disabled=${labels.length < 2} @change=${(e: Event) => (this.label = (e.target as HTMLSelectElement).value)}>
          ${labels.map((l) => html`<option value=${l} ?selected=${l === current}>${l}</option>`)}
        </select></label
      >
      <label
        >Smoothing
        <input
          type="range"
          name="smoothing"
          min="0"
          max=${MAX_EMA_WEIGHT}
          step="0.01"
          .value=${String(this.smoothing)}
          @input=${(e: Event) => (this.smoothing = Number((e.target as HTMLInputElement).value))}
        />
        <span>${this.smoothing.toFixed(2)}</span></label
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
      <details class="menu">
        <summary>Legend: ${legend.length === 0 ? 'job ids' : legend.join(', ')}</summary>
        <div class="menu-body">
          ${params.map(
            (p) =>
              html`<label
                ><input
                  type="checkbox"
                  name="legend"
                  value=${p}
                  .checked=${legend.includes(p)}
                  @change=${(e: Event) => {
                    const on = (e.target as HTMLInputElement).checked;
                    this.legendParams = on ? params.filter((q) => q === p || legend.includes(q)) : legend.filter((q) => q !== p);
                  }}
                />${p}</label
              >`,
          )}
        </div>
      </details>
      <span class="count">${count}</span>
    </div>`;
  }

  private renderMessage(shown: Loaded | undefined, lineCount: number): TemplateResult | typeof nothing {
    const failed = this.chartError();
    if (failed !== undefined) return errorMessage('the chart', failed);
    if (this.data === undefined) {
      if (!this.api || this.experiment === undefined) {
        return emptyMessage(html`Set the <code>api</code> and <code>experiment</code> attributes or the <code>data</code> property.`);
      }
      const state = this.load.state;
      if (state.status === 'error') return errorMessage('the intermediate results', state.message, () => this.load.retry());
      if (shown === undefined) return loadingMessage('intermediate results');
    }
    if (shown === undefined) return nothing;
    if (shown.jobs.length === 0) return emptyMessage(shown.mode === 'selection' ? 'No job matches the selection.' : 'No jobs yet.');
    if (lineCount === 0) return emptyMessage('These jobs recorded no intermediate results.');
    return nothing;
  }

  private renderRecords(shown: Loaded): TemplateResult {
    const legend = legendLabels(shown.jobs, this.legendParamsFor(shown));
    const state = this.records.state;
    const value = this.records.value;
    const records = value !== undefined && value.jobId === this.recordsJob ? value.records : [];
    const histograms = records.filter((r) => r.kind === 'histogram');
    const images = records.filter((r) => r.kind === 'image');
    const histogramNames = [...new Set(histograms.map((r) => r.name))];
    const imageNames = [...new Set(images.map((r) => r.name))];
    const histName =
      this.histogramName !== undefined && histogramNames.includes(this.histogramName) ? this.histogramName : histogramNames[0];
    const imgName = this.imageName !== undefined && imageNames.includes(this.imageName) ? this.imageName : imageNames[0];
    const shownImages = images.filter((r) => r.name === imgName);
    const step = Math.min(this.imageStep, Math.max(0, shownImages.length - 1));
    const image = shownImages[step];
    return html`<section class="records" part="records">
      <div class="toolbar">
        <h3>Histograms and images</h3>
        <label
          >Job
          <select name="records-job" @change=${(e: Event) => (this.recordsJob = Number((e.target as HTMLSelectElement).value))}>
            ${shown.jobs.map((j) => html`<option value=${j.id} ?selected=${j.id === this.recordsJob}>${legend.get(j.id)}</option>`)}
          </select></label
        >
        ${
          histogramNames.length > 1
            ? html`<label
                >Histogram
                <select name="histogram" @change=${(e: Event) => (this.histogramName = (e.target as HTMLSelectElement).value)}>
                  ${histogramNames.map((n) => html`<option value=${n} ?selected=${n === histName}>${n}</option>`)}
                </select></label
              >`
            : nothing
        }
      </div>
      ${
        state.status === 'error'
          ? errorMessage('the records', state.message, () => this.records.retry())
          : value === undefined
            ? loadingMessage('records')
            : histograms.length === 0 && images.length === 0
              ? emptyMessage(`Job ${this.recordsJob} recorded no histograms or images.`)
              : nothing
      }
      <div class="chart-area">
        <div class="chart" part="chart" data-slot="histogram" ?hidden=${histName === undefined}></div>
      </div>
      ${image === undefined ? nothing : this.renderImage(shownImages, imageNames, imgName!, step)}
    </section>`;
  }

  private renderImage(images: JobRecordValue[], names: string[], name: string, step: number): TemplateResult {
    const record = images[step]!;
    const src = this.imageSrc(record);
    return html`<div class="images">
      <div class="toolbar">
        ${
          names.length > 1
            ? html`<label
                >Image
                <select name="image" @change=${(e: Event) => (this.imageName = (e.target as HTMLSelectElement).value)}>
                  ${names.map((n) => html`<option value=${n} ?selected=${n === name}>${n}</option>`)}
                </select></label
              >`
            : nothing
        }
        <label
          >Step
          <input
            type="range"
            name="image-step"
            min="0"
            max=${images.length - 1}
            step="1"
            .value=${String(step)}
            ?disabled=${images.length < 2}
            @input=${(e: Event) => (this.imageStep = Number((e.target as HTMLInputElement).value))}
          />
        </label>
      </div>
      <figure>
        ${src === undefined ? nothing : html`<img part="image" src=${src} alt="${name} at step ${record.step ?? step}" />`}
        <figcaption>${name}, step ${record.step ?? step} (${step + 1} of ${images.length})</figcaption>
      </figure>
    </div>`;
  }

  private imageSrc(record: JobRecordValue): string | undefined {
    if (this.data !== undefined) return record.path;
    if (!this.api || record.image_index === undefined || this.recordsJob === undefined) return undefined;
    return new AupApiClient(this.api).imageUrl(this.recordsJob, record.image_index);
  }

  // ---- charts -----------------------------------------------------------------------------

  private linesOf(shown: Loaded): IntermediateSeries[] {
    const label = this.currentLabel;
    return shown.series.filter((s) => s.label === label);
  }

  protected override chartSlots(): ChartSlot[] {
    const shown = this.shown;
    const value = this.records.value;
    const histograms = value !== undefined && value.jobId === this.recordsJob ? value.records.filter((r) => r.kind === 'histogram') : [];
    const names = [...new Set(histograms.map((r) => r.name))];
    const histName = this.histogramName !== undefined && names.includes(this.histogramName) ? this.histogramName : names[0];
    return [
      {
        name: 'main',
        inputs: [shown, this.currentLabel, this.smoothing, this.log, this.height, (this.legendParams ?? []).join('\n')],
        content: (theme) => (shown === undefined ? undefined : this.curves(shown, theme)),
      },
      {
        name: 'histogram',
        inputs: [value, this.recordsJob, histName],
        content: (theme) => {
          if (histName === undefined) return undefined;
          const records: HistogramRecord[] = histograms
            .filter((r) => r.name === histName)
            .map((r) => ({ name: r.name, step: r.step, values: r.values ?? [] }));
          const spec = histogramSpec(records, { theme, title: `${histName} (job ${this.recordsJob})` });
          // The height follows the number of steps: a new step is a new chart.
          const steps = new Set(records.map((r, i) => r.step ?? i)).size;
          return {
            spec,
            key: JSON.stringify([theme, histName, this.recordsJob, steps]),
            data: { [HISTOGRAM_DATA]: histogramCells(records) },
            renderer: 'svg',
          };
        },
      },
    ];
  }

  private curves(shown: Loaded, theme: ChartTheme): ChartContent | undefined {
    const lines = this.linesOf(shown).map((s) => ({ jobId: s.job_id, label: s.label, steps: s.steps, values: s.values }));
    if (lines.length === 0) return undefined;
    const legend = legendLabels(shown.jobs, this.legendParamsFor(shown));
    const opts = { legend, smoothing: this.smoothing, log: this.log, theme, height: this.height };
    const rows = intermediateRows(lines, opts);
    const spec = intermediateSpec(lines, opts);
    const scale = valueScaleType(
      rows.map((r) => r.value),
      this.log,
    );
    const renderer = chooseRenderer(rows.length);
    return {
      spec,
      key: JSON.stringify([theme, this.currentLabel, this.smoothing > 0, scale, this.height, renderer]),
      data: { [INTERMEDIATE_DATA]: rows },
      renderer,
    };
  }
}

/** The jobs to draw from a `data` property: the selection's, or the top-k by score. */
function fromData(data: IntermediateData, selection: JobSelection | null, topK: number): Loaded {
  const target = data.target ?? 'min';
  const bySelection = selection !== null && !isEmptySelection(selection);
  const matched = bySelection ? data.jobs.filter((j) => jobInSelection(j, selection)) : data.jobs;
  const jobs = sortByScore(matched, target).slice(0, bySelection ? MAX_SELECTED_JOBS : Math.max(1, topK));
  const ids = new Set(jobs.map((j) => j.id));
  return {
    experimentId: data.experimentId ?? 0,
    target,
    jobs,
    series: data.series.filter((s) => ids.has(s.job_id)),
    matched: matched.length,
    mode: bySelection ? 'selection' : 'top',
  };
}

function sortByScore(jobs: readonly JobSummary[], target: 'min' | 'max'): JobSummary[] {
  const sign = target === 'min' ? 1 : -1;
  return [...jobs].sort((a, b) => {
    if (a.score === null || b.score === null) return (a.score === null ? 1 : 0) - (b.score === null ? 1 : 0) || a.id - b.id;
    return sign * (a.score - b.score) || a.id - b.id;
  });
}

/**
 * Loads what the element draws from the board: the selected jobs (by id, or those matching the
 * ranges through the jobs route's filters), else the top-k by score; then their series.
 */
async function loadIntermediate(
  client: AupApiClient,
  experimentId: number,
  selection: JobSelection | null,
  topK: number,
  signal: AbortSignal,
): Promise<Loaded> {
  const experiment = await client.experiment(experimentId, signal);
  const target = experiment.target;
  const sort = { column: 'score', order: target === 'min' ? 'asc' : 'desc' } as const;
  let jobs: JobSummary[];
  let matched: number;
  const bySelection = selection !== null && !isEmptySelection(selection);
  if (bySelection) {
    const { filters, unfiltered } = selectionFilters(selection);
    const ids = selection.jobIds !== null && selection.jobIds.length > 0 ? selection.jobIds : undefined;
    const limit = unfiltered.length > 0 ? SELECTION_SCAN : MAX_SELECTED_JOBS;
    const page = await client.jobs(experimentId, { filters, sort, limit, ...(ids === undefined ? {} : { jobIds: ids }) }, signal);
    const kept = unfiltered.length > 0 ? page.jobs.filter((j) => jobInSelection(j, selection)) : page.jobs;
    jobs = kept.slice(0, MAX_SELECTED_JOBS);
    matched = unfiltered.length > 0 ? kept.length : page.total;
  } else {
    // Jobs without a score (still running) sort last: they fill the top-k only while few have finished.
    const page = await client.jobs(experimentId, { sort, limit: topK }, signal);
    jobs = page.jobs;
    matched = page.total;
  }
  const series =
    jobs.length === 0
      ? []
      : await client.series(
          experimentId,
          jobs.map((j) => j.id),
          { points: Math.min(MAX_SERIES_POINTS, SERIES_POINTS_PER_JOB * jobs.length) },
          signal,
        );
  return { experimentId, target, jobs, series, matched, mode: bySelection ? 'selection' : 'top' };
}
