/**
 * The line protocol between a job script and aup (normative text: docs/reference/protocol.md).
 * Two kinds of protocol lines exist on a job's stdout or stderr; every other line is ordinary output:
 * - `#Auptimizer:<v>[,<m1>,...]`, Auptimizer's own format, kept so its scripts run unchanged;
 * - `#aup:{json}`, one JSON record per line.
 */

/** Prefix of Auptimizer's result lines (`aup.print_result` writes it to stderr). */
export const AUPTIMIZER_PREFIX = '#Auptimizer:';
/** Prefix of aup's JSON record lines. */
export const AUP_PREFIX = '#aup:';

/** Longest `name` a record may carry; names become labels in the store and on the board. */
export const MAX_NAME_LENGTH = 256;

/** `#Auptimizer:` line: `values[0]` is the score, the rest are `multi_res_labels` values in order. May hold NaN or ±Infinity. */
export interface AuptimizerRecord {
  type: 'auptimizer';
  values: number[];
}
/**
 * Final result of a job. `value` and metric values may be NaN or ±Infinity (a diverged run). With
 * several objectives the wire's `value` is a list: `values` holds it and `value` is its first entry.
 */
export interface ResultRecord {
  type: 'result';
  value: number;
  /** Every objective's value, when the line's `value` was a list (one per objective, in the config's order). */
  values?: number[];
  metrics?: Record<string, number>;
}
/** One point of a named series; without `step` the runner numbers the points of each name 0, 1, 2, ... `value` may be non-finite. */
export interface ScalarRecord {
  type: 'scalar';
  name: string;
  step?: number;
  value: number;
}
export interface TextRecord {
  type: 'text';
  name: string;
  text: string;
}
/** Raw samples (finite numbers) whose distribution the board draws. */
export interface HistogramRecord {
  type: 'histogram';
  name: string;
  step?: number;
  values: number[];
}
/** An image file written by the script; `path` is relative to the job's working directory or absolute. */
export interface ImageRecord {
  type: 'image';
  name: string;
  step?: number;
  path: string;
}
/** A file the script produced and wants kept with the job (a model, a report). */
export interface ArtifactRecord {
  type: 'artifact';
  path: string;
  name?: string;
}
/** A line that starts with a protocol prefix but is not a valid record; the runner keeps it as a warning. */
export interface MalformedRecord {
  type: 'malformed';
  reason: string;
}

export type ProtocolRecord =
  AuptimizerRecord | ResultRecord | ScalarRecord | TextRecord | HistogramRecord | ImageRecord | ArtifactRecord | MalformedRecord;

/** A record a script may write (everything but `malformed`). */
export type ReportRecord = Exclude<ProtocolRecord, MalformedRecord>;

/** The `type` values a `#aup:` record may carry. */
export const AUP_RECORD_TYPES = ['result', 'scalar', 'text', 'histogram', 'image', 'artifact'] as const;
export type AupRecordType = (typeof AUP_RECORD_TYPES)[number];

const HASH = 35; // '#'
const LOWER_A = 97; // 'a' of '#aup:'
const UPPER_A = 65; // 'A' of '#Auptimizer:'
const CR = 13;

/**
 * Parses one output line (without its `\n`; a trailing `\r` is ignored).
 * Returns `null` for ordinary output, a record for a protocol line, `{ type: 'malformed' }` for a broken one.
 * @example parseLine('#Auptimizer: 0.93,12') // { type: 'auptimizer', values: [0.93, 12] }
 */
export function parseLine(line: string): ProtocolRecord | null {
  // Millions of ordinary lines pass through here: two charCodeAt calls reject nearly all of them.
  if (line.length < AUP_PREFIX.length || line.charCodeAt(0) !== HASH) return null;
  const second = line.charCodeAt(1);
  if (second === LOWER_A) {
    if (!line.startsWith(AUP_PREFIX)) return null;
    return parseAupJson(stripCr(line).slice(AUP_PREFIX.length));
  }
  if (second === UPPER_A) {
    if (!line.startsWith(AUPTIMIZER_PREFIX)) return null;
    return parseAuptimizer(stripCr(line).slice(AUPTIMIZER_PREFIX.length));
  }
  return null;
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

// A decimal number as Python's str(float) or str(int) writes it (and as people type it): no hex,
// no empty string, no lone sign, which Number() would otherwise turn into a value.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE: Record<string, number> = {
  nan: NaN,
  '+nan': NaN,
  '-nan': NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

/** Parses one value of a `#Auptimizer:` line: a decimal number, or nan / inf / infinity in any case and with a sign. */
export function parseAuptimizerNumber(text: string): number | undefined {
  const t = text.trim();
  if (DECIMAL.test(t)) return Number(t);
  return NON_FINITE[t.toLowerCase()];
}

function parseAuptimizer(rest: string): ProtocolRecord {
  if (rest.trim() === '') return malformed(`${AUPTIMIZER_PREFIX} line has no value; expected a number such as #Auptimizer:0.93`);
  const parts = rest.split(',');
  const values = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const v = parseAuptimizerNumber(parts[i]!);
    if (v === undefined) {
      const which = parts.length === 1 ? 'the value' : `value ${i + 1} of ${parts.length}`;
      return malformed(`${AUPTIMIZER_PREFIX} ${which} is not a number: found ${quote(parts[i]!.trim())}`);
    }
    values[i] = v;
  }
  return { type: 'auptimizer', values };
}

function parseAupJson(body: string): ProtocolRecord {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    // Python's json.dumps writes bare NaN / Infinity, which JSON.parse refuses; retry with them
    // quoted (the validators accept the quoted spellings where a non-finite number is allowed).
    const quoted = quoteBareNonFinite(body);
    try {
      if (quoted === undefined) throw e;
      json = JSON.parse(quoted);
    } catch {
      return malformed(`${AUP_PREFIX} line is not valid JSON (${(e as Error).message}): ${quote(body)}`);
    }
  }
  return recordFromJson(json);
}

/** Quotes NaN, Infinity and -Infinity tokens outside JSON strings; `undefined` when there are none. */
function quoteBareNonFinite(body: string): string | undefined {
  if (!body.includes('NaN') && !body.includes('Infinity')) return undefined;
  let out = '';
  let changed = false;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += body[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const token = ['-Infinity', 'Infinity', 'NaN'].find((t) => body.startsWith(t, i));
    if (token) {
      out += `"${token}"`;
      i += token.length - 1;
      changed = true;
    } else {
      out += c;
    }
  }
  return changed ? out : undefined;
}

/**
 * Validates a decoded `#aup:` JSON value and returns the record it describes, or a `malformed`
 * record whose reason names the field, what was expected and what was found.
 */
export function recordFromJson(json: unknown): ProtocolRecord {
  if (!isPlainObject(json)) return malformed(`${AUP_PREFIX} expected a JSON object, found ${describe(json)}`);
  const type = json.type;
  if (typeof type !== 'string') {
    return malformed(`${AUP_PREFIX} "type" must be one of ${AUP_RECORD_TYPES.join(', ')}; found ${describe(type)}`);
  }
  const c = new Checker(type, json);
  let rec: ProtocolRecord;
  switch (type) {
    case 'result': {
      c.allow('type', 'value', 'metrics');
      const values = Array.isArray(json.value) ? c.scores('value') : undefined;
      const value = values === undefined ? c.score('value') : (values[0] ?? 0);
      const metrics = c.metrics('metrics');
      rec = { type, value, ...(values === undefined ? {} : { values }), ...(metrics === undefined ? {} : { metrics }) };
      break;
    }
    case 'scalar': {
      c.allow('type', 'name', 'step', 'value');
      const name = c.name('name');
      const step = c.step('step');
      const value = c.score('value');
      rec = step === undefined ? { type, name, value } : { type, name, step, value };
      break;
    }
    case 'text': {
      c.allow('type', 'name', 'text');
      rec = { type, name: c.name('name'), text: c.string('text', true) };
      break;
    }
    case 'histogram': {
      c.allow('type', 'name', 'step', 'values');
      const name = c.name('name');
      const step = c.step('step');
      const values = c.finiteArray('values');
      rec = step === undefined ? { type, name, values } : { type, name, step, values };
      break;
    }
    case 'image': {
      c.allow('type', 'name', 'step', 'path');
      const name = c.name('name');
      const step = c.step('step');
      const path = c.string('path', false);
      rec = step === undefined ? { type, name, path } : { type, name, step, path };
      break;
    }
    case 'artifact': {
      c.allow('type', 'path', 'name');
      const path = c.string('path', false);
      const name = json.name === undefined || json.name === null ? undefined : c.name('name');
      rec = name === undefined ? { type, path } : { type, path, name };
      break;
    }
    default:
      return malformed(`${AUP_PREFIX} unknown record type ${quote(type)}; expected one of ${AUP_RECORD_TYPES.join(', ')}`);
  }
  return c.problem === undefined ? rec : malformed(c.problem);
}

/** Checks the members of one record; keeps the first problem found and returns placeholders after it. */
class Checker {
  problem: string | undefined;
  readonly #type: string;
  readonly #json: Record<string, unknown>;

  constructor(type: string, json: Record<string, unknown>) {
    this.#type = type;
    this.#json = json;
  }

  #fail(field: string, expected: string, found: unknown): void {
    this.problem ??= `${AUP_PREFIX} ${this.#type} record: "${field}" must be ${expected}; found ${describe(found)}`;
  }

  /** Rejects members the record type does not define, so a misspelt optional member is not silently dropped. */
  allow(...fields: string[]): void {
    for (const key in this.#json) {
      if (!fields.includes(key)) {
        this.problem ??= `${AUP_PREFIX} ${this.#type} record: unknown member ${quote(key)}; allowed: ${fields.join(', ')}`;
      }
    }
  }

  name(field: string): string {
    const v = this.#json[field];
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME_LENGTH) {
      this.#fail(field, `a non-empty string of at most ${MAX_NAME_LENGTH} characters`, v);
      return '';
    }
    return v;
  }

  string(field: string, emptyOk: boolean): string {
    const v = this.#json[field];
    if (typeof v !== 'string' || (!emptyOk && v.length === 0)) {
      this.#fail(field, emptyOk ? 'a string' : 'a non-empty string', v);
      return '';
    }
    return v;
  }

  step(field: string): number | undefined {
    const v = this.#json[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      this.#fail(field, 'a non-negative integer', v);
      return 0;
    }
    return v;
  }

  score(field: string): number {
    const v = this.#json[field];
    const n = wireNumber(v);
    if (n === undefined) {
      this.#fail(field, 'a number (or "NaN", "Infinity", "-Infinity")', v);
      return 0;
    }
    return n;
  }

  /** A non-empty list of numbers (each may be "NaN", "Infinity", "-Infinity"): several objectives' values. */
  scores(field: string): number[] {
    const v = this.#json[field];
    if (!Array.isArray(v) || v.length === 0) {
      this.#fail(field, 'a number or a non-empty list of numbers', v);
      return [];
    }
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) {
      const n = wireNumber(v[i]);
      if (n === undefined) {
        this.#fail(`${field}[${i}]`, 'a number (or "NaN", "Infinity", "-Infinity")', v[i]);
        return [];
      }
      out.push(n);
    }
    return out;
  }

  metrics(field: string): Record<string, number> | undefined {
    const v = this.#json[field];
    if (v === undefined || v === null) return undefined;
    if (!isPlainObject(v)) {
      this.#fail(field, 'an object of numbers', v);
      return undefined;
    }
    const out: Record<string, number> = {};
    for (const key in v) {
      const n = wireNumber(v[key]);
      // "__proto__" would be swallowed by the object it is copied into, so it cannot be a metric name.
      if (key.length === 0 || key.length > MAX_NAME_LENGTH || key === '__proto__') {
        this.#fail(field, `an object whose keys are non-empty strings of at most ${MAX_NAME_LENGTH} characters (not "__proto__")`, key);
        return undefined;
      }
      if (n === undefined) {
        this.#fail(`${field}.${key}`, 'a number (or "NaN", "Infinity", "-Infinity")', v[key]);
        return undefined;
      }
      out[key] = n;
    }
    return out;
  }

  finiteArray(field: string): number[] {
    const v = this.#json[field];
    if (!Array.isArray(v) || v.length === 0) {
      this.#fail(field, 'a non-empty array of finite numbers', v);
      return [];
    }
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        this.#fail(`${field}[${i}]`, 'a finite number', x);
        return [];
      }
    }
    return v as number[];
  }
}

const WIRE_NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function wireNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return WIRE_NON_FINITE[v];
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MAX_QUOTED = 60;

function quote(s: string): string {
  return JSON.stringify(s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return `the string ${quote(v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function malformed(reason: string): MalformedRecord {
  return { type: 'malformed', reason };
}

/** Writes a number the way the wire allows: finite numbers as JSON numbers, the rest as the strings NaN / Infinity / -Infinity. */
function toWire(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

/**
 * Formats a record as one protocol line, without the trailing newline. Throws a TypeError naming
 * the field when the record is not valid, so a client never prints a line the runner would reject.
 * @example formatRecord({ type: 'scalar', name: 'loss', step: 3, value: 0.41 }) // '#aup:{"type":"scalar","name":"loss","step":3,"value":0.41}'
 */
export function formatRecord(record: ReportRecord): string {
  if (record.type === 'auptimizer') {
    const values: unknown = record.values;
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'number')) {
      throw new TypeError(`cannot format an auptimizer record: "values" must be a non-empty array of numbers; found ${describe(values)}`);
    }
    return AUPTIMIZER_PREFIX + (values as number[]).map(String).join(',');
  }
  const wire = toWireObject(record);
  const checked = recordFromJson(wire);
  if (checked.type === 'malformed') throw new TypeError(`cannot format record: ${checked.reason.slice(AUP_PREFIX.length + 1)}`);
  return AUP_PREFIX + JSON.stringify(wire);
}

function toWireObject(record: ReportRecord): Record<string, unknown> {
  // Members in a fixed order (type first) so lines read the same whoever wrote them.
  switch (record.type) {
    case 'result': {
      const values: unknown = record.values;
      const out: Record<string, unknown> = {
        type: 'result',
        value: Array.isArray(values) ? values.map((v: unknown) => wireIfNumber(v)) : wireIfNumber(record.value),
      };
      if (record.metrics !== undefined) {
        // No prototype, so a "__proto__" key stays a key and validation can reject it.
        const metrics = Object.create(null) as Record<string, unknown>;
        if (isPlainObject(record.metrics)) {
          for (const [k, v] of Object.entries(record.metrics)) metrics[k] = wireIfNumber(v);
          out.metrics = metrics;
        } else {
          out.metrics = record.metrics;
        }
      }
      return out;
    }
    case 'scalar':
      return withStep({ type: 'scalar', name: record.name }, record.step, { value: wireIfNumber(record.value) });
    case 'text':
      return { type: 'text', name: record.name, text: record.text };
    case 'histogram':
      return withStep({ type: 'histogram', name: record.name }, record.step, { values: Array.from(record.values ?? []) });
    case 'image':
      return withStep({ type: 'image', name: record.name }, record.step, { path: record.path });
    case 'artifact':
      return record.name === undefined
        ? { type: 'artifact', path: record.path }
        : { type: 'artifact', path: record.path, name: record.name };
    default: {
      const type: unknown = (record as { type?: unknown }).type;
      return { type };
    }
  }
}

function withStep(head: Record<string, unknown>, step: number | undefined, tail: Record<string, unknown>): Record<string, unknown> {
  return step === undefined ? { ...head, ...tail } : { ...head, step, ...tail };
}

function wireIfNumber(v: unknown): unknown {
  return typeof v === 'number' ? toWire(v) : v;
}
