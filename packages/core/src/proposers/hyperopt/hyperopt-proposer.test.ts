import { describe, expect, it } from 'vitest';
import { AupError } from '../../errors.js';
import { branin, hartmann6Function, type TestFunction } from '../../testing/benchmark-functions.js';
import { SimulatedRun } from '../../testing/proposer-conformance.js';
import type { Json, JsonObject, OutcomeStatus, ParamSpec, Params, ProposerContext } from '../../types.js';
import { randomProposer } from '../random/random-proposer.js';
import { KernelSpace } from '../parzen/kernel-space.js';
import { HyperoptProposer, hyperoptProposer } from './hyperopt-proposer.js';
import { HYPEROPT_DEFAULTS } from './hyperopt-settings.js';

const ctx = (space: ParamSpec[], options: JsonObject = {}, over: Partial<ProposerContext> = {}): ProposerContext => ({
  space,
  target: 'min',
  nSamples: 60,
  seed: 3,
  options,
  ...over,
});

/** Runs `f` sequentially for `n` trials; returns the proposals and the best regret. */
function optimise(f: TestFunction, n: number, seed: number, options: JsonObject = {}): { params: Params[]; regret: number } {
  const p = new HyperoptProposer(ctx(f.space, options, { nSamples: n, seed }));
  const params: Params[] = [];
  let best = Infinity;
  for (let t = 0; t < n; t++) {
    const a = p.ask();
    if (a.kind !== 'trial') throw new Error(`expected a trial, got ${a.kind}`);
    const y = f.evaluate(a.params);
    best = Math.min(best, y);
    params.push(a.params);
    p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: y });
  }
  return { params, regret: best - f.optimum };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function distance(a: Params, b: Params): number {
  let s = 0;
  for (const k of Object.keys(a)) s += ((a[k] as number) - (b[k] as number)) ** 2;
  return Math.sqrt(s);
}

describe('hyperopt: exact resume', () => {
  for (const engine of ['tpe', 'anneal'] as const) {
    for (const nParallel of [1, 4]) {
      it(`${engine}, n_parallel ${nParallel}: interrupted after k trials and restored, it proposes what an uninterrupted run does`, () => {
        const c = ctx(hartmann6Function.space, { engine }, { nSamples: 30 });
        const score = (p: Params) => hartmann6Function.evaluate(p);
        const opts = {
          nParallel,
          outOfOrder: true,
          orderSeed: 5,
          score,
          status: (id: number): OutcomeStatus => (id % 6 === 4 ? 'failed' : id % 9 === 7 ? 'early_stopped' : 'finished'),
        };
        const reference = new SimulatedRun(hyperoptProposer, c, opts).runToEnd();
        for (const k of [5, 12, 21]) {
          const run = new SimulatedRun(hyperoptProposer, c, opts);
          while (run.trials.length < k) run.step();
          run.restore();
          run.runToEnd();
          expect(run.trials, `restored after ${k} trials`).toEqual(reference.trials);
        }
      });
    }
  }

  it('keeps the settings it started with, even if the options change before the resume', () => {
    const a = new HyperoptProposer(ctx(branin.space, { gamma: 0.3 }));
    for (let t = 0; t < 12; t++) {
      const s = a.ask();
      if (s.kind === 'trial') a.tell({ trialId: s.trialId, params: s.params, status: 'finished', score: branin.evaluate(s.params) });
    }
    const restored = new HyperoptProposer(ctx(branin.space, { gamma: 0.9 }), JSON.parse(JSON.stringify(a.snapshot())) as Json);
    expect(restored.settings.gamma).toBe(0.3);
    expect(restored.ask()).toEqual(a.ask());
  });

  it('refuses a snapshot written for a space with a different number of parameters', () => {
    const a = new HyperoptProposer(ctx(branin.space));
    a.ask();
    const snap = a.snapshot();
    let e: unknown;
    try {
      new HyperoptProposer(ctx(hartmann6Function.space), snap);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AupError);
    expect((e as AupError).code).toBe('AUP_ERR_PROPOSER_STATE');
    expect((e as AupError).message).toMatch(/trials\[0\]/);
  });
});

describe('hyperopt: settings', () => {
  it('defaults to multivariate TPE with 10 startup trials and the constant liar', () => {
    const p = new HyperoptProposer(ctx(branin.space));
    expect(p.settings).toEqual(HYPEROPT_DEFAULTS);
    expect(p.settings).toMatchObject({ engine: 'tpe', multivariate: true, n_startup_jobs: 10, constant_liar: true });
  });

  it('accepts "random" (what Auptimizer offered) for engine "rand", and then proposes exactly what the random proposer does', () => {
    const c = ctx(branin.space, { engine: 'random' }, { nSamples: 20 });
    expect(new HyperoptProposer(c).settings.engine).toBe('rand');
    const a = new SimulatedRun(hyperoptProposer, c).runToEnd();
    const b = new SimulatedRun(randomProposer, c).runToEnd();
    expect(a.trials).toEqual(b.trials);
  });

  for (const [options, pattern] of [
    [{ engine: 'bayes' }, /engine: .*"tpe", "rand".*found "bayes"/],
    [{ gamma: 0 }, /gamma: .*\(0, 1\].*found 0/],
    [{ n_startup_jobs: 2.5 }, /n_startup_jobs: .*integer >= 0.*found 2.5/],
    [{ n_ei_candidates: 0 }, /n_ei_candidates: .*integer >= 1/],
    [{ multivariate: 'yes' }, /multivariate: .*true or false.*found "yes"/],
    [{ avg_best_idx: 0.5 }, /avg_best_idx: .*>= 1/],
  ] as [JsonObject, RegExp][]) {
    it(`refuses ${JSON.stringify(options)} with AUP_ERR_PROPOSER_CONFIG naming the key`, () => {
      let e: unknown;
      try {
        new HyperoptProposer(ctx(branin.space, options));
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(AupError);
      expect((e as AupError).code).toBe('AUP_ERR_PROPOSER_CONFIG');
      expect((e as AupError).message).toMatch(pattern);
    });
  }
});

describe('hyperopt: outcomes', () => {
  /** Asks `n` trials, telling each right away with the status `status(id)`. */
  function drive(
    p: HyperoptProposer,
    n: number,
    status: (id: number) => OutcomeStatus | 'pending',
    score = (q: Params) => branin.evaluate(q),
  ): Params[] {
    const out: Params[] = [];
    for (let t = 0; t < n; t++) {
      const a = p.ask();
      if (a.kind !== 'trial') throw new Error(a.kind);
      out.push(a.params);
      const s = status(a.trialId);
      if (s !== 'pending')
        p.tell({ trialId: a.trialId, params: a.params, status: s, ...(s === 'failed' ? {} : { score: score(a.params) }) });
    }
    return out;
  }

  it('leaves failed trials out of the model: a failure proposes what a trial never answered does without the liar', () => {
    const options = { constant_liar: false };
    const failed = drive(new HyperoptProposer(ctx(branin.space, options)), 40, (id) => (id % 4 === 2 ? 'failed' : 'finished'));
    const silent = drive(new HyperoptProposer(ctx(branin.space, options)), 40, (id) => (id % 4 === 2 ? 'pending' : 'finished'));
    expect(failed).toEqual(silent);
    // ...and the model is in use: the same run where those trials finished goes elsewhere.
    const finished = drive(new HyperoptProposer(ctx(branin.space, options)), 40, () => 'finished');
    expect(finished.slice(12)).not.toEqual(failed.slice(12));
  });

  it('counts failed trials towards the startup trials, so the model takes over when the failures stop', () => {
    const p = new HyperoptProposer(ctx(branin.space, { n_startup_jobs: 10 }));
    drive(p, 10, () => 'failed');
    expect(p.split()).toEqual({ below: [], above: [] });
    drive(p, 5, () => 'finished');
    expect(p.split().below.length).toBe(1);
    expect(p.split().above.length).toBe(4);
  });

  it('ranks early-stopped trials below every finished one, whatever their last score', () => {
    const p = new HyperoptProposer(ctx(branin.space, { gamma: 0.5 }));
    const asked: Params[] = [];
    for (let t = 0; t < 10; t++) {
      const a = p.ask();
      if (a.kind !== 'trial') throw new Error(a.kind);
      asked.push(a.params);
      const stopped = t < 4;
      p.tell({
        trialId: t,
        params: a.params,
        status: stopped ? 'early_stopped' : 'finished',
        score: stopped ? -1000 - t : branin.evaluate(a.params),
      });
    }
    const { below, above } = p.split();
    expect(below.length).toBe(5);
    const key = (x: Float64Array) => Array.from(x).join(',');
    const coords = new KernelSpace(branin.space);
    const stoppedKeys = new Set(asked.slice(0, 4).map((q) => key(coords.encode(q))));
    // The 6 finished trials fill 5 good slots; the early-stopped ones, despite their scores, are all bad.
    expect(below.filter((x) => stoppedKeys.has(key(x)))).toHaveLength(0);
    expect(above.filter((x) => stoppedKeys.has(key(x)))).toHaveLength(4);
  });

  it('uses early-stopped trials as the good ones while no trial has finished', () => {
    const p = new HyperoptProposer(ctx(branin.space));
    drive(p, 12, () => 'early_stopped');
    expect(p.split().below.length).toBe(2);
    expect(p.split().above.length).toBe(10);
  });

  it('with the constant liar counts pending trials as bad and spreads parallel proposals apart', () => {
    const f = hartmann6Function;
    const spread = (liar: boolean, seed: number): number => {
      const p = new HyperoptProposer(ctx(f.space, { constant_liar: liar }, { seed, nSamples: 100 }));
      drive(
        p,
        30,
        () => 'finished',
        (q) => f.evaluate(q),
      );
      const batch = drive(p, 8, () => 'pending');
      if (liar) expect(p.split().above.length).toBe(30 - 3 + 8);
      else expect(p.split().above.length).toBe(30 - 3);
      let m = Infinity;
      for (let i = 0; i < batch.length; i++) for (let j = i + 1; j < batch.length; j++) m = Math.min(m, distance(batch[i]!, batch[j]!));
      return m;
    };
    const seeds = [0, 1, 2, 3, 4];
    // Measured: the closest pair of 8 pending proposals is about twice as far apart with the liar.
    expect(median(seeds.map((s) => spread(true, s)))).toBeGreaterThan(1.5 * median(seeds.map((s) => spread(false, s))));
  });
});

describe('hyperopt: search quality (fixed seeds)', () => {
  const seeds = [0, 1, 2, 3, 4];

  it('tpe finds Branin within 0.3 of the optimum in 50 trials (median of 5 seeds), far better than random search', () => {
    const tpe = median(seeds.map((s) => optimise(branin, 50, s).regret));
    const rand = median(seeds.map((s) => optimise(branin, 50, s, { engine: 'rand' }).regret));
    expect(tpe).toBeLessThan(0.3);
    expect(tpe).toBeLessThan(rand / 3);
  });

  it('tpe gets Hartmann-6 within 0.5 of the optimum in 50 trials (median of 5 seeds); random search does not', () => {
    const tpe = median(seeds.map((s) => optimise(hartmann6Function, 50, s).regret));
    const rand = median(seeds.map((s) => optimise(hartmann6Function, 50, s, { engine: 'rand' }).regret));
    expect(tpe).toBeLessThan(0.5);
    expect(rand).toBeGreaterThan(1);
  });

  it('anneal beats random search on Hartmann-6 at 50 trials (median of 5 seeds)', () => {
    const anneal = median(seeds.map((s) => optimise(hartmann6Function, 50, s, { engine: 'anneal' }).regret));
    const rand = median(seeds.map((s) => optimise(hartmann6Function, 50, s, { engine: 'rand' }).regret));
    expect(anneal).toBeLessThan(rand / 2);
  });

  it('learns ints, choices and log-scale floats: later proposals favour the best choice, int and decade', () => {
    const space: ParamSpec[] = [
      { name: 'c', type: 'choice', range: ['a', 'b', 'c', 'd'] },
      { name: 'k', type: 'int', range: [1, 10] },
      { name: 'lr', type: 'float', range: [1e-5, 1e-1], log: true },
    ];
    const score = (p: Params) => (p.c === 'b' ? 0 : 1) + ((p.k as number) - 7) ** 2 / 10 + (Math.log10(p.lr as number) + 3) ** 2 / 4;
    let b = 0;
    let k7 = 0;
    let decade = 0;
    for (const seed of seeds) {
      const p = new HyperoptProposer(ctx(space, {}, { seed, nSamples: 60 }));
      for (let t = 0; t < 60; t++) {
        const a = p.ask();
        if (a.kind !== 'trial') throw new Error(a.kind);
        if (t >= 40) {
          b += a.params.c === 'b' ? 1 : 0;
          k7 += a.params.k === 7 ? 1 : 0;
          decade += Math.abs(Math.log10(a.params.lr as number) + 3) < 0.5 ? 1 : 0;
        }
        p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: score(a.params) });
      }
    }
    const n = 20 * seeds.length;
    // Uniform sampling would give 1/4, 1/10 and 1/4.
    expect(b / n).toBeGreaterThan(0.4);
    expect(k7 / n).toBeGreaterThan(0.3);
    expect(decade / n).toBeGreaterThan(0.5);
  });
});
