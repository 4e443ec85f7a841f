import type { TopLevelSpec } from 'vega-lite';

import { vegaConfig, valueScaleType, type ChartTheme } from './chart-theme.js';

/** One experiment's best-so-far, one point per improvement (the best-so-far route's shape). */
export interface CompareSeries {
  experimentId: number;
  /** The legend text, e.g. `#3 random` or the experiment's name. */
  name: string;
  /** Job index or end time (epoch ms), ascending. */
  x: readonly number[];
  best: readonly number[];
  /** The job that set each best (for its tooltip and a click). */
  jobIds?: readonly number[];
  /** Where the experiment's jobs end (last job index or end time): the line runs on flat to it. */
  end?: number | null;
}

export interface CompareOptions {
  x: 'index' | 'time';
  log: boolean;
  theme: ChartTheme;
  width?: number | 'container';
  height?: number;
}

export interface CompareRow {
  experiment: string;
  experimentId: number;
  x: number;
  best: number;
  /** The job that set this best; null on the flat end of a line. */
  jobId: number | null;
  /** 1 where the best improved (a point is drawn), 0 on the flat end. */
  improved: 0 | 1;
}

const DEFAULT_HEIGHT = 320;
/** The name of the chart's data set: `view.data(COMPARE_DATA, rows)` updates a running chart. */
export const COMPARE_DATA = 'best';

/**
 * Every improvement of every experiment as one row, plus one flat row at the experiment's end
 * when it ran on past its last improvement (so curves compared over the same budget end together).
 */
export function compareRows(series: readonly CompareSeries[]): CompareRow[] {
  return series.flatMap((s) => {
    const rows: CompareRow[] = s.x.map((x, i) => ({
      experiment: s.name,
      experimentId: s.experimentId,
      x,
      best: s.best[i]!,
      jobId: s.jobIds?.[i] ?? null,
      improved: 1,
    }));
    const last = rows[rows.length - 1];
    if (last !== undefined && s.end != null && s.end > last.x) rows.push({ ...last, x: s.end, jobId: null, improved: 0 });
    return rows;
  });
}

/**
 * The Vega-Lite spec of `<aup-compare>`: each experiment's best-so-far as a step line with a point
 * per improvement, overlaid; an experiment with a single job (one-shot) is its one point.
 */
export function compareSpec(series: readonly CompareSeries[], opts: CompareOptions): TopLevelSpec {
  const rows = compareRows(series);
  const scaleType = valueScaleType(
    rows.map((r) => r.best),
    opts.log,
  );
  const xTitle = opts.x === 'index' ? 'job index' : 'time';
  const tooltip = [
    { field: 'experiment', type: 'nominal' },
    {
      field: 'x',
      type: opts.x === 'index' ? 'quantitative' : 'temporal',
      title: xTitle,
      ...(opts.x === 'time' ? { format: '%Y-%m-%d %H:%M:%S' } : {}),
    },
    { field: 'best', type: 'quantitative', title: 'best so far', format: '.6~g' },
    { field: 'jobId', type: 'quantitative', title: 'job' },
  ];
  const y = { field: 'best', type: 'quantitative', title: 'best so far', scale: { type: scaleType, zero: false } };
  const color = { field: 'experiment', type: 'nominal', title: null, legend: { orient: 'top' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: opts.width ?? 'container',
    height: opts.height ?? DEFAULT_HEIGHT,
    config: vegaConfig(opts.theme),
    data: { name: COMPARE_DATA, values: rows },
    encoding: {
      x:
        opts.x === 'index'
          ? { field: 'x', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1, format: 'd' } }
          : { field: 'x', type: 'temporal', title: xTitle },
      y,
      color,
    },
    layer: [
      {
        params: [{ name: 'zoom', select: 'interval', bind: 'scales' }],
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      },
      {
        transform: [{ filter: 'datum.improved === 1' }],
        mark: { type: 'point', filled: true, size: 50, opacity: 1, cursor: 'pointer' },
        encoding: { tooltip },
      },
    ],
  } as TopLevelSpec;
}
