/**
 * `aup import <tool> ...` (docs/reference/cli.md, docs/guides/coming-from.md): experiments of other
 * tools brought into the aup store. Each tool's subcommand lives in its own module beside this one
 * and hands what its reader made to Store.syncImport (docs/decisions/0029-imports.md).
 */
import type { Command } from 'commander';

import { addImportAuptimizerCommand } from './import-auptimizer-command.js';
import { addImportOptunaCommand } from './import-optuna-command.js';

export interface ImportCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  /** Ends a `--follow` loop (Ctrl-C in the CLI; tests abort it). */
  signal?: AbortSignal;
}

/** Adds `aup import` and its subcommands. */
export function addImportCommand(program: Command, io: ImportCliIo, dbOption: string, dbHelp: string): Command {
  const command = program
    .command('import')
    .description('bring the experiments of another tool into the aup store (aup import <tool> --help)');
  // Subcommands, one module each (import-<tool>-command.ts), added here:
  addImportAuptimizerCommand(command, io, dbOption, dbHelp);
  addImportOptunaCommand(command, io, dbOption, dbHelp);
  return command;
}
