import { describe, expect, it } from 'vitest';
import { AupError } from '../../errors.js';
import { SimulatedRun } from '../../testing/proposer-conformance.js';
import type { JsonObject, OutcomeStatus, ProposerContext, Suggestion } from '../../types.js';
import { EasProposer, easProposer, easSettings } from './eas-proposer.js';
import { applyAction, readNetConfig, validActions, type NetLayer } from './net-description.js';

interface Arch {
  layers: NetLayer[];
}

function ctx(over: Partial<ProposerContext> = {}): ProposerContext {
  return { space: [], target: 'max', nSamples: 30, seed: 11, options: {}, ...over };
}

function archOf(s: Suggestion): Arch {
  return s.extra!['architecture'] as unknown as Arch;
}

/** A made-up task: accuracy grows with capacity up to ~48 units per layer and 3 layers, then drops. */
function fitness(a: Arch): number {
  const widths = a.layers.map((l) => l.units);
  const width = widths.reduce((s, u) => s + Math.min(u, 48) - Math.max(0, u - 48), 0) / widths.length;
  const depth = Math.min(a.layers.length, 3) - Math.max(0, a.layers.length - 3);
  return 0.5 + 0.004 * width + 0.05 * depth;
}

/** Runs the proposer against `fitness` the way the runner does, scoring by the architecture (not params). */
function simulate(c: ProposerContext, nParallel = 1, status: (id: number) => OutcomeStatus = () => 'finished'): Suggestion[] {
  return simulateWith(c, fitness, nParallel, status);
}

function simulateWith(
  c: ProposerContext,
  f: (a: Arch) => number,
  nParallel = 1,
  status: (id: number) => OutcomeStatus = () => 'finished',
): Suggestion[] {
  const p = easProposer.create(c);
  const out: Suggestion[] = [];
  const pending: Suggestion[] = [];
  for (;;) {
    const r = pending.length < nParallel ? p.ask() : { kind: 'wait' as const };
    if (r.kind === 'trial') {
      out.push(r);
      pending.push(r);
      continue;
    }
    if (r.kind === 'done' && pending.length === 0) return out;
    const s = pending.shift()!;
    const st = status(s.trialId);
    const score = f(archOf(s));
    p.tell({
      trialId: s.trialId,
      params: s.params,
      status: st,
      ...(st === 'failed' ? {} : { score: c.target === 'min' ? -score : score }),
    });
  }
}

describe('net descriptions', () => {
  it('defaults to one dense layer of 4 units', () => {
    expect(readNetConfig(undefined)).toEqual({ layers: [{ type: 'dense', units: 4 }], maxLayers: 6, maxUnits: 64 });
  });

  it('names the bad field of net_config', () => {
    const cases: [JsonObject, string][] = [
      [{ layers: [] }, 'net_config.layers'],
      [{ layers: [{ units: 0 }] }, 'net_config.layers[0].units'],
      [{ layers: [{ type: 'conv', units: 3 }] }, 'net_config.layers[0].type'],
      [{ layers: [{ units: 3 }], depth: 2 }, 'net_config.depth'],
      [{ layers: [{ units: 80 }], max_units: 64 }, 'net_config.max_units'],
    ];
    for (const [net, path] of cases) {
      const e = (() => {
        try {
          readNetConfig(net);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e, path).toBeInstanceOf(AupError);
      expect((e as AupError).code).toBe('AUP_ERR_PROPOSER_CONFIG');
      expect((e as AupError).message).toContain(path);
    }
    expect(() => easSettings({ n_children: 0 })).toThrow(/n_children: .*integer >= 1, found 0/);
  });

  it('widens by x1.5 and x2 within max_units, and deepens with a copy of the layer', () => {
    const net = readNetConfig({ layers: [{ units: 4, activation: 'relu' }, { units: 40 }], max_layers: 3, max_units: 64 });
    const layers = net.layers;
    expect(applyAction(layers, 0, net)).toEqual({
      layers: [{ units: 6, activation: 'relu' }, { units: 40 }],
      transformation: { kind: 'wider', layer: 0, from: 4, to: 6 },
    });
    expect(applyAction(layers, 3 + 1, net).layers[1]).toEqual({ units: 64 });
    expect(applyAction(layers, 6 + 0, net)).toEqual({
      layers: [{ units: 4, activation: 'relu' }, { units: 4, activation: 'relu' }, { units: 40 }],
      transformation: { kind: 'deeper', after: 0, units: 4 },
    });
    // At the depth limit only widening is left; at full width only deepening.
    const full = applyAction(layers, 6, net).layers;
    expect(validActions(full, net)).toEqual([0, 1, 2, 3, 4, 5]);
    const wide = readNetConfig({ layers: [{ units: 8 }], max_units: 8 });
    expect(validActions(wide.layers, wide)).toEqual([2 * wide.maxLayers]);
  });
});

describe('eas proposer', () => {
  it('starts from net_config, then proposes children of finished trials with their parent and edit', () => {
    const trials = simulate(ctx({ options: { net_config: { layers: [{ type: 'dense', units: 8 }] } } }));
    expect(trials).toHaveLength(30);
    expect(trials[0]!.extra).toEqual({
      architecture: { layers: [{ type: 'dense', units: 8 }] },
      parent_trial: null,
      trial_id: 0,
      transformation: null,
    });
    for (const t of trials.slice(1)) {
      const parent = t.extra!['parent_trial'] as number;
      expect(parent, `trial ${t.trialId}`).toBeLessThan(t.trialId);
      const tr = t.extra!['transformation'] as { kind: string; layer?: number; after?: number; to?: number };
      const before = archOf(trials[parent]!).layers;
      const after = archOf(t).layers;
      if (tr.kind === 'wider') {
        expect(after.length).toBe(before.length);
        expect(after[tr.layer!]!.units).toBe(tr.to);
      } else {
        expect(after.length).toBe(before.length + 1);
      }
      expect(t.trialId).toBe(t.extra!['trial_id']);
    }
  });

  it('never proposes the same network twice from one parent', () => {
    // Limits so tight that every edit of every network gets tried: then the start network is edited again, from scratch.
    for (const seed of [1, 2, 3]) {
      const trials = simulate(
        ctx({ seed, nSamples: 40, options: { n_children: 5, net_config: { layers: [{ units: 2 }], max_layers: 2, max_units: 3 } } }),
      );
      const seen = new Set<string>();
      expect(trials).toHaveLength(40);
      for (const t of trials.slice(1).filter((x) => x.extra!['parent_trial'] !== null)) {
        const key = JSON.stringify([t.extra!['parent_trial'], archOf(t).layers]);
        expect(seen.has(key), `seed ${seed} trial ${t.trialId}: ${key}`).toBe(false);
        seen.add(key);
      }
    }
  });

  it('learns: from the score improvements it finds better architectures than the same edits drawn at random', () => {
    const start = fitness({ layers: [{ units: 4 }] });
    const seeds = [1, 2, 3, 4, 5, 6];
    const bestOf = (trials: Suggestion[]): number => Math.max(...trials.map((t) => fitness(archOf(t))));
    // With every score equal the advantage is always 0: the policy stays uniform, i.e. random edits of random parents.
    const flat = (c: ProposerContext): Suggestion[] => simulateWith(c, () => 0.5);
    const learned = seeds.map((seed) => bestOf(simulate(ctx({ seed, nSamples: 25 }))));
    const random = seeds.map((seed) => bestOf(flat(ctx({ seed, nSamples: 25 }))));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const best of learned) expect(best).toBeGreaterThan(start + 0.1);
    expect(mean(learned)).toBeGreaterThan(mean(random));
  });

  it('proposes the same for target min with negated scores', () => {
    const max = simulate(ctx({ target: 'max' }), 2);
    const min = simulate(ctx({ target: 'min' }), 2);
    expect(min).toEqual(max);
  });

  it('keeps several trials in flight and waits only for parents', () => {
    const run = new SimulatedRun(easProposer, ctx({ nSamples: 20 }), { nParallel: 4, outOfOrder: true, orderSeed: 5 });
    run.runToEnd();
    expect(run.trials).toHaveLength(20);
    // Trial 0 has no result yet: the first ask after it waits instead of guessing a parent.
    expect(run.events[1]).toEqual({ ask: { kind: 'wait' } });
    const inFlight = Math.max(
      ...run.events.map((_, i) => {
        const asked = run.events.slice(0, i + 1).filter((e) => 'ask' in e && e.ask.kind === 'trial').length;
        const told = run.events.slice(0, i + 1).filter((e) => 'tell' in e).length;
        return asked - told;
      }),
    );
    expect(inFlight).toBeGreaterThan(1);
  });

  it('goes on after failures (from the start network) and early stops (not used as parents)', () => {
    const allFailed = simulate(ctx({ nSamples: 8 }), 2, () => 'failed');
    expect(allFailed).toHaveLength(8);
    for (const t of allFailed) expect(t.extra!['parent_trial']).toBeNull();
    expect(allFailed.slice(1).every((t) => t.extra!['transformation'] !== null)).toBe(true);
    const stopped = simulate(ctx({ nSamples: 12 }), 1, (id) => (id % 2 === 1 ? 'early_stopped' : 'finished'));
    expect(stopped).toHaveLength(12);
    for (const t of stopped.slice(1)) expect((t.extra!['parent_trial'] as number) % 2, `trial ${t.trialId}`).toBe(0);
  });

  it('resumes exactly: interrupted after k trials and restored, it proposes what an uninterrupted run does', () => {
    const c = ctx({ nSamples: 16 });
    const reference = new SimulatedRun(easProposer, c, { nParallel: 3, outOfOrder: true, orderSeed: 2 }).runToEnd();
    for (const k of [1, 5, 11]) {
      const run = new SimulatedRun(easProposer, c, { nParallel: 3, outOfOrder: true, orderSeed: 2 });
      while (run.trials.length < k) run.step();
      run.restore();
      expect(run.proposer).toBeInstanceOf(EasProposer);
      run.runToEnd();
      expect(run.trials, `interrupted after ${k} trials`).toEqual(reference.trials);
    }
  });

  it('refuses a snapshot with broken trial records', () => {
    const p = easProposer.create(ctx());
    p.ask();
    const snap = p.snapshot() as JsonObject;
    expect(() => easProposer.create(ctx(), { ...snap, trials: [{ layers: 'x' }] })).toThrow(/snapshot field "trials"/);
    expect(() => easProposer.create(ctx(), { ...snap, action_logits: [1] })).toThrow(/snapshot field "action_logits"/);
  });
});
