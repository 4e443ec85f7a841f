import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AupError } from '../errors.js';
import type { JsonObject, NormalizedConfig } from '../types.js';
import { displayFile, formatPath, type ConfigProblem } from './config-problem.js';
import { normalizeConfig } from './normalize-config.js';
import { ConfigSyntaxError, formatOf, parseConfigText } from './parse-config-text.js';
import type { DuplicateKey } from './parse-json.js';

export interface LoadConfigOptions {
  /** Folder a relative `workingdir` resolves against (default: the current folder); see NormalizeOptions. */
  cwd?: string;
  /** Told each warning as it is found, also when the config is then refused (the CLI prints them). */
  onWarning?: (warning: ConfigProblem) => void;
}

/**
 * Reads an experiment config (JSON for `.json`, YAML for `.yml`/`.yaml`, either for other names) and
 * normalises it; relative paths in it resolve against its folder, except `workingdir` (against
 * `opts.cwd`, as Auptimizer did). `raw` is the file as written (a repeated JSON key holding its last
 * value, as Python's json reads it); `warnings`, what was accepted but may not be meant, in file order.
 * Throws AUP_ERR_CONFIG_NOT_FOUND, AUP_ERR_CONFIG_PARSE (with line and column) or whatever
 * `normalizeConfig` throws.
 */
export async function loadConfig(
  file: string,
  opts: LoadConfigOptions = {},
): Promise<{ raw: JsonObject; config: NormalizedConfig; warnings: ConfigProblem[] }> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${(e as Error).message})`;
    throw new AupError('AUP_ERR_CONFIG_NOT_FOUND', `config file ${displayFile(path)} ${why}`, { details: { file: path }, cause: e });
  }
  const warnings: ConfigProblem[] = [];
  const warn = (w: ConfigProblem): void => {
    warnings.push(w);
    opts.onWarning?.(w);
  };
  const onDuplicate = (d: DuplicateKey): void =>
    warn({
      path: formatPath([...d.parent, d.key]),
      message: `repeated at line ${d.line}: the last value is used, as Python's json (and so Auptimizer) reads it`,
      expected: 'a key given once',
      found: JSON.stringify(d.key),
    });
  let raw;
  try {
    raw = parseConfigText(text, formatOf(path), { onDuplicate });
  } catch (e) {
    if (!(e instanceof ConfigSyntaxError)) throw e;
    throw new AupError(
      'AUP_ERR_CONFIG_PARSE',
      `${displayFile(path)}:${e.line}:${e.column}: not valid ${e.format.toUpperCase()}: ${e.message}`,
      {
        details: { file: path, format: e.format, line: e.line, column: e.column },
        cause: e,
      },
    );
  }
  const config = normalizeConfig(raw, {
    file: path,
    baseDir: dirname(path),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    onWarning: warn,
  });
  return { raw: raw as JsonObject, config, warnings };
}
