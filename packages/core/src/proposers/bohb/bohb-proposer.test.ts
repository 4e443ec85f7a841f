import { describe, expect, it } from 'vitest';
import { getProposer } from '../registry.js';
import type { AupError } from '../../errors.js';
import { mixedStatus, SimulatedRun } from '../../testing/proposer-conformance.js';
import { COUNTING_ONES_SPACE, countingOnes, countingOnesRegret } from '../../testing/benchmark-functions.js';
import { Rng } from '../../rng.js';
import type { AskResult, JsonObject, ParamSpec, Params, Proposer, ProposerContext, Suggestion, Target } from '../../types.js';
import { bohbTrialCount } from './bohb-proposer.js';

const bohb = getProposer('bohb');

const SPACE: ParamSpec[] = [
  { name: 'x0', type: 'float', range: [0, 1] },
  { name: 'x1', type: 'float', range: [0, 1] },
  { name: 'x2', type: 'float', range: [0, 1] },
  { name: 'n', type: 'int', range: [1, 20] },
  { name: 'c', type: 'choice', range: ['a', 'b', 'c', 'd'] },
];

function ctx(options: JsonObject, over: Partial<ProposerContext> = {}): ProposerContext {
  return { space: SPACE, target: 'min', nSamples: 100_000, seed: 3, options, ...over };
}

function trial(r: AskResult): Suggestion {
  if (r.kind !== 'trial') throw new Error(`expected a trial, got ${r.kind}`);
  return r;
}

/** Asks and tells one trial at a time until `done` or `limit` trials. */
function drive(p: Proposer, score: (s: Suggestion) => number, limit = Number.POSITIVE_INFINITY): Suggestion[] {
  const all: Suggestion[] = [];
  while (all.length < limit) {
    const r = p.ask();
    if (r.kind !== 'trial') break;
    all.push(r);
    p.tell({ trialId: r.trialId, params: r.params, budget: r.budget, status: 'finished', score: score(r) });
  }
  return all;
}

/** A loss with its minimum at x = 0.2, n = 5, c = 'b'. */
function loss(p: Params): number {
  let s = 0;
  for (const k of ['x0', 'x1', 'x2']) s += ((p[k] as number) - 0.2) ** 2;
  return s + ((p.n as number) - 5) ** 2 / 100 + (p.c === 'b' ? 0 : 0.3);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('bohb schedule', () => {
  it('runs brackets between min_budget and max_budget and answers done after n_iterations', () => {
    const p = bohb.create(ctx({ min_budget: 9, max_budget: 729, eta: 3, n_iterations: 2 }));
    const all = drive(p, (s) => loss(s.params));
    const budgets = all.map((s) => s.budget);
    expect(budgets.slice(0, 81).every((b) => b === 9)).toBe(true);
    expect(budgets.slice(81, 108).every((b) => b === 27)).toBe(true);
    expect(budgets.slice(117, 120)).toEqual([243, 243, 243]);
    expect(budgets[120]).toBe(729);
    // Bracket 2 (s = 3): 34@27 → 11@81 → 3@243 → 1@729.
    expect(budgets.slice(121)).toEqual([...Array(34).fill(27), ...Array(11).fill(81), 243, 243, 243, 729]);
    expect(all.length).toBe(bohbTrialCount({ min_budget: 9, max_budget: 729, eta: 3, n_iterations: 2 }));
    expect(p.ask()).toEqual({ kind: 'done' });
  });

  it('counts the jobs of n_iterations brackets', () => {
    expect(bohbTrialCount({ min_budget: 9, max_budget: 729, n_iterations: 5 })).toBe(206);
    expect(bohbTrialCount({ min_budget: 9, max_budget: 729, n_iterations: 6 })).toBe(206 + 121);
    // HpBandSter's defaults: budgets 0.01..1 give s_max = 4 (1/0.01 = 100 ≥ 81).
    expect(bohbTrialCount()).toBe(121 + 49 + 21 + 10);
  });

  it('answers wait while the last bracket waits for results, then continues', () => {
    const p = bohb.create(ctx({ min_budget: 1, max_budget: 9, n_iterations: 1 }));
    const first = Array.from({ length: 9 }, () => trial(p.ask()));
    expect(p.ask()).toEqual({ kind: 'wait' });
    for (const s of first) p.tell({ trialId: s.trialId, params: s.params, budget: s.budget, status: 'finished', score: loss(s.params) });
    expect(trial(p.ask()).budget).toBe(3);
  });

  it('resumes exactly after an interruption with trials pending', () => {
    const c = ctx({ min_budget: 1, max_budget: 9, n_iterations: 9, min_points_in_model: 3 }, { nSamples: 80 });
    const sim = { nParallel: 3, outOfOrder: true, orderSeed: 5, status: mixedStatus, score: loss };
    const reference = new SimulatedRun(bohb, c, sim).runToEnd();
    for (const k of [10, 33, 61]) {
      const run = new SimulatedRun(bohb, c, sim);
      while (run.trials.length < k && run.step());
      run.restore();
      run.runToEnd();
      expect(run.events).toEqual(reference.events);
    }
  });
});

describe('bohb model', () => {
  for (const target of ['min', 'max'] as Target[]) {
    it(`proposes better configurations once its model is fitted (target ${target})`, () => {
      // The score the user reports: the loss itself for min, its negation for max. Auptimizer's BOHB
      // always maximised, which for target min would steer towards the worst configurations.
      const score = (s: Suggestion) => (target === 'min' ? loss(s.params) : -loss(s.params));
      // Over five seeds: one seed's 60 proposals are too few to judge a model by.
      const options = { min_budget: 1, max_budget: 9, eta: 3, n_iterations: 12 };
      const late = (all: Suggestion[]) => all.slice(-60).map((s) => loss(s.params));
      const modelled: number[] = [];
      const random: number[] = [];
      for (const seed of [1, 2, 3, 4, 5]) {
        const m = drive(bohb.create(ctx(options, { target, seed })), score);
        const r = drive(bohb.create(ctx({ ...options, random_fraction: 1 }, { target, seed })), score);
        expect(m.length).toBe(r.length);
        modelled.push(...late(m));
        random.push(...late(r));
      }
      expect(mean(modelled)).toBeLessThan(0.5 * mean(random));
    });
  }

  it('counts failed and early-stopped configurations as the worst', () => {
    // c = 'b' has the lowest loss; when those configurations fail (or are stopped early) the model must avoid them instead.
    const run = (failB: boolean) => {
      const p = bohb.create(ctx({ min_budget: 1, max_budget: 9, n_iterations: 12, random_fraction: 0 }));
      const all: Suggestion[] = [];
      for (;;) {
        const r = p.ask();
        if (r.kind !== 'trial') break;
        all.push(r);
        const bad = failB && r.params.c === 'b';
        const status = bad ? (r.trialId % 2 ? 'failed' : 'early_stopped') : 'finished';
        p.tell({
          trialId: r.trialId,
          params: r.params,
          budget: r.budget,
          status,
          ...(status === 'failed' ? {} : { score: loss(r.params) }),
        });
      }
      return all.slice(-80).filter((s) => s.params.c === 'b').length / 80;
    };
    expect(run(false)).toBeGreaterThan(0.6);
    // Uniform choice would give 0.25.
    expect(run(true)).toBeLessThan(0.15);
  });

  it('beats hyperband on Counting Ones within 50 full budgets (seed 0)', () => {
    const regretAt50 = (name: string, options: JsonObject, draws: (b: number) => number) => {
      const p = getProposer(name).create({ space: COUNTING_ONES_SPACE, target: 'min', nSamples: 100_000, seed: 0, options });
      const noise = new Rng(1);
      let units = 0;
      let best = Number.POSITIVE_INFINITY;
      let regret = Number.POSITIVE_INFINITY;
      while (units < 50) {
        const s = trial(p.ask());
        const v = countingOnes(s.params, draws(s.budget!), noise);
        units += draws(s.budget!) / 729;
        if (draws(s.budget!) === 729 && v < best) [best, regret] = [v, countingOnesRegret(s.params)];
        p.tell({ trialId: s.trialId, params: s.params, budget: s.budget, status: 'finished', score: v });
      }
      return regret;
    };
    const b = regretAt50('bohb', { min_budget: 9, max_budget: 729, n_iterations: 100 }, (x) => x);
    const h = regretAt50('hyperband', { max_iter: 81 }, (x) => 9 * x);
    expect(b).toBeLessThan(2.4);
    expect(b).toBeLessThan(h);
  });
});

describe('bohb settings', () => {
  const error = (options: JsonObject) => {
    try {
      bohb.create(ctx(options));
    } catch (e) {
      return `${(e as AupError).code}: ${(e as Error).message}`;
    }
    return undefined;
  };

  it('refuses bad settings with AUP_ERR_PROPOSER_CONFIG naming the key', () => {
    expect(error({ min_budget: 9, max_budget: 3 })).toBe(
      'AUP_ERR_PROPOSER_CONFIG: max_budget: the bohb proposer needs a budget >= min_budget (9), found 3',
    );
    expect(error({ top_n_percent: 0 })).toBe(
      'AUP_ERR_PROPOSER_CONFIG: top_n_percent: the bohb proposer needs a percentage in (0, 100), found 0',
    );
    expect(error({ random_fraction: 2 })).toMatch(/^AUP_ERR_PROPOSER_CONFIG: random_fraction: /);
    expect(error({ num_samples: 0 })).toMatch(/^AUP_ERR_PROPOSER_CONFIG: num_samples: /);
    expect(error({ n_iterations: 1.5 })).toMatch(/^AUP_ERR_PROPOSER_CONFIG: n_iterations: /);
    expect(error({ min_points_in_model: 'many' })).toMatch(/^AUP_ERR_PROPOSER_CONFIG: min_points_in_model: /);
  });

  it("accepts Auptimizer's empty min_points_in_model and min_budget = max_budget", () => {
    expect(error({ min_points_in_model: '' })).toBeUndefined();
    const p = bohb.create(ctx({ min_budget: 5, max_budget: 5 }));
    expect(trial(p.ask()).budget).toBe(5);
  });
});
