import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { Json } from '../types.js';
import { JsonSyntaxError, lineColumn, parseJson, type DuplicateKey, type ParseJsonOptions } from './parse-json.js';

export type ConfigFormat = 'json' | 'yaml';

let yaml: typeof import('yaml') | undefined;
/** The yaml package, loaded the first time a YAML text is parsed: most configs are JSON, and every `aup` command would pay for loading it. */
function yamlPackage(): typeof import('yaml') {
  yaml ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml;
}

/** Why a config or template text could not be parsed, and where (1-based line and column). */
export class ConfigSyntaxError extends Error {
  override readonly name = 'ConfigSyntaxError';
  constructor(
    message: string,
    readonly format: ConfigFormat,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/** The format a file name announces: `.json` is JSON, `.yml`/`.yaml` YAML, anything else unknown. */
export function formatOf(file: string): ConfigFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yml' || ext === '.yaml') return 'yaml';
  return undefined;
}

/**
 * The deepest nesting a YAML config may have. A config is about six levels deep; the yaml
 * package composes a document recursively, about ten stack frames per level, and overflowed the
 * stack near 1,000 levels (once even aborting the process from inside V8), so texts deeper than
 * this are refused before it sees them, with an 8x margin.
 */
export const MAX_YAML_DEPTH = 128;

/** Lexer tokens that stand for no text of the source (markers the yaml lexer adds). */
const MARKER_TOKENS: ReadonlySet<string> = new Set(['doc-mode', 'scalar', 'flow-error-end']);
/** Tokens that do not open a line's content: the line's indentation stays undecided. */
const NO_CONTENT_TOKENS: ReadonlySet<string> = new Set(['space', 'comment', 'newline', 'doc-mode', 'byte-order-mark', 'flow-error-end']);

/**
 * The offset where YAML `text` first nests deeper than `limit`, or undefined. Measured on the yaml
 * package's lexer tokens, in one pass without recursion, stopping at the first level too many: a
 * hostile text costs a few hundred tokens. Flow collections (`[`, `{`) count exactly; block
 * collections by the indentation levels open on the line plus its `- ` and `? ` indicators, which
 * can count a sequence written at its key's indentation one level short: the limit has margin for it.
 * Aliases count as leaves; what they expand to is bounded by the package's alias limit.
 */
function yamlTooDeep(text: string, limit: number): number | undefined {
  const { Lexer, CST } = yamlPackage();
  const indents: number[] = [];
  let flow = 0;
  let lineStart = true;
  let indent = 0;
  let markers = 0;
  let offset = 0;
  const openLine = (): void => {
    lineStart = false;
    while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
    indents.push(indent);
  };
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token) ?? 'source';
    if (lineStart && flow === 0 && !NO_CONTENT_TOKENS.has(type)) openLine();
    if (type === 'newline' && flow === 0) {
      lineStart = true;
      indent = 0;
      markers = 0;
    } else if (type === 'space' && lineStart) {
      indent = token.length;
    } else if ((type === 'seq-item-ind' || type === 'explicit-key-ind') && flow === 0) {
      markers++;
    } else if (type === 'flow-seq-start' || type === 'flow-map-start') {
      flow++;
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') {
      flow = Math.max(0, flow - 1);
    }
    if (indents.length + markers + flow > limit) return offset;
    if (!MARKER_TOKENS.has(type)) offset += token.length;
  }
  return undefined;
}

function parseAs(text: string, format: ConfigFormat, json: ParseJsonOptions): Json {
  if (format === 'json') {
    try {
      // Duplicates are told only once the whole text parsed: a text that is not JSON is tried as YAML.
      const duplicates: DuplicateKey[] = [];
      const value = parseJson(text, json.onDuplicate ? { onDuplicate: (d) => void duplicates.push(d) } : {});
      duplicates.forEach((d) => json.onDuplicate!(d));
      return value;
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw new ConfigSyntaxError(e.message, 'json', e.line, e.column);
      throw e;
    }
  }
  const deep = yamlTooDeep(text, MAX_YAML_DEPTH);
  if (deep !== undefined) {
    const { line, column } = lineColumn(text, deep);
    throw new ConfigSyntaxError(`it nests deeper than ${MAX_YAML_DEPTH} levels (a config is a few levels deep)`, 'yaml', line, column);
  }
  // logLevel 'error': the yaml package would otherwise print warnings (e.g. about collection keys) on stderr.
  const doc = yamlPackage().parseDocument(text, { uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  const error = doc.errors[0];
  if (error) {
    // prettyErrors would add line numbers but also a code excerpt to the message; positions suffice.
    const { line, column } = lineColumn(text, error.pos[0]);
    throw new ConfigSyntaxError(error.message, 'yaml', line, column);
  }
  // toJSON rather than toJS: YAML-only values (timestamps, binary) come out as JSON would hold them.
  try {
    return doc.toJSON() as Json;
  } catch (e) {
    // The yaml package refuses to expand aliases past its limit (maxAliasCount, 100 expansions
    // weighted by their own aliases) with a ReferenceError: a "billion laughs" text, whose few
    // lines would expand to millions of values. That is a property of the text, not a fault.
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      const { line, column } = lineColumn(text, Math.max(0, text.indexOf('*')));
      throw new ConfigSyntaxError(
        `its aliases (*name) expand to too large a value (the yaml package stops at 100 expansions; an alias bomb?)`,
        'yaml',
        line,
        column,
      );
    }
    // Aliases nested in anchors multiply the depth the text shows.
    if (e instanceof RangeError)
      throw new ConfigSyntaxError(`its aliases (*name) expand to a value nested too deep to build`, 'yaml', 1, 1);
    throw e;
  }
}

/**
 * Parses a config or template text as JSON or YAML. With no format (an unknown extension) it tries
 * JSON, then YAML; when both fail, the error of the format the text looks like is reported.
 * `json` says how JSON treats a repeated key (parse-json.ts); YAML, a format Auptimizer never read,
 * always refuses one.
 */
export function parseConfigText(text: string, format: ConfigFormat | undefined, json: ParseJsonOptions = {}): Json {
  if (text.trim() === '') throw new ConfigSyntaxError('the file is empty', format ?? 'json', 1, 1);
  if (format) return parseAs(text, format, json);
  try {
    return parseAs(text, 'json', json);
  } catch (jsonError) {
    try {
      return parseAs(text, 'yaml', json);
    } catch (yamlError) {
      const looksJson = /^\s*[[{]/.test(text.replace(/^\uFEFF/, ''));
      throw looksJson ? jsonError : yamlError;
    }
  }
}
