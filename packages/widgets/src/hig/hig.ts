import { html, LitElement, nothing, svg, type PropertyValues, type SVGTemplateResult, type TemplateResult } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { scheme } from 'vega';

import { AupApiClient } from '../api/api-client.js';
import type { JobSummary } from '../api/job-summary.js';
import { fetchAllJobColumns } from '../api/fetch-all-jobs.js';
import { commaList } from '../attributes/comma-list.js';
import { ChartTooltip, type TooltipEntry } from '../charts/chart-tooltip.js';
import { AsyncLoadController, type LoadCause } from '../controllers/async-load-controller.js';
import { LiveController, type LiveBatch } from '../controllers/live-controller.js';
import { fire, isEmptySelection, type JobSelection, type OpenJobDetail, type SelectionRange } from '../events.js';
import { formatScore } from '../format/format.js';
import { applyLiveJobs } from '../live/merge-job-changes.js';
import { emptyMessage, errorMessage, loadingMessage } from '../theme/state-messages.js';
import { drawHigLines, SHADE_BUCKETS } from './hig-draw.js';
import {
  axisPositions,
  axisTicks,
  brushFromRange,
  brushMask,
  brushRange,
  defaultAxisKeys,
  higAxes,
  higParamsFromConfig,
  lineAlpha,
  moveAxis,
  pickLine,
  scoreShades,
  topPercentMask,
  yOf,
  type Brush,
  type HigAxis,
  type HigData,
  type HigGeometry,
} from './hig-model.js';
import { higStyles } from './hig.styles.js';

/** `detail` of `aup-axes-change`: the shown axes in their new order (API column names). */
export interface AxesChangeDetail {
  axes: string[];
}
export type AupAxesChangeEvent = CustomEvent<AxesChangeDetail>;

/** The top-k choices of the toolbar, in percent. */
export const TOP_PERCENT_CHOICES = [100, 50, 25, 10, 5, 1] as const;
// Room around the plot for axis titles (top) and tick labels (left of each axis).
const MARGIN = { top: 46, right: 40, bottom: 14, left: 64 } as const;
/** A pointer that moves less than this between down and up clicked rather than dragged. */
const CLICK_SLOP_PX = 3;
const HOVER_TOLERANCE_PX = 5;
const BRUSH_HALF_WIDTH = 8;
const HIT_HALF_WIDTH = 14;
/** How close to the plot's edge a dragged axis may go. */
const REORDER_EDGE_PX = 8;
/** Characters of an axis title that fit per pixel of axis spacing (about 7 px per character at 12 px). */
const TITLE_PX_PER_CHAR = 7;
// viridis reads on light and dark backgrounds and stays ordered in greyscale.
const SCORE_SCHEME = 'viridis';

interface Model {
  data: HigData;
  axes: HigAxis[];
  byKey: Map<string, HigAxis>;
  positions: Map<string, Float64Array>;
  shades: Float64Array;
  scoreMin: number;
  scoreMax: number;
  topMasks: Map<number, Uint8Array | undefined>;
}

type Drag =
  | { mode: 'brush'; key: string; pointerId: number; startY: number; start: number; brush: Brush }
  | { mode: 'move'; key: string; pointerId: number; startY: number; origin: Brush; brush: Brush }
  | { mode: 'reorder'; key: string; pointerId: number; startX: number; x: number; moved: boolean }
  | { mode: 'click'; pointerId: number; startX: number; startY: number };

const axesConverter = commaList();

/**
 * The hyperparameter interaction graph: one vertical axis per param (log axes for `log` params,
 * categorical axes for choices), metric and the score, and one line per job across them, coloured
 * by score. Drag along an axis to brush a range (several axes AND together; drag a brush to move
 * it, click the axis to clear it); drag an axis title, or focus it and press ←/→, to reorder;
 * hover a line for its job, click it to open the job. Lines are drawn on a canvas by hand
 * (docs/decisions/0013-hig-canvas.md): 10,000 jobs render and brush at interactive speed.
 *
 * @summary Parallel coordinates of params and score, with brushing.
 *
 * @attr api - Base URL of the board API, e.g. `/api/v1`.
 * @attr experiment - The experiment id (with `api`).
 * @attr axes - Shown axes in order, comma-separated API columns (`param:lr,param:depth,score`); default every param then the score.
 * @attr top-percent - Show only the best N% of the jobs by score (100: all).
 * @attr height - Plot height in pixels (default 420); in a height the page fixes, the plot takes what the toolbar leaves.
 * @attr theme - `light` or `dark`; without it the element follows `prefers-color-scheme`.
 * @prop {HigData | undefined} data - `{ experimentId?, target, params?, jobs }` to draw instead of fetching; wins over `api`.
 * @prop {JobSelection | null} selection - A selection made elsewhere: its ranges become brushes, its job ids are highlighted. The element's own selections (source `aup-hig`) are ignored.
 *
 * @fires aup-selection-change - Brushes changed; `detail` is a JobSelection `{ source: 'aup-hig', ranges: { 'param:lr': [min, max], 'param:opt': ['adam'], score: [...] }, jobIds: null }`. Bubbles, composed.
 * @fires aup-open-job - A line was clicked; `detail: { experimentId, jobId }`.
 * @fires aup-axes-change - Axes were reordered, shown or hidden; `detail: { axes }`.
 *
 * @csspart toolbar - The controls above the plot.
 * @csspart axes-menu - The axis chooser.
 * @csspart plot - The plot (canvas and axes).
 * @csspart lines - The canvas the lines are drawn on.
 * @csspart axis - One axis (an SVG group).
 * @csspart axis-title - An axis's title (drag to reorder).
 * @csspart brush - A brush on an axis.
 * @csspart tooltip - The tooltip of the line under the pointer.
 * @csspart message - The loading, empty and error messages.
 * @csspart retry - The button that reloads after a failed load.
 *
 * @cssprop --aup-color-surface - Background.
 * @cssprop --aup-color-text - Titles and the hovered line.
 * @cssprop --aup-color-muted - Axes, ticks and lines of jobs without a score.
 * @cssprop --aup-color-border - Lines outside the brushes.
 * @cssprop --aup-color-accent - Brushes.
 * @cssprop --aup-font-family - Font.
 */
export class AupHig extends LitElement {
  static override styles = higStyles;

  static override properties = {
    api: { type: String },
    experiment: { type: Number },
    axes: { converter: axesConverter },
    topPercent: { type: Number, attribute: 'top-percent' },
    height: { type: Number },
    theme: { type: String, reflect: true },
    data: { attribute: false },
    selection: { attribute: false },
    brushes: { state: true },
    width: { state: true },
    plotHeight: { state: true },
    drag: { state: true },
    hovered: { state: true },
  };

  api?: string;
  experiment?: number;
  /** Shown axes in order (API column names); undefined: every param, then the score. */
  axes?: string[];
  topPercent = 100;
  height = 420;
  theme?: 'light' | 'dark';
  data?: HigData;
  selection: JobSelection | null = null;

  /** Committed brushes, as the value ranges they keep, by axis key. */
  protected brushes: ReadonlyMap<string, SelectionRange> = new Map();
  protected width = 0;
  /** The plot's measured height: `height`, or what the toolbar leaves of a height the page fixed. */
  protected plotHeight = 0;
  protected drag: Drag | undefined;
  /** Index (in the data's jobs) of the line under the pointer, or -1. */
  protected hovered = -1;

  private readonly load = new AsyncLoadController<HigData>(this);
  private readonly live = new LiveController(this, (batch) => this.onLive(batch));
  private readonly tooltip = new ChartTooltip(this);
  private model: Model | undefined;
  private idFilter: ReadonlySet<number> | undefined;
  private resize: ResizeObserver | undefined;
  private scheme: MediaQueryList | undefined;
  private drawKey: readonly unknown[] | undefined;
  private frame: number | undefined;
  private lastSelected: Uint8Array | undefined;
  private lastInclude: Uint8Array | undefined;
  private readonly onSchemeChange = (): void => {
    this.drawKey = undefined;
    this.requestUpdate();
  };

  /** The last draw: lines drawn selected and faded, when it finished (performance.now()) and how long it took (ms). */
  lastDraw: { selected: number; faded: number; at: number; ms: number } | undefined;

  /** Fetches the jobs again (no-op with `data`). */
  refresh(): void {
    if (this.data === undefined) this.startLoad('fresh');
  }

  /** Removes every brush (and fires `aup-selection-change` when there were any). */
  clearBrushes(): void {
    const had = this.brushes.size > 0 || this.idFilter !== undefined;
    this.brushes = new Map();
    this.idFilter = undefined;
    if (had) this.emitSelection();
  }

  /** The data drawn: `data`, or what was fetched. */
  get shown(): HigData | undefined {
    return this.data ?? this.load.value;
  }

  /** The shown axes in order (API column names). */
  get shownAxes(): string[] {
    const model = this.currentModel();
    if (model === undefined) return this.axes ?? [];
    return this.axisOrder(model);
  }

  /** Ids of the jobs drawn as selected (inside every brush and the top-k filter), in job order. */
  get selectedJobIds(): number[] {
    const model = this.currentModel();
    if (model === undefined) return [];
    const { include, selected } = this.masks(model);
    return model.data.jobs
      .filter((_, i) => (include === undefined || include[i] === 1) && (selected === undefined || selected[i] === 1))
      .map((j) => j.id);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.scheme = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
    this.scheme?.addEventListener('change', this.onSchemeChange);
    if (this.hasUpdated) {
      this.observePlot();
      this.requestUpdate();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.scheme?.removeEventListener('change', this.onSchemeChange);
    this.resize?.disconnect();
    this.resize = undefined;
    this.drawKey = undefined;
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
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
    if (changed.has('selection')) this.applySelection(this.selection);
  }

  /** Loads the element's data from the board, as `how` asks (see LoadCause). */
  private startLoad(how: LoadCause): void {
    const api = this.api!;
    const id = this.experiment!;
    const task = async (signal: AbortSignal): Promise<HigData> => {
      const client = new AupApiClient(api);
      // Every job through the columns route: a 10,000-job experiment in one request.
      const [experiment, { jobs }] = await Promise.all([client.experiment(id, signal), fetchAllJobColumns(client, id, { signal })]);
      return { experimentId: id, target: experiment.target, params: higParamsFromConfig(experiment.config), jobs };
    };
    this.load.runAs(how, task);
  }

  private onLive(batch: LiveBatch): void {
    if (this.data !== undefined || this.experiment === undefined) return;
    applyLiveJobs(this.load, batch, this.experiment, () => this.startLoad('live'));
  }

  private applySelection(selection: JobSelection | null): void {
    if (selection !== null && selection.source === 'aup-hig') return;
    if (selection === null || isEmptySelection(selection)) {
      this.brushes = new Map();
      this.idFilter = undefined;
      return;
    }
    this.brushes = new Map(Object.entries(selection.ranges));
    this.idFilter = selection.jobIds !== null && selection.jobIds.length > 0 ? new Set(selection.jobIds) : undefined;
    // A range on an axis that is not shown would filter invisibly: show that axis.
    const model = this.currentModel();
    if (model !== undefined) {
      const order = this.axisOrder(model);
      const missing = Object.keys(selection.ranges).filter((k) => model.byKey.has(k) && !order.includes(k));
      if (missing.length > 0) this.axes = [...order, ...missing];
    }
  }

  // ---- model ------------------------------------------------------------------------------

  private currentModel(): Model | undefined {
    const data = this.shown;
    if (data === undefined) return undefined;
    if (this.model?.data !== data) {
      const axes = higAxes(data);
      const { shades, min, max } = scoreShades(data.jobs, data.target);
      this.model = {
        data,
        axes,
        byKey: new Map(axes.map((a) => [a.key, a])),
        positions: new Map(),
        shades,
        scoreMin: min,
        scoreMax: max,
        topMasks: new Map(),
      };
    }
    return this.model;
  }

  private axisOrder(model: Model): string[] {
    const wanted = this.axes ?? defaultAxisKeys(model.axes);
    return wanted.filter((k) => model.byKey.has(k));
  }

  private positionsOf(model: Model, key: string): Float64Array {
    let p = model.positions.get(key);
    if (p === undefined) {
      p = axisPositions(model.byKey.get(key)!, model.data.jobs);
      model.positions.set(key, p);
    }
    return p;
  }

  /** The brush drawn on each axis: the one being dragged, else the committed range's. */
  private brushOn(model: Model, key: string): Brush | undefined {
    const d = this.drag;
    if (d !== undefined && (d.mode === 'brush' || d.mode === 'move') && d.key === key) return d.brush;
    const range = this.brushes.get(key);
    const axis = model.byKey.get(key);
    return range === undefined || axis === undefined ? undefined : brushFromRange(axis, range);
  }

  private masks(model: Model): { include: Uint8Array | undefined; selected: Uint8Array | undefined } {
    const n = model.data.jobs.length;
    let include = model.topMasks.get(this.topPercent);
    if (!model.topMasks.has(this.topPercent)) {
      include = topPercentMask(model.data.jobs, model.data.target, this.topPercent);
      model.topMasks.set(this.topPercent, include);
    }
    const keys = new Set([...this.brushes.keys()]);
    const d = this.drag;
    if (d !== undefined && (d.mode === 'brush' || d.mode === 'move')) keys.add(d.key);
    const brushes: { positions: Float64Array; brush: Brush }[] = [];
    for (const key of keys) {
      if (!model.byKey.has(key)) continue;
      const brush = this.brushOn(model, key);
      // A range that fits no value of the axis (a category that is gone) keeps nothing.
      brushes.push({ positions: this.positionsOf(model, key), brush: brush ?? [2, 2] });
    }
    let selected = brushes.length > 0 ? brushMask(n, brushes) : undefined;
    if (this.idFilter !== undefined) {
      const ids = this.idFilter;
      selected ??= new Uint8Array(n).fill(1);
      model.data.jobs.forEach((j, i) => {
        if (!ids.has(j.id)) selected![i] = 0;
      });
    }
    return { include, selected };
  }

  private geometry(order: readonly string[]): HigGeometry {
    const plotHeight = Math.max(40, this.drawnHeight() - MARGIN.top - MARGIN.bottom);
    const inner = Math.max(0, this.width - MARGIN.left - MARGIN.right);
    const xs =
      order.length <= 1 ? order.map(() => MARGIN.left + inner / 2) : order.map((_, i) => MARGIN.left + (inner * i) / (order.length - 1));
    return { xs, top: MARGIN.top, plotHeight };
  }

  // ---- rendering --------------------------------------------------------------------------

  protected override render(): TemplateResult {
    const model = this.currentModel();
    const hasJobs = model !== undefined && model.data.jobs.length > 0;
    return html`<div class="frame">
      ${this.renderToolbar(model)}${this.renderMessage(model)}
      <div class="plot" part="plot" style=${styleMap({ height: `${this.height}px` })} ?hidden=${!hasJobs}>
        <canvas part="lines"></canvas>
        ${hasJobs ? this.renderAxes(model) : nothing} ${this.tooltip.render()}
      </div>
    </div>`;
  }

  private renderToolbar(model: Model | undefined): TemplateResult | typeof nothing {
    if (model === undefined) return nothing;
    const order = this.axisOrder(model);
    const { include, selected } = this.masks(model);
    const n = model.data.jobs.length;
    let shownCount = 0;
    let selectedCount = 0;
    for (let i = 0; i < n; i++) {
      if (include !== undefined && include[i] === 0) continue;
      shownCount++;
      if (selected === undefined || selected[i] === 1) selectedCount++;
    }
    const ramp = rampColours();
    const gradient = `linear-gradient(to right, ${ramp.join(', ')})`;
    const [worse, better] = model.data.target === 'min' ? [model.scoreMax, model.scoreMin] : [model.scoreMin, model.scoreMax];
    return html`<div class="toolbar" part="toolbar">
      <details class="menu" part="axes-menu">
        <summary>Axes (${order.length} of ${model.axes.length})</summary>
        <div class="menu-body">
          ${model.axes.map(
            (a) =>
              html`<label
                ><input
                  type="checkbox"
                  name="axis"
                  value=${a.key}
                  .checked=${order.includes(a.key)}
                  @change=${(e: Event) => this.toggleAxis(a.key, (e.target as HTMLInputElement).checked)}
                />${a.title}${a.kind === 'log' ? ' (log)' : ''}${a.group === 'metric' ? ' (metric)' : ''}</label
              >`,
          )}
        </div>
      </details>
      <label
        >Show
        <select name="top" @change=${(e: Event) => (this.topPercent = Number((e.target as HTMLSelectElement).value))}>
          ${TOP_PERCENT_CHOICES.map((p) => html`<option value=${p} ?selected=${p === this.topPercent}>${p === 100 ? 'all jobs' : `best ${p}%`}</option>`)}
        </select></label
      >
      <button name="clear" ?disabled=${this.brushes.size === 0 && this.idFilter === undefined} @click=${() => this.clearBrushes()}>
        Clear brushes
      </button>
      ${
        Number.isFinite(model.scoreMin)
          ? html`<span class="legend" part="legend" title="Line colour: score, from worst to best"
              >score ${formatScore(worse)}<span class="ramp" style=${styleMap({ background: gradient })}></span>${formatScore(better)}
              (best)</span
            >`
          : nothing
      }
      <span class="count"
        >${selectedCount === shownCount ? `${shownCount.toLocaleString('en')} jobs` : `${selectedCount.toLocaleString('en')} of ${shownCount.toLocaleString('en')} jobs`}</span
      >
    </div>`;
  }

  private renderMessage(model: Model | undefined): TemplateResult | typeof nothing {
    if (this.data === undefined) {
      if (!this.api || this.experiment === undefined) {
        return emptyMessage(html`Set the <code>api</code> and <code>experiment</code> attributes or the <code>data</code> property.`);
      }
      const state = this.load.state;
      if (state.status === 'error') return errorMessage('the jobs', state.message, () => this.load.retry());
      if (model === undefined) return loadingMessage('jobs');
    }
    if (model !== undefined && model.data.jobs.length === 0) return emptyMessage('No jobs yet.');
    return nothing;
  }

  private renderAxes(model: Model): TemplateResult {
    const order = this.axisOrder(model);
    const g = this.geometry(order);
    const spacing = order.length > 1 ? g.xs[1]! - g.xs[0]! : this.width;
    const maxChars = Math.max(4, Math.floor(spacing / TITLE_PX_PER_CHAR));
    const d = this.drag;
    return html`<svg
      class="axes"
      part="axes"
      @pointerdown=${this.onPointerDown}
      @pointermove=${this.onPointerMove}
      @pointerup=${this.onPointerUp}
      @pointercancel=${this.onPointerCancel}
      @pointerleave=${this.onPointerLeave}
    >
      ${this.renderHover(model, order, g)}
      ${order.map((key, i) => {
        const axis = model.byKey.get(key)!;
        const x = d?.mode === 'reorder' && d.key === key ? d.x : g.xs[i]!;
        return this.renderAxis(axis, x, g, maxChars, d?.mode === 'reorder' && d.key === key);
      })}
    </svg>`;
  }

  private renderAxis(axis: HigAxis, x: number, g: HigGeometry, maxChars: number, dragging: boolean): SVGTemplateResult {
    const model = this.model!;
    const brush = this.brushOn(model, axis.key);
    const title = axis.title.length > maxChars ? `${axis.title.slice(0, maxChars - 1)}…` : axis.title;
    const kind = axis.kind === 'log' ? 'log' : axis.kind === 'categorical' ? 'choice' : axis.group === 'metric' ? 'metric' : '';
    const bottom = g.top + g.plotHeight;
    return svg`<g class="axis ${dragging ? 'dragging' : ''}" part="axis" data-key=${axis.key} data-kind=${axis.kind} transform="translate(${x},0)">
      <text class="title" part="axis-title" data-role="title" data-key=${axis.key} tabindex="0" role="button"
        aria-label="${axis.title}: drag or press arrow keys to move" text-anchor="middle" y=${g.top - 24}
        @keydown=${(e: KeyboardEvent) => this.onTitleKey(e, axis.key)}><title>${axis.title}</title>${title}</text>
      ${kind === '' ? nothing : svg`<text class="kind" text-anchor="middle" y=${g.top - 11}>${kind}</text>`}
      <line class="domain" y1=${g.top} y2=${bottom}></line>
      ${axisTicks(axis).map((t) => {
        const y = yOf(g, t.t);
        return svg`<g class="tick"><line x1="-4" x2="0" y1=${y} y2=${y}></line><text x="-6" y=${y} dy="0.32em" text-anchor="end">${t.label}</text></g>`;
      })}
      <rect class="hit" data-role="hit" data-key=${axis.key} x=${-HIT_HALF_WIDTH} width=${HIT_HALF_WIDTH * 2} y=${g.top} height=${g.plotHeight}></rect>
      ${
        brush === undefined
          ? nothing
          : svg`<rect class="brush" part="brush" data-role="brush" data-key=${axis.key} x=${-BRUSH_HALF_WIDTH} width=${BRUSH_HALF_WIDTH * 2}
            y=${yOf(g, brush[1])} height=${Math.max(1, (brush[1] - brush[0]) * g.plotHeight)}></rect>`
      }
    </g>`;
  }

  private renderHover(model: Model, order: readonly string[], g: HigGeometry): SVGTemplateResult | typeof nothing {
    const i = this.hovered;
    if (i < 0 || i >= model.data.jobs.length || this.drag !== undefined) return nothing;
    const points: string[] = [];
    order.forEach((key, k) => {
      const t = this.positionsOf(model, key)[i]!;
      if (!Number.isNaN(t)) points.push(`${g.xs[k]!},${yOf(g, t)}`);
    });
    return svg`<polyline class="hover-line" part="hover-line" points=${points.join(' ')}></polyline>`;
  }

  protected override firstUpdated(): void {
    this.observePlot();
  }

  private observePlot(): void {
    const plot = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (plot === null || typeof ResizeObserver === 'undefined') return;
    this.resize?.disconnect();
    this.resize = new ResizeObserver(() => this.measurePlot(plot));
    this.resize.observe(plot);
    this.measurePlot(plot);
  }

  private measurePlot(plot: HTMLElement): void {
    const w = plot.clientWidth;
    const h = plot.clientHeight;
    if (w > 0 && w !== this.width) this.width = w;
    if (h > 0 && h !== this.plotHeight) this.plotHeight = h;
  }

  /** The height the lines are drawn in: the plot's box once measured, `height` until then. */
  private drawnHeight(): number {
    return this.plotHeight > 0 ? this.plotHeight : this.height;
  }

  protected override updated(): void {
    const model = this.currentModel();
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas');
    if (model === undefined || canvas === null || model.data.jobs.length === 0) return;
    if (this.width <= 0) {
      // The plot was hidden until there were jobs: measure it now rather than a frame later
      // when the ResizeObserver reports (the first render is what users wait for).
      const plot = this.renderRoot.querySelector<HTMLElement>('.plot');
      if (plot !== null) this.measurePlot(plot);
      return;
    }
    const d = this.drag;
    const dragBrush = d !== undefined && (d.mode === 'brush' || d.mode === 'move') ? d.brush : undefined;
    const reorderX = d?.mode === 'reorder' ? d.x : undefined;
    const style = getComputedStyle(this);
    const key = [
      model,
      this.axisOrder(model).join('\n'),
      this.brushes,
      this.idFilter,
      dragBrush,
      reorderX,
      this.topPercent,
      this.width,
      this.drawnHeight(),
      style.getPropertyValue('--_muted'),
      style.getPropertyValue('--_border'),
      style.colorScheme,
      devicePixelRatio,
    ];
    const last = this.drawKey;
    if (last !== undefined && last.length === key.length && key.every((v, i) => v === last[i])) return;
    this.drawKey = key;
    // One draw per frame: pointer moves during a brush come faster than 10,000 lines redraw.
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.drawNow();
    });
  }

  private drawNow(): void {
    const model = this.currentModel();
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas');
    if (model === undefined || canvas === null || this.width <= 0 || !this.isConnected) return;
    const style = getComputedStyle(this);
    this.draw(canvas, model, this.axisOrder(model), style.getPropertyValue('--_muted').trim(), style.getPropertyValue('--_border').trim());
  }

  private draw(canvas: HTMLCanvasElement, model: Model, order: string[], muted: string, border: string): void {
    const t0 = performance.now();
    const dpr = devicePixelRatio || 1;
    const w = this.width;
    const h = this.drawnHeight();
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const g = this.geometry(order);
    const d = this.drag;
    // While an axis is dragged sideways its lines follow it; the order settles on drop.
    const placed = order.map((k, i) => ({ k, x: d?.mode === 'reorder' && d.key === k ? d.x : g.xs[i]! })).sort((a, b) => a.x - b.x);
    const { include, selected } = this.masks(model);
    this.lastInclude = include;
    this.lastSelected = selected;
    const n = model.data.jobs.length;
    let visible = 0;
    for (let i = 0; i < n; i++) if (include === undefined || include[i] === 1) visible++;
    const counts = drawHigLines(ctx, w, h, {
      geometry: { ...g, xs: placed.map((p) => p.x) },
      cols: placed.map((p) => this.positionsOf(model, p.k)),
      n,
      include,
      selected,
      shades: model.shades,
      ramp: rampColours(),
      noScoreColor: muted || '#888',
      fadedColor: border || '#ccc',
      alpha: lineAlpha(visible),
    });
    const at = performance.now();
    this.lastDraw = { ...counts, at, ms: at - t0 };
    canvas.dataset['lines'] = String(counts.selected);
  }

  // ---- interaction ------------------------------------------------------------------------

  private pointIn(e: PointerEvent): { x: number; y: number } {
    const box = (e.currentTarget as Element).getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  }

  private positionAt(y: number): number {
    const g = this.geometry([]);
    return Math.min(1, Math.max(0, 1 - (y - g.top) / g.plotHeight));
  }

  private readonly onPointerDown = (e: PointerEvent): void => {
    if (e.button !== 0) return;
    const target = e.target as Element;
    const role = target.getAttribute('data-role');
    const key = target.getAttribute('data-key') ?? '';
    const { x, y } = this.pointIn(e);
    (e.currentTarget as Element).setPointerCapture(e.pointerId);
    this.tooltip.hide();
    this.hovered = -1;
    if (role === 'title') {
      this.drag = { mode: 'reorder', key, pointerId: e.pointerId, startX: x, x: this.axisX(key), moved: false };
    } else if (role === 'brush') {
      const brush = this.brushOn(this.model!, key)!;
      this.drag = { mode: 'move', key, pointerId: e.pointerId, startY: y, origin: brush, brush };
    } else if (role === 'hit') {
      const t = this.positionAt(y);
      this.drag = { mode: 'brush', key, pointerId: e.pointerId, startY: y, start: t, brush: [t, t] };
    } else {
      this.drag = { mode: 'click', pointerId: e.pointerId, startX: x, startY: y };
    }
    e.preventDefault();
  };

  private readonly onPointerMove = (e: PointerEvent): void => {
    const { x, y } = this.pointIn(e);
    const d = this.drag;
    if (d === undefined) return this.hover(e, x, y);
    if (d.pointerId !== e.pointerId) return;
    if (d.mode === 'brush') {
      const t = this.positionAt(y);
      this.drag = { ...d, brush: [Math.min(d.start, t), Math.max(d.start, t)] };
    } else if (d.mode === 'move') {
      const g = this.geometry([]);
      const span = d.origin[1] - d.origin[0];
      const shift = -(y - d.startY) / g.plotHeight;
      const lo = Math.min(1 - span, Math.max(0, d.origin[0] + shift));
      this.drag = { ...d, brush: [lo, lo + span] };
    } else if (d.mode === 'reorder') {
      const moved = d.moved || Math.abs(x - d.startX) > CLICK_SLOP_PX;
      // Past the first or last axis is allowed: dropping there makes it the first or last.
      this.drag = { ...d, x: Math.min(this.width - REORDER_EDGE_PX, Math.max(REORDER_EDGE_PX, x)), moved };
    }
  };

  private readonly onPointerUp = (e: PointerEvent): void => {
    const d = this.drag;
    if (d === undefined || d.pointerId !== e.pointerId) return;
    const { x, y } = this.pointIn(e);
    this.drag = undefined;
    const model = this.model;
    if (model === undefined) return;
    if (d.mode === 'brush') {
      const axis = model.byKey.get(d.key)!;
      const next = new Map(this.brushes);
      if (Math.abs(y - d.startY) <= CLICK_SLOP_PX) next.delete(d.key);
      else {
        const range = brushRange(axis, d.brush);
        if (range === undefined) next.delete(d.key);
        else next.set(d.key, range);
      }
      this.commitBrushes(next);
    } else if (d.mode === 'move') {
      const axis = model.byKey.get(d.key)!;
      const range = brushRange(axis, d.brush);
      const next = new Map(this.brushes);
      if (range === undefined) next.delete(d.key);
      else next.set(d.key, range);
      this.commitBrushes(next);
    } else if (d.mode === 'reorder') {
      if (!d.moved) return;
      const order = this.axisOrder(model);
      const g = this.geometry(order);
      const placed = order.map((k, i) => ({ k, x: k === d.key ? d.x : g.xs[i]! })).sort((a, b) => a.x - b.x);
      this.setAxes(placed.map((p) => p.k));
    } else if (Math.abs(x - d.startX) <= CLICK_SLOP_PX && Math.abs(y - d.startY) <= CLICK_SLOP_PX) {
      const i = this.pick(x, y);
      if (i >= 0) {
        const job = model.data.jobs[i]!;
        fire<OpenJobDetail>(this, 'aup-open-job', { experimentId: model.data.experimentId ?? this.experiment ?? 0, jobId: job.id });
      }
    }
  };

  private readonly onPointerCancel = (): void => {
    this.drag = undefined;
  };

  private readonly onPointerLeave = (): void => {
    if (this.drag === undefined && this.hovered >= 0) {
      this.hovered = -1;
      this.tooltip.hide();
    }
  };

  private onTitleKey(e: KeyboardEvent, key: string): void {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      const model = this.currentModel();
      if (model === undefined) return;
      this.setAxes(moveAxis(this.axisOrder(model), key, e.key === 'ArrowLeft' ? -1 : 1));
      void this.updateComplete.then(() => this.renderRoot.querySelector<SVGElement>(`.title[data-key="${CSS.escape(key)}"]`)?.focus());
    } else if (e.key === 'Escape' && this.brushes.has(key)) {
      const next = new Map(this.brushes);
      next.delete(key);
      this.commitBrushes(next);
    }
  }

  private axisX(key: string): number {
    const model = this.currentModel()!;
    const order = this.axisOrder(model);
    return this.geometry(order).xs[order.indexOf(key)] ?? MARGIN.left;
  }

  private toggleAxis(key: string, on: boolean): void {
    const model = this.currentModel();
    if (model === undefined) return;
    const order = this.axisOrder(model);
    const next = on ? (order.includes(key) ? order : [...order, key]) : order.filter((k) => k !== key);
    if (!on && this.brushes.has(key)) {
      const brushes = new Map(this.brushes);
      brushes.delete(key);
      this.commitBrushes(brushes);
    }
    this.setAxes(next);
  }

  private setAxes(order: string[]): void {
    this.axes = order;
    fire<AxesChangeDetail>(this, 'aup-axes-change', { axes: [...order] });
  }

  private commitBrushes(next: Map<string, SelectionRange>): void {
    this.brushes = next;
    this.idFilter = undefined;
    this.emitSelection();
  }

  private emitSelection(): void {
    const ranges: Record<string, SelectionRange> = {};
    for (const [k, r] of this.brushes) ranges[k] = r;
    fire<JobSelection>(this, 'aup-selection-change', { source: 'aup-hig', ranges, jobIds: null });
  }

  private pick(x: number, y: number): number {
    const model = this.model;
    if (model === undefined) return -1;
    const order = this.axisOrder(model);
    const include = this.lastInclude;
    const selected = this.lastSelected;
    let candidates: Uint8Array | undefined;
    if (include !== undefined || selected !== undefined) {
      candidates = new Uint8Array(model.data.jobs.length);
      for (let i = 0; i < candidates.length; i++)
        candidates[i] = (include === undefined || include[i] === 1) && (selected === undefined || selected[i] === 1) ? 1 : 0;
    }
    const cols = order.map((k) => this.positionsOf(model, k));
    return pickLine(x, y, this.geometry(order), cols, model.data.jobs.length, candidates, HOVER_TOLERANCE_PX);
  }

  private hover(e: PointerEvent, x: number, y: number): void {
    const i = this.pick(x, y);
    if (i !== this.hovered) this.hovered = i;
    if (i < 0) return this.tooltip.hide();
    const job = this.model!.data.jobs[i]!;
    this.tooltip.showAt(e.clientX, e.clientY, jobTooltip(job));
  }
}

/** The tooltip of a job's line: id, score, metrics and params. */
export function jobTooltip(job: JobSummary): TooltipEntry[] {
  return [
    { key: 'job', value: String(job.id) },
    { key: 'score', value: formatScore(job.score) },
    { key: 'status', value: job.status },
    ...Object.entries(job.metrics).map(([k, v]) => ({ key: k, value: formatScore(v) })),
    ...Object.entries(job.params).map(([k, v]) => ({ key: k, value: String(v) })),
  ];
}

let ramp: string[] | undefined;
/** SHADE_BUCKETS colours of the score scheme, worst to best. */
function rampColours(): string[] {
  if (ramp === undefined) {
    const f = scheme(SCORE_SCHEME) as (t: number) => string;
    ramp = Array.from({ length: SHADE_BUCKETS }, (_, b) => f((b + 0.5) / SHADE_BUCKETS));
  }
  return ramp;
}
