import type { AttemptRecorder } from '../runner/attempt-recorder.js';
import type { ClaimedJob, WorkerAttemptOutcome, WorkerRecord } from '../store/store-types.js';

export interface WorkerEvents {
  onRegistered?(worker: WorkerRecord): void;
  onJobStart?(claim: ClaimedJob): void;
  /** `recorded` is false when the store refused the result: the lease was lost and the job went to another worker. */
  onJobEnd?(claim: ClaimedJob, outcome: WorkerAttemptOutcome, recorded: boolean): void;
  onMessage?(message: string): void;
}

/** One claimed attempt the worker runs. */
export interface RunningAttempt {
  claim: ClaimedJob;
  controller: AbortController;
  recorder?: AttemptRecorder;
  /** The worker is stopping: the job goes back to the queue. */
  shutdown: boolean;
  /** The heartbeat found the attempt requeued: its result would be refused. */
  lost: boolean;
  /** Its end is being written; a heartbeat no longer judges it. */
  finishing: boolean;
}

export interface WorkerSummary {
  workerId: number;
  /** Attempts run to the end (or stopped), and of those, the ones whose result the store refused. */
  jobs: number;
  lost: number;
}
