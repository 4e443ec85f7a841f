import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AupError } from '../errors.js';
import type { JsonObject, NormalizedConfig } from '../types.js';
import { displayFile } from './config-problem.js';
import { normalizeConfig } from './normalize-config.js';
import { ConfigSyntaxError, formatOf, parseConfigText } from './parse-config-text.js';

/**
 * Reads an experiment config (JSON for `.json`, YAML for `.yml`/`.yaml`, either for other names) and
 * normalises it; relative paths in it resolve against its folder. `raw` is the file as written.
 * Throws AUP_ERR_CONFIG_NOT_FOUND, AUP_ERR_CONFIG_PARSE (with line and column) or whatever
 * `normalizeConfig` throws.
 */
export async function loadConfig(file: string): Promise<{ raw: JsonObject; config: NormalizedConfig }> {
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
  let raw;
  try {
    raw = parseConfigText(text, formatOf(path));
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
  const config = normalizeConfig(raw, { file: path, baseDir: dirname(path) });
  return { raw: raw as JsonObject, config };
}
