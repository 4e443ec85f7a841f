import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import type { AttemptRecorder } from './attempt-recorder.js';
import { resolveCommand } from './command.js';
import type { IngestQueue } from './ingest-queue.js';
import { attemptOutcome, pipeOutput } from './output-pipe.js';
import type { JsonObject } from '../types.js';

/** After SIGTERM, a job gets this long (ms) to exit before SIGKILL: enough to flush a checkpoint. */
export const KILL_GRACE_MS = 5_000;

export type StopReason = 'interrupted' | 'early_stopped' | 'killed';

export interface ProcessLaunch {
  experimentId: number;
  jobId: number;
  attempt: number;
  script: string;
  /** The script file as the config located it (replaces the script word of `script`). */
  scriptPath?: string;
  workingDir: string;
  /** Written to jobs/<jid>.json and passed as the last argument. */
  jobJson: JsonObject;
  /** Extra environment for this child only (e.g. CUDA_VISIBLE_DEVICES). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Aborting stops the job; the abort reason (a StopReason) becomes its status. */
  signal: AbortSignal;
  recorder: AttemptRecorder;
  queue: IngestQueue;
  onSpawn?: (pid: number) => void;
}

export interface ProcessOutcome {
  status: 'finished' | 'failed' | 'interrupted' | 'early_stopped';
  exitCode: number | null;
  error?: string;
  logPath: string;
}

let pythonDir: string | undefined;
/** The folder of the Python `aup` module, put on PYTHONPATH so Auptimizer scripts run unchanged. */
export function pythonClientDir(): string {
  if (!pythonDir) {
    const require = createRequire(import.meta.url);
    pythonDir = join(dirname(require.resolve('@aup/logger/package.json')), 'python');
  }
  return pythonDir;
}

/** Paths of a job's files, relative to the working directory (Auptimizer's layout). */
export function jobFiles(workingDir: string, jobId: number, attempt: number): { jobFile: string; logFile: string } {
  return {
    jobFile: join(workingDir, 'jobs', `${jobId}.json`),
    logFile: join(workingDir, 'jobs', `${jobId}.${attempt}.out`),
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Runs one attempt of a job as a child process (DESIGN §5) and feeds its output to the recorder. */
export function runProcess(launch: ProcessLaunch): Promise<ProcessOutcome> {
  const { workingDir, jobId, attempt, recorder, queue } = launch;
  const { jobFile, logFile } = jobFiles(workingDir, jobId, attempt);
  mkdirSync(dirname(jobFile), { recursive: true });
  writeFileSync(jobFile, JSON.stringify(launch.jobJson, null, 2) + '\n');

  return new Promise((resolvePromise) => {
    const log = createWriteStream(logFile, { flags: 'a' });
    let settled = false;
    const finish = (outcome: Omit<ProcessOutcome, 'logPath'>) => {
      if (settled) return;
      settled = true;
      log.end(() => resolvePromise({ ...outcome, logPath: logFile }));
    };

    let command;
    try {
      command = resolveCommand(launch.script, workingDir, launch.scriptPath);
    } catch (e) {
      log.write(`aup: ${(e as Error).message}\n`);
      finish({ status: 'failed', exitCode: null, error: (e as Error).message });
      return;
    }

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...launch.env,
      AUP_JOB_ID: String(jobId),
      AUP_EXPERIMENT_ID: String(launch.experimentId),
      AUP_ATTEMPT: String(attempt),
      AUP_PARAMS: JSON.stringify(launch.jobJson),
      PYTHONPATH: [pythonClientDir(), process.env.PYTHONPATH].filter(Boolean).join(delimiter),
      PYTHONUNBUFFERED: '1',
    };
    const child = spawn(command.file, [...command.args, jobFile], {
      cwd: workingDir,
      env,
      // Own process group, so stopping a job also stops what its shell script started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    let stopReason: StopReason | undefined;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const onAbort = () => {
      stopReason = (launch.signal.reason as StopReason | undefined) ?? 'interrupted';
      stop();
    };
    if (launch.signal.aborted) onAbort();
    else launch.signal.addEventListener('abort', onAbort, { once: true });

    const timeout =
      launch.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            stop();
          }, launch.timeoutMs)
        : undefined;

    pipeOutput(child.stdout, 'stdout', log, recorder, queue);
    pipeOutput(child.stderr, 'stderr', log, recorder, queue);

    child.on('spawn', () => {
      if (child.pid !== undefined) launch.onSpawn?.(child.pid);
    });
    child.on('error', (e) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      launch.signal.removeEventListener('abort', onAbort);
      const message = `cannot start ${command.file}: ${e.message}`;
      log.write(`aup: ${message}\n`);
      finish({ status: 'failed', exitCode: null, error: message });
    });
    child.on('close', (code, sig) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      launch.signal.removeEventListener('abort', onAbort);
      finish(attemptOutcome({ stopReason, timedOut, timeoutMs: launch.timeoutMs, exitCode: code, signal: sig, score: recorder.score }));
    });
  });
}
