import { describe, expect, it } from 'vitest';

import type { JobSummary } from '../api/job-summary.js';
import { formatParam, legendLabels, paramOrder, varyingParams } from './legend-labels.js';

const job = (id: number, params: JobSummary['params']): JobSummary => ({
  id,
  trial: id,
  status: 'finished',
  score: 1,
  metrics: {},
  params,
  budget: null,
  attempts: 1,
  started_at: null,
  ended_at: null,
});

describe('legend labels', () => {
  const jobs = [
    job(1, { lr: 0.0123456, opt: 'adam', seed: 1, layers: 2 }),
    job(2, { lr: 0.1, opt: 'sgd', seed: 1, layers: 2 }),
    job(3, { lr: 0.1, opt: 'sgd', seed: 1, layers: 3 }),
  ];

  it('names the params that differ between the jobs, in config order', () => {
    expect(paramOrder(jobs)).toEqual(['lr', 'opt', 'seed', 'layers']);
    expect(varyingParams(jobs)).toEqual(['lr', 'opt', 'layers']);
    expect(varyingParams(jobs, 1)).toEqual(['lr']);
  });
  it('writes params as name=value with 3 significant digits', () => {
    expect(legendLabels(jobs, ['lr', 'opt']).get(1)).toBe('lr=0.0123, opt=adam');
    expect(formatParam(1234567)).toBe('1234567');
    expect(formatParam(true)).toBe('true');
  });
  it('adds the job id where two jobs would read the same, and falls back to ids without params', () => {
    const labels = legendLabels(jobs, ['lr', 'opt']);
    expect(labels.get(2)).toBe('lr=0.1, opt=sgd (job 2)');
    expect(labels.get(3)).toBe('lr=0.1, opt=sgd (job 3)');
    expect(legendLabels(jobs, []).get(3)).toBe('job 3');
  });
});
