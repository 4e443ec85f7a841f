import { AupError } from '../errors.js';
import { SlotPool, type Resource, type ResourceSlot } from '../resources/resource.js';
import type { StopReason } from './process-executor.js';
import type { Completion } from './runner-types.js';
import type { JobRecord } from '../store/store-types.js';

/** One job the drive waits for. */
export interface RunningJob {
  promise: Promise<Completion>;
  controller: AbortController;
  /** The slot it holds. */
  slot: number;
  /** Runs on an `aup worker`, not here: a new driver takes it over when this one loses its lease. */
  remote: boolean;
  /** The best job's model save (an attempt of it, save-model.ts), not a trial. */
  saveModel: boolean;
  job: JobRecord;
}

/** Marks a wake-up of the drive's wait, told apart from a job's completion. */
export const WOKEN = Symbol('woken');

/**
 * The jobs running now and the slots they hold. Slot resizing is the resource's: one whose slots
 * follow n_parallel (cpu, passive) makes more, a fixed list (gpu ids, node hosts) caps n_parallel.
 */
export class RunningJobs {
  readonly byJob = new Map<number, RunningJob>();
  #pool: SlotPool;

  constructor(private readonly resource: Resource) {
    this.#pool = new SlotPool(resource.slots);
  }

  get size(): number {
    return this.byJob.size;
  }

  /** How many slots there are now. */
  get slotCount(): number {
    return this.#pool.slots.length;
  }

  get(jobId: number): RunningJob | undefined {
    return this.byJob.get(jobId);
  }

  /** Takes the lowest free slot for a job; the drive starts jobs only while fewer than n_parallel <= slots run. */
  acquire(jobId: number): number {
    const slot = this.#pool.acquire();
    if (slot === undefined) throw new AupError('AUP_ERR_INTERNAL', `no free slot for job ${jobId}`);
    return slot;
  }

  slot(index: number): ResourceSlot {
    return this.#pool.slots[index]!;
  }

  release(slot: number): void {
    this.#pool.release(slot);
  }

  add(jobId: number, job: RunningJob): void {
    this.byJob.set(jobId, job);
  }

  /** The job is over: its slot is free again. */
  remove(jobId: number): void {
    const r = this.byJob.get(jobId);
    if (r === undefined) return;
    this.#pool.release(r.slot);
    this.byJob.delete(jobId);
  }

  /** Stops every job (or only those running here) with the reason. */
  abort(reason: StopReason, onlyHere = false): void {
    for (const r of this.byJob.values()) if (!onlyHere || !r.remote) r.controller.abort(reason);
  }

  /** The next job to end, or WOKEN when `wake` resolves first. */
  next(wake: Promise<typeof WOKEN>): Promise<Completion | typeof WOKEN> {
    return Promise.race([...[...this.byJob.values()].map((r) => r.promise), wake]);
  }

  /** The n_parallel that `n` becomes on this resource, growing its slots when it makes them from n_parallel. */
  resize(n: number): number {
    if (this.resource.slotsFor === undefined) return Math.max(1, Math.min(n, this.#pool.slots.length));
    // Running jobs keep their slots (grown), and shrinking keeps the slots: running jobs finish,
    // and no new one starts until fewer than n run.
    if (n > this.#pool.slots.length) this.#pool = this.#pool.grown(this.resource.slotsFor(n));
    return n;
  }
}
