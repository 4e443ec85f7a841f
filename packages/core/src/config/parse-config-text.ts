import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { Json } from '../types.js';
import { JsonSyntaxError, lineColumn, parseJson } from './parse-json.js';

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

function parseAs(text: string, format: ConfigFormat): Json {
  if (format === 'json') {
    try {
      return parseJson(text);
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw new ConfigSyntaxError(e.message, 'json', e.line, e.column);
      throw e;
    }
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
  return doc.toJSON() as Json;
}

/**
 * Parses a config or template text as JSON or YAML. With no format (an unknown extension) it tries
 * JSON, then YAML; when both fail, the error of the format the text looks like is reported.
 */
export function parseConfigText(text: string, format: ConfigFormat | undefined): Json {
  if (text.trim() === '') throw new ConfigSyntaxError('the file is empty', format ?? 'json', 1, 1);
  if (format) return parseAs(text, format);
  try {
    return parseAs(text, 'json');
  } catch (jsonError) {
    try {
      return parseAs(text, 'yaml');
    } catch (yamlError) {
      const looksJson = /^\s*[[{]/.test(text.replace(/^\uFEFF/, ''));
      throw looksJson ? jsonError : yamlError;
    }
  }
}
