import { compile } from 'vega-lite';
import { parse, View } from 'vega';
import { describe, expect, it } from 'vitest';

import type { ExperimentSummary } from '../experiment-list/experiment-summary.js';
import { LIGHT_CHART_THEME } from '../specs/chart-theme.js';
import { compareRows, compareSpec } from '../specs/compare-spec.js';
import { compareSeriesFrom } from './compare-data.js';

const experiment = (id: number, jobsDone: number, proposer: string): ExperimentSummary => ({
  id,
  name: `e${id}`,
  status: 'finished',
  proposer,
  target: 'min',
  n_samples: jobsDone,
  jobs_done: jobsDone,
  best_score: 0,
  user: 'u',
  created_at: '2026-01-01T00:00:00Z',
  started_at: null,
  ended_at: '2026-01-01T00:01:00Z',
  imported_from: null,
});

describe('compare data and spec', () => {
  const series = compareSeriesFrom(
    [experiment(1, 10, 'random'), experiment(2, 10, 'tpe'), experiment(3, 1, 'none')],
    [
      { experiment_id: 1, target: 'min', x: [0, 4], best: [3, 1], job_ids: [11, 15] },
      { experiment_id: 2, target: 'min', x: [0, 2, 9], best: [2, 1.5, 0.5], job_ids: [21, 23, 30] },
      { experiment_id: 3, target: 'min', x: [0], best: [0.7], job_ids: [31] },
    ],
    'index',
  );

  it('names each curve after its experiment and runs it on flat to the last job; a one-shot experiment is one point', () => {
    expect(series.map((s) => [s.name, s.end])).toEqual([
      ['#1 e1 (random)', 9],
      ['#2 e2 (tpe)', 9],
      ['#3 e3 (none)', null],
    ]);
    const rows = compareRows(series);
    expect(rows.filter((r) => r.experimentId === 1).map((r) => [r.x, r.best, r.improved])).toEqual([
      [0, 3, 1],
      [4, 1, 1],
      [9, 1, 0],
    ]);
    expect(rows.filter((r) => r.experimentId === 3)).toHaveLength(1);
  });

  it('draws a line per experiment and a point per improvement', async () => {
    const spec = compareSpec(series, { x: 'index', log: false, theme: LIGHT_CHART_THEME, width: 400 });
    const view = new View(parse(compile(spec).spec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    expect(svg.match(/aria-roledescription="point"/g)).toHaveLength(2 + 3 + 1);
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(3);
  });
});
