import { describe, expect, it } from 'vitest';

import type { JobSummary } from '../api/job-summary.js';
import { isIntervalRange, selectionFilters } from '../selection/job-selection.js';
import {
  axisPosition,
  axisPositions,
  axisTicks,
  axisValueAt,
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
  type HigParam,
} from './hig-model.js';

const job = (id: number, score: number | null, params: JobSummary['params'], metrics: Record<string, number> = {}): JobSummary => ({
  id,
  trial: id - 1,
  status: score === null ? 'running' : 'finished',
  score,
  metrics,
  params,
  budget: null,
  attempts: 1,
  started_at: null,
  ended_at: null,
});

const params: HigParam[] = [
  { name: 'lr', type: 'float', range: [0.0001, 0.1], log: true },
  { name: 'opt', type: 'choice', range: ['adam', 'sgd'] },
  { name: 'units', type: 'choice', range: [64, 16, 32] },
  { name: 'layers', type: 'int', range: [1, 4] },
];
const jobs = [
  job(1, 0.5, { lr: 0.001, opt: 'adam', units: 16, layers: 1 }, { acc: 0.7 }),
  job(2, 0.2, { lr: 0.01, opt: 'sgd', units: 64, layers: 4 }, { acc: 0.9 }),
  job(3, null, { lr: 0.1, opt: 'rmsprop', units: 32, layers: 2 }),
];

describe('higAxes', () => {
  const axes = higAxes({ target: 'min', params, jobs });
  const by = new Map(axes.map((a) => [a.key, a]));

  it('offers the params in config order, the metrics, then the score; metrics are not shown by default', () => {
    expect(axes.map((a) => a.key)).toEqual(['param:lr', 'param:opt', 'param:units', 'param:layers', 'metric:acc', 'score']);
    expect(defaultAxisKeys(axes)).toEqual(['param:lr', 'param:opt', 'param:units', 'param:layers', 'score']);
  });
  it('makes a log axis for a log param, categorical axes for choices (numbers sorted, unseen values added), integer ticks for an int', () => {
    expect(by.get('param:lr')).toMatchObject({ kind: 'log', domain: [0.0001, 0.1] });
    expect(by.get('param:opt')).toMatchObject({ kind: 'categorical', domain: ['adam', 'sgd', 'rmsprop'] });
    expect(by.get('param:units')).toMatchObject({ kind: 'categorical', domain: [16, 32, 64] });
    expect(axisTicks(by.get('param:layers')!).map((t) => t.label)).toEqual(['1', '2', '3', '4']);
  });
  it('puts log ticks on decades, equally spaced', () => {
    const ticks = axisTicks(by.get('param:lr')!);
    expect(ticks.map((t) => t.label)).toEqual(['0.0001', '0.001', '0.01', '0.1']);
    expect(ticks.map((t) => t.t)).toEqual([0, 1 / 3, 2 / 3, 1].map((v) => expect.closeTo(v, 9)));
  });
  it('infers axes from the values without a config', () => {
    const inferred = higAxes({ target: 'max', jobs: [job(1, 1, { a: 1, b: 'x', c: true }), job(2, 2, { a: 3, b: 'y', c: false })] });
    expect(inferred.map((a) => [a.key, a.kind])).toEqual([
      ['param:a', 'linear'],
      ['param:b', 'categorical'],
      ['param:c', 'categorical'],
      ['score', 'linear'],
    ]);
  });
  it('reads parameter_config from a normalised config, skipping what it cannot read', () => {
    expect(higParamsFromConfig({ parameter_config: [...params, { name: 'bad' }, 3] })).toEqual(params);
    expect(higParamsFromConfig(null)).toEqual([]);
  });
});

describe('positions and brushes', () => {
  const axes = higAxes({ target: 'min', params, jobs });
  const by = new Map(axes.map((a) => [a.key, a]));
  const lr = by.get('param:lr')!;
  const units = by.get('param:units')!;
  const opt = by.get('param:opt')!;

  it('places values on log and categorical axes, NaN where there is none', () => {
    expect(axisPosition(lr, 0.001)).toBeCloseTo(1 / 3, 9);
    expect(axisValueAt(lr, 2 / 3)).toBeCloseTo(0.01, 12);
    expect(axisPosition(opt, 'sgd')).toBeCloseTo(0.5, 9);
    expect(axisPosition(opt, 'nadam')).toBeNaN();
    expect(Array.from(axisPositions(by.get('score')!, jobs)).map((v) => (Number.isNaN(v) ? 'NaN' : Number(v.toFixed(6))))).toEqual([
      1,
      0,
      'NaN',
    ]);
  });
  it('turns a brush into the API range: an interval of values, or the kept categories', () => {
    const r = brushRange(lr, [1 / 3, 2 / 3]) as number[];
    expect(r[0]).toBeCloseTo(0.001, 9);
    expect(r[1]).toBeCloseTo(0.01, 9);
    expect(brushRange(opt, [0.4, 1])).toEqual(['sgd', 'rmsprop']);
    expect(brushRange(opt, [0.7, 0.75])).toBeUndefined();
    // Numeric categories: the interval of the values covered, which keeps exactly those.
    const numeric = brushRange(units, [0.4, 1])!;
    expect(numeric).toEqual([32, 64]);
    expect(isIntervalRange(numeric)).toBe(true);
  });
  it('turns a range from elsewhere back into a brush covering the same jobs', () => {
    for (const range of [[0.001, 0.01], ['sgd'], [16, 32]] as const) {
      const axis = typeof range[0] === 'string' ? opt : range[0] === 16 ? units : lr;
      const brush = brushFromRange(axis, range)!;
      const mask = brushMask(jobs.length, [{ positions: axisPositions(axis, jobs), brush }]);
      const expected = jobs.map((j) => {
        const v = j.params[axis.key.slice(6)]!;
        return (
          typeof range[0] === 'string'
            ? (range as readonly string[]).includes(v as string)
            : (v as number) >= (range[0] as number) - 1e-12 && (v as number) <= (range[1] as number) + 1e-12
        )
          ? 1
          : 0;
      });
      expect(Array.from(mask)).toEqual(expected);
    }
  });
  it('keeps only jobs inside every brush (AND), and no job without the value', () => {
    const mask = brushMask(3, [
      { positions: axisPositions(lr, jobs), brush: [0, 0.7] },
      { positions: axisPositions(by.get('score')!, jobs), brush: [0, 1] },
    ]);
    expect(Array.from(mask)).toEqual([1, 1, 0]);
  });
  it('spells the brushed ranges as the jobs route filters', () => {
    const { filters, unfiltered } = selectionFilters({
      source: 'aup-hig',
      ranges: { 'param:lr': [0.001, 0.01], 'param:opt': ['sgd'], 'param:tag': ['a', 'b'] },
      jobIds: null,
    });
    expect(filters).toEqual([
      { column: 'param:lr', op: '>=', value: 0.001 },
      { column: 'param:lr', op: '<=', value: 0.01 },
      { column: 'param:opt', op: '=', value: 'sgd' },
    ]);
    expect(unfiltered).toEqual(['param:tag']);
  });
});

describe('top-k, shades, picking, order', () => {
  it('keeps the best percent by score for the target, at least one', () => {
    const many = Array.from({ length: 10 }, (_, i) => job(i + 1, i, { a: i }));
    expect(Array.from(topPercentMask(many, 'min', 20)!)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(topPercentMask(many, 'max', 10)!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(topPercentMask(many, 'max', 1)!).filter(Boolean)).toHaveLength(1);
    expect(topPercentMask(many, 'min', 100)).toBeUndefined();
  });
  it('shades scores from worst (0) to best (1), NaN without a score', () => {
    const { shades, min, max } = scoreShades(jobs, 'min');
    expect([min, max]).toEqual([0.2, 0.5]);
    expect(shades[0]).toBeCloseTo(0);
    expect(shades[1]).toBeCloseTo(1);
    expect(shades[2]).toBeNaN();
  });
  it('picks the line nearest the pointer between two axes, within the tolerance', () => {
    const g = { xs: [0, 100], top: 0, plotHeight: 100 };
    // Job 0 goes from the top (t=1) to the bottom; job 1 stays at the middle.
    const cols = [new Float64Array([1, 0.5]), new Float64Array([0, 0.5])];
    expect(pickLine(25, 25, g, cols, 2, undefined)).toBe(0);
    expect(pickLine(25, 50, g, cols, 2, undefined)).toBe(1);
    expect(pickLine(25, 40, g, cols, 2, undefined)).toBe(-1);
    expect(pickLine(25, 25, g, cols, 2, new Uint8Array([0, 1]))).toBe(-1);
  });
  it('moves an axis by places, clamped', () => {
    expect(moveAxis(['a', 'b', 'c'], 'c', -1)).toEqual(['a', 'c', 'b']);
    expect(moveAxis(['a', 'b', 'c'], 'a', -1)).toEqual(['a', 'b', 'c']);
    expect(moveAxis(['a', 'b', 'c'], 'a', 5)).toEqual(['b', 'c', 'a']);
  });
  it('fades lines as they get many', () => {
    expect(lineAlpha(10)).toBe(0.9);
    expect(lineAlpha(10_000)).toBeCloseTo(0.12);
    expect(lineAlpha(1e9)).toBe(0.05);
  });
});
