import { describe, expect, it } from 'vitest';

import { jobSummariesOf, parseJobColumns } from './job-columns.js';

// A body as the board writes it (packages/server/src/api/job-columns-routes.test.ts checks the
// server's side against its jobs route).
const body = () => ({
  total: 2,
  offset: 0,
  limit: 10000,
  id: [4, 7],
  trial: [0, 1],
  status: ['finished', 'queued'],
  score: [0.5, null],
  budget: [9, null],
  attempts: [1, 0],
  started_at: [1000, null],
  ended_at: [1500, null],
  params: { lr: [0.1, 0.2], act: ['relu', null], deep: [true, false] },
  metrics: { f1: [0.7, null] },
});

describe('job columns', () => {
  it('turns columns into the jobs the jobs route lists, a null param or metric left out', () => {
    expect(jobSummariesOf(parseJobColumns(body()))).toEqual([
      {
        id: 4,
        trial: 0,
        status: 'finished',
        score: 0.5,
        metrics: { f1: 0.7 },
        params: { lr: 0.1, act: 'relu', deep: true },
        budget: 9,
        attempts: 1,
        started_at: '1970-01-01T00:00:01.000Z',
        ended_at: '1970-01-01T00:00:01.500Z',
      },
      {
        id: 7,
        trial: 1,
        status: 'queued',
        score: null,
        metrics: {},
        params: { lr: 0.2, deep: false },
        budget: null,
        attempts: 0,
        started_at: null,
        ended_at: null,
      },
    ]);
  });

  it('names the column whose length does not match the ids', () => {
    expect(() => parseJobColumns({ ...body(), score: [1] })).toThrow('body.score: expected 2 cells (one per id), found 1');
    expect(() => parseJobColumns({ ...body(), params: { lr: [1, 2, 3] } })).toThrow('body.params.lr: expected 2 cells');
    expect(() => parseJobColumns({ ...body(), metrics: null })).toThrow('body.metrics: expected a JSON object, found null');
    expect(() => parseJobColumns({ ...body(), id: 'x' })).toThrow('body.id: expected an array');
  });
});
