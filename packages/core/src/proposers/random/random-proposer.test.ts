import { describe, expect, it } from 'vitest';
import { AupError } from '../../errors.js';
import type { ParamSpec, ProposerContext, Suggestion } from '../../types.js';
import { RandomProposer, randomProposer } from './random-proposer.js';

function ctx(space: ParamSpec[], nSamples: number, seed = 0): ProposerContext {
  return { space, target: 'min', nSamples, seed, options: {} };
}

function drain(p: RandomProposer): Suggestion[] {
  const out: Suggestion[] = [];
  for (;;) {
    const r = p.ask();
    if (r.kind === 'done') return out;
    if (r.kind !== 'trial') throw new Error(`unexpected ${r.kind}`);
    out.push(r);
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AupError ? e.code : String(e);
  }
  return undefined;
}

describe('random proposer', () => {
  it('answers done after n_samples trials', () => {
    const p = new RandomProposer(ctx([{ name: 'x', type: 'float', range: [0, 1] }], 7));
    expect(drain(p).map((t) => t.trialId)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(p.ask()).toEqual({ kind: 'done' });
    expect(new RandomProposer(ctx([{ name: 'x', type: 'float', range: [0, 1] }], 0)).ask()).toEqual({ kind: 'done' });
  });

  it('reaches both ends of an inclusive int range, equally often', () => {
    const trials = drain(new RandomProposer(ctx([{ name: 'k', type: 'int', range: [1, 3] }], 3000, 5)));
    const counts = [1, 2, 3].map((k) => trials.filter((t) => t.params.k === k).length);
    // Each share is 1/3; 6 binomial sds of 3000 draws is about 155.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(155);
  });

  it('samples log floats log-uniformly', () => {
    const trials = drain(new RandomProposer(ctx([{ name: 'lr', type: 'float', range: [1e-6, 1], log: true }], 4000, 9)));
    const belowMilli = trials.filter((t) => (t.params.lr as number) < 1e-3).length;
    // Half of the log range lies below 1e-3; uniform sampling would put 0.1% there.
    expect(Math.abs(belowMilli / trials.length - 0.5)).toBeLessThan(6 * Math.sqrt(0.25 / trials.length));
  });

  it('ignores scores: the trials do not depend on what it is told', () => {
    const space: ParamSpec[] = [{ name: 'x', type: 'float', range: [0, 1] }];
    const run = (score: number) => {
      const p = new RandomProposer(ctx(space, 5, 3));
      const out: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        const r = p.ask();
        if (r.kind !== 'trial') throw new Error('expected a trial');
        out.push(r.params);
        p.tell({ trialId: r.trialId, params: r.params, status: i % 2 ? 'failed' : 'finished', score });
      }
      return out;
    };
    expect(run(1)).toEqual(run(-100));
  });

  it('runs one trial for a space without parameters', () => {
    expect(drain(new RandomProposer(ctx([], 10))).map((t) => t.params)).toEqual([{}]);
  });

  it('counts what it was told in its snapshot', () => {
    const p = new RandomProposer(ctx([{ name: 'x', type: 'int', range: [0, 9] }], 3));
    const [a, b, c] = drain(p);
    p.tell({ trialId: a!.trialId, params: a!.params, status: 'finished', score: 1 });
    p.tell({ trialId: c!.trialId, params: c!.params, status: 'failed' });
    p.tell({ trialId: b!.trialId, params: b!.params, status: 'early_stopped', score: 0.5 });
    expect(p.snapshot()).toMatchObject({ proposer: 'random', asked: 3, told: { finished: 1, failed: 1, early_stopped: 1 } });
  });

  it('rejects a tell for a trial it never proposed as an internal fault', () => {
    const p = new RandomProposer(ctx([{ name: 'x', type: 'int', range: [0, 9] }], 3));
    expect(codeOf(() => p.tell({ trialId: 0, params: { x: 1 }, status: 'finished', score: 1 }))).toBe('AUP_ERR_INTERNAL');
  });

  it('rejects bad settings with AUP_ERR_PROPOSER_CONFIG', () => {
    const space: ParamSpec[] = [{ name: 'x', type: 'float', range: [0, 1] }];
    expect(codeOf(() => randomProposer.create(ctx(space, -1)))).toBe('AUP_ERR_PROPOSER_CONFIG');
    expect(codeOf(() => randomProposer.create(ctx(space, 2.5)))).toBe('AUP_ERR_PROPOSER_CONFIG');
    expect(codeOf(() => randomProposer.create(ctx(space, 5, 0.5)))).toBe('AUP_ERR_PROPOSER_CONFIG');
    expect(codeOf(() => randomProposer.create(ctx([{ name: 'x', type: 'float', range: [0, 1], log: true }], 5)))).toBe(
      'AUP_ERR_PROPOSER_CONFIG',
    );
  });

  it('names the broken field of a corrupt snapshot', () => {
    const p = new RandomProposer(ctx([{ name: 'x', type: 'float', range: [0, 1] }], 5));
    p.ask();
    const snap = p.snapshot() as Record<string, unknown>;
    for (const [field, value] of [
      ['rng', { algorithm: 'xoshiro128**', s: [0, 0, 0, 0] }],
      ['asked', -1],
      ['proposer', 'sequence'],
    ] as const) {
      let err: unknown;
      try {
        randomProposer.create(ctx([{ name: 'x', type: 'float', range: [0, 1] }], 5), { ...snap, [field]: value } as never);
      } catch (e) {
        err = e;
      }
      expect((err as AupError).code).toBe('AUP_ERR_PROPOSER_STATE');
      expect((err as AupError).message).toContain(`"${field}"`);
    }
  });
});
