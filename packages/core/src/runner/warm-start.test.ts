import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../types.js';
import { fitToSpace } from './warm-start.js';

const space: ParamSpec[] = [
  { name: 'lr', type: 'float', range: [0.001, 0.1], log: true },
  { name: 'layers', type: 'int', range: [1, 4] },
  { name: 'act', type: 'choice', range: ['relu', 'tanh', 1] },
];

describe('fitToSpace', () => {
  it('takes a job whose every parameter is in the space, in space order, without the keys the space lacks', () => {
    const fit = fitToSpace(space, { params: { act: 'tanh', dropout: 0.5, layers: 3, lr: 0.01 }, budget: null, score: 0.9 });
    expect(fit).toEqual({ params: { lr: 0.01, layers: 3, act: 'tanh' } });
    expect(Object.keys((fit as { params: object }).params)).toEqual(['lr', 'layers', 'act']);
  });

  it('leaves out a job with a value out of range, a missing parameter, a wrong type or a budget, saying why', () => {
    const base = { lr: 0.01, layers: 2, act: 'relu' };
    const reason = (params: Record<string, string | number>, extra: object = {}) =>
      (fitToSpace(space, { params, budget: null, score: 1, ...extra }) as { reason?: string }).reason;
    expect(reason({ ...base, lr: 0.5 })).toBe('params.lr: expected a number in [0.001, 0.1], found 0.5');
    expect(reason({ lr: 0.01, act: 'relu' })).toBe('params.layers: expected an integer in [1, 4], found nothing');
    expect(reason({ ...base, layers: 2.5 })).toMatch(/^params\.layers: expected an integer/);
    expect(reason({ ...base, act: '1' })).toMatch(/^params\.act: expected one of/);
    expect(reason({ ...base, lr: '0.01' })).toMatch(/^params\.lr: /);
    expect(reason(base, { budget: 27 })).toMatch(/budget \(27\)/);
    expect(reason(base, { score: null })).toBe('it has no finite score');
    expect(fitToSpace(space, { params: { ...base, act: 1 }, budget: null, score: 1 })).toEqual({ params: { ...base, act: 1 } });
  });
});
