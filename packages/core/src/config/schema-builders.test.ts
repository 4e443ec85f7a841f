import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { andList, gatherKeys } from './schema-builders.js';

describe('gatherKeys', () => {
  const shared = Type.Number({ description: 'shared' });
  const a = { name: 'a', keys: { x: Type.String({ description: 'x' }), s: shared } };
  const b = { name: 'b', keys: { s: shared, y: Type.Boolean({ description: 'y' }) } };

  it('keeps registry order, a key in its first place, and names every definition that reads it', () => {
    const got = gatherKeys([a, b], (d) => d.keys);
    expect(Object.keys(got)).toEqual(['x', 's', 'y']);
    expect(got.s).toEqual({ schema: shared, owners: ['a', 'b'] });
    expect(got.y!.owners).toEqual(['b']);
  });

  it('refuses one key declared with two different schemas', () => {
    const c = { name: 'c', keys: { s: Type.Number({ description: 'shared' }) } };
    expect(() => gatherKeys([a, c], (d) => d.keys)).toThrow(/config key "s" is declared by a and c with different schemas/);
  });
});

describe('andList', () => {
  it('joins words as a sentence does', () => {
    expect(andList([])).toBe('');
    expect(andList(['a'])).toBe('a');
    expect(andList(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
