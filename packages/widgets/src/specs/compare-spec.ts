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
}

const DEFAULT_HEIGHT = 320;

/** Every improvement of every experiment as one row. */
export function compareRows(series: readonly CompareSeries[]): CompareRow[] {
  return series.flatMap((s) => s.x.map((x, i) => ({ experiment: s.name, experimentId: s.experimentId, x, best: s.best[i]! })));
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
  const tooltip = [
    { field: 'experiment', type: 'nominal' },
    { field: 'x', type: opts.x === 'index' ? 'quantitative' : 'temporal', title: opts.x === 'index' ? 'job index' : 'time' },
    { field: 'best', type: 'quantitative', title: 'best so far', format: '.6~g' },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: opts.width ?? 'container',
    height: opts.height ?? DEFAULT_HEIGHT,
    config: vegaConfig(opts.theme),
    data: { values: rows },
    params: [{ name: 'zoom', select: 'interval', bind: 'scales' }],
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2, point: { filled: true, size: 50 } },
    encoding: {
      x: { field: 'x', type: opts.x === 'index' ? 'quantitative' : 'temporal', title: opts.x === 'index' ? 'job index' : 'time' },
      y: { field: 'best', type: 'quantitative', title: 'best so far', scale: { type: scaleType, zero: false } },
      color: { field: 'experiment', type: 'nominal', title: null, legend: { orient: 'top' } },
      tooltip,
    },
  } as TopLevelSpec;
}
