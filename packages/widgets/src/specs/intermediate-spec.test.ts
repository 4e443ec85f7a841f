import { compile } from 'vega-lite';
import { parse, View } from 'vega';
import { describe, expect, it } from 'vitest';

import { LIGHT_CHART_THEME } from './chart-theme.js';
import { HISTOGRAM_BINS, histogramCells, histogramSpec, intermediateRows, intermediateSpec, seriesName } from './intermediate-spec.js';

const lines = [
  { jobId: 1, label: 'loss', steps: [0, 1, 2], values: [3, 2, 1] },
  { jobId: 2, label: 'loss', steps: [0, 1], values: [4, 4] },
];
const legend = new Map([[1, 'lr=0.1']]);

async function svgOf(spec: ReturnType<typeof intermediateSpec>): Promise<{ svg: string; warnings: string[] }> {
  const warnings: string[] = [];
  const logger = {
    warn: (...a: unknown[]) => warnings.push(a.join(' ')),
    info: () => logger,
    debug: () => logger,
    error: () => logger,
    level: () => logger,
  };
  const view = new View(parse(compile(spec, { logger: logger as never }).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return { svg, warnings };
}

describe('intermediateSpec', () => {
  it('names lines by their legend text, with the label only when several labels are drawn', () => {
    expect(seriesName(lines[0]!, legend, false)).toBe('lr=0.1');
    expect(seriesName(lines[1]!, legend, true)).toBe('job 2 · loss');
  });
  it('draws one line per job, and the smoothed line over a faint raw one when smoothing', async () => {
    const raw = await svgOf(intermediateSpec(lines, { legend, smoothing: 0, log: false, theme: LIGHT_CHART_THEME, width: 400 }));
    expect(raw.svg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    const smooth = await svgOf(intermediateSpec(lines, { legend, smoothing: 0.5, log: false, theme: LIGHT_CHART_THEME, width: 400 }));
    expect(smooth.svg.match(/aria-roledescription="line mark"/g)).toHaveLength(4);
    const rows = intermediateRows(lines, { legend, smoothing: 0.5 });
    expect(rows.filter((r) => r.jobId === 2).map((r) => r.smoothed)).toEqual([4, 4]);
  });
});

describe('histograms', () => {
  const records = [
    { name: 'w', step: 0, values: [0, 1, 2, null] },
    { name: 'w', step: 5, values: [2, 2, 2] },
  ];
  it('bins every step on one shared set of bins', () => {
    const cells = histogramCells(records);
    expect(cells).toHaveLength(2 * HISTOGRAM_BINS);
    expect(cells.filter((c) => c.step === 0).reduce((n, c) => n + c.count, 0)).toBe(3);
    expect(cells.filter((c) => c.step === 5 && c.count > 0)).toEqual([
      { step: 5, lo: expect.closeTo(2 - 2 / HISTOGRAM_BINS, 9), hi: 2, count: 3 },
    ]);
  });
  it('draws a cell per bin and step, without Vega-Lite warnings', async () => {
    const { svg, warnings } = await svgOf(histogramSpec(records, { theme: LIGHT_CHART_THEME, width: 400 }));
    expect(svg.match(/aria-roledescription="rect mark"/g)).toHaveLength(2 * HISTOGRAM_BINS);
    expect(warnings).toEqual([]);
  });
});
