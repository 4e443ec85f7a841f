import { describe, expect, it } from 'vitest';

import { mergeSpecs, NONE_CHOICE, paramSpec, paramValue, parseDistribution } from './distributions.js';
import { mergeSpace } from './study-sync.js';
import { optunaTime } from './trial-reader.js';

const dist = (name: string, attributes: object) => parseDistribution(JSON.stringify({ name, attributes }), 'trial 1 parameter p');

describe('Optuna distributions', () => {
  it('map Optuna 3.x distributions to aup parameters: range, log, interval, choices', () => {
    expect(paramSpec('x', dist('FloatDistribution', { low: -1, high: 1, log: false, step: null }))).toEqual({
      name: 'x',
      type: 'float',
      range: [-1, 1],
    });
    expect(paramSpec('lr', dist('FloatDistribution', { low: 1e-5, high: 0.1, log: true, step: null }))).toEqual({
      name: 'lr',
      type: 'float',
      range: [1e-5, 0.1],
      log: true,
    });
    expect(paramSpec('q', dist('FloatDistribution', { low: 0, high: 5, log: false, step: 0.5 }))).toEqual({
      name: 'q',
      type: 'float',
      range: [0, 5],
      interval: 0.5,
    });
    expect(paramSpec('n', dist('IntDistribution', { low: 1, high: 10, log: false, step: 1 }))).toEqual({
      name: 'n',
      type: 'int',
      range: [1, 10],
    });
    expect(paramSpec('k', dist('IntDistribution', { low: 0, high: 10, log: false, step: 2 }))).toEqual({
      name: 'k',
      type: 'int',
      range: [0, 10],
      interval: 2,
    });
    expect(paramSpec('w', dist('IntDistribution', { low: 1, high: 64, log: true, step: 1 }))).toEqual({
      name: 'w',
      type: 'int',
      range: [1, 64],
      log: true,
    });
    expect(paramSpec('c', dist('CategoricalDistribution', { choices: ['a', 1, 2.5, true, null] }))).toEqual({
      name: 'c',
      type: 'choice',
      range: ['a', 1, 2.5, true, NONE_CHOICE],
    });
  });

  it('read the Optuna 2.x names and the abbreviated form as Optuna does', () => {
    expect(dist('UniformDistribution', { low: 0, high: 1 })).toEqual({ kind: 'float', low: 0, high: 1, log: false, step: null });
    expect(dist('LogUniformDistribution', { low: 1, high: 9 })).toEqual({ kind: 'float', low: 1, high: 9, log: true, step: null });
    expect(dist('DiscreteUniformDistribution', { low: 0, high: 1, q: 0.25 })).toEqual({
      kind: 'float',
      low: 0,
      high: 1,
      log: false,
      step: 0.25,
    });
    expect(dist('IntUniformDistribution', { low: 0, high: 8, step: 2 })).toEqual({ kind: 'int', low: 0, high: 8, log: false, step: 2 });
    expect(dist('IntLogUniformDistribution', { low: 1, high: 8 })).toEqual({ kind: 'int', low: 1, high: 8, log: true, step: 1 });
    expect(parseDistribution('{"type": "int", "low": 0, "high": 3}', 'x')).toEqual({ kind: 'int', low: 0, high: 3, log: false, step: 1 });
    expect(parseDistribution('{"type": "categorical", "choices": ["a"]}', 'x')).toEqual({ kind: 'categorical', choices: ['a'] });
  });

  it('refuse what they cannot read, naming the trial and parameter', () => {
    for (const json of [
      '{"name": "BetaDistribution", "attributes": {}}',
      'not json',
      '{"name": "FloatDistribution", "attributes": {"low": "a"}}',
      '{}',
    ]) {
      expect(() => parseDistribution(json, 'trial 7 parameter lr')).toThrow(
        expect.objectContaining({
          code: 'AUP_ERR_IMPORT_SOURCE',
          message: expect.stringMatching(/^trial 7 parameter lr: its distribution_json/),
        }),
      );
    }
  });

  it('turn stored values into the values the trial used: a categorical index into its choice', () => {
    const c = dist('CategoricalDistribution', { choices: ['adam', null, false] });
    expect([0, 1, 2].map((i) => paramValue(c, i, 'p'))).toEqual(['adam', NONE_CHOICE, false]);
    expect(paramValue(dist('IntDistribution', { low: 0, high: 9, log: false, step: 1 }), 3.0000000001, 'p')).toBe(3);
    expect(paramValue(dist('FloatDistribution', { low: 0, high: 9, log: false, step: null }), 0.25, 'p')).toBe(0.25);
    expect(() => paramValue(c, 3, 'trial 2 parameter opt')).toThrow(
      /trial 2 parameter opt: its value 3 is not the index of one of its 3 choices/,
    );
  });

  it('merge the distributions a parameter had in different trials into one that holds both', () => {
    expect(
      mergeSpecs({ name: 'x', type: 'int', range: [0, 5], interval: 2 }, { name: 'x', type: 'int', range: [2, 9], interval: 2 }),
    ).toEqual({
      name: 'x',
      type: 'int',
      range: [0, 9],
      interval: 2,
    });
    expect(mergeSpecs({ name: 'x', type: 'int', range: [1, 5], log: true }, { name: 'x', type: 'float', range: [0.5, 2] })).toEqual({
      name: 'x',
      type: 'float',
      range: [0.5, 5],
    });
    expect(mergeSpecs({ name: 'c', type: 'choice', range: ['a', 'b'] }, { name: 'c', type: 'choice', range: ['b', 'c'] })).toEqual({
      name: 'c',
      type: 'choice',
      range: ['a', 'b', 'c'],
    });
    expect(
      mergeSpace(
        [{ name: 'a', type: 'float', range: [0, 1] }],
        [
          { name: 'b', type: 'int', range: [0, 1] },
          { name: 'a', type: 'float', range: [-1, 0] },
        ],
      ),
    ).toEqual([
      { name: 'a', type: 'float', range: [-1, 1] },
      { name: 'b', type: 'int', range: [0, 1] },
    ]);
  });
});

describe('Optuna datetimes', () => {
  it('read as local time, as Optuna 3.x and 4.x write them, to the millisecond', () => {
    expect(optunaTime('2026-12-08 00:05:33.023228')).toBe(new Date(2026, 11, 8, 0, 5, 33, 23).getTime());
    expect(optunaTime('2026-01-02 03:04:05')).toBe(new Date(2026, 0, 2, 3, 4, 5).getTime());
    expect(optunaTime(null)).toBeNull();
    expect(optunaTime('soon')).toBeNull();
  });
});
