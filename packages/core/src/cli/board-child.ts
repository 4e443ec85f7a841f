import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { AupError } from '../errors.js';

/** How long `aup run --board` waits for the board to print its URL; a store open plus a listen, seconds at most. */
export const BOARD_START_TIMEOUT_MS = 30_000;
/** How long the board may take to close its server and store once asked; then it is killed. */
export const BOARD_STOP_TIMEOUT_MS = 10_000;
/** The line aup-board prints with its URL (and the session token). */
const URL_LINE = /^aup-board: (http:\/\/\S+)$/m;

/** An `aup-board --attached` process started beside an experiment. */
export interface BoardChild {
  /** The URL as the board printed it, with `?token=` when changes need one. */
  url: string;
  exited: Promise<number | null>;
  /** Asks the board to close (SIGTERM), waits, kills it if it hangs. */
  stop(): Promise<void>;
}

/**
 * The `aup-board` binary of the installed @aup/server. Core does not import the server (docs/architecture.md §1):
 * it runs its binary, found through the package's own package.json.
 */
export function resolveBoardBin(from: string = import.meta.url): string {
  let pkgFile: string;
  try {
    pkgFile = createRequire(from).resolve('@aup/server/package.json');
  } catch (cause) {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      '--board needs the board, which is the @aup/server package: install it (npm install @aup/server) or run without --board',
      {
        details: { option: '--board', package: '@aup/server' },
        cause,
      },
    );
  }
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin?: string | Record<string, string> };
  const rel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['aup-board'];
  const bin = rel === undefined ? undefined : join(dirname(pkgFile), rel);
  if (bin === undefined || !existsSync(bin)) {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      `--board: @aup/server at ${dirname(pkgFile)} has no aup-board binary (expected bin["aup-board"] in its package.json)`,
      {
        details: { option: '--board', package: dirname(pkgFile) },
      },
    );
  }
  return bin;
}

/**
 * Starts `aup-board --attached --port <port>` on the database `dbUrl` and resolves once it prints
 * its URL. The URL goes in the board's environment ($AUP_DB), never on its command line, which any
 * user of the machine can read (`ps`): a PostgreSQL URL may hold a password. It runs in its own
 * process group, so a Ctrl-C in the terminal reaches `aup run` only, which stops it once.
 */
export function startBoardChild(opts: { dbUrl: string; port: number; cwd: string; stderr: NodeJS.WritableStream }): Promise<BoardChild> {
  const bin = resolveBoardBin();
  const child: ChildProcess = spawn(process.execPath, [bin, '--port', String(opts.port), '--attached'], {
    cwd: opts.cwd,
    env: { ...process.env, AUP_DB: opts.dbUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  // A second Ctrl-C makes `aup run` exit at once; the board must not outlive it.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  let err = '';
  let serving = false;
  // Before the URL, the board's complaints go into the error below; after it, straight through.
  child.stderr!.on('data', (d: Buffer) => {
    if (serving) opts.stderr.write(d);
    else err += d.toString();
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), BOARD_STOP_TIMEOUT_MS);
    });
    if ((await Promise.race([exited, late])) === 'late') {
      child.kill('SIGKILL');
      await exited;
    }
    clearTimeout(timer);
  };
  return new Promise<BoardChild>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop();
      reject(
        new AupError(
          'AUP_ERR_SERVER_LISTEN',
          `--board: aup-board printed no URL within ${BOARD_START_TIMEOUT_MS / 1000} s; its output: ${out.trim() || '(none)'}`,
          { details: { option: '--board' } },
        ),
      );
    }, BOARD_START_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = URL_LINE.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      serving = true;
      child.stdout!.off('data', onData);
      // Keep reading (and dropping) its stdout, so a full pipe never blocks the board.
      child.stdout!.resume();
      resolve({ url: m[1]!, exited, stop });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      if (serving) return;
      reject(
        new AupError(
          'AUP_ERR_SERVER_LISTEN',
          `--board: aup-board exited (code ${code}) before serving: ${err.trim() || out.trim() || 'no output'}`,
          { details: { option: '--board' } },
        ),
      );
    });
  });
}
