/**
 * `aup env python` (docs/reference/cli.md): where the Python `aup` module bundled with aup lives, so
 * a job script runs by hand, outside the runner, with the same module the runner gives it.
 */
import type { Command } from 'commander';

import { AupError } from '../errors.js';
import { pythonClientDir, pythonPathExport } from '../runner/process-executor.js';

export interface EnvCliIo {
  stdout: NodeJS.WritableStream;
}

/** The environments `aup env` describes; one for now, named so that others can join it. */
const ENVIRONMENTS = ['python'] as const;

export function addEnvCommand(program: Command, io: EnvCliIo): void {
  program
    .command('env')
    .description('print the shell line that puts aup\'s Python module on PYTHONPATH (eval "$(aup env python)")')
    .argument('<language>', 'python')
    .option('--path', 'print only the folder of the module')
    .action((language: string, o: { path?: boolean }) => {
      if (!(ENVIRONMENTS as readonly string[]).includes(language))
        throw new AupError('AUP_ERR_CLI_USAGE', `env: unknown environment "${language}"; expected ${ENVIRONMENTS.join(' or ')}`, {
          details: { argument: 'language' },
        });
      io.stdout.write(`${o.path ? pythonClientDir() : pythonPathExport()}\n`);
    });
}
