import type { TopLevelSpec } from 'vega-lite';

import { bestSoFar } from './best-so-far.js';
import { vegaConfig, valueScaleType, type ChartTheme } from './chart-theme.js';

/** One job as `<aup-job-chart>` plots it. */
export interface JobChartDatum {
  jobId: number;
  /** Position in the experiment, from 0. */
  trial: number;
  /** When the job ended, epoch milliseconds (`null` while it runs). */
  endedAt: number | null;
  /** The plotted value: the score or the chosen metric; `null` when the job has none. */
  value: number | null;
  status: string;
  params: Readonly<Record<string, number | string | boolean>>;
}

export interface JobChartOptions {
  target: 'min' | 'max';
  /** Job index (trial) or end time on the x axis. */
  x: 'index' | 'time';
  /** The y axis title: `score` or the metric's label. */
  valueLabel: string;
  log: boolean;
  theme: ChartTheme;
  /** Pixels, or `container` to follow the element's width. */
  width?: number | 'container';
  height?: number;
  /** Jobs to highlight (a selection made elsewhere); the others fade. Null or absent: none selected. */
  selected?: ReadonlySet<number> | null;
}

/** One plotted row: the job, where it sits, its value and the best value up to it. */
export interface JobChartRow {
  jobId: number;
  trial: number;
  x: number;
  value: number | null;
  best: number | null;
  status: string;
  /** 2 selected (drawn larger), 1 nothing is selected, 0 not selected (faded). Data, not spec: a new selection keeps the zoom. */
  sel: 0 | 1 | 2;
  /** Params under `p0`, `p1`, ... (Vega field names must not hold dots or brackets from user names). */
  [param: `p${number}`]: number | string | boolean | undefined;
}

/** Above this many points a chart draws on a canvas: SVG with one node per point gets slow. */
export const CANVAS_THRESHOLD = 2000;
const DEFAULT_HEIGHT = 320;
/** The name of the chart's data set: `view.data(JOB_CHART_DATA, rows)` updates a running chart. */
export const JOB_CHART_DATA = 'jobs';
const POINT_OPACITY = 0.75;
const AXIS_PADDING_PX = 8;
// Unselected points stay visible (where the selection sits among all jobs) but step back.
const FADED_OPACITY = 0.15;
const POINT_SIZE = 40;
const SELECTED_POINT_SIZE = 80;
const JOB_SERIES = 'job';
const BEST_SERIES = 'best so far';

/** `canvas` for many marks, `svg` otherwise (crisper, and its marks are in the DOM). */
export function chooseRenderer(marks: number): 'canvas' | 'svg' {
  return marks > CANVAS_THRESHOLD ? 'canvas' : 'svg';
}

/** The names of every param any job has, sorted, so columns are stable across renders. */
export function paramNames(data: readonly { params: Readonly<Record<string, unknown>> }[]): string[] {
  const names = new Set<string>();
  for (const d of data) for (const k of Object.keys(d.params)) names.add(k);
  return [...names].sort();
}

/**
 * The rows of a job chart: jobs in x order (jobs without an x, e.g. still running on a time axis,
 * left out) with the best-so-far value for the target.
 */
export function jobChartRows(
  data: readonly JobChartDatum[],
  opts: Pick<JobChartOptions, 'x' | 'target' | 'selected'>,
  names: readonly string[],
): JobChartRow[] {
  const selected = opts.selected ?? null;
  const placed = data
    .map((d) => ({ d, x: opts.x === 'index' ? d.trial : d.endedAt }))
    .filter((p): p is { d: JobChartDatum; x: number } => p.x !== null)
    .sort((a, b) => a.x - b.x || a.d.jobId - b.d.jobId);
  const best = bestSoFar(
    placed.map((p) => p.d.value),
    opts.target,
  );
  return placed.map(({ d, x }, i) => {
    const sel = selected === null ? 1 : selected.has(d.jobId) ? 2 : 0;
    const row: JobChartRow = { jobId: d.jobId, trial: d.trial, x, value: d.value, best: best[i] ?? null, status: d.status, sel };
    names.forEach((n, k) => (row[`p${k}`] = d.params[n]));
    return row;
  });
}

/**
 * The Vega-Lite spec of `<aup-job-chart>`: one point per job with a value, the best-so-far line as
 * a step, zoom and pan on both axes (wheel and drag; double-click resets), tooltips with the
 * job's params. Selected jobs (`opts.selected`) are drawn larger and the rest faded.
 */
export function jobChartSpec(data: readonly JobChartDatum[], opts: JobChartOptions): TopLevelSpec {
  const names = paramNames(data);
  const rows = jobChartRows(data, opts, names);
  const xTitle = opts.x === 'index' ? 'job index' : 'job end time';
  // Job indexes are whole numbers; the padding keeps the first and last points off the axes.
  const x =
    opts.x === 'index'
      ? ({
          field: 'x',
          type: 'quantitative',
          title: xTitle,
          axis: { tickMinStep: 1, format: 'd' },
          scale: { padding: AXIS_PADDING_PX },
        } as const)
      : ({ field: 'x', type: 'temporal', title: xTitle, scale: { padding: AXIS_PADDING_PX } } as const);
  const scaleType = valueScaleType(
    rows.map((r) => r.value),
    opts.log,
  );
  const y = { type: 'quantitative', title: opts.valueLabel, scale: { type: scaleType, zero: false, padding: AXIS_PADDING_PX } } as const;
  const color = {
    type: 'nominal',
    title: null,
    scale: { domain: [JOB_SERIES, BEST_SERIES], range: [opts.theme.accent, opts.theme.highlight] },
    legend: { orient: 'top' },
  } as const;
  const tooltip = [
    { field: 'jobId', type: 'quantitative', title: 'job' },
    { field: 'trial', type: 'quantitative', title: 'index' },
    { field: 'value', type: 'quantitative', title: opts.valueLabel, format: '.6~g' },
    { field: 'best', type: 'quantitative', title: BEST_SERIES, format: '.6~g' },
    { field: 'status', type: 'nominal' },
    ...names.map((n, k) => ({ field: `p${k}`, title: n })),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: opts.width ?? 'container',
    height: opts.height ?? DEFAULT_HEIGHT,
    config: vegaConfig(opts.theme),
    data: { name: JOB_CHART_DATA, values: rows },
    encoding: { x },
    layer: [
      {
        transform: [{ filter: 'datum.best !== null' }],
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: { y: { ...y, field: 'best' }, color: { ...color, datum: BEST_SERIES } },
      },
      {
        params: [{ name: 'zoom', select: 'interval', bind: 'scales' }],
        transform: [{ filter: 'datum.value !== null' }],
        mark: { type: 'point', filled: true, cursor: 'pointer' },
        encoding: {
          y: { ...y, field: 'value' },
          color: { ...color, datum: JOB_SERIES },
          opacity: { condition: { test: 'datum.sel > 0', value: POINT_OPACITY }, value: FADED_OPACITY },
          size: { condition: { test: 'datum.sel === 2', value: SELECTED_POINT_SIZE }, value: POINT_SIZE },
          tooltip,
        },
      },
    ],
  } as TopLevelSpec;
}
