/**
 * `aup worker`: claims queued jobs of worker-mode experiments from a shared database, runs them on
 * this machine's slots with the runner's own process execution and line-protocol ingestion, and
 * writes each attempt's end back, fenced by its attempt id (docs/decisions/0010-worker-leases.md).
 * The experiment's driver (`aup run --workers external`) tells the proposer.
 */
import { hostname } from 'node:os';

import type { StopReason } from '../runner/process-executor.js';
import { SlotPool, type ResourceSlot } from '../resources/resource.js';
import type { ClaimedJob, Store, WorkerRecord } from '../store/store-types.js';
import { ExperimentConfigs, runClaimedAttempt, type AttemptContext } from './worker-attempt.js';
import { WorkerHeartbeat } from './worker-heartbeat.js';
import type { RunningAttempt, WorkerEvents, WorkerSummary } from './worker-types.js';

export type { WorkerEvents, WorkerSummary } from './worker-types.js';

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

/**
 * Runs a worker until the signal aborts. Registers it in the worker table, heartbeats, claims jobs
 * into free slots, and marks it `stopped` when it ends.
 */
export async function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  const { store, events = {} } = opts;
  const worker = await store.registerWorker({
    host: hostname(),
    pid: process.pid,
    slots: opts.slots.length,
    resource: opts.resource,
    tags: opts.tags ?? [],
  });
  events.onRegistered?.(worker);
  return new WorkerRun(opts, worker).run();
}

/** One worker's run: its slots, the attempts it runs, its heartbeat and its claim loop. */
class WorkerRun {
  readonly #opts: WorkerOptions;
  readonly #worker: WorkerRecord;
  readonly #host = hostname();
  readonly #events: WorkerEvents;
  readonly #leaseMs: number;
  readonly #pool: SlotPool;
  readonly #running = new Map<number, RunningAttempt>();
  readonly #ends = new Set<Promise<void>>();
  readonly #attempts: AttemptContext;
  readonly #heartbeat: WorkerHeartbeat;
  #stopping: boolean;
  #wake = deferred();

  constructor(opts: WorkerOptions, worker: WorkerRecord) {
    this.#opts = opts;
    this.#worker = worker;
    this.#events = opts.events ?? {};
    this.#leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.#pool = new SlotPool(opts.slots);
    this.#stopping = opts.signal?.aborted ?? false;
    const summary: WorkerSummary = { workerId: worker.id, jobs: 0, lost: 0 };
    const { store } = opts;
    this.#attempts = {
      store,
      workerId: worker.id,
      leaseMs: this.#leaseMs,
      events: this.#events,
      configs: new ExperimentConfigs(store),
      summary,
    };
    const heartbeatMs = Math.min(MAX_HEARTBEAT_MS, this.#leaseMs / HEARTBEATS_PER_LEASE);
    this.#heartbeat = new WorkerHeartbeat(
      store,
      worker,
      this.#leaseMs,
      heartbeatMs,
      this.#running,
      this.#events,
      () => !this.#stopping || this.#running.size > 0,
    );
  }

  async run(): Promise<WorkerSummary> {
    const onAbort = () => this.#stop();
    this.#opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // The first beat right away: it sets the worker's expiry, by which a silent worker is marked dead.
      await this.#heartbeat.beat();
      this.#heartbeat.schedule();
      while (!this.#stopping) {
        if (this.#pool.available > 0 && (await this.#claim())) continue;
        await this.#waitForSlot();
      }
    } finally {
      // Also on an unexpected error: no job is left running, and no heartbeat after the end.
      if (!this.#stopping) this.#stop();
      await Promise.all([...this.#ends]);
      this.#opts.signal?.removeEventListener('abort', onAbort);
      await this.#heartbeat.stop();
      await this.#opts.store
        .setWorkerStatus(this.#worker.id, 'stopped')
        .catch((e: unknown) => this.#events.onMessage?.(`could not mark worker ${this.#worker.id} stopped: ${(e as Error).message}`));
    }
    return this.#attempts.summary;
  }

  /** Stops cleanly: running jobs are killed and go back to the queue. */
  #stop(): void {
    this.#stopping = true;
    for (const r of this.#running.values()) {
      r.shutdown = true;
      r.controller.abort('interrupted' satisfies StopReason);
    }
    this.#wake.resolve();
  }

  /** Claims jobs into every free slot; true when all were filled and more may wait, so the caller asks again at once. */
  async #claim(): Promise<boolean> {
    const { store, slots } = this.#opts;
    const free: number[] = [];
    for (let i = this.#pool.acquire(); i !== undefined; i = this.#pool.acquire()) free.push(i);
    let claimed: ClaimedJob[] = [];
    try {
      claimed = await store.claimJobs({
        workerId: this.#worker.id,
        host: this.#host,
        slots: free.map((i) => slots[i]!.label),
        leaseMs: this.#leaseMs,
        experimentId: this.#opts.experimentId,
        tags: this.#opts.tags,
      });
    } catch (e) {
      this.#events.onMessage?.(`claiming jobs failed: ${(e as Error).message}; trying again`);
    }
    for (const i of free.slice(claimed.length)) this.#pool.release(i);
    claimed.forEach((c, k) => this.#start(c, free[k]!));
    return claimed.length === free.length && this.#pool.available > 0;
  }

  /** Waits for a slot to free (or the stop); with a slot free and an empty queue, until the next poll. */
  async #waitForSlot(): Promise<void> {
    if (this.#pool.available > 0) {
      const timer = setTimeout(() => this.#wake.resolve(), this.#opts.pollMs ?? CLAIM_POLL_MS);
      await this.#wake.promise;
      clearTimeout(timer);
    } else {
      await this.#wake.promise;
    }
    this.#wake = deferred();
  }

  #start(claim: ClaimedJob, slotIndex: number): void {
    const r: RunningAttempt = { claim, controller: new AbortController(), shutdown: this.#stopping, lost: false, finishing: false };
    if (this.#stopping) r.controller.abort('interrupted' satisfies StopReason);
    this.#running.set(claim.attempt.id, r);
    this.#events.onJobStart?.(claim);
    let slotFreed = false;
    // Once only: after that the slot may already run another job.
    const freeSlot = () => {
      if (slotFreed) return;
      slotFreed = true;
      this.#pool.release(slotIndex);
      this.#wake.resolve();
    };
    const end: Promise<void> = runClaimedAttempt(this.#attempts, r, this.#opts.slots[slotIndex]!, freeSlot)
      .catch((e: unknown) => this.#events.onMessage?.(`job ${claim.job.id}: ${(e as Error).message}`))
      .finally(() => {
        this.#running.delete(claim.attempt.id);
        freeSlot();
        this.#ends.delete(end);
        this.#wake.resolve();
      });
    this.#ends.add(end);
  }
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
