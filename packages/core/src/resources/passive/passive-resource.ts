import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AupError } from '../../errors.js';
import { resolveCommand, splitCommand } from '../../runner/command.js';
import { jobFiles } from '../../runner/job-files.js';
import { aupJobVariables, pythonPathExport, shellQuote, type ProcessLaunch } from '../../runner/process-executor.js';
import type { AttemptRecord, JobRecord, Store } from '../../store/store-types.js';
import type { NormalizedConfig } from '../../types.js';
import {
  defineResource,
  numberedSlots,
  type JobOutcome,
  type PassiveJobInfo,
  type ResourceConfig,
  type ResourceHost,
  type ResourceSlot,
} from '../resource.js';

/**
 * How often (ms) a runner reads the store for a passive job's reported result. A person types the
 * result, so half a second is instant to them and costs one small query per waiting job.
 */
export const PASSIVE_POLL_MS = 500;

/** What a person reports for a passive job. */
export interface PassiveReport {
  score: number;
  metrics?: Record<string, number>;
}

/** What the runner hears back for a passive attempt. */
export interface PassiveOutcome {
  status: 'finished' | 'failed' | 'interrupted';
  score?: number;
  metrics: Record<string, number>;
  error?: string;
}

/**
 * Records a person's result for a waiting passive job (`aup report`): the score goes on the job's
 * running attempt and the metrics on the job; the runner waiting on the job picks them up.
 * Errors name the job and why it cannot take a result: unknown, not passive, not waiting, already reported.
 */
export async function reportJobResult(store: Store, jobId: number, report: PassiveReport): Promise<AttemptRecord> {
  if (!Number.isFinite(report.score)) {
    throw new AupError('AUP_ERR_CLI_USAGE', `score: expected a finite number, found ${String(report.score)}`);
  }
  const job = await store.getJob(jobId);
  if (!job) throw new AupError('AUP_ERR_JOB_NOT_FOUND', `job ${jobId} does not exist in ${store.url}`);
  const exp = await store.getExperiment(job.experimentId);
  const resource = (exp?.config as Partial<NormalizedConfig> | undefined)?.resource ?? 'cpu';
  if (resource !== 'passive') {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `job ${jobId} belongs to experiment ${job.experimentId}, whose resource is "${resource}": only jobs of a "passive" experiment take a reported result`,
      { details: { jobId, experimentId: job.experimentId, resource } },
    );
  }
  const attempts = await store.listAttempts(jobId);
  const last = attempts.reduce<AttemptRecord | undefined>((a, b) => (a === undefined || b.attempt > a.attempt ? b : a), undefined);
  if (job.status !== 'running' || last === undefined) {
    const done = job.score === null ? '' : ` with score ${job.score}`;
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `job ${jobId} is ${job.status}${done}: only a job waiting for its result (running) can be reported` +
        (job.status === 'interrupted' || job.status === 'queued'
          ? `; resume experiment ${job.experimentId} first (aup resume ${job.experimentId})`
          : ''),
      { details: { jobId, status: job.status } },
    );
  }
  if (last.status !== 'running') {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `job ${jobId} already has a reported result (score ${last.score ?? '-'}) that the experiment has not picked up yet`,
      {
        details: { jobId, attempt: last.attempt, status: last.status },
      },
    );
  }
  for (const [name, value] of Object.entries(report.metrics ?? {})) {
    if (!Number.isFinite(value))
      throw new AupError('AUP_ERR_CLI_USAGE', `--metric ${name}: expected a finite number, found ${String(value)}`);
  }
  // Metrics first: once the attempt says finished, the runner reads the job's metrics at once.
  if (report.metrics && Object.keys(report.metrics).length > 0) await store.setMultipleResults(jobId, report.metrics);
  await store.updateAttempt(last.id, { status: 'finished', score: report.score, endedAt: Date.now() });
  return { ...last, status: 'finished', score: report.score };
}

/**
 * Waits, polling the store every PASSIVE_POLL_MS, until the attempt gets a reported result or the
 * signal aborts (then `interrupted`: the job is asked again on resume).
 */
export async function waitForReport(
  store: Store,
  jobId: number,
  attemptId: number,
  signal: AbortSignal,
  pollMs = PASSIVE_POLL_MS,
): Promise<PassiveOutcome> {
  for (;;) {
    if (signal.aborted) return { status: 'interrupted', metrics: {} };
    const attempt = (await store.listAttempts(jobId)).find((a) => a.id === attemptId);
    if (attempt && attempt.status !== 'running') {
      const job = await store.getJob(jobId);
      const metrics = job?.metrics ?? {};
      if (attempt.status === 'finished') return { status: 'finished', score: attempt.score ?? undefined, metrics };
      return { status: 'failed', score: attempt.score ?? undefined, metrics, error: attempt.error ?? `reported as ${attempt.status}` };
    }
    await sleep(pollMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** `passive`: `n` jobs can wait for a person's report at once, `passive:0..n-1`. */
export function passiveSlots(n: number): ResourceSlot[] {
  return numberedSlots('passive', n);
}

/**
 * Jobs a person runs by hand: each slot's executor writes the job file, says how to run it
 * (RunnerEvents.onPassiveJob) and waits for `aup report` / `POST /jobs/{jid}/report`.
 */
export const passiveResource = defineResource({
  name: 'passive',
  args: {},
  jobs: 'by-hand',
  create: (config, host) => {
    const slotsFor = (n: number) => passiveSlots(n).map((slot) => ({ ...slot, execute: passiveExecutor(config, host) }));
    return {
      kind: 'passive',
      slots: slotsFor(config.n_parallel),
      slotsFor,
      reportedAttempt: host ? (job) => reportedAttempt(host.store, job) : undefined,
    };
  },
});

/** A slot's executor: the job file, the command to run, then the wait for the person's report. */
function passiveExecutor(config: ResourceConfig, host: ResourceHost | undefined) {
  return async (launch: ProcessLaunch): Promise<JobOutcome> => {
    if (host === undefined || launch.attemptId === undefined)
      return { status: 'failed', exitCode: null, error: 'a passive job needs the runner that waits for its report' };
    let info: PassiveJobInfo;
    try {
      info = writePassiveJob(config, launch);
    } catch (e) {
      return { status: 'failed', exitCode: null, error: (e as Error).message };
    }
    host.onPassiveJob?.(launch.jobId, info);
    const outcome = await waitForReport(host.store, launch.jobId, launch.attemptId, launch.signal);
    launch.recorder.score = outcome.score;
    Object.assign(launch.recorder.metrics, outcome.metrics);
    return { status: outcome.status, exitCode: null, error: outcome.error };
  };
}

/** A running job's last attempt when a person reported it while no runner was waiting (the runner died). */
async function reportedAttempt(store: Store, job: JobRecord): Promise<AttemptRecord | undefined> {
  if (job.status !== 'running') return undefined;
  const last = (await store.listAttempts(job.id)).reduce<AttemptRecord | undefined>(
    (a, b) => (a === undefined || b.attempt > a.attempt ? b : a),
    undefined,
  );
  return last && last.status === 'finished' && last.score !== null ? last : undefined;
}

/** Writes a passive job's JSON file (as for any job) and says how to run it by hand. */
function writePassiveJob(config: ResourceConfig, launch: ProcessLaunch): PassiveJobInfo {
  const workingDir = launch.workingDir;
  const { jobFile } = jobFiles(workingDir, launch.jobDir, launch.jobId, launch.attempt);
  try {
    mkdirSync(dirname(jobFile), { recursive: true });
    writeFileSync(jobFile, JSON.stringify(launch.jobJson, null, 2) + '\n');
  } catch (e) {
    // The attempt fails with it, naming the file.
    throw new Error(`cannot write the job file ${jobFile}: ${(e as Error).message}`, { cause: e });
  }
  let command: string | undefined;
  if (config.script) {
    try {
      const c = resolveCommand(config.script, workingDir, config.script_path);
      command = [c.file, ...c.args, jobFile].map(shellQuote).join(' ');
    } catch {
      // The script may live only where the person runs it: show it as written.
      command = [...splitCommand(config.script), jobFile].map(shellQuote).join(' ');
    }
    // As for the jobs aup starts itself, the Python `aup` module goes first on PYTHONPATH, so the
    // command works as printed; it is the line `aup env python` prints, which the docs teach for
    // running a job by hand (sh, bash and zsh syntax; the person's own PYTHONPATH is kept). The
    // job's own variables (AUP_JOB_ID, ...) come with it, the job file being only the parameters;
    // AUP_PARAMS is left out, the job file being there.
    const vars = Object.entries(aupJobVariables(launch))
      .filter(([k]) => k !== 'AUP_PARAMS')
      .map(([k, v]) => `${k}=${shellQuote(v)}`);
    command = `${pythonPathExport()} && ${[...vars, command].join(' ')}`;
  }
  return { jobFile, workingDir, command };
}
