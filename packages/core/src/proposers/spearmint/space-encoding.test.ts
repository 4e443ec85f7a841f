import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../types.js';
import { SpaceEncoding } from './space-encoding.js';

const space: ParamSpec[] = [
  { name: 'lr', type: 'float', range: [1e-4, 1], log: true },
  { name: 'k', type: 'int', range: [1, 4] },
  { name: 'act', type: 'choice', range: ['relu', 'tanh', 'gelu'] },
  { name: 'fixed', type: 'int', range: [2, 2] },
  { name: 'only', type: 'choice', range: [true] },
];

describe('SpaceEncoding', () => {
  const enc = new SpaceEncoding(space);

  it('gives floats and ints one coordinate, choices one per option, constants none', () => {
    expect(enc.dim).toBe(5);
    expect(Array.from(enc.continuous)).toEqual([1, 0, 0, 0, 0]);
    expect(Array.from(enc.oneHot)).toEqual([0, 0, 1, 1, 1]);
  });

  it('encodes log floats in log space, ints at bin centres, choices one-hot, and decodes back', () => {
    const params = { lr: 0.01, k: 3, act: 'gelu', fixed: 2, only: true };
    const z = enc.encode(params);
    expect(z[0]).toBeCloseTo(0.5, 12);
    expect(z[1]).toBeCloseTo(2.5 / 4, 12);
    expect(Array.from(z.subarray(2))).toEqual([0, 0, 1]);
    const back = enc.decode(z);
    expect(back.lr).toBeCloseTo(0.01, 12);
    expect({ ...back, lr: 0.01 }).toEqual(params);
  });

  it('rounds a cube point onto what the space can produce', () => {
    const z = enc.round(Float64Array.of(1.2, 0.3, 0.2, 0.9, 0.4));
    expect(Array.from(z)).toEqual([1, 1.5 / 4, 0, 1, 0]);
    expect(enc.decode(z)).toEqual({ lr: 1, k: 2, act: 'tanh', fixed: 2, only: true });
  });
});
