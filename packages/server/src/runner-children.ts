import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { AupError } from '@aup/core';

/**
 * How long the board waits for its runners to stop (SIGINT: running jobs interrupted, resumable)
 * when it closes. Stopping kills the jobs' processes and records them, a second or two; more than
 * this means a runner is stuck, and it is killed.
 */
export const RUNNER_STOP_TIMEOUT_MS = 10_000;

/** A runner process the board started, and where its output goes. */
export interface RunnerChild {
  experimentId: number;
  pid: number;
  /** The file the runner's stdout and stderr are appended to. */
  log: string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Output so far when it has exited; for error messages. */
  readonly process: ChildProcess;
}

/** The file a board-started runner of experiment `experimentId` writes its output to. */
export function runnerLogPath(workingDir: string, experimentId: number): string {
  return join(workingDir, `aup-runner-${experimentId}.log`);
}

/** Where the installed `aup` binary of @aup/core is; a clear error when the package is not installed. */
export function resolveAupBin(): string {
  const require = createRequire(import.meta.url);
  let pkgFile: string;
  try {
    pkgFile = require.resolve('@aup/core/package.json');
  } catch (cause) {
    throw new AupError(
      'AUP_ERR_RUNNER_START',
      'Cannot start a runner: the @aup/core package (which holds the aup binary) is not installed beside @aup/server',
      {
        details: { package: '@aup/core' },
        cause,
      },
    );
  }
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin?: string | Record<string, string> };
  const rel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['aup'];
  const bin = rel === undefined ? undefined : join(dirname(pkgFile), rel);
  if (bin === undefined || !existsSync(bin)) {
    throw new AupError(
      'AUP_ERR_RUNNER_START',
      `Cannot start a runner: @aup/core at ${dirname(pkgFile)} has no aup binary (expected bin.aup in its package.json)`,
      {
        details: { package: dirname(pkgFile) },
      },
    );
  }
  return bin;
}

/**
 * The runner processes a board started (`aup resume <id>`), one per experiment at most. Each gets
 * the database URL in its environment ($AUP_DB), never on its command line, which any user of the
 * machine can read (`ps`): a PostgreSQL URL may hold a password.
 * Each runs in its own process group, so a Ctrl-C in the board's terminal reaches only the board,
 * which then asks each runner to stop exactly once (a second SIGINT would make it quit at once).
 */
export class RunnerChildren {
  readonly #children = new Map<number, RunnerChild>();
  readonly #aupBin: () => string;
  /** The database runners are given ($AUP_DB); an environment reset points it at the new one. */
  dbUrl: string;

  constructor(dbUrl: string, aupBin: () => string = resolveAupBin) {
    this.dbUrl = dbUrl;
    this.#aupBin = aupBin;
  }

  /** The live runner of an experiment, if the board started one that has not exited. */
  get(experimentId: number): RunnerChild | undefined {
    return this.#children.get(experimentId);
  }

  /** Starts `aup resume <id>` with its output appended to the log file in `workingDir`. */
  start(experimentId: number, workingDir: string): RunnerChild {
    const bin = this.#aupBin();
    const log = runnerLogPath(workingDir, experimentId);
    let fd: number;
    try {
      fd = openSync(log, 'a');
    } catch (cause) {
      throw new AupError(
        'AUP_ERR_RUNNER_START',
        `Cannot start a runner for experiment ${experimentId}: its log file ${log} cannot be opened (${(cause as Error).message})`,
        {
          details: { experimentId, log },
          cause,
        },
      );
    }
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [bin, 'resume', String(experimentId)], {
        cwd: workingDir,
        stdio: ['ignore', fd, fd],
        detached: true,
        env: { ...process.env, AUP_DB: this.dbUrl },
      });
    } finally {
      closeSync(fd);
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    const entry: RunnerChild = { experimentId, pid: child.pid ?? -1, log, exited, process: child };
    this.#children.set(experimentId, entry);
    void exited.then(() => {
      if (this.#children.get(experimentId) === entry) this.#children.delete(experimentId);
    });
    return entry;
  }

  /** Resolves once every runner alive now has exited, or after `timeoutMs`, whichever is first. */
  async settle(timeoutMs: number): Promise<void> {
    const all = [...this.#children.values()];
    if (all.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(all.map((c) => c.exited)), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** How many runners are alive. */
  get size(): number {
    return this.#children.size;
  }

  /** Asks every runner to stop (SIGINT), waits up to `timeoutMs`, then kills those still there. */
  async stopAll(timeoutMs = RUNNER_STOP_TIMEOUT_MS): Promise<void> {
    const all = [...this.#children.values()];
    for (const c of all) signal(c.process, 'SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([Promise.all(all.map((c) => c.exited)), timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      for (const c of this.#children.values()) signal(c.process, 'SIGKILL');
      await Promise.all(all.map((c) => c.exited));
    }
  }
}

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(sig);
  } catch {
    // Already gone between the check and the kill.
  }
}
