import { describe, expect, it } from 'vitest';

import type { JobSummary } from '../api/job-summary.js';
import { tooltipEntries } from '../charts/chart-tooltip.js';
import { isDarkScheme, parsePalette } from '../charts/read-chart-theme.js';
import { jobChartRows } from '../specs/job-chart-spec.js';
import { jobChartData, metricLabels } from './job-chart-data.js';

const job = (id: number, score: number | null, metrics: Record<string, number>, ended: string | null): JobSummary => ({
  id,
  trial: id - 1,
  status: 'finished',
  score,
  metrics,
  params: { lr: id },
  budget: null,
  attempts: 1,
  started_at: null,
  ended_at: ended,
});

describe('jobChartData', () => {
  const jobs = [job(1, 0.5, { acc: 0.7 }, '2026-01-01T00:00:01Z'), job(2, null, { f1: 0.2 }, null)];

  it('plots the score or one metric, and the end time in epoch ms', () => {
    expect(jobChartData(jobs, 'score').map((d) => [d.jobId, d.value, d.endedAt])).toEqual([
      [1, 0.5, Date.parse('2026-01-01T00:00:01Z')],
      [2, null, null],
    ]);
    expect(jobChartData(jobs, 'metric:acc').map((d) => d.value)).toEqual([0.7, null]);
    expect(metricLabels(jobs)).toEqual(['acc', 'f1']);
  });

  it('marks selected jobs 2, the others 0, and every job 1 when nothing is selected', () => {
    const data = jobChartData([job(1, 1, {}, null), job(2, 2, {}, null), job(3, 3, {}, null)], 'score');
    expect(jobChartRows(data, { x: 'index', target: 'min', selected: new Set([2]) }, []).map((r) => r.sel)).toEqual([0, 2, 0]);
    expect(jobChartRows(data, { x: 'index', target: 'min', selected: null }, []).map((r) => r.sel)).toEqual([1, 1, 1]);
  });
});

describe('chart theme and tooltip helpers', () => {
  it('reads the computed colour-scheme and palette tokens', () => {
    expect(isDarkScheme('dark')).toBe(true);
    expect(isDarkScheme('light dark')).toBe(false);
    expect(isDarkScheme('normal')).toBe(false);
    expect(parsePalette(' #111, #222 ,, #333 ')).toEqual(['#111', '#222', '#333']);
  });
  it("turns Vega-Lite's tooltip value into lines, cutting long values", () => {
    expect(tooltipEntries({ job: 3, lr: 0.1, nothing: undefined })).toEqual([
      { key: 'job', value: '3' },
      { key: 'lr', value: '0.1' },
    ]);
    expect(tooltipEntries('x'.repeat(500))[0]!.value).toHaveLength(120);
  });
});
