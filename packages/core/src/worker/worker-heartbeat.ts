import type { Store, WorkerRecord } from '../store/store-types.js';
import type { StopReason } from '../runner/process-executor.js';
import type { RunningAttempt, WorkerEvents } from './worker-types.js';

/**
 * A worker's heartbeat: renews the leases of its attempts, hears the driver's stop requests,
 * notices attempts it lost, and requeues other workers' expired ones. Chained timeouts, so a slow
 * beat never overlaps the next.
 */
export class WorkerHeartbeat {
  #lastRenewal = Date.now();
  #beating: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly worker: WorkerRecord,
    private readonly leaseMs: number,
    private readonly heartbeatMs: number,
    private readonly running: ReadonlyMap<number, RunningAttempt>,
    private readonly events: WorkerEvents,
    /** Whether to beat again after this beat (the worker runs, or still has attempts to finish). */
    private readonly goOn: () => boolean,
  ) {}

  /** One beat now; the first sets the worker's expiry, by which a silent worker is marked dead. */
  async beat(): Promise<void> {
    const { store, events } = this;
    const judged = [...this.running.entries()].filter(([, r]) => !r.finishing);
    let held;
    try {
      held = new Map((await store.renewLeases(this.worker.id, this.leaseMs)).map((h) => [h.attemptId, h]));
      this.#lastRenewal = Date.now();
    } catch (e) {
      events.onMessage?.(`heartbeat failed: ${(e as Error).message}; trying again`);
      // Past the lease without a renewal the jobs are someone else's by now: stop working on them.
      if (Date.now() - this.#lastRenewal > this.leaseMs)
        for (const [, r] of judged) this.loseAttempt(r, 'no heartbeat reached the database within the lease');
      return;
    }
    for (const [attemptId, r] of judged) {
      const h = held.get(attemptId);
      if (h === undefined) this.loseAttempt(r, 'its lease expired and the job went back to the queue');
      else if (h.stopRequest !== null && !r.controller.signal.aborted) {
        // As the runner does: the score stands as it was when the decision was taken.
        if (h.stopRequest === 'early_stopped') r.recorder?.freezeScore();
        r.controller.abort(h.stopRequest satisfies StopReason);
      }
    }
    await store.requeueExpired().catch((e: unknown) => events.onMessage?.(`requeue of expired jobs failed: ${(e as Error).message}`));
  }

  /** Beats every heartbeatMs from now on, while goOn() says so. */
  schedule(): void {
    this.#timer = setTimeout(() => {
      this.#beating = this.beat().finally(() => {
        if (this.goOn()) this.schedule();
      });
    }, this.heartbeatMs);
  }

  /** No beat after this: waits for one under way. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#beating;
    clearTimeout(this.#timer);
  }

  /** The attempt is someone else's now: stopped, and its result will not be written. */
  loseAttempt(r: RunningAttempt, why: string): void {
    if (r.lost || r.finishing) return;
    r.lost = true;
    this.events.onMessage?.(`job ${r.claim.job.id} attempt ${r.claim.attempt.attempt}: stopped, ${why}`);
    r.controller.abort('interrupted' satisfies StopReason);
  }
}
