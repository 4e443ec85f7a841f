import { accessSync, constants, statSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { AupError } from '../errors.js';

/**
 * Programs that take the script file as an argument (`python3 train.py --fast`): the script is
 * then the first word after the interpreter's own options. `python3.11` and full paths count too.
 */
export const INTERPRETER = /^(python[0-9.]*|node|nodejs|bash|sh|zsh|Rscript|julia|ruby|perl)$/;

/** Interpreter options after which the code comes inline or from a module, not from a file. */
const NO_FILE_OPTIONS = new Set(['-m', '-c', '-e', '--eval', '-p', '--print']);

/**
 * Index of the word of a split `script` command that names the script file: 0, or the first
 * non-option word after an interpreter; -1 for `python3 -m pkg` and the like.
 */
export function scriptWordIndex(words: readonly string[]): number {
  const first = words[0];
  if (first === undefined) return -1;
  if (!INTERPRETER.test(basename(first))) return 0;
  for (let i = 1; i < words.length; i++) {
    if (NO_FILE_OPTIONS.has(words[i]!)) return -1;
    if (!words[i]!.startsWith('-')) return i;
  }
  return -1;
}

/** Interpreter by extension for scripts that are not executable (docs/architecture.md §4). */
const BY_EXTENSION: Record<string, () => string> = {
  '.py': () => 'python3',
  '.js': () => process.execPath,
  '.mjs': () => process.execPath,
  '.cjs': () => process.execPath,
  '.sh': () => 'bash',
};

/** Splits a command string like a POSIX shell would for words and quotes (no expansion). */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < command.length && '"\\$`'.includes(command[i + 1]!)) word += command[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new AupError('AUP_ERR_CONFIG_INVALID', `script: unterminated ${quote} quote in ${JSON.stringify(command)}`);
  if (inWord) words.push(word);
  return words;
}

export interface ResolvedCommand {
  /** The program to spawn. */
  file: string;
  /** Its arguments, without the job file (the runner appends it last). */
  args: string[];
}

/** Whether `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Turns the config's `script` string into a program and arguments: an explicit interpreter is kept,
 * an executable file runs directly, otherwise the interpreter is chosen by extension.
 */
export function resolveCommand(script: string, cwd: string, scriptPath?: string): ResolvedCommand {
  const words = splitCommand(script);
  if (words.length === 0) throw new AupError('AUP_ERR_CONFIG_INVALID', 'script: expected a command, found an empty string');
  // The config located the script file (beside the config or in workingdir): run that file.
  const at = scriptWordIndex(words);
  if (scriptPath !== undefined && at >= 0) words[at] = scriptPath;
  const [first, ...rest] = words as [string, ...string[]];
  if (INTERPRETER.test(basename(first))) {
    return { file: first === 'node' || first === 'nodejs' ? process.execPath : first, args: rest };
  }
  const path = isAbsolute(first) ? first : resolve(cwd, first);
  let exists = false;
  try {
    exists = statSync(path).isFile();
  } catch {
    exists = false;
  }
  if (!exists) {
    // A bare program name on PATH (e.g. "make train") is run as is.
    if (!first.includes('/')) return { file: first, args: rest };
    throw new AupError('AUP_ERR_SCRIPT_NOT_FOUND', `script: ${path} does not exist`, { details: { path } });
  }
  if (isExecutable(path)) return { file: path, args: rest };
  const interpreter = BY_EXTENSION[extname(path).toLowerCase()];
  if (!interpreter) {
    throw new AupError(
      'AUP_ERR_SCRIPT_NOT_FOUND',
      `script: ${path} is not executable and its extension does not name an interpreter (.py, .js, .mjs, .cjs, .sh); chmod +x it or prefix the interpreter`,
      { details: { path } },
    );
  }
  return { file: interpreter(), args: [path, ...rest] };
}
