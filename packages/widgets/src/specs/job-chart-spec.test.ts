import { compile } from 'vega-lite';
import { parse, View } from 'vega';
import { describe, expect, it } from 'vitest';

import { LIGHT_CHART_THEME, valueScaleType } from './chart-theme.js';
import { chooseRenderer, CANVAS_THRESHOLD, jobChartRows, jobChartSpec, type JobChartDatum } from './job-chart-spec.js';

const jobs: JobChartDatum[] = [
  { jobId: 11, trial: 0, endedAt: 3000, value: 0.5, status: 'finished', params: { lr: 0.1, opt: 'adam' } },
  { jobId: 12, trial: 1, endedAt: 1000, value: 0.2, status: 'finished', params: { lr: 0.01, opt: 'sgd' } },
  { jobId: 13, trial: 2, endedAt: null, value: null, status: 'running', params: { lr: 0.001, opt: 'sgd' } },
  { jobId: 14, trial: 3, endedAt: 2000, value: 0.9, status: 'finished', params: { lr: 1, 'a.b': 2 } },
];
const base = { target: 'max', x: 'index', valueLabel: 'score', log: false, theme: LIGHT_CHART_THEME, width: 400 } as const;

/** Renders a spec headlessly with the real Vega runtime and returns the SVG text. */
async function renderSvg(spec: ReturnType<typeof jobChartSpec>): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

describe('jobChartRows', () => {
  it('orders by trial and keeps the best so far for target max', () => {
    const rows = jobChartRows(jobs, base, ['a.b', 'lr', 'opt']);
    expect(rows.map((r) => r.jobId)).toEqual([11, 12, 13, 14]);
    expect(rows.map((r) => r.best)).toEqual([0.5, 0.5, 0.5, 0.9]);
    expect(rows[3]!.p0).toBe(2);
    expect(rows[0]!.p2).toBe('adam');
  });
  it('orders by end time on a time axis, leaving out jobs that have not ended, and takes the min for target min', () => {
    const rows = jobChartRows(jobs, { x: 'time', target: 'min' }, []);
    expect(rows.map((r) => r.jobId)).toEqual([12, 14, 11]);
    expect(rows.map((r) => r.x)).toEqual([1000, 2000, 3000]);
    expect(rows.map((r) => r.best)).toEqual([0.2, 0.2, 0.2]);
  });
});

describe('jobChartSpec', () => {
  it('compiles, and Vega draws one symbol per job with a value plus the best-so-far line', async () => {
    const svg = await renderSvg(jobChartSpec(jobs, base));
    const points = svg.match(/<path aria-label="[^"]*" role="graphics-symbol" aria-roledescription="point"/g) ?? [];
    expect(points).toHaveLength(3);
    expect(points.map((p) => /job: (\d+)/.exec(p)![1])).toEqual(['11', '12', '14']);
    expect(svg).toContain('aria-roledescription="line mark"');
    const spec = compile(jobChartSpec(jobs, base)).spec;
    const symbolMarks = spec.marks!.filter((m) => m.type === 'symbol');
    const lineMarks = spec.marks!.filter((m) => m.type === 'line');
    expect(symbolMarks).toHaveLength(1);
    expect(lineMarks).toHaveLength(1);
  });
  it('puts every param of the jobs in the tooltip under its own name', () => {
    const spec = jobChartSpec(jobs, base) as { layer: { encoding: { tooltip?: { title?: string }[] } }[] };
    const titles = spec.layer[1]!.encoding.tooltip!.map((t) => t.title);
    expect(titles).toEqual(expect.arrayContaining(['a.b', 'lr', 'opt', 'job', 'best so far']));
  });
  it('uses a log scale when asked and every value is positive, symlog when one is not', () => {
    const spec = jobChartSpec(jobs, { ...base, log: true }) as { layer: { encoding: { y: { scale: { type: string } } } }[] };
    expect(spec.layer[1]!.encoding.y.scale.type).toBe('log');
    expect(valueScaleType([1, 0, null], true)).toBe('symlog');
    expect(valueScaleType([1, 0], false)).toBe('linear');
  });
  it('uses temporal x for time', () => {
    const spec = compile(jobChartSpec(jobs, { ...base, x: 'time' })).spec;
    expect(spec.scales!.find((s) => s.name === 'x')!.type).toBe('time');
  });
  it('chooses canvas above the threshold', () => {
    expect(chooseRenderer(CANVAS_THRESHOLD)).toBe('svg');
    expect(chooseRenderer(CANVAS_THRESHOLD + 1)).toBe('canvas');
  });
});
