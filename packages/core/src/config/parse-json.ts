import type { Json, JsonObject } from '../types.js';

/** A JSON syntax error with the place it was found (1-based line and column). */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/** Deeper nesting than any config needs; guards the recursive descent against a stack overflow. */
const MAX_DEPTH = 512;

/** 1-based line and column of a UTF-16 offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function show(c: string | undefined): string {
  return c === undefined ? 'the end of the file' : JSON.stringify(c);
}

/**
 * Strict JSON (RFC 8259) parsing that, unlike `JSON.parse`, always says where a mistake is and
 * rejects duplicate keys: `JSON.parse` keeps the last of two `"n_samples"` silently, which hides a
 * config mistake.
 */
export function parseJson(text: string): Json {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const fail = (message: string, at = i): never => {
    const { line, column } = lineColumn(text, at);
    throw new JsonSyntaxError(message, at, line, column);
  };
  const skipSpace = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expectLiteral = (word: string, value: Json): Json => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail(`expected a JSON value, found ${show(text[i])}`);
  };

  const parseString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('expected four hex digits after \\u', i);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          fail(`invalid escape \\${e ?? ''} in a string`, i);
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('a string cannot hold a raw line break or control character (write \\n)', i);
      i++;
    }
    return fail('a string is not closed (missing ")', start);
  };

  const parseNumber = (): number => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!match || match[0] === '-') return fail(`expected a JSON value, found ${show(text[i])}`);
    const next = text[i + match[0].length];
    if (next !== undefined && /[0-9.eE]/.test(next)) fail(`malformed number ${JSON.stringify(text.slice(i, i + match[0].length + 1))}`);
    i += match[0].length;
    return Number(match[0]);
  };

  const parseValue = (depth: number): Json => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    skipSpace();
    const c = text[i];
    if (c === '{') return parseObject(depth);
    if (c === '[') return parseArray(depth);
    if (c === '"') return parseString();
    if (c === 't') return expectLiteral('true', true);
    if (c === 'f') return expectLiteral('false', false);
    if (c === 'n') return expectLiteral('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber();
    if (c === "'") return fail("JSON strings need double quotes, found '");
    if (c === '/') return fail('JSON has no comments');
    return fail(`expected a JSON value, found ${show(c)}`);
  };

  const parseObject = (depth: number): JsonObject => {
    const obj: JsonObject = {};
    i++; // {
    skipSpace();
    if (text[i] === '}') {
      i++;
      return obj;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') {
        fail(text[i] === '}' ? 'a comma before } is not allowed in JSON' : `expected a key in double quotes, found ${show(text[i])}`);
      }
      const keyAt = i;
      const key = parseString();
      if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      skipSpace();
      if (text[i] !== ':') fail(`expected : after the key ${JSON.stringify(key)}, found ${show(text[i])}`);
      i++;
      const value = parseValue(depth + 1);
      // defineProperty: a plain assignment of "__proto__" would replace the prototype instead.
      Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return obj;
      }
      fail(`expected , or } after the value of ${JSON.stringify(key)}, found ${show(text[i])}`);
    }
  };

  const parseArray = (depth: number): Json[] => {
    const arr: Json[] = [];
    i++; // [
    skipSpace();
    if (text[i] === ']') {
      i++;
      return arr;
    }
    for (;;) {
      skipSpace();
      if (text[i] === ']') fail('a comma before ] is not allowed in JSON');
      arr.push(parseValue(depth + 1));
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return arr;
      }
      fail(`expected , or ] after a list item, found ${show(text[i])}`);
    }
  };

  const value = parseValue(0);
  skipSpace();
  if (i < text.length) fail(`unexpected ${show(text[i])} after the end of the JSON value`);
  return value;
}
