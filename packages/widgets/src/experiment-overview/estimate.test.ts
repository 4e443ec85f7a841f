import { describe, expect, it } from 'vitest';

import { isOneShot, runEstimate } from './estimate.js';

const t0 = '2025-01-01T00:00:00.000Z';
const at = (s: number): number => Date.parse(t0) + s * 1000;

describe('runEstimate', () => {
  it('extrapolates the pace so far for a running experiment', () => {
    expect(runEstimate({ status: 'running', started_at: t0, ended_at: null, n_samples: 10, jobs_done: 2 }, at(60))).toEqual({
      elapsedMs: 60_000,
      remainingMs: 240_000,
    });
    expect(runEstimate({ status: 'running', started_at: t0, ended_at: null, n_samples: 3, jobs_done: 3 }, at(30))).toEqual({
      elapsedMs: 30_000,
      remainingMs: 0,
    });
  });

  it('has no remaining estimate before the first job is done, or once stopped', () => {
    expect(runEstimate({ status: 'running', started_at: t0, ended_at: null, n_samples: 10, jobs_done: 0 }, at(5)).remainingMs).toBeNull();
    expect(
      runEstimate({ status: 'stopped', started_at: t0, ended_at: '2025-01-01T00:00:10.000Z', n_samples: 10, jobs_done: 4 }, at(99)),
    ).toEqual({ elapsedMs: 10_000, remainingMs: null });
  });

  it('measures a finished experiment from start to end, not to now', () => {
    expect(
      runEstimate({ status: 'finished', started_at: t0, ended_at: '2025-01-01T00:02:00.000Z', n_samples: 5, jobs_done: 5 }, at(9999)),
    ).toEqual({ elapsedMs: 120_000, remainingMs: 0 });
  });

  it('knows nothing about an experiment that never started', () => {
    expect(runEstimate({ status: 'created', started_at: null, ended_at: null, n_samples: 5, jobs_done: 0 }, at(1))).toEqual({
      elapsedMs: null,
      remainingMs: null,
    });
  });
});

describe('isOneShot', () => {
  it('is true for a config without parameters', () => {
    expect(isOneShot({ parameter_config: [] })).toBe(true);
    expect(isOneShot({ script: 'x' })).toBe(true);
    expect(isOneShot({ parameter_config: [{ name: 'x' }] })).toBe(false);
  });
});
