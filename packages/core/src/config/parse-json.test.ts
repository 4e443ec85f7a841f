import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJson, type DuplicateKey } from './parse-json.js';

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseJson', () => {
  it('parses what JSON.parse parses, to the same values', () => {
    const texts = [
      '{"a": 1, "b": [true, false, null], "c": {"d": "e\\n\\u00e9\\"", "f": -1.5e-3}}',
      '[]',
      '{}',
      '  "just a string"  ',
      '0',
      '-0.25',
      '[1e10, 2E+2, 3e-2]',
      '\uFEFF{"bom": true}',
    ];
    for (const text of texts) expect(parseJson(text)).toEqual(JSON.parse(text.replace(/^\uFEFF/, '')));
  });

  it('keeps a "__proto__" key as data, as JSON.parse does', () => {
    const value = parseJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the line and column of a missing comma', () => {
    const e = syntaxError('{\n  "a": 1\n  "b": 2\n}');
    expect([e.line, e.column]).toEqual([3, 3]);
    expect(e.message).toBe('expected , or } after the value of "a", found "\\""');
  });

  it('rejects a trailing comma and says so', () => {
    const e = syntaxError('{\n  "a": [1, 2,],\n}');
    expect([e.line, e.column]).toEqual([2, 14]);
    expect(e.message).toContain('comma before ]');
    expect(syntaxError('{"a": 1,\n}').message).toContain('comma before }');
  });

  it('rejects duplicate keys at the second occurrence', () => {
    const e = syntaxError('{\n  "n_samples": 10,\n  "n_samples": 20\n}');
    expect(e.message).toBe('duplicate key "n_samples"');
    expect([e.line, e.column]).toEqual([3, 3]);
  });

  it("keeps the last of duplicate keys, as Python's json does, when told where they are", () => {
    const seen: DuplicateKey[] = [];
    const text = '{\n  "name": "a",\n  "p": [{"x": 1, "x": 2}],\n  "n": 1,\n  "name": "b"\n}';
    const value = parseJson(text, { onDuplicate: (d) => seen.push(d) });
    expect(value).toEqual({ name: 'b', p: [{ x: 2 }], n: 1 });
    // Python's dict keeps the first place of a key: so does the object.
    expect(Object.keys(value as object)).toEqual(['name', 'p', 'n']);
    expect(seen).toEqual([
      { key: 'x', parent: ['p', 0], line: 3, column: 18 },
      { key: 'name', parent: [], line: 5, column: 3 },
    ]);
  });

  it('points at the end of an unfinished document', () => {
    const e = syntaxError('{"a": [1, 2');
    expect(e.message).toContain('the end of the file');
    expect([e.line, e.column]).toEqual([1, 12]);
  });

  it('rejects what JSON does not allow', () => {
    expect(syntaxError("{'a': 1}").message).toContain('double quotes');
    expect(syntaxError('{"a": 1} // note').message).toContain('after the end');
    expect(syntaxError('// note\n{}').message).toBe('JSON has no comments');
    expect(syntaxError('[01]').message).toContain('malformed number');
    expect(syntaxError('[1.]').message).toContain('malformed number');
    expect(syntaxError('[tru]').message).toContain('expected a JSON value');
    expect(syntaxError('["a\\x"]').message).toContain('invalid escape');
    expect(syntaxError('["a\nb"]').message).toContain('line break');
    expect(syntaxError('"open').message).toContain('not closed');
    expect(syntaxError('').message).toContain('the end of the file');
  });
});
