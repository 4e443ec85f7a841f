import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { AttemptLog } from './attempt-log.js';
import { jobFiles, ownsJobDir } from './job-files.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import { resolveCommand } from './command.js';
import type { IngestQueue } from './ingest-queue.js';
import { attemptOutcome, pipeOutput } from './output-pipe.js';
import { JobControl, killGroup, type StartedJob } from './job-control.js';
import { launchInShell } from './shell-launcher.js';
import { DRIVER_TOKEN_ENV } from './driver-jobs.js';
import type { JsonObject } from '../types.js';

export type StopReason = 'interrupted' | 'early_stopped' | 'killed';
export { KILL_GRACE_MS } from './job-control.js';

export interface ProcessLaunch {
  experimentId: number;
  jobId: number;
  attempt: number;
  /** The attempt's row, for an executor that reads the store (passive: the reported result). */
  attemptId?: number;
  script: string;
  /** The script file as the config located it (replaces the script word of `script`). */
  scriptPath?: string;
  workingDir: string;
  /** The experiment's job folder, relative to workingDir (job-files.ts): `jobs/e<id>-<random>`, or `jobs` for an old experiment. */
  jobDir: string;
  /** Written to <jobDir>/<jid>.json and passed as the last argument. */
  jobJson: JsonObject;
  /** The job's budget from a multi-fidelity proposer (hyperband, bohb): AUP_BUDGET. */
  budget?: number;
  /** Extra environment for this child only (e.g. CUDA_VISIBLE_DEVICES). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Aborting stops the job; the abort reason (a StopReason) becomes its status. */
  signal: AbortSignal;
  recorder: AttemptRecorder;
  queue: IngestQueue;
  onSpawn?: (pid: number) => void;
  /** The lease token of the driver that runs the job: put in its environment (AUP_DRIVER_TOKEN) so a later driver can find it. */
  driverToken?: string;
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

/** `word` as one sh/bash/zsh word: as is when nothing in it is special, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell line that puts the Python `aup` module first on PYTHONPATH, keeping the user's own
 * (sh, bash and zsh): what `aup env python` prints and the passive resource's `run:` command starts
 * with, so a job script run by hand imports the same module as under the runner.
 */
export function pythonPathExport(): string {
  return `export PYTHONPATH=${shellQuote(pythonClientDir())}\${PYTHONPATH:+:$PYTHONPATH}`;
}

/**
 * aup's own facts about a job, as environment variables (docs/reference/protocol.md §1.2): the job
 * file holds what Auptimizer's did, so these are how a script and the logger clients learn the job
 * id, the attempt and the budget. The same for local jobs, `aup worker`'s and remote hosts'.
 */
export function aupJobVariables(launch: ProcessLaunch): Record<string, string> {
  return {
    AUP_JOB_ID: String(launch.jobId),
    AUP_EXPERIMENT_ID: String(launch.experimentId),
    AUP_ATTEMPT: String(launch.attempt),
    ...(launch.budget === undefined ? {} : { AUP_BUDGET: String(launch.budget) }),
    AUP_PARAMS: JSON.stringify(launch.jobJson),
  };
}

/** The environment of a job's child: the runner's, the slot's (e.g. CUDA_VISIBLE_DEVICES) and aup's own variables. */
export function jobEnv(launch: ProcessLaunch): NodeJS.ProcessEnv {
  const runnerEnv: NodeJS.ProcessEnv = { ...process.env };
  // A budget the runner's own environment carries (aup run inside a job) is not this job's.
  delete runnerEnv.AUP_BUDGET;
  return {
    ...runnerEnv,
    ...launch.env,
    ...aupJobVariables(launch),
    PYTHONPATH: [pythonClientDir(), process.env.PYTHONPATH].filter(Boolean).join(delimiter),
    PYTHONUNBUFFERED: '1',
    ...(launch.driverToken === undefined ? {} : { [DRIVER_TOKEN_ENV]: launch.driverToken }),
  };
}

/**
 * Runs one attempt of a job as a child process (docs/reference/protocol.md) and feeds its output
 * to the recorder. On Linux and macOS a long-lived `/bin/sh` per slot starts it (shell-launcher.ts:
 * forking the Node runner for every job cost more than most short jobs); elsewhere, or with
 * AUP_JOB_LAUNCHER=spawn, Node spawns it directly. Never rejects: a job file or log that cannot be
 * written fails the attempt with a message naming the file (a log that fails while the job runs
 * stops the job first), so the runner and `aup worker` go on.
 */
export function runProcess(launch: ProcessLaunch): Promise<ProcessOutcome> {
  const { workingDir, jobId, attempt } = launch;
  const { jobFile, logFile } = jobFiles(workingDir, launch.jobDir, jobId, attempt);
  const failed = (error: string) => Promise.resolve<ProcessOutcome>({ status: 'failed', exitCode: null, error, logPath: logFile });
  try {
    // A worker's machine, or a folder removed since the driver made it.
    mkdirSync(dirname(logFile), { recursive: true });
  } catch (e) {
    return failed(`cannot create the folder ${dirname(logFile)}: ${(e as Error).message}`);
  }
  let log: AttemptLog;
  try {
    log = AttemptLog.open(logFile, ownsJobDir(launch.jobDir));
  } catch (e) {
    return failed((e as Error).message);
  }

  return new Promise((resolvePromise) => {
    let settled = false;
    const finish = (outcome: Omit<ProcessOutcome, 'logPath'>) => {
      if (settled) return;
      settled = true;
      void log.close().then(() => {
        // A log that failed (even at its last flush) fails the attempt, unless the job was stopped on purpose.
        const failed =
          log.error !== undefined && (outcome.status === 'finished' || outcome.status === 'failed') && outcome.error !== log.error;
        resolvePromise({ ...outcome, ...(failed ? { status: 'failed', error: log.error } : {}), logPath: logFile });
      });
    };
    const fail = (message: string) => {
      log.write(`aup: ${message}\n`);
      finish({ status: 'failed', exitCode: null, error: message });
    };

    try {
      writeFileSync(jobFile, JSON.stringify(launch.jobJson, null, 2) + '\n');
    } catch (e) {
      fail(`cannot write the job file ${jobFile}: ${(e as Error).message}`);
      return;
    }
    let command;
    try {
      command = resolveCommand(launch.script, workingDir, launch.scriptPath);
    } catch (e) {
      fail((e as Error).message);
      return;
    }
    if (log.error !== undefined) {
      fail(log.error);
      return;
    }
    const job: StartedJob = { command, jobFile, env: jobEnv(launch), log, finish };
    if (!launchInShell(launch, job)) spawnJob(launch, job);
  });
}

/** Starts the job with Node's `spawn`, in a process group of its own. */
function spawnJob(launch: ProcessLaunch, job: StartedJob): void {
  const { command, log, finish } = job;
  const { recorder, queue } = launch;
  const child = spawn(command.file, [...command.args, job.jobFile], {
    cwd: launch.workingDir,
    env: job.env,
    // Own process group, so stopping a job also stops what its shell script started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const control = new JobControl(launch, (signal) => child.pid !== undefined && killGroup(child.pid, signal));
  log.onFailure((message) => control.fail(message));

  pipeOutput(child.stdout, 'stdout', log, recorder, queue);
  pipeOutput(child.stderr, 'stderr', log, recorder, queue);

  child.on('spawn', () => {
    if (child.pid !== undefined) launch.onSpawn?.(child.pid);
  });
  child.on('error', (e) => {
    control.dispose();
    const message = `cannot start ${command.file}: ${e.message}`;
    log.write(`aup: ${message}\n`);
    finish({ status: 'failed', exitCode: null, error: message });
  });
  child.on('close', (code, sig) => {
    control.dispose();
    finish(
      attemptOutcome({
        stopReason: control.stopReason,
        timedOut: control.timedOut,
        timeoutMs: launch.timeoutMs,
        exitCode: code,
        signal: sig,
        score: recorder.score,
        failure: control.failure,
      }),
    );
  });
}
