import { describe, expect, it } from 'vitest';

import type { JobSummary } from '../api/job-summary.js';
import { NO_SELECTION } from '../events.js';
import { isIntervalRange, jobColumnValue, jobInSelection, matchesRange, selectedJobIds } from './job-selection.js';

const job: JobSummary = {
  id: 4,
  trial: 3,
  status: 'finished',
  score: 0.25,
  metrics: { acc: 0.9 },
  params: { lr: 0.01, opt: 'adam', 'model.units': 64 },
  budget: null,
  attempts: 1,
  started_at: null,
  ended_at: null,
};

describe('job selection', () => {
  it('reads the API columns of a job, names with dots included', () => {
    expect(jobColumnValue(job, 'param:model.units')).toBe(64);
    expect(jobColumnValue(job, 'metric:acc')).toBe(0.9);
    expect(jobColumnValue(job, 'score')).toBe(0.25);
    expect(jobColumnValue(job, 'status')).toBe('finished');
    expect(jobColumnValue(job, 'param:missing')).toBeNull();
  });
  it('reads two numbers as an interval, anything else as kept values', () => {
    expect(isIntervalRange([0, 1])).toBe(true);
    expect(isIntervalRange(['a', 'b'])).toBe(false);
    expect(isIntervalRange([1, 2, 3])).toBe(false);
    expect(matchesRange(0.5, [0, 1])).toBe(true);
    expect(matchesRange(1, [0, 1])).toBe(true);
    expect(matchesRange('adam', ['adam', 'sgd'])).toBe(true);
    expect(matchesRange(null, [0, 1])).toBe(false);
  });
  it('needs every range and, when given, the id; an empty selection selects nothing', () => {
    expect(jobInSelection(job, { source: 't', ranges: { 'param:lr': [0, 0.1], 'param:opt': ['adam'] }, jobIds: null })).toBe(true);
    expect(jobInSelection(job, { source: 't', ranges: { 'param:lr': [0, 0.1], score: [0.3, 1] }, jobIds: null })).toBe(false);
    expect(jobInSelection(job, { source: 't', ranges: {}, jobIds: [4, 5] })).toBe(true);
    expect(jobInSelection(job, { source: 't', ranges: { 'param:opt': ['adam'] }, jobIds: [5] })).toBe(false);
    expect(jobInSelection(job, NO_SELECTION)).toBe(false);
    expect(selectedJobIds([job], NO_SELECTION)).toBeNull();
    expect([...selectedJobIds([job], { source: 't', ranges: {}, jobIds: [4] })!]).toEqual([4]);
  });
});
