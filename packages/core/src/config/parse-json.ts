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

/** A key given twice in one object: where its second (or later) occurrence is. */
export interface DuplicateKey {
  key: string;
  /** Path of the object holding it, from the document's root. */
  parent: (string | number)[];
  line: number;
  column: number;
}

export interface ParseJsonOptions {
  /**
   * Called for each repeated key, whose last value then wins as in Python's `json` (Auptimizer's
   * configs rely on it). Without it a repeated key is a syntax error.
   */
  onDuplicate?: (duplicate: DuplicateKey) => void;
}

/**
 * Strict JSON (RFC 8259) parsing that, unlike `JSON.parse`, always says where a mistake is and
 * reports duplicate keys: `JSON.parse` keeps the last of two `"n_samples"` silently, which hides a
 * config mistake. They are an error unless `onDuplicate` is given.
 */
export function parseJson(text: string, opts: ParseJsonOptions = {}): Json {
  return new JsonParser(text, opts.onDuplicate).document();
}

/** A recursive-descent parser over one text; `i` is the offset of the next character to read. */
class JsonParser {
  private i: number;
  /** Keys and indices from the root to the value being read, for the place of a duplicate. */
  private readonly path: (string | number)[] = [];

  constructor(
    private readonly text: string,
    private readonly onDuplicate?: (duplicate: DuplicateKey) => void,
  ) {
    this.i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  document(): Json {
    const value = this.value(0);
    this.skipSpace();
    if (this.i < this.text.length) this.fail(`unexpected ${show(this.text[this.i])} after the end of the JSON value`);
    return value;
  }

  private fail(message: string, at = this.i): never {
    const { line, column } = lineColumn(this.text, at);
    throw new JsonSyntaxError(message, at, line, column);
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.i < t.length && (t[this.i] === ' ' || t[this.i] === '\t' || t[this.i] === '\n' || t[this.i] === '\r')) this.i++;
  }

  private literal(word: string, value: Json): Json {
    if (this.text.startsWith(word, this.i)) {
      this.i += word.length;
      return value;
    }
    return this.fail(`expected a JSON value, found ${show(this.text[this.i])}`);
  }

  private string(): string {
    const t = this.text;
    const start = this.i;
    this.i++; // opening quote
    while (this.i < t.length) {
      const c = t[this.i]!;
      if (c === '"') {
        this.i++;
        return JSON.parse(t.slice(start, this.i)) as string;
      }
      if (c === '\\') {
        const e = t[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.i + 2, this.i + 6))) this.fail('expected four hex digits after \\u', this.i);
          this.i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          this.i += 2;
        } else {
          this.fail(`invalid escape \\${e ?? ''} in a string`, this.i);
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) this.fail('a string cannot hold a raw line break or control character (write \\n)', this.i);
      this.i++;
    }
    return this.fail('a string is not closed (missing ")', start);
  }

  private number(): number {
    const t = this.text;
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(t.slice(this.i));
    if (!match || match[0] === '-') return this.fail(`expected a JSON value, found ${show(t[this.i])}`);
    const next = t[this.i + match[0].length];
    if (next !== undefined && /[0-9.eE]/.test(next))
      this.fail(`malformed number ${JSON.stringify(t.slice(this.i, this.i + match[0].length + 1))}`);
    this.i += match[0].length;
    return Number(match[0]);
  }

  private value(depth: number): Json {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    this.skipSpace();
    const c = this.text[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    if (c === "'") return this.fail("JSON strings need double quotes, found '");
    if (c === '/') return this.fail('JSON has no comments');
    return this.fail(`expected a JSON value, found ${show(c)}`);
  }

  private object(depth: number): JsonObject {
    const t = this.text;
    const obj: JsonObject = {};
    this.i++; // {
    this.skipSpace();
    if (t[this.i] === '}') {
      this.i++;
      return obj;
    }
    for (;;) {
      this.skipSpace();
      if (t[this.i] !== '"') {
        this.fail(
          t[this.i] === '}' ? 'a comma before } is not allowed in JSON' : `expected a key in double quotes, found ${show(t[this.i])}`,
        );
      }
      const keyAt = this.i;
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(obj, key)) {
        if (!this.onDuplicate) this.fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
        this.onDuplicate({ key, parent: [...this.path], ...lineColumn(this.text, keyAt) });
      }
      this.skipSpace();
      if (t[this.i] !== ':') this.fail(`expected : after the key ${JSON.stringify(key)}, found ${show(t[this.i])}`);
      this.i++;
      this.path.push(key);
      const value = this.value(depth + 1);
      this.path.pop();
      // defineProperty: a plain assignment of "__proto__" would replace the prototype instead.
      Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      if (t[this.i] === ',') {
        this.i++;
        continue;
      }
      if (t[this.i] === '}') {
        this.i++;
        return obj;
      }
      this.fail(`expected , or } after the value of ${JSON.stringify(key)}, found ${show(t[this.i])}`);
    }
  }

  private array(depth: number): Json[] {
    const t = this.text;
    const arr: Json[] = [];
    this.i++; // [
    this.skipSpace();
    if (t[this.i] === ']') {
      this.i++;
      return arr;
    }
    for (;;) {
      this.skipSpace();
      if (t[this.i] === ']') this.fail('a comma before ] is not allowed in JSON');
      this.path.push(arr.length);
      arr.push(this.value(depth + 1));
      this.path.pop();
      this.skipSpace();
      if (t[this.i] === ',') {
        this.i++;
        continue;
      }
      if (t[this.i] === ']') {
        this.i++;
        return arr;
      }
      this.fail(`expected , or ] after a list item, found ${show(t[this.i])}`);
    }
  }
}
