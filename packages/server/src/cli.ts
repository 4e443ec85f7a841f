import { existsSync } from 'node:fs';

import { AupError, VERSION, isAupError, openStore, parseDbUrl, type Store } from '@aup/core';
import { Command, CommanderError, InvalidArgumentError } from 'commander';

import { createServer } from './create-server.js';
import { listenOnFreePort } from './listen-on-free-port.js';

/** The board's port when none is given: the usual port of a local web app. */
export const DEFAULT_PORT = 8080;
/** Loopback only by default (DESIGN §8): the board shows paths, hosts and configs. */
export const DEFAULT_HOST = '127.0.0.1';
const MAX_PORT = 65535;

export interface BoardCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  /** Stops the server when aborted (the binary aborts on SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

interface BoardOptions {
  db?: string;
  create?: boolean;
  port: number;
  host: string;
  readOnly?: boolean;
}

function parsePort(text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port > MAX_PORT) {
    throw new InvalidArgumentError(`expected an integer from 0 to ${MAX_PORT}`);
  }
  return port;
}

/** The `aup-board` command line (parsing only; `main` runs it). */
export function buildBoardProgram(io: BoardCliIo, run: (o: BoardOptions) => Promise<void>): Command {
  return new Command('aup-board')
    .description('Serve the aup board: the JSON API under /api/v1 and the dashboard, over an experiment database.')
    .version(VERSION)
    .option('--db <url>', 'database: a SQLite file, sqlite:path or postgres://... (default: $AUP_DB, else experiments.db here)')
    .option('--create', 'create an empty database when the file does not exist')
    .option('-p, --port <n>', 'port to listen on; if taken, the next free one (0: any free port)', parsePort, DEFAULT_PORT)
    .option('--host <host>', 'address to bind', DEFAULT_HOST)
    .option('--read-only', 'serve without any route that changes data')
    .showHelpAfterError('(aup-board --help lists the options)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`aup-board: ${s.replace(/^error: /, '')}`),
    })
    .exitOverride()
    .action(async (o: BoardOptions) => run(o));
}

/**
 * Entry point of the `aup-board` binary: opens the store, serves until `io.signal` aborts, and
 * answers the exit code. User errors print one message and give 1, never a stack trace.
 */
export async function main(argv: string[], io: BoardCliIo): Promise<number> {
  const program = buildBoardProgram(io, (o) => serve(o, io));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (isAupError(e)) {
      io.stderr.write(`aup-board: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`aup-board: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env['AUP_DEBUG']) io.stderr.write(`${(e as Error)?.stack}\n`);
    else io.stderr.write('(set AUP_DEBUG=1 for details; please report this)\n');
    return 2;
  }
}

async function serve(o: BoardOptions, io: BoardCliIo): Promise<void> {
  const store = await openExisting(o.db, o.create ?? false, io.cwd);
  const app = createServer({ store, readOnly: o.readOnly ?? false });
  try {
    const { url, port } = await listenOnFreePort(app, o.host, o.port);
    if (o.port !== 0 && port !== o.port) io.stdout.write(`aup-board: port ${o.port} is taken, using ${port}\n`);
    io.stdout.write(`aup-board: ${url}\n`);
    io.stdout.write(`aup-board: serving ${store.url}${o.readOnly ? ' (read-only)' : ''}; Ctrl-C stops\n`);
    await untilAborted(io.signal);
  } finally {
    await app.close();
    await store.close();
  }
}

/** Opens the store without creating it, unless asked: a board over an empty new file is most often a typo. */
async function openExisting(url: string | undefined, create: boolean, cwd: string): Promise<Store> {
  const location = parseDbUrl(url, cwd);
  if (!create && location.dialect === 'sqlite' && location.path !== ':memory:' && !existsSync(location.path)) {
    const from = url !== undefined ? '--db' : process.env['AUP_DB'] ? '$AUP_DB' : `the default (no --db, no $AUP_DB)`;
    throw new AupError(
      'AUP_ERR_DB_OPEN',
      `Database file ${location.path} (from ${from}) does not exist: expected an aup database, such as the experiments.db that 'aup run' writes; pass --create to start an empty one`,
      { details: { path: location.path } },
    );
  }
  return openStore(url, { create, cwd });
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise<void>(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
