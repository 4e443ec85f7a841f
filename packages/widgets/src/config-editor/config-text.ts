// Pure reading of the config editor's text: JSON or YAML, with the place of a syntax error.
import { parseDocument } from 'yaml';

/** The two notations the editor reads (a config file is either). */
export type ConfigFormat = 'json' | 'yaml';

/** What the text says: a value, or a syntax error at a line and column (both from 1). */
export type ParsedConfigText = { ok: true; value: unknown } | { ok: false; message: string; line: number | null; column: number | null };

/** JSON when the text starts with `{` or `[` (after blanks), else YAML (which also reads most JSON). */
export function detectFormat(text: string): ConfigFormat {
  return /^\s*[{[]/.test(text) ? 'json' : 'yaml';
}

/**
 * Parses the editor's text in `format`. A JSON error names the line and column (from V8's "at
 * position N" or "(line L column C)"); a YAML error takes them from the YAML parser.
 * @example parseConfigText('{"a": }', 'json') // { ok: false, message: ..., line: 1, column: 7 }
 */
export function parseConfigText(text: string, format: ConfigFormat): ParsedConfigText {
  if (text.trim() === '') return { ok: false, message: 'The config is empty: expected a JSON or YAML object', line: null, column: null };
  if (format === 'json') {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (e) {
      const message = (e as Error).message;
      return { ok: false, message, ...jsonErrorPlace(message, text) };
    }
  }
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err !== undefined) {
    const at = err.linePos?.[0];
    return {
      ok: false,
      message: err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, ''),
      line: at?.line ?? null,
      column: at?.col ?? null,
    };
  }
  return { ok: true, value: doc.toJS() as unknown };
}

/**
 * Where a JSON.parse error points, read from its message: Chromium and Firefox say "(line L
 * column C)", older V8 "at position N"; a message with neither (V8's "Unexpected token ... is not
 * valid JSON") gives no place rather than a wrong one.
 */
export function jsonErrorPlace(message: string, text: string): { line: number | null; column: number | null } {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = /at position (\d+)/.exec(message);
  if (pos) return lineColumn(text, Number(pos[1]));
  if (/end of JSON input/.test(message)) return lineColumn(text, text.length);
  return { line: null, column: null };
}

/** The 1-based line and column of character `offset` of `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/**
 * The config the validate route should check: a working directory given beside the config
 * becomes its `workingdir` (unless it has one), because the board resolves a created
 * experiment's relative paths there, and validation must find the script where creation will.
 */
export function configForValidation(value: unknown, workingDir: string): unknown {
  const dir = workingDir.trim();
  if (dir === '' || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const o = value as Record<string, unknown>;
  return o['workingdir'] === undefined ? { ...o, workingdir: dir } : o;
}
