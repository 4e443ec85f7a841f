/**
 * The driver's side of worker mode (`aup run --workers external`, docs/decisions/0010-worker-leases.md):
 * the runner's loop creates queued jobs as usual, and instead of running them hands each to this
 * dispatch, which waits for an `aup worker` to claim and finish it. One poll of the store serves
 * every waiting job: the current attempt of each running job, ended or not.
 */
import { SCORE_LABEL } from '../runner/attempt-recorder.js';
import type { JobRecord, ReportedAttempt, StopRequest, Store } from '../store/store-types.js';

/**
 * How often the driver reads the store for results (ms). One indexed query over the experiment's
 * running jobs; 100 ms keeps the proposer's view of results fresh (a job of 200 ms waits half a
 * poll on average) while costing ten small reads a second, nothing beside a worker's own writes.
 */
export const DISPATCH_POLL_MS = 100;

/** How a dispatched job ended, as the runner's loop takes it. */
export interface DispatchedOutcome {
  attempt: number;
  /** 0 when no attempt was started (a queued job withdrawn on stop or kill). */
  attemptId: number;
  status: 'finished' | 'failed' | 'early_stopped' | 'interrupted';
  score?: number;
  metrics: Record<string, number>;
  warnings: string[];
  exitCode: number | null;
  error?: string;
  endedAt?: number;
  /** Always true: the worker wrote the attempt's end itself (fenced), so the runner only completes the job. */
  attemptRecorded: true;
}

export interface WorkerDispatchOptions {
  pollMs?: number;
  /** A worker claimed the job and its attempt runs. */
  onStarted?: (job: JobRecord, attempt: number) => void;
  /** A poll failed (the database is unreachable); the next poll tries again. */
  onMessage?: (message: string) => void;
  /**
   * Each intermediate score a worker recorded for a running job's current attempt, in step order
   * (for the pruner). Read through the change feed, so only jobs with new values are looked at.
   */
  onScore?: (job: JobRecord, value: number) => void;
}

interface Waiter {
  job: JobRecord;
  signal: AbortSignal;
  resolve: (outcome: DispatchedOutcome) => void;
  /** The attempt number last announced through onStarted. */
  announced: number;
  /** Scores of the current attempt already passed to onScore, and that attempt's number. */
  scores: number;
  scoresOf: number;
}

// Change rows read per page while following the feed for intermediate scores.
const CHANGE_PAGE = 1_000;

/** Waits for the results of an experiment's jobs from `aup worker` processes. */
export class WorkerDispatch {
  readonly #store: Store;
  readonly #experimentId: number;
  readonly #opts: WorkerDispatchOptions;
  readonly #waiters = new Map<number, Waiter>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #tick: Promise<void> = Promise.resolve();
  #changeId = 0;

  constructor(store: Store, experimentId: number, opts: WorkerDispatchOptions = {}) {
    this.#store = store;
    this.#experimentId = experimentId;
    this.#opts = opts;
  }

  /** Starts polling. */
  async start(): Promise<void> {
    // Scores recorded before this driver started belong to attempts it does not follow (restorePruner has them).
    if (this.#opts.onScore) this.#changeId = await this.#store.lastChangeId();
    this.#schedule();
  }

  /**
   * Leaves the job to the workers (an interrupted job, from a stop or an earlier run, is queued
   * again) and resolves when its current attempt has ended. Aborting the signal (its reason a
   * StopReason) withdraws a job still queued, or asks the worker running it to stop it.
   */
  async wait(job: JobRecord, signal: AbortSignal): Promise<DispatchedOutcome> {
    if (job.status === 'interrupted') await this.#store.updateJob(job.id, { status: 'queued' });
    return new Promise<DispatchedOutcome>((resolve) => {
      this.#waiters.set(job.id, { job, signal, resolve, announced: 0, scores: 0, scoresOf: 0 });
    });
  }

  /** Stops polling; jobs still waiting stay as they are in the store (a resumed driver takes them up). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#tick;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#poll()
        .catch((e: unknown) => this.#opts.onMessage?.(`worker results: ${(e as Error).message}; trying again`))
        .finally(() => this.#schedule());
    }, this.#opts.pollMs ?? DISPATCH_POLL_MS);
  }

  async #poll(): Promise<void> {
    if (this.#waiters.size === 0) return;
    // The driver requeues too: with every worker gone, someone must notice their leases ran out.
    await this.#store.requeueExpired();
    const current = new Map((await this.#store.listReportedAttempts(this.#experimentId)).map((r) => [r.attempt.jobId, r]));
    if (this.#opts.onScore) await this.#followScores(current, this.#opts.onScore);
    for (const w of [...this.#waiters.values()]) {
      const r = current.get(w.job.id);
      if (r !== undefined && r.attempt.status === 'interrupted' && !w.signal.aborted) {
        // Interrupted on an earlier driver's stop, which died before it recorded the job: this
        // driver wants the job run, so it goes back to the queue.
        await this.#store.updateJob(w.job.id, { status: 'queued' });
        continue;
      }
      if (r !== undefined && r.attempt.status !== 'running') {
        this.#settle(w, fromAttempt(r));
        continue;
      }
      if (r !== undefined && r.attempt.attempt !== w.announced) {
        w.announced = r.attempt.attempt;
        this.#opts.onStarted?.({ ...w.job, status: 'running', attempts: r.attempt.attempt }, r.attempt.attempt);
      }
      if (w.signal.aborted) await this.#stop(w, r);
    }
  }

  /** Passes the new intermediate scores of running attempts to onScore. */
  async #followScores(current: Map<number, ReportedAttempt>, onScore: (job: JobRecord, value: number) => void): Promise<void> {
    const changed = new Set<number>();
    for (;;) {
      const page = await this.#store.listChanges(this.#changeId, { experimentId: this.#experimentId, limit: CHANGE_PAGE });
      for (const c of page) if (c.kind === 'intermediate' && c.jobId !== null) changed.add(c.jobId);
      if (page.length > 0) this.#changeId = page[page.length - 1]!.id;
      if (page.length < CHANGE_PAGE) break;
    }
    for (const jobId of changed) {
      const w = this.#waiters.get(jobId);
      const r = current.get(jobId);
      if (w === undefined || r === undefined) continue;
      if (w.scoresOf !== r.attempt.attempt) {
        w.scoresOf = r.attempt.attempt;
        w.scores = 0;
      }
      // Only this attempt's values: an earlier attempt of the job (a lost lease, a retry) wrote its own.
      const values = (await this.#store.listIntermediate(jobId, SCORE_LABEL)).filter((v) => v.time >= r.attempt.startedAt);
      for (const v of values.slice(w.scores)) onScore(w.job, v.value);
      w.scores = Math.max(w.scores, values.length);
    }
  }

  /** A stop or kill of a waiting job: withdraw it from the queue, or ask its worker to stop it. */
  async #stop(w: Waiter, current: ReportedAttempt | undefined): Promise<void> {
    const request = stopRequestOf(w.signal.reason);
    if (current === undefined) {
      // Not running: queued (or just requeued). If a worker claims it first, the next poll sees it running.
      if (await this.#store.withdrawQueuedJob(w.job.id)) {
        const killed = request === 'killed';
        this.#settle(w, {
          attempt: w.job.attempts,
          attemptId: 0,
          status: killed ? 'failed' : 'interrupted',
          error: killed ? 'killed before a worker took it' : undefined,
          metrics: {},
          warnings: [],
          exitCode: null,
          attemptRecorded: true,
        });
      }
      return;
    }
    // Written once per attempt: the next poll sees the request on the attempt.
    if (current.attempt.stopRequest !== request) await this.#store.requestJobStop(w.job.id, request);
  }

  #settle(w: Waiter, outcome: DispatchedOutcome): void {
    this.#waiters.delete(w.job.id);
    w.resolve(outcome);
  }
}

function stopRequestOf(reason: unknown): StopRequest {
  return reason === 'killed' || reason === 'early_stopped' ? reason : 'interrupted';
}

function fromAttempt(r: ReportedAttempt): DispatchedOutcome {
  const a = r.attempt;
  const status = a.status === 'finished' || a.status === 'failed' || a.status === 'early_stopped' ? a.status : 'interrupted';
  return {
    attempt: a.attempt,
    attemptId: a.id,
    status,
    score: a.score ?? undefined,
    metrics: r.metrics,
    warnings: r.warnings,
    exitCode: a.exitCode,
    error: a.error ?? undefined,
    endedAt: a.endedAt ?? undefined,
    attemptRecorded: true,
  };
}
