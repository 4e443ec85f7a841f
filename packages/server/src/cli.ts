import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

import { AupError, VERSION, isAupError, openStore, parseDbUrl, type Store } from '@aup/core';
import { Command, CommanderError, InvalidArgumentError } from 'commander';

import { parseCorsOrigins } from './api/cors.js';
import { createServer } from './create-server.js';
import { listenOnFreePort } from './listen-on-free-port.js';
import { createStoreHolder } from './swappable-store.js';
import { boardHostNames, parseAllowedHost } from './host-check.js';
import { isLoopbackHost } from './loopback.js';
import { openUrl } from './open-url.js';

/** The board's port when none is given: the usual port of a local web app. */
export const DEFAULT_PORT = 8080;
/** Loopback only by default: the board shows paths, hosts and configs. */
export const DEFAULT_HOST = '127.0.0.1';
const MAX_PORT = 65535;
/** Random bytes in a generated session token: 192 bits, far beyond guessing over HTTP. */
export const TOKEN_BYTES = 24;

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
  /** A string from --token, false from --no-token, undefined: generate one. */
  token?: string | false;
  cors?: string;
  /** --allowed-host, repeatable: names the board answers to besides loopback and --host. */
  allowedHost?: string[];
  /** --public-read: an exposed board serves its reads without the token. */
  publicRead?: boolean;
  open?: boolean;
  /** Started by `aup run --board` beside a running experiment (`--attached`). */
  attached?: boolean;
}

/** What the flags decide about security, checked before anything is opened or bound. */
export interface BoardSecurity {
  /** The token requests need; undefined when none does (--no-token, or a loopback --read-only). */
  token: string | undefined;
  corsOrigins: string[];
  /** --allowed-host names, canonical. */
  allowedHosts: string[];
  /** Others can reach the board: a non-loopback --host, or any --allowed-host. */
  exposed: boolean;
  /** Reads need the token too: an exposed board without --public-read. */
  readsNeedToken: boolean;
}

/**
 * Applies the security rules to the flags: a token is generated unless given or refused; refusing
 * one is allowed on a board only this machine reaches (a loopback host, no --allowed-host); an
 * exposed board needs the token for reads too unless --public-read; --cors entries must be exact
 * origins. Throws AUP_ERR_CLI_USAGE naming the flag otherwise.
 */
export function resolveSecurity(
  o: Pick<BoardOptions, 'host' | 'readOnly' | 'token' | 'cors' | 'allowedHost' | 'publicRead'>,
  generate = generateToken,
): BoardSecurity {
  const corsOrigins = o.cors === undefined ? [] : parseCorsOrigins(o.cors);
  const allowedHosts = (o.allowedHost ?? []).map(parseAllowedHost);
  const exposed = !isLoopbackHost(o.host) || allowedHosts.length > 0;
  if (o.token === '') {
    throw new AupError('AUP_ERR_CLI_USAGE', `--token is empty: expected a secret string (or leave --token out to have one generated)`, {
      details: { option: '--token' },
    });
  }
  if (o.token === false && !isLoopbackHost(o.host)) {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      `--no-token with --host ${o.host} would let anyone who can reach ${o.host} change data: expected a loopback host (127.0.0.1, ::1, localhost) with --no-token; drop --no-token to use a generated token, or pass --token`,
      { details: { option: '--no-token', host: o.host } },
    );
  }
  if (o.token === false && allowedHosts.length > 0) {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      `--no-token with --allowed-host ${allowedHosts.join(', ')} would let anyone who reaches the board under that name change data: drop --no-token to use a generated token, or pass --token`,
      { details: { option: '--no-token', allowedHosts } },
    );
  }
  const readsNeedToken = exposed && o.publicRead !== true;
  const base = { corsOrigins, allowedHosts, exposed, readsNeedToken };
  // A read-only board on loopback has no route a token would guard.
  if (o.token === false || (o.readOnly === true && !readsNeedToken)) return { ...base, token: undefined };
  return { ...base, token: o.token ?? generate() };
}

/** A fresh session token (URL-safe). */
export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
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
    .option(
      '--token <token>',
      'the session token mutating requests must send as "authorization: Bearer <token>" (default: a random one, printed in the URL)',
    )
    .option('--no-token', 'no token at all (allowed only on a loopback host, without --allowed-host)')
    .option(
      '--allowed-host <name>',
      'also answer to this host name (a reverse proxy, a LAN name); repeatable. Other names get 421',
      collect,
      [],
    )
    .option(
      '--public-read',
      'on a board others can reach (non-loopback --host, --allowed-host): serve reads without the token. Anyone who reaches it reads configs, logs and files',
    )
    .option('--cors <origins>', 'comma-separated origins (https://host[:port]) whose pages may read the API')
    .option('--open', 'open the board in a browser (xdg-open/open) once it listens')
    .option(
      '--attached',
      'started by `aup run --board`: no creating, starting, resuming experiments or resetting the environment (stop, kill and report still work)',
    )
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // One line, as `aup` prints its usage errors.
      outputError: (s, write) =>
        write(
          `aup-board: ${s
            .trim()
            .replace(/^error: /, '')
            .replace(/\s*\n\s*\(Did you mean (.*)\)$/, '; did you mean $1')
            .replace(/\s*\n\s*/g, ' ')} ${HELP_HINT}\n`,
        ),
    })
    .exitOverride()
    .action(async (o: BoardOptions) => run(o));
}

const HELP_HINT = '("aup-board --help" lists the options)';
/** Exit codes, as `aup`'s (docs/reference/cli.md): a user error, a usage error (or a missing database), an internal fault. */
const EXIT_USER_ERROR = 1;
const EXIT_USAGE = 2;
const EXIT_INTERNAL = 70;

/**
 * Entry point of the `aup-board` binary: opens the store, serves until `io.signal` aborts, and
 * answers the exit code. Errors print one line, never a stack trace.
 */
export async function main(argv: string[], io: BoardCliIo): Promise<number> {
  const program = buildBoardProgram(io, (o) => serve(o, io));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
    if (isAupError(e)) {
      const usage = e.code === 'AUP_ERR_CLI_USAGE';
      io.stderr.write(`aup-board: ${e.message}${usage ? ` ${HELP_HINT}` : ''}\n`);
      return usage || e.code === 'AUP_ERR_DB_MISSING' || e.code === 'AUP_ERR_DB_URL' ? EXIT_USAGE : EXIT_USER_ERROR;
    }
    io.stderr.write(`aup-board: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env['AUP_DEBUG']) io.stderr.write(`${(e as Error)?.stack}\n`);
    else io.stderr.write('(set AUP_DEBUG=1 for details; please report this)\n');
    return EXIT_INTERNAL;
  }
}

async function serve(o: BoardOptions, io: BoardCliIo): Promise<void> {
  // Before the store is opened or a port bound: a refused configuration touches nothing.
  const security = resolveSecurity(o);
  const opened = await openExisting(o, io);
  // Behind a holder, so an environment reset can put a new database behind every route.
  const holder = createStoreHolder(opened);
  const store = holder.store;
  const location = parseDbUrl(o.db, io.cwd);
  const app = createServer({
    store,
    readOnly: o.readOnly ?? false,
    token: security.token,
    readsNeedToken: security.readsNeedToken,
    allowedHosts: boardHostNames(o.host, security.allowedHosts),
    corsOrigins: security.corsOrigins,
    configBaseDir: io.cwd,
    // Faults are written where the user sees them, so the 500's "the server log has the details" holds.
    errorLog: io.stderr,
    attached: o.attached ?? false,
    dbUrl: location.dialect === 'sqlite' ? location.path : location.connectionString,
  });
  try {
    const { url, port } = await listenOnFreePort(app, o.host, o.port);
    const shown = security.token === undefined ? url : `${url}?token=${encodeURIComponent(security.token)}`;
    // One write, so whoever reads the URL line also has the lines that qualify it.
    const lines: string[] = [];
    if (o.port !== 0 && port !== o.port) lines.push(`aup-board: port ${o.port} is taken, using ${port}`);
    lines.push(`aup-board: ${shown}`);
    const mode =
      (o.readOnly ? ' (read-only)' : security.token === undefined ? ' (no token: loopback only)' : '') +
      (o.attached ? ' (attached to aup run)' : '');
    lines.push(`aup-board: serving ${store.url}${mode}; Ctrl-C stops`);
    if (security.token !== undefined) {
      const what = security.readsNeedToken ? (o.readOnly ? 'requests' : 'requests (reads too)') : 'requests that change data';
      lines.push(`aup-board: ${what} need the header 'authorization: Bearer <the token in the URL>'`);
    }
    if (security.allowedHosts.length > 0) lines.push(`aup-board: also answering to ${security.allowedHosts.join(', ')} (--allowed-host)`);
    if (security.corsOrigins.length > 0) lines.push(`aup-board: pages on ${security.corsOrigins.join(', ')} may read the API`);
    io.stdout.write(lines.join('\n') + '\n');
    for (const warning of exposureWarnings(o, security)) io.stderr.write(`aup-board: warning: ${warning}\n`);
    if (o.open === true && !(await openUrl(shown))) {
      io.stdout.write('aup-board: --open found no browser opener (xdg-open/open); open the URL above by hand\n');
    }
    await untilAborted(io.signal);
  } finally {
    await app.close();
    await store.close();
  }
}

/** What a user must hear about a board that others can reach. */
export function exposureWarnings(o: Pick<BoardOptions, 'host'>, security: BoardSecurity): string[] {
  const out: string[] = [];
  if (!isLoopbackHost(o.host)) {
    out.push(
      `--host ${o.host} serves plain HTTP to the network: the session token and everything the board shows travel unencrypted. ` +
        `Put it behind a TLS reverse proxy (docs/guides/security.md, "Putting the board behind TLS")`,
    );
  }
  if (security.exposed && !security.readsNeedToken) {
    out.push(
      `--public-read: anyone who reaches this board reads every experiment's config (script lines may hold secrets), logs and files without a token`,
    );
  }
  return out;
}

/**
 * Opens the store without creating it, unless asked: a board over an empty new file is most often a
 * typo. `--read-only` opens it read-only (a file this user may only read works; nothing is migrated).
 */
async function openExisting(o: Pick<BoardOptions, 'db' | 'create' | 'readOnly'>, io: BoardCliIo): Promise<Store> {
  const url = o.db;
  if (o.readOnly === true && o.create === true) {
    throw new AupError('AUP_ERR_CLI_USAGE', '--create with --read-only: a read-only board never creates a database; drop one of them', {
      details: { option: '--create' },
    });
  }
  const location = parseDbUrl(url, io.cwd);
  if (o.create !== true && location.dialect === 'sqlite' && location.path !== ':memory:' && !existsSync(location.path)) {
    const from = url !== undefined ? '--db' : process.env['AUP_DB'] ? '$AUP_DB' : `the default (no --db, no $AUP_DB)`;
    throw new AupError(
      'AUP_ERR_DB_MISSING',
      `Database file ${location.path} (from ${from}) does not exist: expected an aup database, such as the experiments.db that 'aup run' writes; ` +
        (o.readOnly === true ? 'a read-only board never creates one' : 'pass --create to start an empty one'),
      { details: { path: location.path } },
    );
  }
  if (o.readOnly === true)
    return openStore(url, { readOnly: true, cwd: io.cwd, onWarning: (m) => io.stderr.write(`aup-board: note: ${m}\n`) });
  return openStore(url, { create: o.create ?? false, cwd: io.cwd });
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise<void>(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
