import { describe, expect, it } from 'vitest';
import { AupError } from '../../errors.js';
import type { AskResult, ParamSpec, ProposerContext, Suggestion } from '../../types.js';
import { SequenceProposer, sequenceProposer } from './sequence-proposer.js';
import { gridSize } from '../space.js';

function ctx(space: ParamSpec[], nSamples = 1000): ProposerContext {
  return { space, target: 'max', nSamples, seed: 0, options: {} };
}

/** Asks until done, telling each trial as finished right away. */
function drain(p: SequenceProposer, limit = 100_000): Suggestion[] {
  const out: Suggestion[] = [];
  for (let i = 0; i < limit; i++) {
    const r: AskResult = p.ask();
    if (r.kind === 'done') return out;
    if (r.kind !== 'trial') throw new Error(`unexpected ${r.kind}`);
    out.push(r);
    p.tell({ trialId: r.trialId, params: r.params, status: 'finished', score: 0 });
  }
  throw new Error('never answered done');
}

describe('sequence proposer', () => {
  it('visits the 121-point grid of int [0,10] x [0,10] with the first parameter varying fastest', () => {
    const space: ParamSpec[] = [
      { name: 'x', type: 'int', range: [0, 10], interval: 1 },
      { name: 'y', type: 'int', range: [0, 10], interval: 1 },
    ];
    const trials = drain(new SequenceProposer(ctx(space, 500)));
    expect(trials).toHaveLength(121);
    trials.forEach((t, k) => {
      expect(t.trialId).toBe(k);
      expect(t.params).toEqual({ x: k % 11, y: Math.floor(k / 11) });
    });
    expect(trials.slice(0, 3).map((t) => t.params)).toEqual([
      { x: 0, y: 0 },
      { x: 1, y: 0 },
      { x: 2, y: 0 },
    ]);
    expect(trials[11]!.params).toEqual({ x: 0, y: 1 });
    expect(trials[120]!.params).toEqual({ x: 10, y: 10 });
  });

  it('carries through three parameters in mixed radix (choice, float n-points, int)', () => {
    const space: ParamSpec[] = [
      { name: 'c', type: 'choice', range: ['a', 'b'] },
      { name: 'f', type: 'float', range: [0, 1], n: 3 },
      { name: 'k', type: 'int', range: [5, 6] },
    ];
    const params = drain(new SequenceProposer(ctx(space))).map((t) => t.params);
    expect(params).toHaveLength(12);
    expect(params[0]).toEqual({ c: 'a', f: 0, k: 5 });
    expect(params[1]).toEqual({ c: 'b', f: 0, k: 5 });
    expect(params[2]).toEqual({ c: 'a', f: 0.5, k: 5 });
    expect(params[5]).toEqual({ c: 'b', f: 1, k: 5 });
    expect(params[6]).toEqual({ c: 'a', f: 0, k: 6 });
    expect(params[11]).toEqual({ c: 'b', f: 1, k: 6 });
    // Every point exactly once.
    expect(new Set(params.map((p) => JSON.stringify(p))).size).toBe(12);
  });

  it('uses n evenly spaced points, in log space for log parameters', () => {
    const lin = drain(new SequenceProposer(ctx([{ name: 'x', type: 'float', range: [0, 2], n: 5 }]))).map((t) => t.params.x);
    expect(lin).toEqual([0, 0.5, 1, 1.5, 2]);
    const log = drain(new SequenceProposer(ctx([{ name: 'lr', type: 'float', range: [1e-6, 1e-2], log: true, n: 5 }]))).map(
      (t) => t.params.lr as number,
    );
    expect(log).toHaveLength(5);
    expect(log[0]).toBe(1e-6);
    expect(log[4]).toBe(1e-2);
    [1e-6, 1e-5, 1e-4, 1e-3, 1e-2].forEach((x, i) => expect(log[i]! / x).toBeCloseTo(1, 12));
  });

  it('stops at n_samples when the grid is larger', () => {
    const space: ParamSpec[] = [
      { name: 'x', type: 'int', range: [0, 10] },
      { name: 'y', type: 'int', range: [0, 10] },
    ];
    const trials = drain(new SequenceProposer(ctx(space, 10)));
    expect(trials.map((t) => t.params.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(trials.every((t) => t.params.y === 0)).toBe(true);
  });

  it('answers done when the grid is exhausted even if n_samples is larger', () => {
    const p = new SequenceProposer(ctx([{ name: 'c', type: 'choice', range: [1, 2, 3] }], 50));
    expect(drain(p)).toHaveLength(3);
    expect(p.ask()).toEqual({ kind: 'done' });
  });

  it('exposes the grid size, the same as gridSize(space)', () => {
    const space: ParamSpec[] = [
      { name: 'x', type: 'float', range: [0, 1], interval: 0.1 },
      { name: 'c', type: 'choice', range: ['a', 'b'] },
    ];
    expect(new SequenceProposer(ctx(space)).gridSize).toBe(22);
    expect(gridSize(space)).toBe(22);
  });

  it('runs one trial for a space without parameters', () => {
    const trials = drain(new SequenceProposer(ctx([], 10)));
    expect(trials.map((t) => t.params)).toEqual([{}]);
  });

  it('refuses a snapshot taken on a different grid', () => {
    const a = new SequenceProposer(ctx([{ name: 'x', type: 'int', range: [0, 10] }]));
    a.ask();
    const snap = a.snapshot();
    let err: unknown;
    try {
      sequenceProposer.create(ctx([{ name: 'x', type: 'int', range: [0, 20] }]), snap);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AupError);
    expect((err as AupError).code).toBe('AUP_ERR_PROPOSER_STATE');
    expect((err as AupError).message).toContain('gridSize');
  });

  it('rejects a grid it cannot build with AUP_ERR_PROPOSER_CONFIG', () => {
    let err: unknown;
    try {
      sequenceProposer.create(ctx([{ name: 'lr', type: 'float', range: [1e-4, 1], log: true }]));
    } catch (e) {
      err = e;
    }
    expect((err as AupError).code).toBe('AUP_ERR_PROPOSER_CONFIG');
    expect((err as AupError).message).toContain('"lr"');
  });
});
