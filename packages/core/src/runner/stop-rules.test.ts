import { describe, expect, it } from 'vitest';
import type { ExperimentRecord, JobRecord } from '../store/store-types.js';
import type { NormalizedConfig } from '../types.js';
import { describeStopReason, patienceCount, reachesTarget, StopRules } from './stop-rules.js';

const job = (id: number, status: JobRecord['status'], endedAt: number | null): JobRecord =>
  ({ id, status, endedAt, score: status === 'failed' ? null : 1 }) as JobRecord;

const config = (stop: NormalizedConfig['stop'], target: 'min' | 'max' = 'min') => ({ stop, target }) as NormalizedConfig;
const exp = (over: Partial<ExperimentRecord> = {}) =>
  ({ bestJobId: null, bestScore: null, stopReason: null, budgetUsedMs: 0, ...over }) as ExperimentRecord;

describe('reachesTarget', () => {
  it('is at most the goal for min and at least for max; no best reaches nothing', () => {
    expect(reachesTarget('min', 0.5, 0.5)).toBe(true);
    expect(reachesTarget('min', 0.6, 0.5)).toBe(false);
    expect(reachesTarget('max', 0.9, 0.9)).toBe(true);
    expect(reachesTarget('max', 0.8, 0.9)).toBe(false);
    expect(reachesTarget('max', null, 0.9)).toBe(false);
    expect(reachesTarget('min', Number.NaN, 0.9)).toBe(false);
  });
});

describe('patienceCount', () => {
  it('counts finished and early-stopped jobs that ended after the best job, by end time then id', () => {
    const jobs = [
      job(1, 'finished', 100),
      job(2, 'finished', 200), // the best
      job(3, 'failed', 300),
      job(4, 'early_stopped', 400),
      job(5, 'finished', 200), // same end as the best, later id
      job(6, 'finished', 150), // ended before the best
      job(7, 'interrupted', 500),
    ];
    expect(patienceCount(jobs, 2)).toBe(2);
  });

  it('counts every job with a score when there is no best job', () => {
    expect(patienceCount([job(1, 'early_stopped', 10), job(2, 'failed', 20), job(3, 'early_stopped', 30)], null)).toBe(2);
  });
});

describe('StopRules', () => {
  it('concludes by target_score before patience, and resets patience on a new best', () => {
    const rules = new StopRules(config({ target_score: 1, patience: 2 }), exp(), []);
    expect(rules.afterJob('finished', true, 3)).toBeUndefined();
    expect(rules.afterJob('failed', false, 3)).toBeUndefined();
    expect(rules.afterJob('finished', false, 3)).toBeUndefined();
    expect(rules.afterJob('finished', true, 2)).toBeUndefined();
    expect(rules.afterJob('early_stopped', false, 2)).toBeUndefined();
    expect(rules.afterJob('finished', false, 2)).toBe('patience');
    expect(rules.afterJob('finished', true, 0.5)).toBe('target_score');
  });

  it('continues the patience count and the target of a resumed experiment', () => {
    const jobs = [job(1, 'finished', 1), job(2, 'finished', 2), job(3, 'finished', 3)];
    const rules = new StopRules(config({ patience: 3 }), exp({ bestJobId: 1, bestScore: 5 }), jobs);
    expect(rules.atStart(5)).toBeUndefined();
    expect(rules.afterJob('finished', false, 5)).toBe('patience');
    expect(new StopRules(config({ target_score: 6 }, 'min'), exp(), []).atStart(5)).toBe('target_score');
    expect(new StopRules(config(undefined), exp(), jobs).atStart(5)).toBeUndefined();
  });

  it('counts budget time from the stored total, afresh after the budget ran out', () => {
    const at = 1_000_000;
    const resumed = new StopRules(config({ time_budget_s: 10 }), exp({ budgetUsedMs: 4000, stopReason: 'user' }), [], at);
    expect(resumed.usedMs(at + 500)).toBe(4500);
    const renewed = new StopRules(config({ time_budget_s: 10 }), exp({ budgetUsedMs: 10_000, stopReason: 'time_budget' }), [], at);
    expect(renewed.usedMs(at + 500)).toBe(500);
  });

  it('calls the budget expiry at once when the budget is used up, and never without a budget', () => {
    let expired = 0;
    new StopRules(config({ time_budget_s: 1 }), exp({ budgetUsedMs: 1000 }), []).startBudget(() => expired++);
    expect(expired).toBe(1);
    const none = new StopRules(config({ patience: 1 }), exp(), []);
    none.startBudget(() => expired++);
    none.stopBudget();
    expect(expired).toBe(1);
  });

  it('says what each reason means, with the setting', () => {
    expect(describeStopReason('patience', { patience: 7 })).toMatch(/^7 job\(s\) in a row/);
    expect(describeStopReason('target_score', { target_score: 0.25 })).toContain('0.25');
    expect(describeStopReason('time_budget', { time_budget_s: 60 })).toContain('60 s');
  });
});
