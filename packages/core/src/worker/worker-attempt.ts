/**
 * One claimed attempt on a worker: the same launch, recorder and end rules as the driver's jobs
 * (runner/attempt-launch.ts), and the attempt's end written back, fenced by its attempt id.
 */
import { isAupError } from '../errors.js';
import { attemptRecorder, isScore, jobLaunch, settleScore } from '../runner/attempt-launch.js';
import type { AttemptRecorder } from '../runner/attempt-recorder.js';
import { IngestQueue } from '../runner/ingest-queue.js';
import { badJobDir, isJobDir } from '../runner/job-files.js';
import { runProcess } from '../runner/process-executor.js';
import type { ResourceSlot } from '../resources/resource.js';
import type { AttemptFence, Store, WorkerAttemptOutcome } from '../store/store-types.js';
import type { NormalizedConfig } from '../types.js';
import type { RunningAttempt, WorkerEvents, WorkerSummary } from './worker-types.js';

/** Retries of a result write the database refused for a moment (a restart, a dropped connection). */
const FINISH_RETRY_MS = 500;

/** What one worker's attempts share. */
export interface AttemptContext {
  store: Store;
  workerId: number;
  leaseMs: number;
  events: WorkerEvents;
  configs: ExperimentConfigs;
  summary: WorkerSummary;
}

/** Runs one claimed attempt on a slot, then writes its end; `freeSlot` is called as soon as the process is gone. */
export async function runClaimedAttempt(ctx: AttemptContext, r: RunningAttempt, slot: ResourceSlot, freeSlot: () => void): Promise<void> {
  const { store, events } = ctx;
  const { job, attempt } = r.claim;
  const fence: AttemptFence = { attemptId: attempt.id, workerId: ctx.workerId };
  const queue = new IngestQueue(store, { fence });
  let status: WorkerAttemptOutcome['status'] = 'failed';
  let exitCode: number | null = null;
  let error: string | undefined;
  let lastScore: number | undefined;
  let recorder: AttemptRecorder | undefined;
  try {
    const { config, jobDir } = await ctx.configs.of(job.experimentId);
    if (!config.script) throw new Error(`experiment ${job.experimentId} has no script to run`);
    // The driver's pruner reads the score series from the store.
    const track = config.resource_args?.track_intermediate_results === true || config.resource_args?.early_stop !== undefined;
    recorder = attemptRecorder(config, job.id, queue, track, (label, _step, value) => {
      if (isScore(label, value)) lastScore = value;
    });
    r.recorder = recorder;
    if (r.controller.signal.aborted) {
      status = 'interrupted';
    } else {
      const launch = jobLaunch(
        { config, jobDir },
        job,
        attempt.attempt,
        slot,
        r.controller.signal,
        recorder,
        queue,
        undefined,
        (pid) => void store.setAttemptPid(fence, pid).catch(() => undefined),
      );
      ({ status, exitCode, error } = await runProcess(launch));
    }
  } catch (e) {
    status = 'failed';
    error = e instanceof Error ? e.message : String(e);
  }
  if (recorder !== undefined) {
    const unranked = settleScore(status, recorder, lastScore);
    if (unranked !== undefined) {
      status = 'failed';
      error = unranked;
    }
  }
  try {
    await queue.close();
  } catch (e) {
    if (isAupError(e) && e.code === 'AUP_ERR_LEASE_LOST') r.lost = true;
    else events.onMessage?.(`job ${job.id}: some records were not written: ${(e as Error).message}`);
  }
  r.finishing = true;
  const outcome: WorkerAttemptOutcome = {
    status,
    exitCode,
    score: recorder?.score ?? null,
    error: error ?? null,
    metrics: recorder?.metrics ?? {},
    warnings: recorder?.allWarnings() ?? [],
    endedAt: Date.now(),
    requeue: r.shutdown && status === 'interrupted',
  };
  // The process is gone: the slot can take the next job while the result is written.
  freeSlot();
  const recorded = await finishWithRetry(ctx, fence, outcome);
  ctx.summary.jobs++;
  if (!recorded) ctx.summary.lost++;
  events.onJobEnd?.(r.claim, outcome, recorded);
}

/** Writes the attempt's end, retrying a database that is down for a moment, as long as the lease may still hold. */
async function finishWithRetry(ctx: AttemptContext, fence: AttemptFence, outcome: WorkerAttemptOutcome): Promise<boolean> {
  const until = Date.now() + ctx.leaseMs;
  for (;;) {
    try {
      return await ctx.store.finishAttempt(fence, outcome);
    } catch (e) {
      if (Date.now() > until) {
        ctx.events.onMessage?.(
          `job attempt ${fence.attemptId}: its end could not be written (${(e as Error).message}); it runs again elsewhere once its lease expires`,
        );
        return false;
      }
      await sleep(FINISH_RETRY_MS);
    }
  }
}

/** The config and job folder of each experiment a worker runs jobs of (its driver chose the folder before creating any job). */
export class ExperimentConfigs {
  readonly #byId = new Map<number, Promise<{ config: NormalizedConfig; jobDir: string }>>();

  constructor(private readonly store: Store) {}

  of(experimentId: number): Promise<{ config: NormalizedConfig; jobDir: string }> {
    let c = this.#byId.get(experimentId);
    if (c === undefined) {
      c = this.store.getExperiment(experimentId).then((e) => {
        if (e === undefined) throw new Error(`experiment ${experimentId} no longer exists`);
        if (e.jobDir === null)
          throw new Error(
            `experiment ${experimentId} has no job folder: its driver (aup run or aup resume) chooses one before it queues jobs`,
          );
        if (!isJobDir(e.jobDir)) throw badJobDir(e.id, e.jobDir);
        return { config: e.config as unknown as NormalizedConfig, jobDir: e.jobDir };
      });
      // A failed read is not cached: the next job of the experiment tries again.
      c.catch(() => this.#byId.delete(experimentId));
      this.#byId.set(experimentId, c);
    }
    return c;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
