/**
 * `aup worker`: claims queued jobs of worker-mode experiments from a shared database, runs them on
 * this machine's slots with the runner's own process execution and line-protocol ingestion, and
 * writes each attempt's end back, fenced by its attempt id (docs/decisions/0010-worker-leases.md).
 * The experiment's driver (`aup run --workers external`) tells the proposer.
 */
import { hostname } from 'node:os';

import { isAupError } from '../errors.js';
import { AttemptRecorder, SCORE_LABEL } from '../runner/attempt-recorder.js';
import { IngestQueue } from '../runner/ingest-queue.js';
import { badJobDir, isJobDir } from '../runner/job-files.js';
import { runProcess, type StopReason } from '../runner/process-executor.js';
import { buildJobJson } from '../runner/runner.js';
import { SlotPool, type ResourceSlot } from '../resources/resource.js';
import type { AttemptFence, ClaimedJob, Store, WorkerAttemptOutcome, WorkerRecord } from '../store/store-types.js';
import type { NormalizedConfig } from '../types.js';

/**
 * How long a claim holds without a heartbeat (ms), unless `--lease` says otherwise. A dead worker's
 * jobs wait this long before another worker runs them; 30 s rides out a database failover, a long
 * garbage-collection pause or a saturated machine without taking live jobs away.
 */
export const DEFAULT_LEASE_MS = 30_000;
/** Heartbeats per lease: four in a row may be lost (a slow query, a busy machine) before the jobs are requeued. */
export const HEARTBEATS_PER_LEASE = 5;
/**
 * The longest gap between heartbeats (ms). Stop, kill and early-stop requests from the driver reach
 * the worker with its heartbeat, so 2 s bounds how long they take; a heartbeat is one small write.
 */
export const MAX_HEARTBEAT_MS = 2_000;
/**
 * How often a worker with free slots and an empty queue looks again (ms). A freed slot claims at
 * once without waiting; this only bounds how late a job queued into an idle worker starts.
 */
export const CLAIM_POLL_MS = 200;
/** Retries of a result write the database refused for a moment (a restart, a dropped connection). */
const FINISH_RETRY_MS = 500;

export interface WorkerEvents {
  onRegistered?(worker: WorkerRecord): void;
  onJobStart?(claim: ClaimedJob): void;
  /** `recorded` is false when the store refused the result: the lease was lost and the job went to another worker. */
  onJobEnd?(claim: ClaimedJob, outcome: WorkerAttemptOutcome, recorded: boolean): void;
  onMessage?(message: string): void;
}

export interface WorkerOptions {
  store: Store;
  /** This machine's slots (cpu:0.., gpu:<id>); one job runs on a slot at a time. */
  slots: readonly ResourceSlot[];
  /** The resource the slots belong to, as the worker table shows it: cpu or gpu. */
  resource: string;
  /** Claim only this experiment's jobs. */
  experimentId?: number;
  /** The worker's tags: it claims jobs of experiments whose worker tags are all among these. */
  tags?: string[];
  leaseMs?: number;
  pollMs?: number;
  /** Aborting stops the worker cleanly: running jobs are killed and go back to the queue. */
  signal?: AbortSignal;
  events?: WorkerEvents;
}

export interface WorkerSummary {
  workerId: number;
  /** Attempts run to the end (or stopped), and of those, the ones whose result the store refused. */
  jobs: number;
  lost: number;
}

interface Running {
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

/**
 * Runs a worker until the signal aborts. Registers it in the worker table, heartbeats, claims jobs
 * into free slots, and marks it `stopped` when it ends.
 */
export async function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  const { store, events = {} } = opts;
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = Math.min(MAX_HEARTBEAT_MS, leaseMs / HEARTBEATS_PER_LEASE);
  const pollMs = opts.pollMs ?? CLAIM_POLL_MS;
  const host = hostname();
  const worker = await store.registerWorker({
    host,
    pid: process.pid,
    slots: opts.slots.length,
    resource: opts.resource,
    tags: opts.tags ?? [],
  });
  events.onRegistered?.(worker);

  const pool = new SlotPool(opts.slots);
  const running = new Map<number, Running>();
  const ends = new Set<Promise<void>>();
  const configs = new Map<number, Promise<{ config: NormalizedConfig; jobDir: string }>>();
  const summary: WorkerSummary = { workerId: worker.id, jobs: 0, lost: 0 };
  let stopping = opts.signal?.aborted ?? false;
  let wake = deferred();
  const notify = () => wake.resolve();
  const onAbort = () => {
    stopping = true;
    for (const r of running.values()) {
      r.shutdown = true;
      r.controller.abort('interrupted' satisfies StopReason);
    }
    notify();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  // Heartbeat: renew the leases, hear the driver's stop requests, notice lost attempts, requeue
  // other workers' expired ones. Chained timeouts, so a slow beat never overlaps the next.
  let lastRenewal = Date.now();
  let beating: Promise<void> = Promise.resolve();
  let beatTimer: NodeJS.Timeout | undefined;
  const beat = async (): Promise<void> => {
    const judged = [...running.entries()].filter(([, r]) => !r.finishing);
    let held;
    try {
      held = new Map((await store.renewLeases(worker.id, leaseMs)).map((h) => [h.attemptId, h]));
      lastRenewal = Date.now();
    } catch (e) {
      events.onMessage?.(`heartbeat failed: ${(e as Error).message}; trying again`);
      // Past the lease without a renewal the jobs are someone else's by now: stop working on them.
      if (Date.now() - lastRenewal > leaseMs)
        for (const [, r] of judged) loseAttempt(r, 'no heartbeat reached the database within the lease');
      return;
    }
    for (const [attemptId, r] of judged) {
      const h = held.get(attemptId);
      if (h === undefined) loseAttempt(r, 'its lease expired and the job went back to the queue');
      else if (h.stopRequest !== null && !r.controller.signal.aborted) {
        // As the runner does: the score stands as it was when the decision was taken.
        if (h.stopRequest === 'early_stopped') r.recorder?.freezeScore();
        r.controller.abort(h.stopRequest satisfies StopReason);
      }
    }
    await store.requeueExpired().catch((e: unknown) => events.onMessage?.(`requeue of expired jobs failed: ${(e as Error).message}`));
  };
  const loseAttempt = (r: Running, why: string) => {
    if (r.lost || r.finishing) return;
    r.lost = true;
    events.onMessage?.(`job ${r.claim.job.id} attempt ${r.claim.attempt.attempt}: stopped, ${why}`);
    r.controller.abort('interrupted' satisfies StopReason);
  };
  const scheduleBeat = () => {
    beatTimer = setTimeout(() => {
      beating = beat().finally(() => {
        if (!stopping || running.size > 0) scheduleBeat();
      });
    }, heartbeatMs);
  };

  /** An experiment's config and job folder (its driver chose the folder before creating any job). */
  const configOf = (experimentId: number): Promise<{ config: NormalizedConfig; jobDir: string }> => {
    let c = configs.get(experimentId);
    if (c === undefined) {
      c = store.getExperiment(experimentId).then((e) => {
        if (e === undefined) throw new Error(`experiment ${experimentId} no longer exists`);
        if (e.jobDir === null)
          throw new Error(
            `experiment ${experimentId} has no job folder: its driver (aup run or aup resume) chooses one before it queues jobs`,
          );
        if (!isJobDir(e.jobDir)) throw badJobDir(e.id, e.jobDir);
        return { config: e.config as unknown as NormalizedConfig, jobDir: e.jobDir };
      });
      // A failed read is not cached: the next job of the experiment tries again.
      c.catch(() => configs.delete(experimentId));
      configs.set(experimentId, c);
    }
    return c;
  };

  const execute = async (r: Running, slot: ResourceSlot, freeSlot: () => void): Promise<void> => {
    const { job, attempt } = r.claim;
    const fence: AttemptFence = { attemptId: attempt.id, workerId: worker.id };
    const queue = new IngestQueue(store, { fence });
    let status: WorkerAttemptOutcome['status'] = 'failed';
    let exitCode: number | null = null;
    let error: string | undefined;
    let lastScore: number | undefined;
    let recorder: AttemptRecorder | undefined;
    try {
      const { config, jobDir } = await configOf(job.experimentId);
      if (!config.script) throw new Error(`experiment ${job.experimentId} has no script to run`);
      recorder = new AttemptRecorder({
        jobId: job.id,
        queue,
        labels: config.resource_args?.multi_res_labels,
        // The driver's pruner reads the score series from the store.
        trackIntermediate: config.resource_args?.track_intermediate_results === true || config.resource_args?.early_stop !== undefined,
        onIntermediate: (label, _step, value) => {
          if (label === SCORE_LABEL && Number.isFinite(value)) lastScore = value;
        },
      });
      r.recorder = recorder;
      if (r.controller.signal.aborted) {
        status = 'interrupted';
      } else {
        const outcome = await runProcess({
          experimentId: job.experimentId,
          jobId: job.id,
          attempt: attempt.attempt,
          script: config.script,
          scriptPath: config.script_path,
          workingDir: config.workingdir,
          jobDir,
          jobJson: buildJobJson(config, job),
          env: slot.env,
          timeoutMs: config.job_timeout === undefined ? undefined : config.job_timeout * 1000,
          signal: r.controller.signal,
          recorder,
          queue,
          onSpawn: (pid) => void store.setAttemptPid(fence, pid).catch(() => undefined),
        });
        ({ status, exitCode, error } = outcome);
      }
    } catch (e) {
      status = 'failed';
      error = e instanceof Error ? e.message : String(e);
    }
    // The runner's rules (runner.ts): an early-stopped job keeps its last reported score; a
    // non-finite score cannot be ranked and fails the attempt.
    if (recorder !== undefined && status === 'early_stopped' && recorder.score === undefined) recorder.score = lastScore;
    if (recorder !== undefined && status === 'finished' && recorder.score !== undefined && !Number.isFinite(recorder.score)) {
      status = 'failed';
      error = `reported a non-finite score (${recorder.score})`;
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
    const recorded = await finishWithRetry(fence, outcome);
    summary.jobs++;
    if (!recorded) summary.lost++;
    events.onJobEnd?.(r.claim, outcome, recorded);
  };

  /** Writes the attempt's end, retrying a database that is down for a moment, as long as the lease may still hold. */
  const finishWithRetry = async (fence: AttemptFence, outcome: WorkerAttemptOutcome): Promise<boolean> => {
    const until = Date.now() + leaseMs;
    for (;;) {
      try {
        return await store.finishAttempt(fence, outcome);
      } catch (e) {
        if (Date.now() > until) {
          events.onMessage?.(
            `job attempt ${fence.attemptId}: its end could not be written (${(e as Error).message}); it runs again elsewhere once its lease expires`,
          );
          return false;
        }
        await sleep(FINISH_RETRY_MS);
      }
    }
  };

  const start = (claim: ClaimedJob, slotIndex: number) => {
    const r: Running = { claim, controller: new AbortController(), shutdown: stopping, lost: false, finishing: false };
    if (stopping) r.controller.abort('interrupted' satisfies StopReason);
    running.set(claim.attempt.id, r);
    events.onJobStart?.(claim);
    let slotFreed = false;
    // Once only: after that the slot may already run another job.
    const freeSlot = () => {
      if (slotFreed) return;
      slotFreed = true;
      pool.release(slotIndex);
      notify();
    };
    const end: Promise<void> = execute(r, opts.slots[slotIndex]!, freeSlot)
      .catch((e: unknown) => events.onMessage?.(`job ${claim.job.id}: ${(e as Error).message}`))
      .finally(() => {
        running.delete(claim.attempt.id);
        freeSlot();
        ends.delete(end);
        notify();
      });
    ends.add(end);
  };

  try {
    // The first beat right away: it sets the worker's expiry, by which a silent worker is marked dead.
    await beat();
    scheduleBeat();
    while (!stopping) {
      if (pool.available > 0) {
        const free: number[] = [];
        for (let i = pool.acquire(); i !== undefined; i = pool.acquire()) free.push(i);
        let claimed: ClaimedJob[] = [];
        try {
          claimed = await store.claimJobs({
            workerId: worker.id,
            host,
            slots: free.map((i) => opts.slots[i]!.label),
            leaseMs,
            experimentId: opts.experimentId,
            tags: opts.tags,
          });
        } catch (e) {
          events.onMessage?.(`claiming jobs failed: ${(e as Error).message}; trying again`);
        }
        for (const i of free.slice(claimed.length)) pool.release(i);
        claimed.forEach((c, k) => start(c, free[k]!));
        // A full claim: more may be waiting for the slots still free, so ask again at once.
        if (claimed.length === free.length && pool.available > 0) continue;
      }
      // Wait for a slot to free (or the stop); with a slot free and an empty queue, poll again later.
      if (pool.available > 0) {
        const timer = setTimeout(notify, pollMs);
        await wake.promise;
        clearTimeout(timer);
      } else {
        await wake.promise;
      }
      wake = deferred();
    }
  } finally {
    // Also on an unexpected error: no job is left running, and no heartbeat after the end.
    if (!stopping) onAbort();
    await Promise.all([...ends]);
    opts.signal?.removeEventListener('abort', onAbort);
    clearTimeout(beatTimer);
    await beating;
    clearTimeout(beatTimer);
    await store
      .setWorkerStatus(worker.id, 'stopped')
      .catch((e: unknown) => events.onMessage?.(`could not mark worker ${worker.id} stopped: ${(e as Error).message}`));
  }
  return summary;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
