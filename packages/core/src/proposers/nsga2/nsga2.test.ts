import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng.js';
import { median } from '../../testing/stats.js';
import { dtlz2, hypervolume, zdt1, type MultiObjectiveFunction } from '../../testing/multi-objective-functions.js';
import type { Json, Outcome, ProposerContext, Suggestion } from '../../types.js';
import { randomProposer } from '../random/random-proposer.js';
import type { BuiltinProposer } from '../definition.js';
import { crowdingDistances, dominatesMin, nonDominatedFronts, selectElite } from './nsga2-sort.js';
import { nsga2Proposer } from './nsga2-proposer.js';

function randomPoints(n: number, m: number, seed: number): number[][] {
  const rng = new Rng(seed);
  // Rounded, so ties and equal points occur.
  return Array.from({ length: n }, () => Array.from({ length: m }, () => Math.round(rng.next() * 8) / 8));
}

describe('non-dominated sorting', () => {
  it('splits points into fronts as the definition says, checked by brute force', () => {
    for (const [n, m, seed] of [
      [40, 2, 1],
      [60, 3, 2],
      [25, 4, 3],
    ] as const) {
      const pts = randomPoints(n, m, seed);
      const fronts = nonDominatedFronts(pts);
      expect(fronts.flat().sort((a, b) => a - b)).toEqual(pts.map((_, i) => i));
      const rank = new Map<number, number>();
      fronts.forEach((f, r) => f.forEach((i) => rank.set(i, r)));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) if (dominatesMin(pts[j]!, pts[i]!)) expect(rank.get(j)!).toBeLessThan(rank.get(i)!);
        // Each point past the first front is dominated by one of the front before it.
        const r = rank.get(i)!;
        if (r > 0) expect(fronts[r - 1]!.some((j) => dominatesMin(pts[j]!, pts[i]!))).toBe(true);
      }
    }
  });

  it('gives the extremes of a front infinite crowding and the inner points their normalised gaps', () => {
    const pts = [
      [0, 4],
      [1, 2],
      [2, 1],
      [4, 0],
    ];
    const d = crowdingDistances(pts, [0, 1, 2, 3]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    expect(d[1]).toBeCloseTo(2 / 4 + 3 / 4);
    expect(d[2]).toBeCloseTo(3 / 4 + 2 / 4);
  });

  it('keeps whole fronts, then the most spread members of the front that does not fit', () => {
    const pts = [
      [0, 4],
      [1, 3.9],
      [2, 1],
      [4, 0],
      [5, 5],
    ];
    // The front is 0..3; the crowded [1, 3.9] goes first.
    expect(selectElite(pts, 3)).toEqual([0, 2, 3]);
    expect(selectElite(pts, 4)).toEqual([0, 1, 2, 3]);
    expect(selectElite(pts, 10)).toEqual([0, 1, 2, 3, 4]);
  });
});

/** Runs a proposer on a problem, n_parallel 4 with out-of-order tells, and answers the hypervolume of what it found. */
function run(def: BuiltinProposer, fn: MultiObjectiveFunction, n: number, seed: number, options: Record<string, Json> = {}): number {
  const ctx: ProposerContext = {
    space: fn.space,
    target: 'min',
    targets: new Array(fn.objectives).fill('min'),
    nSamples: n,
    seed,
    options,
  };
  const p = def.create(ctx);
  const pending: Suggestion[] = [];
  const found: number[][] = [];
  const order = new Rng(seed + 1000);
  for (;;) {
    while (pending.length < 4) {
      const a = p.ask();
      if (a.kind !== 'trial') break;
      pending.push(a);
    }
    if (pending.length === 0) break;
    const [s] = pending.splice(order.int(0, pending.length - 1), 1) as [Suggestion];
    const values = fn.evaluate(s.params);
    found.push(values);
    const outcome: Outcome = { trialId: s.trialId, params: s.params, status: 'finished', score: values[0]!, values };
    p.tell(outcome);
  }
  expect(found).toHaveLength(n);
  return hypervolume(found, fn.reference);
}

describe('nsga2 on multi-objective problems', () => {
  it('finds a larger hypervolume than random search on ZDT1 and DTLZ2 (median of 7 seeds)', () => {
    for (const fn of [zdt1, dtlz2]) {
      const seeds = [1, 2, 3, 4, 5, 6, 7];
      const nsga = seeds.map((s) => run(nsga2Proposer, fn, 300, s, { population_size: 20 }));
      const rand = seeds.map((s) => run(randomProposer, fn, 300, s));
      expect(median(nsga), fn.name).toBeGreaterThan(median(rand));
      for (const hv of nsga) expect(hv).toBeLessThanOrEqual(fn.optimalHypervolume + 1e-9);
    }
  });

  it('continues exactly from a snapshot taken mid-generation, with results still out', () => {
    const ctx: ProposerContext = {
      space: zdt1.space,
      target: 'min',
      targets: ['min', 'max'],
      nSamples: 30,
      seed: 3,
      options: { population_size: 6 },
    };
    const a = nsga2Proposer.create(ctx);
    const out: Suggestion[] = [];
    const tellOne = (p: ReturnType<typeof nsga2Proposer.create>, s: Suggestion) => {
      const v = zdt1.evaluate(s.params);
      p.tell({ trialId: s.trialId, params: s.params, status: 'finished', score: v[0]!, values: [v[0]!, -v[1]!] });
    };
    for (let i = 0; i < 14; i++) {
      const r = a.ask();
      if (r.kind === 'trial') out.push(r);
      if (out.length > 2) tellOne(a, out.shift()!);
    }
    const b = nsga2Proposer.create(ctx, JSON.parse(JSON.stringify(a.snapshot())) as Json);
    for (const s of out) {
      tellOne(a, s);
      tellOne(b, s);
    }
    for (let i = 0; i < 10; i++) expect(b.ask()).toEqual(a.ask());
  });

  it('hypervolume: exact on small sets', () => {
    expect(hypervolume([[0.5, 0.5]], [1, 1])).toBeCloseTo(0.25);
    expect(
      hypervolume(
        [
          [0, 0.5],
          [0.5, 0],
          [0.6, 0.6],
        ],
        [1, 1],
      ),
    ).toBeCloseTo(0.75);
    expect(hypervolume([[0.5, 0.5, 0.5]], [1, 1, 1])).toBeCloseTo(0.125);
    expect(
      hypervolume(
        [
          [0, 0, 0.5],
          [0.5, 0.5, 0],
        ],
        [1, 1, 1],
      ),
    ).toBeCloseTo(0.5 + 0.25 - 0.125);
  });
});
