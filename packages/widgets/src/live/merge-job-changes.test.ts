import { describe, expect, it } from 'vitest';

import type { ChangeEvent } from '../api/change-event.js';
import type { JobSummary } from '../api/job-summary.js';
import type { ReactiveControllerHost } from 'lit';

import { AsyncLoadController } from '../controllers/async-load-controller.js';
import { applyLiveJobs, mergeJobChanges } from './merge-job-changes.js';

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

describe('applyLiveJobs', () => {
  const host: ReactiveControllerHost = {
    addController() {},
    removeController() {},
    requestUpdate() {},
    updateComplete: Promise.resolve(true),
  };
  const loaded = (jobs: JobSummary[]): AsyncLoadController<{ target: string; jobs: readonly JobSummary[] }> => {
    const load = new AsyncLoadController<{ target: string; jobs: readonly JobSummary[] }>(host);
    load.set({ target: 'min', jobs });
    return load;
  };

  it('merges the jobs a batch carries into the loaded value, keeping the rest of it, without a reload', () => {
    const load = loaded([job(1, 'running', null)]);
    let reloads = 0;
    applyLiveJobs(load, { full: false, changes: [change(5, 'job', 1, job(1, 'finished', 0.2))] }, 1, () => reloads++);
    expect(reloads).toBe(0);
    expect(load.value).toEqual({ target: 'min', jobs: [job(1, 'finished', 0.2)] });
  });

  it('reloads on a full batch, before anything is loaded, and when the changes cannot be merged', () => {
    let reloads = 0;
    const reload = (): void => void reloads++;
    applyLiveJobs(loaded([]), { full: true, changes: [] }, 1, reload);
    applyLiveJobs(
      new AsyncLoadController<{ jobs: readonly JobSummary[] }>(host),
      { full: false, changes: [change(5, 'job', 1, job(1, 'finished', 0.2))] },
      1,
      reload,
    );
    applyLiveJobs(loaded([]), { full: false, changes: [change(6, 'job', 2)] }, 1, reload);
    expect(reloads).toBe(3);
  });
});
