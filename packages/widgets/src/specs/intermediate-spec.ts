import type { TopLevelSpec } from 'vega-lite';

import { vegaConfig, valueScaleType, type ChartTheme } from './chart-theme.js';
import { emaSmooth } from './ema.js';

/** One job's values of one label over steps, as the series route returns them. */
export interface IntermediateLine {
  jobId: number;
  label: string;
  steps: readonly number[];
  values: readonly number[];
}

export interface IntermediateOptions {
  /** The legend text of each job (e.g. `lr=0.01, depth=3`); job ids without one show `job <id>`. */
  legend: ReadonlyMap<number, string>;
  /** EMA weight in [0, 1): 0 draws the raw values only. */
  smoothing: number;
  log: boolean;
  theme: ChartTheme;
  width?: number | 'container';
  height?: number;
}

export interface IntermediateRow {
  series: string;
  jobId: number;
  label: string;
  step: number;
  value: number;
  smoothed: number;
}

const DEFAULT_HEIGHT = 320;
/** The name of the chart's data set: `view.data(INTERMEDIATE_DATA, rows)` updates a running chart. */
export const INTERMEDIATE_DATA = 'series';
/** The name of the histogram chart's data set. */
export const HISTOGRAM_DATA = 'cells';
// The raw curve stays visible under the smoothed one, faintly, as TensorBoard draws it.
const RAW_OPACITY_WHEN_SMOOTHED = 0.25;

/** The legend entry of a line: its job's legend text, plus the label when several labels are drawn. */
export function seriesName(
  line: Pick<IntermediateLine, 'jobId' | 'label'>,
  legend: ReadonlyMap<number, string>,
  withLabel: boolean,
): string {
  const job = legend.get(line.jobId) ?? `job ${line.jobId}`;
  return withLabel ? `${job} · ${line.label}` : job;
}

/** The rows of an intermediate chart: every point of every line with its smoothed value. */
export function intermediateRows(
  lines: readonly IntermediateLine[],
  opts: Pick<IntermediateOptions, 'legend' | 'smoothing'>,
): IntermediateRow[] {
  const withLabel = new Set(lines.map((l) => l.label)).size > 1;
  const rows: IntermediateRow[] = [];
  for (const line of lines) {
    const series = seriesName(line, opts.legend, withLabel);
    const smoothed = emaSmooth(line.values, opts.smoothing);
    line.steps.forEach((step, i) => {
      rows.push({ series, jobId: line.jobId, label: line.label, step, value: line.values[i]!, smoothed: smoothed[i]! });
    });
  }
  return rows;
}

/** The Vega-Lite spec of `<aup-intermediate>`: one line per job and label over steps, smoothed on request. */
export function intermediateSpec(lines: readonly IntermediateLine[], opts: IntermediateOptions): TopLevelSpec {
  const rows = intermediateRows(lines, opts);
  const scaleType = valueScaleType(
    rows.map((r) => r.value),
    opts.log,
  );
  const smoothed = opts.smoothing > 0;
  // Steps are whole numbers (the protocol counts them).
  const x = { field: 'step', type: 'quantitative', title: 'step', axis: { tickMinStep: 1, format: 'd' } } as const;
  const color = { field: 'series', type: 'nominal', title: null, legend: { orient: 'right' } } as const;
  const y = {
    type: 'quantitative',
    title: lines.length > 0 && new Set(lines.map((l) => l.label)).size === 1 ? lines[0]!.label : 'value',
    scale: { type: scaleType, zero: false },
  } as const;
  const tooltip = [
    { field: 'series', type: 'nominal', title: 'series' },
    { field: 'jobId', type: 'quantitative', title: 'job' },
    { field: 'step', type: 'quantitative' },
    { field: 'value', type: 'quantitative', format: '.6~g' },
    ...(smoothed ? [{ field: 'smoothed', type: 'quantitative', format: '.6~g' }] : []),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: opts.width ?? 'container',
    height: opts.height ?? DEFAULT_HEIGHT,
    config: vegaConfig(opts.theme),
    data: { name: INTERMEDIATE_DATA, values: rows },
    encoding: { x, color, detail: { field: 'series' } },
    layer: [
      {
        params: [{ name: 'zoom', select: 'interval', bind: 'scales' }],
        mark: { type: 'line', strokeWidth: 1.5, opacity: smoothed ? RAW_OPACITY_WHEN_SMOOTHED : 1, point: false, tooltip: !smoothed },
        encoding: { y: { ...y, field: 'value' }, ...(smoothed ? {} : { tooltip }) },
      },
      ...(smoothed ? [{ mark: { type: 'line', strokeWidth: 2 }, encoding: { y: { ...y, field: 'smoothed' }, tooltip } }] : []),
    ],
  } as TopLevelSpec;
}

/** One histogram record of a job: the values it logged at a step. */
export interface HistogramRecord {
  name: string;
  step: number | null;
  values: readonly (number | null)[];
}

export interface HistogramCell {
  step: number;
  lo: number;
  hi: number;
  count: number;
}

const HISTOGRAM_ROW_PX = 14;
const HISTOGRAM_MIN_HEIGHT = 40;

/** Bins per histogram: enough to see a shape, few enough for a readable heat map. */
export const HISTOGRAM_BINS = 30;

/**
 * Bins every record on one shared set of equal-width bins (over all steps' finite values), so
 * distributions are comparable across steps. Records without a step take their position.
 */
export function histogramCells(records: readonly HistogramRecord[], bins = HISTOGRAM_BINS): HistogramCell[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of records) {
    for (const v of r.values) {
      if (v === null || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) return [];
  // One value repeated: a bin of width 1 around it rather than a division by zero.
  const width = hi > lo ? (hi - lo) / bins : 1;
  const n = hi > lo ? bins : 1;
  const cells: HistogramCell[] = [];
  records.forEach((r, i) => {
    const counts = new Array<number>(n).fill(0);
    for (const v of r.values) {
      if (v === null || !Number.isFinite(v)) continue;
      counts[Math.min(n - 1, Math.floor((v - lo) / width))]! += 1;
    }
    const step = r.step ?? i;
    counts.forEach((count, b) => cells.push({ step, lo: lo + b * width, hi: lo + (b + 1) * width, count }));
  });
  return cells;
}

/** A heat map of histograms over steps: x the value bins, y the step, colour the count. */
export function histogramSpec(
  records: readonly HistogramRecord[],
  opts: { theme: ChartTheme; width?: number | 'container'; title?: string },
): TopLevelSpec {
  const cells = histogramCells(records);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: opts.width ?? 'container',
    // A row per step; a number rather than `{ step }`, which Vega-Lite would warn about next to a
    // container width.
    height: Math.max(HISTOGRAM_MIN_HEIGHT, HISTOGRAM_ROW_PX * new Set(cells.map((c) => c.step)).size),
    title: opts.title ?? '',
    config: vegaConfig(opts.theme),
    data: { name: HISTOGRAM_DATA, values: cells },
    mark: { type: 'rect', tooltip: true },
    encoding: {
      x: { field: 'lo', type: 'quantitative', title: 'value', bin: { binned: true } },
      x2: { field: 'hi' },
      y: { field: 'step', type: 'ordinal', title: 'step' },
      color: { field: 'count', type: 'quantitative', scale: { scheme: 'viridis' } },
    },
  } as TopLevelSpec;
}
