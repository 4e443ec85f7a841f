import type { AttemptLog } from './attempt-log.js';
import type { ResolvedCommand } from './command.js';
import type { ProcessLaunch, ProcessOutcome, StopReason } from './process-executor.js';

/** After SIGTERM, a job gets this long (ms) to exit before SIGKILL: enough to flush a checkpoint. */
export const KILL_GRACE_MS = 5_000;

/** Signals a process group, or the process alone when it leads no group; false if it is gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false; // already gone
    }
  }
}

/** One attempt being started: its files, log and command, and how it ends. */
export interface StartedJob {
  command: ResolvedCommand;
  jobFile: string;
  env: NodeJS.ProcessEnv;
  log: AttemptLog;
  /** Ends the attempt once (later calls are ignored), after the log is flushed. */
  finish: (outcome: Omit<ProcessOutcome, 'logPath'>) => void;
}

/**
 * Stop, early stop and `job_timeout` for a running job, whatever starts it: SIGTERM to what
 * `kill` names, SIGKILL after KILL_GRACE_MS. `kill` returns false while the job has no process to
 * signal yet; the stop is then sent by `started()`.
 */
export class JobControl {
  stopReason: StopReason | undefined;
  timedOut = false;
  /** Why aup itself stopped the job (its log could not be written), when it did. */
  failure: string | undefined;
  #stopping = false;
  #killTimer: NodeJS.Timeout | undefined;
  readonly #timeout: NodeJS.Timeout | undefined;
  readonly #onAbort = () => {
    this.stopReason = (this.launch.signal.reason as StopReason | undefined) ?? 'interrupted';
    this.#stop();
  };

  constructor(
    private readonly launch: ProcessLaunch,
    private readonly kill: (signal: NodeJS.Signals) => boolean,
  ) {
    if (launch.signal.aborted) this.#onAbort();
    else launch.signal.addEventListener('abort', this.#onAbort, { once: true });
    this.#timeout =
      launch.timeoutMs !== undefined
        ? setTimeout(() => {
            this.timedOut = true;
            this.#stop();
          }, launch.timeoutMs)
        : undefined;
  }

  /** Stops the job because its attempt cannot go on (its log cannot be written): it fails with `message`. */
  fail(message: string): void {
    this.failure ??= message;
    this.#stop();
  }

  /** The job's process exists now: a stop asked for before is sent. */
  started(): void {
    if (this.#stopping) this.#signal();
  }

  #stop(): void {
    this.#stopping = true;
    this.#signal();
  }

  #signal(): void {
    if (!this.kill('SIGTERM')) return;
    this.#killTimer ??= setTimeout(() => this.kill('SIGKILL'), KILL_GRACE_MS);
    this.#killTimer.unref();
  }

  /** The job ended: no more timers or listeners. */
  dispose(): void {
    clearTimeout(this.#timeout);
    clearTimeout(this.#killTimer);
    this.launch.signal.removeEventListener('abort', this.#onAbort);
  }
}
