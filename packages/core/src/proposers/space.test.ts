import { describe, expect, it } from 'vitest';
import { AupError } from '../errors.js';
import { Rng } from '../rng.js';
import type { ParamSpec } from '../types.js';
import { checkSpace, fromUnit, gridSize, gridValues, MAX_GRID_VALUES_PER_PARAM, sampleParams, toUnit } from './space.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AupError ? e.code : `not an AupError: ${String(e)}`;
  }
  return undefined;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

/** Counts of fromUnit over an even sweep of u: exact shares, no randomness involved. */
function sweep(spec: ParamSpec, steps: number): Map<unknown, number> {
  const counts = new Map<unknown, number>();
  for (let i = 0; i < steps; i++) {
    const v = fromUnit(spec, (i + 0.5) / steps);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

describe('fromUnit', () => {
  it('maps floats linearly with both ends reachable', () => {
    const spec: ParamSpec = { name: 'x', type: 'float', range: [-2, 6] };
    expect(fromUnit(spec, 0)).toBe(-2);
    expect(fromUnit(spec, 0.5)).toBe(2);
    expect(fromUnit(spec, 1)).toBe(6);
    expect(fromUnit(spec, 1.5)).toBe(6);
    expect(fromUnit(spec, -1)).toBe(-2);
  });

  it('maps log floats geometrically', () => {
    const spec: ParamSpec = { name: 'lr', type: 'float', range: [1e-4, 1], log: true };
    expect(fromUnit(spec, 0)).toBe(1e-4);
    expect(fromUnit(spec, 1)).toBe(1);
    expect(fromUnit(spec, 0.5)).toBeCloseTo(1e-2, 12);
    expect(fromUnit(spec, 0.25)).toBeCloseTo(1e-3, 12);
  });

  it('gives every integer of an inclusive int range the same share, ends included', () => {
    const counts = sweep({ name: 'k', type: 'int', range: [0, 3] }, 4000);
    expect([...counts.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const c of counts.values()) expect(c).toBe(1000);
  });

  it('log ints: each integer owns its log-space bin, so the ends are not halved', () => {
    const spec: ParamSpec = { name: 'k', type: 'int', range: [1, 4], log: true };
    const steps = 100_000;
    const counts = sweep(spec, steps);
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4]);
    // Share of k is log((k + 0.5) / (k - 0.5)) / log(4.5 / 0.5).
    const total = Math.log(4.5 / 0.5);
    for (const k of [1, 2, 3, 4]) {
      const expected = Math.log((k + 0.5) / (k - 0.5)) / total;
      expect(Math.abs(counts.get(k)! / steps - expected)).toBeLessThan(1e-4);
    }
  });

  it('picks choices uniformly', () => {
    const counts = sweep({ name: 'c', type: 'choice', range: ['a', 2, true] }, 3000);
    expect([...counts.entries()]).toEqual([
      ['a', 1000],
      [2, 1000],
      [true, 1000],
    ]);
    expect(fromUnit({ name: 'c', type: 'choice', range: ['a', 'b'] }, 1)).toBe('b');
  });

  it('returns the only value of a degenerate range', () => {
    expect(fromUnit({ name: 'x', type: 'float', range: [3, 3] }, 0.7)).toBe(3);
    expect(fromUnit({ name: 'x', type: 'int', range: [5, 5], log: true }, 0.2)).toBe(5);
  });
});

describe('toUnit', () => {
  const specs: ParamSpec[] = [
    { name: 'f', type: 'float', range: [-1, 3] },
    { name: 'lf', type: 'float', range: [1e-5, 10], log: true },
    { name: 'i', type: 'int', range: [-4, 7] },
    { name: 'li', type: 'int', range: [1, 1000], log: true },
    { name: 'c', type: 'choice', range: ['relu', 'tanh', 0.5, false] },
  ];

  it('is the inverse of fromUnit on values of the space', () => {
    const rng = new Rng(6);
    for (const spec of specs) {
      for (let t = 0; t < 500; t++) {
        const v = fromUnit(spec, rng.next());
        const u = toUnit(spec, v);
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThanOrEqual(1);
        if (spec.type === 'float') expect(fromUnit(spec, u) as number).toBeCloseTo(v as number, 9);
        else expect(fromUnit(spec, u)).toBe(v);
      }
    }
    // Every integer of a log int range maps back to itself, the ends too.
    const li = specs[3]!;
    for (let k = 1; k <= 1000; k++) expect(fromUnit(li, toUnit(li, k))).toBe(k);
  });

  it('puts ints and choices at the centre of their bin', () => {
    expect(toUnit({ name: 'i', type: 'int', range: [0, 3] }, 0)).toBe(0.125);
    expect(toUnit({ name: 'c', type: 'choice', range: ['a', 'b'] }, 'b')).toBe(0.75);
  });

  it('rejects values outside the space with AUP_ERR_PROPOSER_STATE naming the parameter', () => {
    expect(codeOf(() => toUnit(specs[0]!, 5))).toBe('AUP_ERR_PROPOSER_STATE');
    expect(codeOf(() => toUnit(specs[2]!, 1.5))).toBe('AUP_ERR_PROPOSER_STATE');
    expect(codeOf(() => toUnit(specs[4]!, 'gelu'))).toBe('AUP_ERR_PROPOSER_STATE');
    expect(messageOf(() => toUnit(specs[4]!, 'gelu'))).toContain('"c"');
  });
});

describe('sampleParams', () => {
  it('draws one value per parameter, deterministically for a seed', () => {
    const space: ParamSpec[] = [
      { name: 'a', type: 'float', range: [0, 1] },
      { name: 'b', type: 'choice', range: ['x', 'y'] },
    ];
    const a = sampleParams(space, new Rng(1));
    expect(Object.keys(a)).toEqual(['a', 'b']);
    expect(sampleParams(space, new Rng(1))).toEqual(a);
    expect(sampleParams([], new Rng(1))).toEqual({});
  });
});

describe('checkSpace', () => {
  it('accepts a well-formed mixed space', () => {
    expect(() =>
      checkSpace([
        { name: 'a', type: 'float', range: [0, 1] },
        { name: 'b', type: 'int', range: [1, 8], log: true },
        { name: 'c', type: 'choice', range: [1] },
      ]),
    ).not.toThrow();
  });

  it.each([
    [
      'duplicate names',
      [
        { name: 'a', type: 'float', range: [0, 1] },
        { name: 'a', type: 'int', range: [0, 1] },
      ],
    ],
    ['min > max', [{ name: 'a', type: 'float', range: [2, 1] }]],
    ['non-integer int bounds', [{ name: 'a', type: 'int', range: [0, 1.5] }]],
    ['log with min <= 0', [{ name: 'a', type: 'float', range: [0, 1], log: true }]],
    ['empty choice', [{ name: 'a', type: 'choice', range: [] }]],
    ['infinite bound', [{ name: 'a', type: 'float', range: [0, Infinity] }]],
    ['unknown type', [{ name: 'a', type: 'bool', range: [0, 1] }]],
  ])('rejects %s with AUP_ERR_PROPOSER_CONFIG', (_label, space) => {
    expect(codeOf(() => checkSpace(space as ParamSpec[]))).toBe('AUP_ERR_PROPOSER_CONFIG');
    expect(messageOf(() => checkSpace(space as ParamSpec[]))).toContain('"a"');
  });
});

describe('gridValues', () => {
  it('steps ints by interval up to max inclusive (default interval 1)', () => {
    expect(gridValues({ name: 'k', type: 'int', range: [0, 10] })).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(gridValues({ name: 'k', type: 'int', range: [0, 10], interval: 3 })).toEqual([0, 3, 6, 9]);
    expect(gridValues({ name: 'k', type: 'int', range: [-2, 2], interval: 2 })).toEqual([-2, 0, 2]);
  });

  it('steps floats by interval with max included despite binary rounding, values as typed', () => {
    const g = gridValues({ name: 'x', type: 'float', range: [0, 1], interval: 0.1 });
    expect(g).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(gridValues({ name: 'x', type: 'float', range: [0, 0.3], interval: 0.1 })).toEqual([0, 0.1, 0.2, 0.3]);
    expect(gridValues({ name: 'x', type: 'float', range: [0.001, 0.005], interval: 0.001 })).toEqual([0.001, 0.002, 0.003, 0.004, 0.005]);
    expect(gridValues({ name: 'x', type: 'float', range: [0, 1], interval: 0.3 })).toEqual([0, 0.3, 0.6, 0.9]);
  });

  it("uses Auptimizer's default step of 1 for a float without interval or n", () => {
    expect(gridValues({ name: 'x', type: 'float', range: [-1.5, 2] })).toEqual([-1.5, -0.5, 0.5, 1.5]);
  });

  it('gives n evenly spaced points including both ends', () => {
    expect(gridValues({ name: 'x', type: 'float', range: [0, 1], n: 5 })).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(gridValues({ name: 'x', type: 'float', range: [2, 3], n: 2 })).toEqual([2, 3]);
    expect(gridValues({ name: 'k', type: 'int', range: [0, 10], n: 4 })).toEqual([0, 3, 7, 10]);
  });

  it('spaces n points evenly in log space for log parameters', () => {
    const g = gridValues({ name: 'lr', type: 'float', range: [1e-4, 1], log: true, n: 5 }) as number[];
    expect(g[0]).toBe(1e-4);
    expect(g[4]).toBe(1);
    [1e-4, 1e-3, 1e-2, 1e-1, 1].forEach((x, i) => expect(g[i]! / x).toBeCloseTo(1, 12));
    expect(gridValues({ name: 'k', type: 'int', range: [1, 1000], log: true, n: 4 })).toEqual([1, 10, 100, 1000]);
  });

  it('drops repeats when rounding n int points collides', () => {
    expect(gridValues({ name: 'k', type: 'int', range: [0, 2], n: 7 })).toEqual([0, 1, 2]);
  });

  it('prefers interval over n, as Auptimizer does', () => {
    expect(gridValues({ name: 'x', type: 'float', range: [0, 1], interval: 0.5, n: 7 })).toEqual([0, 0.5, 1]);
  });

  it('lists choices in order', () => {
    expect(gridValues({ name: 'c', type: 'choice', range: ['b', 'a', 3] })).toEqual(['b', 'a', 3]);
  });

  it.each<[string, ParamSpec]>([
    ['interval 0', { name: 'a', type: 'float', range: [0, 1], interval: 0 }],
    ['negative interval', { name: 'a', type: 'float', range: [0, 1], interval: -0.1 }],
    ['fractional int interval', { name: 'a', type: 'int', range: [0, 10], interval: 2.5 }],
    ['interval with log', { name: 'a', type: 'float', range: [1, 10], log: true, interval: 1 }],
    ['n = 1', { name: 'a', type: 'float', range: [0, 1], n: 1 }],
    ['fractional n', { name: 'a', type: 'float', range: [0, 1], n: 2.5 }],
    ['log float without n', { name: 'a', type: 'float', range: [1e-3, 1], log: true }],
    ['too many points', { name: 'a', type: 'float', range: [0, 1], interval: 1 / (MAX_GRID_VALUES_PER_PARAM * 2) }],
  ])('rejects %s with AUP_ERR_PROPOSER_CONFIG naming the parameter', (_label, spec) => {
    expect(codeOf(() => gridValues(spec))).toBe('AUP_ERR_PROPOSER_CONFIG');
    expect(messageOf(() => gridValues(spec))).toContain('"a"');
  });
});

describe('gridSize', () => {
  it('is the product of the grids, 1 for an empty space', () => {
    expect(
      gridSize([
        { name: 'x', type: 'int', range: [0, 10] },
        { name: 'y', type: 'int', range: [0, 10], interval: 1 },
      ]),
    ).toBe(121);
    expect(
      gridSize([
        { name: 'x', type: 'float', range: [0, 1], n: 5 },
        { name: 'c', type: 'choice', range: ['a', 'b', 'c'] },
      ]),
    ).toBe(15);
    expect(gridSize([])).toBe(1);
  });
});
