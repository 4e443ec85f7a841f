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
}

/** One plotted row: the job, where it sits, its value and the best value up to it. */
export interface JobChartRow {
  jobId: number;
  trial: number;
  x: number;
  value: number | null;
  best: number | null;
  status: string;
  /** Params under `p0`, `p1`, ... (Vega field names must not hold dots or brackets from user names). */
  [param: `p${number}`]: number | string | boolean | undefined;
}

/** Above this many points a chart draws on a canvas: SVG with one node per point gets slow. */
export const CANVAS_THRESHOLD = 2000;
const DEFAULT_HEIGHT = 320;
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
export function jobChartRows(data: readonly JobChartDatum[], opts: Pick<JobChartOptions, 'x' | 'target'>, names: readonly string[]): JobChartRow[] {
  const placed = data
    .map((d) => ({ d, x: opts.x === 'index' ? d.trial : d.endedAt }))
    .filter((p): p is { d: JobChartDatum; x: number } => p.x !== null)
    .sort((a, b) => a.x - b.x || a.d.jobId - b.d.jobId);
  const best = bestSoFar(
    placed.map((p) => p.d.value),
    opts.target,
  );
  return placed.map(({ d, x }, i) => {
    const row: JobChartRow = { jobId: d.jobId, trial: d.trial, x, value: d.value, best: best[i] ?? null, status: d.status };
    names.forEach((n, k) => (row[`p${k}`] = d.params[n]));
    return row;
  });
}

/**
 * The Vega-Lite spec of `<aup-job-chart>`: one point per job with a value, the best-so-far line as
 * a step, zoom and pan on both axes (wheel and drag; double-click resets), tooltips with the
 * job's params.
 */
export function jobChartSpec(data: readonly JobChartDatum[], opts: JobChartOptions): TopLevelSpec {
  const names = paramNames(data);
  const rows = jobChartRows(data, opts, names);
  const xTitle = opts.x === 'index' ? 'job index' : 'job end time';
  const x = { field: 'x', type: opts.x === 'index' ? 'quantitative' : 'temporal', title: xTitle } as const;
  const scaleType = valueScaleType(
    rows.map((r) => r.value),
    opts.log,
  );
  const y = { type: 'quantitative', title: opts.valueLabel, scale: { type: scaleType, zero: false } } as const;
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
    data: { values: rows },
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
        mark: { type: 'point', filled: true, size: 40, opacity: 0.75, cursor: 'pointer' },
        encoding: { y: { ...y, field: 'value' }, color: { ...color, datum: JOB_SERIES }, tooltip },
      },
    ],
  } as TopLevelSpec;
}
