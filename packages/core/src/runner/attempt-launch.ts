/**
 * One launch path for every attempt, shared by the driver (trials and the save_model re-run) and
 * `aup worker`: the launch an executor gets, the recorder that reads the job's output, and the
 * rules that settle its score at the end.
 */
import { AttemptRecorder, SCORE_LABEL } from './attempt-recorder.js';
import type { IngestQueue } from './ingest-queue.js';
import { objectivesOf } from '../objectives.js';
import { buildJobJson, type ModelSave } from './job-json.js';
import type { ProcessLaunch, ProcessOutcome } from './process-executor.js';
import type { ResourceSlot } from '../resources/resource.js';
import type { JobRecord } from '../store/store-types.js';
import type { JsonObject, NormalizedConfig } from '../types.js';

const NO_JOB_JSON: JsonObject = Object.freeze({}) as JsonObject;

/** What stays the same for every attempt of one experiment's jobs. */
export interface LaunchSettings {
  config: NormalizedConfig;
  /** The experiment's job folder (job-files.ts); empty for an in-process objective, which writes no files. */
  jobDir: string;
  /** An in-process objective: no job file, so no job JSON is built. */
  inProcess?: boolean;
  /** The driver's lease token, put in the job's environment (AUP_DRIVER_TOKEN); none on an aup worker. */
  driverToken?: string;
}

export type LaunchedJob = Pick<JobRecord, 'id' | 'experimentId' | 'params' | 'budget' | 'extra'>;

/**
 * The launch of one attempt: the job file's JSON, the script, the slot's env, the job timeout and
 * the stop signal. `save`: the attempt is the best job's model save (save-model.ts).
 */
export function jobLaunch(
  settings: LaunchSettings,
  job: LaunchedJob,
  attempt: number,
  slot: ResourceSlot | undefined,
  signal: AbortSignal,
  recorder: AttemptRecorder,
  queue: IngestQueue,
  attemptId?: number,
  onSpawn?: (pid: number) => void,
  save?: ModelSave,
): ProcessLaunch {
  const { config } = settings;
  return {
    experimentId: job.experimentId,
    jobId: job.id,
    attempt,
    attemptId,
    script: config.script!,
    scriptPath: config.script_path,
    workingDir: config.workingdir,
    jobDir: settings.jobDir,
    jobJson: settings.inProcess ? NO_JOB_JSON : buildJobJson(config, job, save),
    budget: job.budget ?? undefined,
    env: slot?.env,
    driverToken: settings.driverToken,
    timeoutMs: config.job_timeout === undefined ? undefined : config.job_timeout * 1000,
    signal,
    recorder,
    queue,
    onSpawn,
  };
}

/**
 * The recorder of one attempt. With `track`, every result line is also an intermediate `score`;
 * `onIntermediate` hears each intermediate value as it arrives (isScore picks the scores). A model
 * save records artifacts only (AttemptRecorderOptions.artifactsOnly).
 */
export function attemptRecorder(
  config: NormalizedConfig,
  jobId: number,
  queue: IngestQueue,
  track: boolean,
  onIntermediate?: (label: string, step: number, value: number) => void,
  artifactsOnly = false,
): AttemptRecorder {
  return new AttemptRecorder({
    jobId,
    queue,
    labels: config.resource_args?.multi_res_labels,
    ...(objectivesOf(config) !== undefined ? { objectives: objectivesOf(config)!.map((o) => o.name) } : {}),
    trackIntermediate: track,
    onIntermediate,
    artifactsOnly,
  });
}

/** Whether an intermediate value is a finite score (what the pruner and an early stop read). */
export function isScore(label: string, value: number): boolean {
  return label === SCORE_LABEL && Number.isFinite(value);
}

/**
 * The end rules, the same on the driver and on a worker: an early-stopped job keeps the last value
 * it reported before the decision as its score; a diverged run (NaN or infinite score) cannot be
 * ranked and fails, as in Optuna (protocol.md). Answers the error that fails the attempt, if any.
 */
export function settleScore(
  status: ProcessOutcome['status'],
  recorder: AttemptRecorder,
  lastScore: number | undefined,
): string | undefined {
  if (status === 'early_stopped' && recorder.score === undefined) recorder.score = lastScore;
  if (status === 'finished' && recorder.score !== undefined && !Number.isFinite(recorder.score)) {
    return `reported a non-finite score (${recorder.score})`;
  }
  if (status === 'finished' && recorder.score !== undefined) return recorder.objectivesProblem();
  return undefined;
}
