import { describe, expect, it } from 'vitest';
import { proposerConformance, SimulatedRun, mixedStatus } from '../../testing/proposer-conformance.js';
import { branin, hartmann6Function } from '../../testing/benchmark-functions.js';
import type { OutcomeStatus, ParamSpec, ProposerContext, Suggestion } from '../../types.js';
import { spearmintProposer } from './spearmint-proposer.js';

// Fewer candidates than the default keep the suite's hundreds of simulated runs fast; the code
// paths (design, fit, believer, candidates, refinement) are the same.
const FAST = { grid_size: 64 };

proposerConformance(spearmintProposer, { options: FAST, nSamples: 16 });

const ctx = (over: Partial<ProposerContext> = {}): ProposerContext => ({
  space: branin.space,
  target: 'min',
  nSamples: 30,
  seed: 4,
  options: FAST,
  ...over,
});
const brScore = (p: Suggestion['params']) => branin.evaluate(p);

describe('spearmint', () => {
  it('resumes exactly: interrupted after k trials and restored, it proposes what an uninterrupted run does', () => {
    const reference = new SimulatedRun(spearmintProposer, ctx(), { score: brScore }).runToEnd();
    for (const k of [3, 9, 17]) {
      const run = new SimulatedRun(spearmintProposer, ctx(), { score: brScore });
      while (run.trials.length < k || run.events.length % 2 === 1) run.step();
      run.restore();
      run.runToEnd();
      expect(run.trials, `interrupted after ${k} trials`).toEqual(reference.trials);
    }
  });

  it('resumes exactly with trials in flight (n_parallel 4, told out of order, failures and early stops)', () => {
    const opts = { score: brScore, nParallel: 4, outOfOrder: true, orderSeed: 9, status: mixedStatus };
    const reference = new SimulatedRun(spearmintProposer, ctx(), opts).runToEnd();
    const run = new SimulatedRun(spearmintProposer, ctx(), opts);
    for (let i = 0; i < 27; i++) run.step();
    run.restore();
    run.runToEnd();
    expect(run.events).toEqual(reference.events);
  });

  it('finds the minimum of Branin within 30 trials (seed 4: measured regret 0.0099, bound 0.05)', () => {
    const run = new SimulatedRun(spearmintProposer, ctx({ options: {} }), { score: brScore }).runToEnd();
    const best = Math.min(...run.trials.map((t) => branin.evaluate(t.params)));
    expect(best - branin.optimum).toBeLessThan(0.05);
  });

  it('maximises under target "max" (the default) and beats random search on Hartmann-6 at 40 trials', () => {
    const h6 = hartmann6Function;
    const c = ctx({ space: h6.space, target: 'max', nSamples: 40, options: {} });
    const run = new SimulatedRun(spearmintProposer, c, { score: (p) => -h6.evaluate(p) }).runToEnd();
    const best = Math.min(...run.trials.map((t) => h6.evaluate(t.params)));
    // Random search reaches about 1.9 regret at 40 trials; this run measured 0.020.
    expect(best - h6.optimum).toBeLessThan(0.6);
  });

  it('spreads parallel proposals: with 4 in flight no two pending trials coincide', () => {
    // Checking that every ask is distinct is stricter than checking the pending set, and simpler.
    const run = new SimulatedRun(spearmintProposer, ctx(), { score: brScore, nParallel: 4 }).runToEnd();
    const all = run.trials.map((t) => JSON.stringify(t.params));
    expect(new Set(all).size).toBe(all.length);
  });

  it('keeps improving when a third of the trials fail at random', () => {
    const status = (id: number): OutcomeStatus => (id % 3 === 2 ? 'failed' : 'finished');
    const run = new SimulatedRun(spearmintProposer, ctx({ options: {} }), { score: brScore, status }).runToEnd();
    const finished = run.trials.filter((t) => status(t.trialId) === 'finished');
    const best = Math.min(...finished.map((t) => branin.evaluate(t.params)));
    expect(best - branin.optimum).toBeLessThan(0.2);
  });

  it('handles int and choice parameters: proposals are legal and the model steers to the best option', () => {
    const space: ParamSpec[] = [
      { name: 'x', type: 'float', range: [0, 1] },
      { name: 'k', type: 'int', range: [1, 9] },
      { name: 'c', type: 'choice', range: ['bad', 'good', 'worse'] },
    ];
    const penalty: Record<string, number> = { bad: 1, good: 0, worse: 2 };
    const score = (p: Suggestion['params']) => ((p.x as number) - 0.7) ** 2 + ((p.k as number) - 3) ** 2 / 10 + penalty[p.c as string]!;
    const run = new SimulatedRun(spearmintProposer, ctx({ space, nSamples: 25, options: {} }), { score }).runToEnd();
    const last = run.trials.slice(-8);
    expect(last.filter((t) => t.params.c === 'good').length).toBeGreaterThanOrEqual(5);
    const best = run.trials.reduce((a, t) => (score(t.params) < score(a.params) ? t : a));
    expect(best.params.k).toBe(3);
    expect(best.params.c).toBe('good');
  });

  it('rejects bad settings with AUP_ERR_PROPOSER_CONFIG naming the key', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ n_init: 0 }, 'n_init'],
      [{ grid_size: 1.5 }, 'grid_size'],
      [{ engine: 'MCMCChooser' }, 'engine'],
      [{ engine_config: { pending: 'optimist' } }, 'engine_config.pending'],
      [{ engine_config: { colour: 1 } }, 'engine_config.colour'],
    ];
    for (const [options, key] of bad) {
      let err: unknown;
      try {
        spearmintProposer.create(ctx({ options: options as ProposerContext['options'] }));
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(options)).toMatchObject({ code: 'AUP_ERR_PROPOSER_CONFIG' });
      expect(String((err as Error).message)).toContain(key);
    }
    // Auptimizer's spearmint settings load.
    expect(() =>
      spearmintProposer.create(ctx({ options: { engine: 'GPEIOptChooser', grid_size: 20000, engine_config: { mcmc_iters: 10 } } })),
    ).not.toThrow();
  });
});
