import { describe, expect, it } from 'vitest';

import type { JobSummary } from '../api/job-summary.js';
import {
  durationMs,
  inferFromJobs,
  jobColumns,
  jobRow,
  keepUndeclaredMetrics,
  metricsFromConfig,
  paramsFromConfig,
  withPageMetrics,
} from './job-columns.js';

const config = {
  parameter_config: [
    { name: 'lr', type: 'float', range: [1e-4, 1e-1], log: true },
    { name: 'layers', type: 'int', range: [1, 4] },
    { name: 'act', type: 'choice', range: ['relu', 'tanh'] },
    { name: 'batch', type: 'choice', range: [32, 64, 128] },
    { name: 'training.dropout', type: 'float', range: [0, 0.5] },
  ],
  resource_args: { multi_res_labels: ['f1', 'auc'] },
};

const job = (over: Partial<JobSummary> = {}): JobSummary => ({
  id: 7,
  trial: 2,
  status: 'finished',
  score: 0.5,
  metrics: { f1: 0.25 },
  params: { lr: 0.01, act: 'relu', 'training.dropout': 0.1 },
  budget: null,
  attempts: 1,
  started_at: '2025-01-01T00:00:00.000Z',
  ended_at: '2025-01-01T00:01:05.000Z',
  ...over,
});

describe('paramsFromConfig and metricsFromConfig', () => {
  it('reads every parameter with its kind, choice values and log flag, and the declared metric labels', () => {
    expect(paramsFromConfig(config)).toEqual([
      { name: 'lr', kind: 'number', log: true },
      { name: 'layers', kind: 'number' },
      { name: 'act', kind: 'text', values: ['relu', 'tanh'] },
      { name: 'batch', kind: 'number', values: [32, 64, 128] },
      { name: 'training.dropout', kind: 'number' },
    ]);
    expect(metricsFromConfig(config)).toEqual(['f1', 'auc']);
  });

  it('answers nothing for a config without parameters (a one-shot experiment) or not an object', () => {
    expect(paramsFromConfig({ name: 'x' })).toEqual([]);
    expect(paramsFromConfig(null)).toEqual([]);
    expect(metricsFromConfig({ resource_args: {} })).toEqual([]);
  });
});

describe('inferFromJobs', () => {
  it('makes a parameter numeric only when every value is a number, and lists a few text values as choices', () => {
    const { params, metrics } = inferFromJobs([
      job({ params: { lr: 0.1, act: 'relu', mixed: 1 }, metrics: { f1: 1 } }),
      job({ params: { lr: 0.2, act: 'tanh', mixed: 'two' }, metrics: { auc: 2 } }),
    ]);
    expect(params).toEqual([
      { name: 'lr', kind: 'number' },
      { name: 'act', kind: 'text', values: ['relu', 'tanh'] },
      { name: 'mixed', kind: 'text', values: [1, 'two'] },
    ]);
    expect(metrics).toEqual(['auc', 'f1']);
  });
});

describe('jobColumns', () => {
  it('orders id, status, score, metrics, params, then times; hides trial, budget and attempts', () => {
    const cols = jobColumns({ params: paramsFromConfig(config), metrics: ['f1'] });
    expect(cols.map((c) => c.field)).toEqual([
      'id',
      'status',
      'score',
      'metric:f1',
      'param:lr',
      'param:layers',
      'param:act',
      'param:batch',
      'param:training.dropout',
      'trial',
      'budget',
      'attempts',
      'started_at',
      'ended_at',
      'duration',
    ]);
    expect(cols.filter((c) => !c.visible).map((c) => c.field)).toEqual(['trial', 'budget', 'attempts']);
    expect(cols.find((c) => c.field === 'param:act')).toMatchObject({ kind: 'text', group: 'param', values: ['relu', 'tanh'] });
    expect(cols.find((c) => c.field === 'param:lr')).toMatchObject({ kind: 'number', log: true });
    expect(cols.find((c) => c.field === 'started_at')!.kind).toBe('date');
    expect(cols.find((c) => c.field === 'duration')!.kind).toBe('duration');
  });
});

describe('jobRow', () => {
  it('flattens params and metrics under their API column names, dotted names intact, with the duration in ms', () => {
    expect(jobRow(job())).toEqual({
      id: 7,
      trial: 2,
      status: 'finished',
      score: 0.5,
      budget: null,
      attempts: 1,
      started_at: '2025-01-01T00:00:00.000Z',
      ended_at: '2025-01-01T00:01:05.000Z',
      duration: 65_000,
      'param:lr': 0.01,
      'param:act': 'relu',
      'param:training.dropout': 0.1,
      'metric:f1': 0.25,
    });
    expect(jobRow(job({ status: 'running', ended_at: null })).duration).toBeNull();
  });
});

describe('durationMs', () => {
  it('measures between two ISO times', () => {
    expect(durationMs('2025-01-01T00:00:00Z', '2025-01-01T00:00:01.5Z')).toBe(1500);
    expect(durationMs(null, '2025-01-01T00:00:00Z')).toBeNull();
  });
});

describe('withPageMetrics and keepUndeclaredMetrics', () => {
  const fromConfig = (): ReturnType<typeof jobColumns> =>
    jobColumns({ params: paramsFromConfig(config), metrics: metricsFromConfig(config) });

  it('adds a column, before the parameters, for each metric of a page that none has yet', () => {
    const base = fromConfig();
    expect(withPageMetrics(base, [job({ metrics: { f1: 1, zeta: 2, alpha: 3 } })])).toBeDefined();
    const cols = withPageMetrics(base, [job({ metrics: { f1: 1, zeta: 2, alpha: 3 } })])!;
    const fields = cols.map((c) => c.field);
    expect(fields.filter((f) => f.startsWith('metric:'))).toEqual(['metric:f1', 'metric:auc', 'metric:alpha', 'metric:zeta']);
    expect(fields.indexOf('metric:zeta')).toBeLessThan(fields.findIndex((f) => f.startsWith('param:')));
    expect(withPageMetrics(base, [job({ metrics: { f1: 1 } })])).toBeUndefined();
  });

  it('keeps the metrics pages added when the config is read again', () => {
    const withZeta = withPageMetrics(fromConfig(), [job({ metrics: { zeta: 2 } })])!;
    const again = keepUndeclaredMetrics(fromConfig(), withZeta);
    expect(again.map((c) => c.field)).toEqual(withZeta.map((c) => c.field));
  });
});
