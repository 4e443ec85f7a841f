import { describe, expect, it } from 'vitest';

import { LiteralSyntaxError, parsePythonish } from './python-literal.js';

describe('parsePythonish', () => {
  it('reads JSON as JSON', () => {
    expect(parsePythonish('{"x": 1.5, "opt": "sgd", "on": true, "none": null, "l": [1, 2]}')).toEqual({
      x: 1.5,
      opt: 'sgd',
      on: true,
      none: null,
      l: [1, 2],
    });
  });

  it("reads Python's str(dict): quotes of either kind, True/False/None, tuples, negative and exponent numbers", () => {
    expect(parsePythonish(`{'a': 1, "b": 'it\\'s', 'c': True, 'd': False, 'e': None, 'f': (2, 3,), 'g': -1.5e-3, 'h': [.5, 1.]}`)).toEqual({
      a: 1,
      b: "it's",
      c: true,
      d: false,
      e: null,
      f: [2, 3],
      g: -0.0015,
      h: [0.5, 1],
    });
  });

  it("reads the non-finite numbers of Python's json.dumps and repr", () => {
    const v = parsePythonish('{"a": NaN, "b": Infinity, "c": -Infinity, "d": nan, "e": -inf}') as Record<string, number>;
    expect(Number.isNaN(v.a)).toBe(true);
    expect([v.b, v.c, v.e]).toEqual([Infinity, -Infinity, -Infinity]);
    expect(Number.isNaN(v.d)).toBe(true);
  });

  it('reads escapes and keys that are numbers', () => {
    expect(parsePythonish(`{1: 'a\\nb', 'u': '\\u00e9\\x41'}`)).toEqual({ '1': 'a\nb', u: 'éA' });
  });

  it('names the position of what it cannot read', () => {
    expect(() => parsePythonish("{'a': 1")).toThrow(LiteralSyntaxError);
    expect(() => parsePythonish("{'a': 1")).toThrow(/expected "," or "}" at character 8, found the end/);
    expect(() => parsePythonish("{'a': array([1])}")).toThrow(/expected a value at character 7/);
    expect(() => parsePythonish('{} x')).toThrow(/expected the end of the text at character 4/);
    expect(() => parsePythonish("{'a")).toThrow(/closing '/);
  });
});
