/**
 * Auptimizer's stored configs as text: `json.dumps` output in most databases, but the first
 * releases wrote a job's config with Python's `str(dict)` (`{'x': 0.5, 'tid': 0}`), and
 * `json.dumps` itself writes `NaN` and `Infinity`. This reads all of them.
 */
import type { Json } from '../../types.js';

/** Thrown by parsePythonish with the position where the text stopped making sense. */
export class LiteralSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'LiteralSyntaxError';
  }
}

const WORDS: Readonly<Record<string, Json | number>> = {
  true: true,
  false: false,
  null: null,
  True: true,
  False: false,
  None: null,
  NaN: Number.NaN,
  nan: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
};

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };

/**
 * Parses JSON, or a Python literal of dicts, lists, tuples (as lists), strings in either quote,
 * numbers (with `nan`, `inf`), `True`/`False`/`None`. Non-finite numbers are kept as numbers.
 * @throws LiteralSyntaxError naming the position of the first thing it cannot read.
 */
export function parsePythonish(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    // Not JSON: read it as a Python literal below.
  }
  const p = new Parser(text);
  const value = p.value();
  p.space();
  if (p.pos < text.length) p.fail('the end of the text');
  return value;
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(expected: string): never {
    const found = this.pos < this.text.length ? JSON.stringify(this.text.slice(this.pos, this.pos + 12)) : 'the end';
    throw new LiteralSyntaxError(`expected ${expected} at character ${this.pos + 1}, found ${found}`, this.pos);
  }

  space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  value(): Json {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.dict();
    if (c === '[') return this.list(']');
    if (c === '(') return this.list(')');
    if (c === "'" || c === '"') return this.string();
    return this.scalar();
  }

  dict(): Json {
    this.pos++;
    const out: Record<string, Json> = {};
    for (;;) {
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.value();
      if (typeof key === 'object' && key !== null) this.fail('a key (a string or a number)');
      this.space();
      if (this.text[this.pos] !== ':') this.fail('":"');
      this.pos++;
      out[String(key)] = this.value();
      if (!this.separator('}')) return out;
    }
  }

  list(close: string): Json {
    this.pos++;
    const out: Json[] = [];
    for (;;) {
      this.space();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.value());
      if (!this.separator(close)) return out;
    }
  }

  /** After an item: true when another may follow (a comma was read), false when `close` ended it. */
  separator(close: string): boolean {
    this.space();
    const c = this.text[this.pos];
    if (c === ',') {
      this.pos++;
      return true;
    }
    if (c === close) {
      this.pos++;
      return false;
    }
    return this.fail(`"," or "${close}"`);
  }

  string(): string {
    const quote = this.text[this.pos]!;
    let out = '';
    for (this.pos++; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos]!;
      if (c === quote) {
        this.pos++;
        return out;
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const next = this.text[++this.pos];
      if (next === undefined) break;
      if (next === 'u' || next === 'x') {
        const digits = next === 'u' ? 4 : 2;
        const hex = this.text.slice(this.pos + 1, this.pos + 1 + digits);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) this.fail(`${digits} hex digits`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += digits;
      } else out += ESCAPES[next] ?? next;
    }
    return this.fail(`the closing ${quote}`);
  }

  scalar(): Json {
    const match = /^-?(?:[A-Za-z]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.pos));
    if (match === null) this.fail('a value');
    const word = match[0];
    const negative = word.startsWith('-');
    const bare = negative ? word.slice(1) : word;
    let value: Json | number;
    if (/^[A-Za-z]/.test(bare)) {
      if (!(bare in WORDS)) this.fail('a value');
      value = WORDS[bare]!;
      if (negative && typeof value !== 'number') this.fail('a number after "-"');
    } else value = Number(bare);
    this.pos += word.length;
    return negative ? -(value as number) : value;
  }
}
