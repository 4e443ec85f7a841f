import type { JobRecord } from '@aup/core';
import { describe, expect, it } from 'vitest';

import { pageJobs, type JobPageRequest } from './job-page.js';

function job(id: number, score: number | null, status: JobRecord['status'] = 'finished', startedAt: number | null = id * 1000): JobRecord {
  return {
    id,
    experimentId: 1,
    trial: id - 1,
    status,
    params: { x: id },
    budget: null,
    extra: {},
    score,
    metrics: {},
    attempts: 1,
    warnings: [],
    createdAt: id,
    startedAt,
    endedAt: startedAt === null ? null : startedAt + 500,
  };
}

const req = (over: Partial<JobPageRequest>): JobPageRequest => ({ sort: 'id', order: 'asc', limit: 100, offset: 0, ...over });
const ids = (r: { jobs: JobRecord[] }) => r.jobs.map((j) => j.id);

describe('pageJobs', () => {
  const jobs = [job(1, 0.5), job(2, null, 'running'), job(3, 0.9), job(4, 0.1, 'failed'), job(5, 0.9)];

  it('sorts by score both ways with unscored jobs last and ties in id order', () => {
    expect(ids(pageJobs(jobs, req({ sort: 'score', order: 'desc' })))).toEqual([3, 5, 1, 4, 2]);
    expect(ids(pageJobs(jobs, req({ sort: 'score', order: 'asc' })))).toEqual([4, 1, 3, 5, 2]);
  });

  it('treats a non-finite score as missing', () => {
    const odd = [job(1, Number.NaN), job(2, 1), job(3, Number.POSITIVE_INFINITY)];
    expect(ids(pageJobs(odd, req({ sort: 'score', order: 'desc' })))).toEqual([2, 1, 3]);
  });

  it('sorts by status, start and end times, and id descending', () => {
    expect(ids(pageJobs(jobs, req({ sort: 'status' })))).toEqual([4, 1, 3, 5, 2]);
    const timed = [job(1, 1, 'finished', 3000), job(2, 1, 'queued', null), job(3, 1, 'finished', 1000)];
    expect(ids(pageJobs(timed, req({ sort: 'started_at' })))).toEqual([3, 1, 2]);
    expect(ids(pageJobs(timed, req({ sort: 'ended_at', order: 'desc' })))).toEqual([1, 3, 2]);
    expect(ids(pageJobs(jobs, req({ order: 'desc' })))).toEqual([5, 4, 3, 2, 1]);
  });

  it('cuts the page after sorting and reports the total of the whole experiment', () => {
    const page = pageJobs(jobs, req({ sort: 'score', order: 'desc', limit: 2, offset: 1 }));
    expect(ids(page)).toEqual([5, 1]);
    expect(page.total).toBe(5);
    expect(pageJobs(jobs, req({ offset: 10 })).jobs).toEqual([]);
  });

  it('leaves the caller’s array in its order', () => {
    const input = [job(2, 1), job(1, 2)];
    pageJobs(input, req({ sort: 'score', order: 'desc' }));
    expect(input.map((j) => j.id)).toEqual([2, 1]);
  });
});
