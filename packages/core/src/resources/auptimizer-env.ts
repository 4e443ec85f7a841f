/**
 * Auptimizer's environment file, `.aup/env.ini`, written by its `aup.setup`: where an Auptimizer
 * user's resources are listed (`node_mapping` for SSH hosts, `gpu_mapping` for GPU ids). aup reads
 * a mapping from it when the config lists none, so an Auptimizer project runs where it ran.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatFound } from '../config/config-problem.js';
import type { ResourceConfig } from './resource.js';

/** The file, relative to a project folder or to the home folder. */
export const AUPTIMIZER_ENV_FILE = join('.aup', 'env.ini');

/** A mapping read from `.aup/env.ini`: its entries in slot order, or why it could not be read. */
export interface AuptimizerMapping {
  file: string;
  entries?: string[];
  error?: string;
}

/**
 * The folder an experiment's `.aup/env.ini` is looked for in: the config file's folder (where
 * Auptimizer was run from, in its examples), else the working directory.
 */
export function auptimizerEnvBaseDir(config: Pick<ResourceConfig, 'config_path' | 'workingdir'>): string {
  return config.config_path !== undefined ? dirname(config.config_path) : (config.workingdir ?? process.cwd());
}

/**
 * The `key` mapping of Auptimizer's `.aup/env.ini` (section `[Auptimizer]`, a JSON object from
 * slot id to value, e.g. `gpu_mapping = {"1": "0", "2": "1"}`), looked for in `baseDir`, then in
 * the home folder, as Auptimizer did; undefined when neither file has the key. `example` shows the
 * expected form in the error when the value is not such an object.
 */
export function auptimizerMapping(baseDir: string, key: string, example: string): AuptimizerMapping | undefined {
  for (const file of [join(baseDir, AUPTIMIZER_ENV_FILE), join(homedir(), AUPTIMIZER_ENV_FILE)]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const value = iniValue(text, 'Auptimizer', key);
    if (value === undefined) continue;
    let mapping: unknown;
    try {
      mapping = JSON.parse(value);
    } catch (e) {
      return { file, error: `${key} is not JSON: ${(e as Error).message}` };
    }
    if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping))
      return { file, error: `${key}: expected a JSON object ${example}, found ${formatFound(mapping)}` };
    const entries = Object.entries(mapping as Record<string, unknown>)
      .sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b))
      .map(([, v]) => (typeof v === 'string' ? v : JSON.stringify(v)));
    return { file, entries };
  }
  return undefined;
}

/** One value of an INI file (Python's configparser: `key = value` or `key: value`, indented lines continue it). */
function iniValue(text: string, section: string, key: string): string | undefined {
  let inSection = false;
  let value: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[(.+)\]\s*$/.exec(line);
    if (header) {
      if (value !== undefined) return value;
      inSection = header[1]!.trim() === section;
      continue;
    }
    if (!inSection) continue;
    if (value !== undefined && /^\s+\S/.test(line)) {
      value += `\n${line.trim()}`;
      continue;
    }
    if (value !== undefined) return value;
    const kv = /^([^=:#;\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (kv && kv[1] === key) value = kv[2]!;
  }
  return value;
}
