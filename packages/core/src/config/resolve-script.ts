import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { scriptWordIndex, splitCommand } from '../runner/command.js';

/** `~/x` → `<home>/x`, as Auptimizer's paths allow. */
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/**
 * The word of a `script` command that names the script file: the first word, or the first
 * non-option word after an interpreter; undefined for `python3 -m pkg` and the like.
 * Throws AupError (AUP_ERR_CONFIG_INVALID) on an unterminated quote.
 */
export function scriptFileWord(script: string): string | undefined {
  const words = splitCommand(script);
  const i = scriptWordIndex(words);
  return i < 0 ? undefined : words[i];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isFile(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

export interface ScriptLocation {
  /** Absolute path of the script file; undefined when the command names none (`python3 -m pkg`). */
  path?: string;
  /** When checked: whether the file exists. */
  exists: boolean;
  /** The places looked at, in order (for the not-found message). */
  tried: string[];
}

/**
 * Where the script file of a `script` command is. A relative path is looked up in the config's
 * folder, then (Auptimizer's rule, which ran scripts from the working folder) in `workingdir`; a
 * bare program name found in neither is looked up on PATH, as the runner would run it.
 * Without `check`, nothing is looked up and the path is taken relative to the config's folder.
 */
export function locateScript(script: string, opts: { baseDir: string; workingdir: string; check: boolean }): ScriptLocation {
  const word = scriptFileWord(script);
  if (word === undefined) return { exists: true, tried: [] };
  const expanded = expandHome(word);
  if (isAbsolute(expanded)) return { path: expanded, exists: !opts.check || isFile(expanded), tried: [expanded] };
  const candidates = [...new Set([resolve(opts.baseDir, expanded), resolve(opts.workingdir, expanded)])];
  if (!opts.check) return { path: candidates[0]!, exists: true, tried: [] };
  const found = candidates.find(isFile);
  if (found) return { path: found, exists: true, tried: candidates };
  if (!word.includes('/')) {
    const program = onPath(word);
    if (program) return { path: program, exists: true, tried: candidates };
  }
  return { path: candidates[0]!, exists: false, tried: candidates };
}
