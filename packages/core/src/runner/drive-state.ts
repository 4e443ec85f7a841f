import type { IngestQueue } from './ingest-queue.js';
import type { RunningJobs } from './running-jobs.js';
import type { RunnerEvents } from './runner-types.js';
import type { Trials } from './trials.js';
import type { Conclusion, StopRules } from './stop-rules.js';
import type { Pruner } from '../pruners/index.js';
import type { Resource } from '../resources/resource.js';
import type { Store } from '../store/store-types.js';
import type { NormalizedConfig } from '../types.js';

/** Where a drive is: what its parts read and change, in one object instead of locals shared by closures. */
export interface DriveState {
  /** A stop was asked (signal, `stop` request, lost lease) or the time budget ran out: no new job starts. */
  stopped: boolean;
  /** Why it stopped: `time_budget`, or `user` (a signal, a `stop` request). */
  stopReason: 'user' | 'time_budget' | undefined;
  /** A stop rule concluded the experiment: no new trial starts, running jobs (and their retries) finish. */
  concluded: Conclusion | undefined;
  /** Why the experiment fails (a job failed without ignore_fail): no new job starts. */
  failure: string | undefined;
  /** Another driver took the experiment over: nothing more is written. */
  leaseLost: boolean;
  /** Jobs that may run at once (n_parallel, capped by the resource's slots). */
  nParallel: number;
  /** The best job's save_model re-run has started: settings and trials no longer change. */
  savingModel: boolean;
}

/** What the parts of one drive share: the experiment, its resource and running jobs, its trials. */
export interface Drive {
  readonly store: Store;
  readonly experimentId: number;
  /** The experiment's config; a `set` or `enqueue` request changes n_parallel and n_samples in it. */
  readonly config: NormalizedConfig;
  readonly events: RunnerEvents;
  readonly resource: Resource;
  readonly running: RunningJobs;
  readonly trials: Trials;
  readonly queue: IngestQueue;
  readonly pruner: Pruner | undefined;
  readonly state: DriveState;
  readonly stopRules: StopRules;
  /** Stops the experiment (`user` unless said): every running job is aborted as interrupted. */
  stop(reason?: 'user' | 'time_budget'): void;
  /** A stop rule fired: no new trial, running jobs finish (recorded as the stop reason at once). */
  conclude(reason: Conclusion): Promise<void>;
  /** Wakes the loop from waiting on running jobs (a setting changed, a trial was enqueued). */
  wake(): void;
}
