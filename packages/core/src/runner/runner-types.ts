/** The runner's public shapes (re-exported by runner.ts), and what its parts pass each other. */
import type { DriverLeaseHandle } from './driver-lease.js';
import type { PassiveJobInfo } from '../resources/resource.js';
import type { JobRecord, Store } from '../store/store-types.js';
import type { OutcomeStatus, Params } from '../types.js';

export type { PassiveJobInfo } from '../resources/resource.js';

/** What an in-process objective may return: a score, or a score with named metrics. */
/**
 * What an in-process objective returns: a score, or with several objectives one value per
 * objective (an array, or `score` as an array), optionally with extra metrics.
 */
export type ObjectiveResult = number | readonly number[] | { score: number | readonly number[]; metrics?: Record<string, number> };

export interface ObjectiveContext {
  jobId: number;
  experimentId: number;
  trialId: number;
  attempt: number;
  /** The multi-fidelity budget, when the proposer sets one. */
  budget?: number;
  /** Aborted when the experiment stops or the job is early-stopped. */
  signal: AbortSignal;
  /** Records an intermediate value of the score (label `score`) or of a named series. */
  report(step: number, value: number, label?: string): void;
  /**
   * True when the early-stopping policy (`resource_args.early_stop`) said this job should stop, after
   * a `report` of its `score`, or when the experiment is stopping: return then; the value returned
   * (or else the last reported score) becomes the job's score.
   */
  shouldStop(): boolean;
}

/** An objective evaluated inside this process: `runExperiment({ ..., objective })`. */
export type Objective = (params: Params, ctx: ObjectiveContext) => ObjectiveResult | Promise<ObjectiveResult>;

export interface JobEndInfo {
  status: OutcomeStatus | 'interrupted';
  score?: number;
  error?: string;
  attempt: number;
  /** True when the job will run again (job_retries). */
  retrying: boolean;
}

/** Progress callbacks for CLIs and embedders. */
export interface RunnerEvents {
  onJobStart?(job: JobRecord, attempt: number): void;
  /** A passive job waits for a person to run it and report its result (`aup report`). */
  onPassiveJob?(job: JobRecord, info: PassiveJobInfo): void;
  onJobEnd?(job: JobRecord, info: JobEndInfo): void;
  onBest?(job: JobRecord): void;
  onMessage?(message: string): void;
}

export interface DriveOptions {
  store: Store;
  experimentId: number;
  objective?: Objective;
  /** Aborting stops the experiment: running jobs are killed and marked interrupted. */
  signal?: AbortSignal;
  events?: RunnerEvents;
  /**
   * The experiment's driver lease, taken by the caller (resumeExperiment takes it before it says
   * anything) and released by it; without one, driveExperiment takes it and releases it on its way out.
   */
  driverLease?: DriverLeaseHandle;
}

/** How one attempt of a job ended, as the drive records it. */
export interface Completion {
  job: JobRecord;
  attempt: number;
  attemptId: number;
  status: OutcomeStatus | 'interrupted';
  score?: number;
  metrics: Record<string, number>;
  warnings: string[];
  exitCode: number | null;
  error?: string;
  /** When the attempt really ended (not when the loop got round to recording it). */
  endedAt?: number;
  /** The attempt's end is already in the store (an `aup worker` wrote it): only the job is completed. */
  attemptRecorded?: boolean;
  /** The job's pid when it is not in the store yet (the job ended before PID_WRITE_DELAY_MS). */
  pid?: number;
}

/** A value to wait for, resolved from outside. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
