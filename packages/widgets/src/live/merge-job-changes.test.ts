import { describe, expect, it } from 'vitest';

import type { ChangeEvent } from '../api/change-event.js';
import type { JobSummary } from '../api/job-summary.js';
import { mergeJobChanges } from './merge-job-changes.js';

const job = (id: number, status: JobSummary['status'], score: number | null): JobSummary => ({
  id,
  trial: id - 1,
  status,
  score,
  metrics: {},
  params: { x: id },
  budget: null,
  attempts: 1,
  started_at: null,
  ended_at: null,
});
const change = (id: number, kind: ChangeEvent['kind'], jobId: number | null, summary?: JobSummary | null, experiment = 1): ChangeEvent => ({
  id,
  kind,
  experiment_id: experiment,
  job_id: jobId,
  ...(summary === undefined ? {} : { job: summary }),
});

describe('mergeJobChanges', () => {
  const jobs = [job(1, 'finished', 0.5), job(2, 'running', null)];

  it('replaces a changed job and adds a new one, in id order; the last summary of a job wins', () => {
    const out = mergeJobChanges(
      jobs,
      [
        change(10, 'job', 3, job(3, 'running', null)),
        change(11, 'job', 2, job(2, 'running', null)),
        change(12, 'job', 2, job(2, 'finished', 0.1)),
      ],
      1,
    )!;
    expect(out.map((j) => [j.id, j.status, j.score])).toEqual([
      [1, 'finished', 0.5],
      [2, 'finished', 0.1],
      [3, 'running', null],
    ]);
  });
  it('drops a deleted job (its summary is null)', () => {
    expect(mergeJobChanges(jobs, [change(10, 'job', 2, null)], 1)!.map((j) => j.id)).toEqual([1]);
  });
  it('returns the same list when nothing touches its jobs (other experiments, intermediate values)', () => {
    expect(mergeJobChanges(jobs, [change(10, 'job', 9, job(9, 'running', null), 2), change(11, 'intermediate', 1)], 1)).toBe(jobs);
  });
  it('asks for a reload when it cannot merge: a job event without its summary, the experiment deleted', () => {
    expect(mergeJobChanges(jobs, [change(10, 'job', 2)], 1)).toBeUndefined();
    expect(mergeJobChanges(jobs, [change(10, 'experiment_deleted', null)], 1)).toBeUndefined();
  });
});
