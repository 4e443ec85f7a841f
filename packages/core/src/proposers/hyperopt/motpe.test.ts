import { describe, expect, it } from 'vitest';
import { AupError } from '../../errors.js';
import { hypervolume } from '../../math/hypervolume.js';
import { median } from '../../testing/stats.js';
import { zdt1 } from '../../testing/multi-objective-functions.js';
import type { ProposerContext } from '../../types.js';
import type { BuiltinProposer } from '../definition.js';
import { randomProposer } from '../random/random-proposer.js';
import { hyperoptProposer } from './hyperopt-proposer.js';
import { belowWeights, multiObjectiveBelow } from './motpe-split.js';
import { dominatesMin } from '../nsga2/nsga2-sort.js';

describe('multi-objective TPE split', () => {
  it('takes whole fronts first, then the members of the next front adding the most hypervolume', () => {
    // Front 0: the first four; front 1: [6, 6] (behind [5, 5]), [2, 12] (behind [0, 10]), [12, 2] (behind [10, 0]).
    const losses = [
      [0, 10],
      [10, 0],
      [1, 9.5],
      [5, 5],
      [6, 6],
      [2, 12],
      [12, 2],
    ];
    expect(multiObjectiveBelow(losses, 4)).toEqual([0, 1, 2, 3]);
    const two = multiObjectiveBelow(losses, 2);
    expect(two).toHaveLength(2);
    // A greedy choice: [5, 5] adds the most alone; then the best partner for it.
    expect(two).toContain(3);
    const five = multiObjectiveBelow(losses, 5);
    expect(five.slice(0, 4)).toEqual([0, 1, 2, 3]);
    for (const i of multiObjectiveBelow(losses, 3)) for (const j of [4, 5, 6]) expect(dominatesMin(losses[j]!, losses[i]!)).toBe(false);
  });

  it('weighs the good trials by hypervolume contribution: a dominated one weighs 0, the largest 1', () => {
    const w = Array.from(
      belowWeights([
        [0, 4],
        [2, 2],
        [4, 0],
        [3, 3],
      ]),
    );
    expect(w[3]).toBe(0);
    expect(Math.max(...w)).toBe(1);
    expect(w.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(Array.from(belowWeights([[1, 1]]))).toEqual([1]);
  });

  it('refuses the anneal engine with several objectives, naming the key', () => {
    const ctx: ProposerContext = {
      space: zdt1.space,
      target: 'min',
      targets: ['min', 'min'],
      nSamples: 10,
      seed: 0,
      options: { engine: 'anneal' },
    };
    let e: unknown;
    try {
      hyperoptProposer.create(ctx);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(AupError);
    expect((e as AupError).code).toBe('AUP_ERR_PROPOSER_CONFIG');
    expect((e as AupError).message).toMatch(/^engine: .*"anneal" handles one objective/);
  });

  it('finds a larger hypervolume than random search on ZDT1 at 150 trials (median of 5 seeds)', () => {
    const run = (def: BuiltinProposer, seed: number): number => {
      const p = def.create({ space: zdt1.space, target: 'min', targets: ['min', 'min'], nSamples: 150, seed, options: {} });
      const found: number[][] = [];
      for (let a = p.ask(); a.kind === 'trial'; a = p.ask()) {
        const v = zdt1.evaluate(a.params);
        found.push(v);
        p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: v[0]!, values: v });
      }
      return hypervolume(found, zdt1.reference);
    };
    const seeds = [0, 1, 2, 3, 4];
    expect(median(seeds.map((s) => run(hyperoptProposer, s)))).toBeGreaterThan(median(seeds.map((s) => run(randomProposer, s))));
  });
});
