import { isAbsolute, relative } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { didYouMean } from './did-you-mean.js';

/** One thing wrong with a config: where, what was expected, what was found. */
export interface ConfigProblem {
  /** JSON path inside the file, e.g. `parameter_config[1].range` ('' for the whole document). */
  path: string;
  /** The sentence shown to the user, e.g. `expected min < max, found [5, 1]`. */
  message: string;
  expected: string;
  found: string;
  /** The likely intended key or value, for typos. */
  suggestion?: string;
  /** Absolute path of the file the problem is in, when it is not the config itself (a template file). */
  file?: string;
}

/** Path segments: object keys and array indices. */
export type PathSegments = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['parameter_config', 1, 'range']` → `parameter_config[1].range`. */
export function formatPath(segments: PathSegments): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

const PATH_TOKEN = /^(?:\.?([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

/** The inverse of `formatPath`. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  let rest = path;
  while (rest !== '') {
    const m = PATH_TOKEN.exec(rest);
    if (!m) break;
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
    rest = rest.slice(m[0].length);
  }
  return out;
}

/**
 * Orders problems as their places appear in the document (a missing key sorts after its siblings),
 * so the list reads top to bottom like the file. Problems in other files keep their order, last.
 */
export function sortProblems(problems: ConfigProblem[], root: unknown): ConfigProblem[] {
  const rank = (p: ConfigProblem): number[] => {
    if (p.file !== undefined) return [Infinity];
    const out: number[] = [];
    let node: unknown = root;
    for (const s of parsePath(p.path)) {
      if (typeof s === 'number') {
        out.push(s);
        node = Array.isArray(node) ? node[s] : undefined;
      } else {
        const keys = node !== null && typeof node === 'object' && !Array.isArray(node) ? Object.keys(node) : [];
        const i = keys.indexOf(s);
        out.push(i === -1 ? Infinity : i);
        node = i === -1 ? undefined : (node as Record<string, unknown>)[s];
      }
    }
    return out;
  };
  const ranks = new Map(problems.map((p) => [p, rank(p)]));
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const ra = ranks.get(a.p)!;
      const rb = ranks.get(b.p)!;
      for (let k = 0; k < Math.min(ra.length, rb.length); k++) if (ra[k] !== rb[k]) return ra[k]! < rb[k]! ? -1 : 1;
      return ra.length !== rb.length ? ra.length - rb.length : a.i - b.i;
    })
    .map(({ p }) => p);
}

/** Longest rendering of a found value in a message; configs can hold large lists. */
const MAX_FOUND_LENGTH = 80;

function render(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${render(v)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** A value as shown after "found": compact JSON, cut short when long. */
export function formatFound(value: unknown): string {
  const text = render(value);
  return text.length > MAX_FOUND_LENGTH ? `${text.slice(0, MAX_FOUND_LENGTH - 1)}…` : text;
}

/** Builds a problem whose message reads `expected X, found Y[ note][; did you mean "Z"?]`. */
export function problem(
  segments: PathSegments,
  expected: string,
  found: string,
  extra: { suggestion?: string; note?: string; file?: string } = {},
): ConfigProblem {
  let message = `expected ${expected}, found ${found}`;
  if (extra.note) message += ` ${extra.note}`;
  if (extra.suggestion !== undefined) message += `; did you mean ${JSON.stringify(extra.suggestion)}?`;
  const p: ConfigProblem = { path: formatPath(segments), message, expected, found };
  if (extra.suggestion !== undefined) p.suggestion = extra.suggestion;
  if (extra.file !== undefined) p.file = extra.file;
  return p;
}

/** Beyond this many, listing the known keys in a message buries the problem (the top level has ~40). */
const MAX_KEYS_LISTED = 12;

/**
 * A problem for a key that the schema does not know at this place. `ignored`: the key is let through
 * (a warning), so the message says so.
 */
export function unknownKeyProblem(
  segments: PathSegments,
  key: string,
  known: readonly string[],
  hint?: string,
  ignored = false,
): ConfigProblem {
  const suggestion = hint ?? didYouMean(key, known);
  const head = ignored ? 'unknown key, ignored' : 'unknown key';
  const p: ConfigProblem = {
    path: formatPath([...segments, key]),
    message:
      suggestion !== undefined
        ? `${head}; did you mean \`${suggestion}\`?`
        : known.length <= MAX_KEYS_LISTED
          ? `${head} (known here: ${known.join(', ')})`
          : `${head} (\`aup schema\` lists the known keys)`,
    expected: 'a known key',
    found: JSON.stringify(key),
  };
  if (suggestion !== undefined) p.suggestion = suggestion;
  return p;
}

// -------------------------------------------------------------------------------------------------
// Turning TypeBox's errors into problems

type SchemaLike = TSchema & Record<string, unknown>;

function bounds(s: SchemaLike): string {
  const parts: string[] = [];
  if (typeof s.minimum === 'number') parts.push(`≥ ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') parts.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number') parts.push(`≤ ${s.maximum}`);
  if (typeof s.exclusiveMaximum === 'number') parts.push(`< ${s.exclusiveMaximum}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

/** What a schema accepts, in words: `an integer ≥ 1`, `"min" or "max"`, `a list of strings`. */
export function describeSchema(schema: TSchema): string {
  const s = schema as SchemaLike;
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) {
    const options = (s.anyOf as TSchema[]).map(describeSchema);
    return options.length <= 2 ? options.join(' or ') : `${options.slice(0, -1).join(', ')} or ${options[options.length - 1]}`;
  }
  switch (s.type) {
    case 'integer':
      return `an integer${bounds(s)}`;
    case 'number':
      return `a number${bounds(s)}`;
    case 'string':
      return typeof s.minLength === 'number' && s.minLength > 0 ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array': {
      const items = s.items ? ` of ${plural(describeSchema(s.items as TSchema))}` : '';
      return `${typeof s.minItems === 'number' && s.minItems > 0 ? 'a non-empty list' : 'a list'}${items}`;
    }
    case 'object':
      return 'an object';
    default:
      return 'a JSON value';
  }
}

function plural(description: string): string {
  return description
    .replace(/\ban integer\b/g, 'integers')
    .replace(/\ba number\b/g, 'numbers')
    .replace(/\ba non-empty string\b/g, 'non-empty strings')
    .replace(/\ba string\b/g, 'strings')
    .replace(/\ban object\b/g, 'objects');
}

/** `/parameter_config/1/range` → `['parameter_config', 1, 'range']` (array indices as numbers). */
function pointerSegments(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      out.push(Number(key));
      node = node[Number(key)];
    } else {
      out.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

/** Keys the schema knows at an object, for did-you-mean. */
function knownKeys(schema: TSchema): string[] {
  const props = (schema as SchemaLike).properties;
  return props && typeof props === 'object' ? Object.keys(props) : [];
}

/** How `schemaProblems` treats keys the schema does not know. */
export interface UnknownKeyPolicy {
  /** Maps an unknown top-level key to where it belongs (`save_model` → `resource_args.save_model`). */
  hints?: Readonly<Record<string, string>>;
  /**
   * Given, an unknown key that is no likely typo of a known one (and has no hint) is a warning told
   * here, as Auptimizer ignored such keys; without it every unknown key is a problem.
   */
  warn?: (p: ConfigProblem) => void;
  /** Top-level keys accepted and ignored without a word. */
  silent?: ReadonlySet<string>;
}

/**
 * Converts TypeBox's errors for `value` into problems, one per path (TypeBox can report several for
 * one value, e.g. a missing property is both "required" and "expected string").
 * `unknown` says what an unknown key is (UnknownKeyPolicy).
 */
export function schemaProblems(
  errors: Iterable<ValueError>,
  root: unknown,
  prefix: PathSegments = [],
  unknown: UnknownKeyPolicy = {},
): ConfigProblem[] {
  const seen = new Set<string>();
  const out: ConfigProblem[] = [];
  for (const e of errors) {
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    const segments = pointerSegments(e.path, root);
    if (e.type === ValueErrorType.ObjectAdditionalProperties) {
      const key = String(segments[segments.length - 1]);
      const parent = [...prefix, ...segments.slice(0, -1)];
      const hint = parent.length === 0 ? unknown.hints?.[key] : undefined;
      if (parent.length === 0 && unknown.silent?.has(key)) continue;
      const known = knownKeys(e.schema);
      if (unknown.warn && hint === undefined && didYouMean(key, known) === undefined) {
        unknown.warn(unknownKeyProblem(parent, key, known, undefined, true));
        continue;
      }
      out.push(unknownKeyProblem(parent, key, known, hint));
      continue;
    }
    const expected = describeSchema(e.schema);
    const found = formatFound(e.value);
    // A union's literals, one level of nested union included ("min" or a list of "min"/"max").
    const consts = ((e.schema as SchemaLike).anyOf as SchemaLike[] | undefined)
      ?.flatMap((o) => ((o.anyOf as SchemaLike[] | undefined) ?? [o]).map((x) => x.const))
      .filter((c): c is string => typeof c === 'string');
    const suggestion = typeof e.value === 'string' && consts?.length ? didYouMean(e.value, consts) : undefined;
    out.push(problem([...prefix, ...segments], expected, found, suggestion !== undefined ? { suggestion } : {}));
  }
  return out;
}

/** The file as shown in messages: relative to the current folder when inside it, else absolute. */
export function displayFile(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** One line per problem: `experiment.json: parameter_config[0].range: expected min < max, found [5, 1]`. */
export function formatProblems(problems: readonly ConfigProblem[], file: string | undefined): string {
  return problems
    .map((p) => {
      const where = p.file ?? file;
      const head = where !== undefined ? `${displayFile(where)}: ` : 'config: ';
      return `${head}${p.path ? `${p.path}: ` : ''}${p.message}`;
    })
    .join('\n');
}
