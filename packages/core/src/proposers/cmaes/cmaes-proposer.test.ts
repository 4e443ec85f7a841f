import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedRun, type SimulationOptions } from '../../testing/proposer-conformance.js';
import { rosenbrock4 } from '../../testing/benchmark-functions.js';
import { runExperiment } from '../../experiment.js';
import { validateConfig } from '../../config/normalize-config.js';
import type { Json, OutcomeStatus, Params, ParamSpec, ProposerContext } from '../../types.js';
import { defaultPopulation } from './cma-es.js';
import { CmaesProposer, cmaesProposer } from './cmaes-proposer.js';

const floats = (d: number, lo: number, hi: number): ParamSpec[] =>
  Array.from({ length: d }, (_, i) => ({ name: `x${i}`, type: 'float', range: [lo, hi] }));
const xs = (p: Params, d: number): number[] => Array.from({ length: d }, (_, i) => p[`x${i}`] as number);

const sphere = (d: number) => (p: Params) => xs(p, d).reduce((s, x) => s + (x - 1.234) ** 2, 0);
/** Rastrigin: 10d + Σ x² − 10 cos(2πx), a local minimum at every integer point; global minimum 0 at the origin. */
const rastrigin = (d: number) => (p: Params) => xs(p, d).reduce((s, x) => s + x * x - 10 * Math.cos(2 * Math.PI * x), 10 * d);

const ctx = (over: Partial<ProposerContext> = {}): ProposerContext => ({
  space: floats(4, -5, 5),
  target: 'min',
  nSamples: 100,
  seed: 1,
  options: {},
  ...over,
});

function best(run: SimulatedRun, score: (p: Params) => number): number {
  return Math.min(...run.trials.map((t) => score(t.params)));
}

describe('cmaes: convergence', () => {
  it('converges on a 5-D sphere: best value below 1e-8 within 800 trials', () => {
    const f = sphere(5);
    const run = new SimulatedRun(cmaesProposer, ctx({ space: floats(5, -5, 5), nSamples: 800 }), { score: f }).runToEnd();
    expect(best(run, f)).toBeLessThan(1e-8);
    // A converging run shrinks σ (from 1/6 of the range) by orders of magnitude and never restarts.
    const progress = (run.proposer as CmaesProposer).progress()!;
    expect(progress.sigma).toBeLessThan(1e-4);
    expect(progress.restarts).toBe(0);
  });

  it('follows the Rosenbrock valley on the wide domain [−5, 10]^4 to regret < 1e-4 within 1,500 trials', () => {
    const f = (p: Params) => rosenbrock4.evaluate(p);
    const run = new SimulatedRun(cmaesProposer, ctx({ space: rosenbrock4.space, nSamples: 1500, seed: 3 }), { score: f }).runToEnd();
    expect(best(run, f)).toBeLessThan(1e-4);
  });

  it('maximises under target "max" exactly as it minimises −score', () => {
    const f = sphere(3);
    const max = new SimulatedRun(cmaesProposer, ctx({ space: floats(3, -5, 5), target: 'max' }), { score: (p) => -f(p) }).runToEnd();
    const min = new SimulatedRun(cmaesProposer, ctx({ space: floats(3, -5, 5) }), { score: f }).runToEnd();
    expect(max.trials).toEqual(min.trials);
    expect(best(min, f)).toBeLessThan(0.05);
  });

  it('searches log parameters in log space and rounds ints: finds lr = 1e-3 and k = 7', () => {
    const space: ParamSpec[] = [
      { name: 'lr', type: 'float', range: [1e-6, 1], log: true },
      { name: 'k', type: 'int', range: [1, 50] },
      { name: 'z', type: 'float', range: [0, 1] },
    ];
    const f = (p: Params) => (Math.log10(p.lr as number) + 3) ** 2 / 9 + ((p.k as number) - 7) ** 2 / 100 + ((p.z as number) - 0.5) ** 2;
    const run = new SimulatedRun(cmaesProposer, ctx({ space, nSamples: 300 }), { score: f }).runToEnd();
    for (const t of run.trials) expect(Number.isInteger(t.params.k)).toBe(true);
    const top = run.trials.reduce((a, t) => (f(t.params) < f(a.params) ? t : a));
    expect(top.params.k).toBe(7);
    expect(Math.abs(Math.log10(top.params.lr as number) + 3)).toBeLessThan(0.05);
  });
});

describe('cmaes: IPOP restarts', () => {
  const d = 3;
  const f = rastrigin(d);
  const run = (options: Record<string, Json>, nSamples = 4000) =>
    new SimulatedRun(cmaesProposer, ctx({ space: floats(d, -5.12, 5.12), nSamples, seed: 2, options }), { score: f }).runToEnd();

  it('restarts on Rastrigin once a run converges to a local minimum, doubling the population each time', () => {
    const ipop = run({});
    const p = (ipop.proposer as CmaesProposer).progress()!;
    expect(p.restarts).toBeGreaterThanOrEqual(2);
    expect(p.popsize).toBe(defaultPopulation(d) * 2 ** p.restarts);
    // The restarts pay: the best value is below what the single run without them is stuck at.
    const none = run({ restarts: 'none' });
    const q = (none.proposer as CmaesProposer).progress()!;
    expect(q).toMatchObject({ restarts: 0, popsize: defaultPopulation(d) });
    expect(best(ipop, f)).toBeLessThan(best(none, f));
  });

  it('grows the population by inc_popsize from popsize', () => {
    const p = (run({ popsize: 5, inc_popsize: 3 }).proposer as CmaesProposer).progress()!;
    expect(p.restarts).toBeGreaterThanOrEqual(1);
    expect(p.popsize).toBe(5 * 3 ** p.restarts);
  });

  it('resumes exactly across restarts, with trials in flight told out of order and failures', () => {
    const c = ctx({ space: floats(2, -5.12, 5.12), nSamples: 900, seed: 5, options: { popsize: 4 } });
    // Failures but no early stops: mixedStatus's early stops report 1.5 × the score, noise that keeps TolFun from ever stopping.
    const status = (id: number): OutcomeStatus => (id % 5 === 1 ? 'failed' : 'finished');
    const opts = { score: rastrigin(2), nParallel: 3, outOfOrder: true, orderSeed: 4, status };
    const reference = new SimulatedRun(cmaesProposer, c, opts).runToEnd();
    expect((reference.proposer as CmaesProposer).progress()!.restarts).toBeGreaterThanOrEqual(1);
    for (const cut of [1, 57, 400, 1190, 1300, 1700]) {
      const r = new SimulatedRun(cmaesProposer, c, opts);
      for (let i = 0; i < cut; i++) r.step();
      r.restore();
      r.runToEnd();
      expect(r.events, `restored after event ${cut}`).toEqual(reference.events);
    }
  });
});

describe('cmaes: generations, failures, choices and users’ trials', () => {
  it('hands out a generation of λ trials, then waits until all are told (in any order)', () => {
    const p = cmaesProposer.create(ctx());
    const lambda = defaultPopulation(4);
    const asked = [];
    for (let i = 0; i < lambda; i++) {
      const a = p.ask();
      expect(a.kind).toBe('trial');
      asked.push(a as { trialId: number; params: Params });
    }
    expect(p.ask()).toEqual({ kind: 'wait' });
    // Told last first: the generation completes only with the last tell.
    for (const a of asked.reverse()) {
      expect(p.ask().kind).toBe('wait');
      p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: sphere(4)(a.params) });
    }
    expect(p.ask()).toMatchObject({ kind: 'trial', trialId: lambda });
  });

  it('proposes the same trials whatever the number in flight and the order they end in', () => {
    // The distribution moves only once a whole generation is told, so trial k is the same draw however tells interleave.
    const f = sphere(4);
    const status = (id: number): OutcomeStatus => (id % 4 === 3 ? 'failed' : id % 7 === 5 ? 'early_stopped' : 'finished');
    const c = ctx({ nSamples: 120 });
    const params = (o: SimulationOptions) => new SimulatedRun(cmaesProposer, c, o).runToEnd().trials.map((t) => t.params);
    const sequential = params({ score: f, status });
    expect(params({ score: f, status, nParallel: 3, outOfOrder: true, orderSeed: 1 })).toEqual(sequential);
    expect(params({ score: f, status, nParallel: 20, outOfOrder: true, orderSeed: 2 })).toEqual(sequential);
  });

  it('replaces a failed trial by a fresh sample of the same generation, and still converges with a third failing', () => {
    const p = cmaesProposer.create(ctx());
    const lambda = defaultPopulation(4);
    const first = [];
    for (let i = 0; i < lambda; i++) first.push(p.ask() as { trialId: number; params: Params });
    p.tell({ trialId: first[0]!.trialId, params: first[0]!.params, status: 'failed' });
    expect(p.ask()).toMatchObject({ kind: 'trial', trialId: lambda });
    expect(p.ask()).toEqual({ kind: 'wait' });

    const status = (id: number): OutcomeStatus => (id % 3 === 2 ? 'failed' : 'finished');
    const f = sphere(4);
    const run = new SimulatedRun(cmaesProposer, ctx({ nSamples: 400 }), { score: f, status }).runToEnd();
    expect(best(run, f)).toBeLessThan(1e-3);
  });

  it('draws choices uniformly and independently, and searches the numeric parameters as without them', () => {
    const space: ParamSpec[] = [...floats(3, -5, 5), { name: 'c', type: 'choice', range: ['a', 'b', 'c'] }];
    const f = sphere(3);
    const run = new SimulatedRun(cmaesProposer, ctx({ space, nSamples: 300 }), { score: f }).runToEnd();
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (const t of run.trials) counts[t.params.c as string]!++;
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(70);
    expect(best(run, f)).toBeLessThan(1e-4);
  });

  it('proposes at random for a space of choices only, and one trial for an empty space', () => {
    const space: ParamSpec[] = [{ name: 'c', type: 'choice', range: [1, 2, 3, 4] }];
    const run = new SimulatedRun(cmaesProposer, ctx({ space, nSamples: 40 }), { nParallel: 40 }).runToEnd();
    expect(run.trials).toHaveLength(40);
    expect(new Set(run.trials.map((t) => t.params.c)).size).toBe(4);
    expect(new SimulatedRun(cmaesProposer, ctx({ space: [], nSamples: 5 })).runToEnd().trials).toHaveLength(1);
  });

  it("learns from a user's trial: an adopted good point pulls the first generation's mean towards it", () => {
    const d = 4;
    const good = Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i}`, 0.8]));
    const f = (p: Params) => xs(p, d).reduce((s, x) => s + (x - 0.8) ** 2, 0);
    const meanDistance = (seed: number, adopt: boolean): number => {
      const p = cmaesProposer.create(ctx({ space: floats(d, 0, 1), seed }));
      if (adopt) {
        const a = p.adopt!(good) as { trialId: number };
        p.tell({ trialId: a.trialId, params: good, status: 'finished', score: f(good) });
      }
      // The injected result takes one place of the first generation; the rest are sampled.
      for (let i = 0; i < defaultPopulation(d) - (adopt ? 1 : 0); i++) {
        const a = p.ask() as { trialId: number; params: Params };
        p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: f(a.params) });
      }
      const mean = (p.snapshot() as { cma: { mean: number[]; generation: number } }).cma;
      expect(mean.generation).toBe(1);
      return Math.sqrt(mean.mean.reduce((s, m) => s + (m - 0.8) ** 2, 0));
    };
    for (const seed of [1, 2, 3, 4, 5]) expect(meanDistance(seed, true), `seed ${seed}`).toBeLessThan(meanDistance(seed, false));
  });

  it('adopted trials do not count against n_samples and survive a restore', () => {
    const p = cmaesProposer.create(ctx({ nSamples: 2 }));
    const params = { x0: 0, x1: 1, x2: 2, x3: 3 };
    expect(p.adopt!(params)).toEqual({ kind: 'trial', trialId: 0, params });
    const q = cmaesProposer.create(ctx({ nSamples: 2 }), JSON.parse(JSON.stringify(p.snapshot())) as Json);
    q.tell({ trialId: 0, params, status: 'finished', score: 1 });
    expect(q.ask().kind).toBe('trial');
    expect(q.ask().kind).toBe('trial');
    expect(q.ask()).toEqual({ kind: 'done' });
  });
});

describe('cmaes: settings and snapshots', () => {
  it('rejects bad settings with AUP_ERR_PROPOSER_CONFIG naming the key', () => {
    const bad: [Record<string, Json>, string][] = [
      [{ sigma0: 0 }, 'sigma0'],
      [{ sigma0: 2 }, 'sigma0'],
      [{ popsize: 1 }, 'popsize'],
      [{ popsize: 4.5 }, 'popsize'],
      [{ restarts: 'bipop' }, 'restarts'],
      [{ inc_popsize: 0 }, 'inc_popsize'],
    ];
    for (const [options, key] of bad) {
      expect(() => cmaesProposer.create(ctx({ options })), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'AUP_ERR_PROPOSER_CONFIG', message: expect.stringContaining(key) }),
      );
    }
  });

  it('names the snapshot field that is wrong', () => {
    const p = cmaesProposer.create(ctx());
    const a = p.ask() as { trialId: number; params: Params };
    p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: 1 });
    const good = JSON.parse(JSON.stringify(p.snapshot())) as Record<string, Json>;
    const broken: [Record<string, Json>, string][] = [
      [{ ...good, cma: { ...(good.cma as Record<string, Json>), cov: [1, 2] } }, 'cma.cov'],
      [{ ...good, cma: { ...(good.cma as Record<string, Json>), sigma: -1 } }, 'cma.sigma'],
      [{ ...good, members: [{ trialId: 0, x: [0.5, 0.5, 2, 0.5], choices: [] }] }, 'members[0].x'],
      [{ ...good, restarts: 'two' }, 'restarts'],
    ];
    for (const [snap, field] of broken) {
      expect(() => cmaesProposer.create(ctx(), snap)).toThrow(
        expect.objectContaining({ code: 'AUP_ERR_PROPOSER_STATE', message: expect.stringContaining(`"${field}"`) }),
      );
    }
  });

  it('is accepted by the config as "proposer": "cmaes" with its keys, and a bad key value is named', () => {
    const base = { proposer: 'cmaes', n_samples: 10, parameter_config: [{ name: 'x', type: 'float', range: [0, 1] }] };
    const opts = { baseDir: process.cwd(), inProcess: true };
    const ok = validateConfig({ ...base, sigma0: 0.2, popsize: 8, restarts: 'none', inc_popsize: 3 }, opts);
    expect(ok.ok).toBe(true);
    const bad = validateConfig({ ...base, restarts: 'bipop' }, opts);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.path)).toEqual(['restarts']);
  });

  it('runs an experiment from runExperiment with 3 jobs in parallel (a real SQLite store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aup-cmaes-'));
    try {
      const result = await runExperiment({
        proposer: 'cmaes',
        n_samples: 120,
        n_parallel: 3,
        random_seed: 4,
        target: 'min',
        parameter_config: [
          { name: 'x0', type: 'float', range: [-5, 5] },
          { name: 'x1', type: 'float', range: [-5, 5] },
        ],
        db: join(dir, 'aup.db'),
        objective: (p) => sphere(2)(p),
      });
      expect(result.status).toBe('finished');
      expect(result.jobs).toHaveLength(120);
      expect(result.best!.score).toBeLessThan(1e-3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
