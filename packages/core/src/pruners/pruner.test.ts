import { describe, expect, it } from 'vitest';
import { AupError } from '../errors.js';
import type { EarlyStopConfig, Target } from '../types.js';
import { ashaRungs } from './asha-policy.js';
import { createPruner } from './registry.js';

/** Feeds whole curves step by step, jobs interleaved as parallel jobs would be; returns each job's stop step. */
function run(config: EarlyStopConfig, target: Target, curves: number[][], finishedFirst = 0): Map<number, number> {
  const pruner = createPruner(config, target);
  const stops = new Map<number, number>();
  // The first `finishedFirst` curves run to the end before the others start.
  for (let j = 0; j < finishedFirst; j++) {
    pruner.start(j);
    curves[j]!.forEach((v, i) => {
      if (!stops.has(j) && pruner.report(j, v)) stops.set(j, i + 1);
    });
    if (!stops.has(j)) pruner.complete(j, 'finished');
  }
  for (let j = finishedFirst; j < curves.length; j++) pruner.start(j);
  const len = Math.max(...curves.map((c) => c.length));
  for (let s = 0; s < len; s++) {
    for (let j = finishedFirst; j < curves.length; j++) {
      const v = curves[j]![s];
      if (v === undefined || stops.has(j)) continue;
      if (pruner.report(j, v)) stops.set(j, s + 1);
    }
  }
  return stops;
}

const neg = (xs: number[]) => xs.map((x) => -x);
/** A rising accuracy curve ending at `end`. */
const acc = (end: number, n = 10) => Array.from({ length: n }, (_, i) => end * (1 - Math.exp(-(i + 1) / 3)));

describe.each<[Target, (xs: number[]) => number[]]>([
  ['max', (xs) => xs],
  ['min', neg],
])('target %s', (target, orient) => {
  // Each good job beats the ones before it, so even the median rule (which stops anything below the
  // median so far) lets them all finish.
  const good = [orient(acc(0.88)), orient(acc(0.9)), orient(acc(0.92))];
  const bad = orient(acc(0.2));

  it('bandit stops a job worse than bandit_factor × the best and keeps the good ones', () => {
    const stops = run({ aup_policy: 'bandit', bandit_factor: 0.5 }, target, [...good, bad]);
    expect([...stops.keys()]).toEqual([3]);
    expect(stops.get(3)).toBe(1);
  });

  it('bandit keeps a job within the factor', () => {
    expect(run({ aup_policy: 'bandit', bandit_factor: 0.5 }, target, [orient(acc(0.9)), orient(acc(0.5))]).size).toBe(0);
  });

  it('median stops a job below the median of the others and keeps the good ones', () => {
    const stops = run({ aup_policy: 'median' }, target, [...good, bad]);
    expect([...stops.keys()]).toEqual([3]);
  });

  it('median stops a job that is merely below the median so far (the rule is strict)', () => {
    expect([...run({ aup_policy: 'median' }, target, [orient(acc(0.9)), orient(acc(0.88))]).keys()]).toEqual([1]);
  });

  it('truncation stops a job in the bottom fraction', () => {
    const stops = run({ aup_policy: 'truncation', truncation_percentage: 0.25 }, target, [...good, bad]);
    expect([...stops.keys()]).toEqual([3]);
  });

  it('truncation keeps the worse of two jobs when 1/2 is above the percentage', () => {
    expect(run({ aup_policy: 'truncation', truncation_percentage: 0.3 }, target, [good[0]!, bad]).size).toBe(0);
  });

  it('asha stops at a rung a job outside the top 1/η and lets the best go on', () => {
    const curves = [orient(acc(0.5)), orient(acc(0.6)), orient(acc(0.9)), orient(acc(0.1))];
    const stops = run({ aup_policy: 'asha', min_resource: 1, reduction_factor: 2, curve_fitting_max_iters: 10 }, target, curves, 4);
    // Sequential: job 0 is first at every rung; job 1 beats it; job 2 is best; job 3 loses at rung 1.
    expect(stops.has(0)).toBe(false);
    expect(stops.has(1)).toBe(false);
    expect(stops.has(2)).toBe(false);
    expect(stops.get(3)).toBe(1);
  });

  it('curve_fitting stops a job whose forecast is below the threshold × best finished and lets a good one finish', () => {
    const n = 30;
    const best = orient(acc(0.9, n));
    const slowButGood = orient(Array.from({ length: n }, (_, i) => 0.93 * (1 - Math.exp(-(i + 1) / 8))));
    const poor = orient(acc(0.5, n));
    const stops = run(
      { aup_policy: 'curve_fitting', curve_fitting_max_iters: n, curve_fitting_threshold: 0.95 },
      target,
      [best, slowButGood, poor],
      1,
    );
    expect(stops.has(1)).toBe(false);
    expect(stops.get(2)).toBe(5);
  });

  it('curve_fitting never decides before a job finished or before 5 values', () => {
    const n = 20;
    const stops = run({ aup_policy: 'curve_fitting', curve_fitting_max_iters: n }, target, [orient(acc(0.9, n)), orient(acc(0.1, n))]);
    expect(stops.size).toBe(0);
  });
});

describe('common keys', () => {
  const curves = [acc(0.9), acc(0.2)];

  it('warmup: no stop before a job reported that many values', () => {
    expect(run({ aup_policy: 'bandit', warmup: 4 }, 'max', curves).get(1)).toBe(4);
  });

  it('aup_policy_steps: decisions only every k values', () => {
    expect(run({ aup_policy: 'median', aup_policy_steps: 3 }, 'max', curves).get(1)).toBe(3);
  });

  it('a job that ended is never stopped and an interrupted job starts over', () => {
    const pruner = createPruner({ aup_policy: 'bandit' }, 'max');
    pruner.restore(0, [0.9, 0.9], 'finished');
    pruner.start(1);
    pruner.complete(1, 'finished');
    expect(pruner.report(1, 0.01)).toBe(false);
    pruner.start(2);
    pruner.report(2, 0.8);
    pruner.complete(2, 'interrupted');
    expect(pruner.history.steps(2)).toBe(0);
    expect(pruner.report(2, 0.1)).toBe(true);
  });

  it('restore gives the same decisions as the live run', () => {
    const live = createPruner({ aup_policy: 'median' }, 'min');
    const again = createPruner({ aup_policy: 'median' }, 'min');
    const done = [
      [5, 4, 3],
      [6, 5, 4],
      [3, 2, 1],
    ];
    done.forEach((c, j) => {
      live.start(j);
      c.forEach((v) => live.report(j, v));
      live.complete(j, 'finished');
      again.restore(j, c, 'finished');
    });
    for (const p of [live, again]) p.start(9);
    const seq = [4.5, 4.2, 3.9];
    expect(seq.map((v) => live.report(9, v))).toEqual(seq.map((v) => again.report(9, v)));
    expect(live.history.steps(9)).toBe(3);
  });
});

describe('settings', () => {
  it('curve_fitting without curve_fitting_max_iters names the key', () => {
    expect(() => createPruner({ aup_policy: 'curve_fitting' }, 'max')).toThrow(/curve_fitting_max_iters: required/);
  });
  it('an unknown policy is a config error naming aup_policy', () => {
    try {
      createPruner({ aup_policy: 'hyperband' as never }, 'max');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AupError);
      expect((e as AupError).code).toBe('AUP_ERR_CONFIG_INVALID');
      expect((e as AupError).message).toMatch(
        /aup_policy: expected one of bandit, median, truncation, curve_fitting, asha, found "hyperband"/,
      );
    }
  });
  it('a bad value names its key and what was found', () => {
    expect(() => createPruner({ aup_policy: 'asha', reduction_factor: 1 }, 'max')).toThrow(
      /early_stop\.reduction_factor: expected a number > 1, found 1/,
    );
  });
  it('asha rungs follow min_resource · η^k and stop short of the last step', () => {
    expect(ashaRungs(1, 3, 81)).toEqual([1, 3, 9, 27]);
    expect(ashaRungs(2, 2.5, 30)).toEqual([2, 5, 13]);
    expect(ashaRungs(1, 3).slice(0, 5)).toEqual([1, 3, 9, 27, 81]);
  });
});
