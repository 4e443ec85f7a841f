import type { Target } from '../types.js';

/** How a job ended, as far as early stopping cares; `running` while it still reports. */
export type PrunerJobStatus = 'running' | 'finished' | 'early_stopped' | 'failed';

interface JobCurve {
  /** Reported values, oriented so that higher is better (negated for target min). */
  values: Float64Array;
  /** best[i] = the best of values[0..i]. */
  best: Float64Array;
  length: number;
  status: PrunerJobStatus;
}

const INITIAL_CAPACITY = 16;

/**
 * The intermediate `score` values of every job of an experiment, in report order. Values are kept
 * oriented (higher is better: negated for `target: min`) so that every policy is written once;
 * `step` is the number of values a job has reported (1 = its first value), Auptimizer's meaning.
 */
export class PrunerHistory {
  readonly target: Target;
  #jobs = new Map<number, JobCurve>();

  constructor(target: Target) {
    this.target = target;
  }

  /** Maps a user value to the oriented scale (and back: the map is its own inverse). */
  orient(value: number): number {
    return this.target === 'max' ? value : -value;
  }

  /** Forgets the job's values (a new attempt starts from scratch) and marks it running. */
  start(jobId: number): void {
    this.#jobs.set(jobId, {
      values: new Float64Array(INITIAL_CAPACITY),
      best: new Float64Array(INITIAL_CAPACITY),
      length: 0,
      status: 'running',
    });
  }

  /** Appends a user value; returns the job's step (its number of values). */
  add(jobId: number, value: number): number {
    let c = this.#jobs.get(jobId);
    if (!c) {
      this.start(jobId);
      c = this.#jobs.get(jobId)!;
    }
    if (c.length === c.values.length) {
      const values = new Float64Array(c.length * 2);
      values.set(c.values);
      const best = new Float64Array(c.length * 2);
      best.set(c.best);
      c.values = values;
      c.best = best;
    }
    const v = this.orient(value);
    c.values[c.length] = v;
    // NaN never counts as a best: a diverged value cannot save a job.
    const prev = c.length === 0 ? Number.NEGATIVE_INFINITY : c.best[c.length - 1]!;
    c.best[c.length] = Number.isNaN(v) || v <= prev ? prev : v;
    c.length++;
    return c.length;
  }

  setStatus(jobId: number, status: PrunerJobStatus): void {
    const c = this.#jobs.get(jobId);
    if (c) c.status = status;
    else {
      this.start(jobId);
      this.#jobs.get(jobId)!.status = status;
    }
  }

  status(jobId: number): PrunerJobStatus | undefined {
    return this.#jobs.get(jobId)?.status;
  }

  /** The job's number of values (0 when unknown). */
  steps(jobId: number): number {
    return this.#jobs.get(jobId)?.length ?? 0;
  }

  /** Ids of every known job, in the order they were first seen. */
  jobIds(): number[] {
    return [...this.#jobs.keys()];
  }

  /** Oriented value the job reported at `step` (1-based). */
  valueAt(jobId: number, step: number): number {
    const c = this.#jobs.get(jobId);
    if (!c || step < 1 || step > c.length) throw new RangeError(`job ${jobId} has no value at step ${step}`);
    return c.values[step - 1]!;
  }

  /** Oriented best of the job's first `step` values. */
  bestAt(jobId: number, step: number): number {
    const c = this.#jobs.get(jobId);
    if (!c || step < 1 || step > c.length) throw new RangeError(`job ${jobId} has no value at step ${step}`);
    return c.best[step - 1]!;
  }

  /** Oriented values of the job's first `step` values (a copy). */
  curve(jobId: number, step?: number): Float64Array {
    const c = this.#jobs.get(jobId);
    if (!c) return new Float64Array(0);
    return c.values.slice(0, Math.min(step ?? c.length, c.length));
  }

  /** Other jobs (any status) that reported at least `step` values. */
  othersAt(jobId: number, step: number): number[] {
    const out: number[] = [];
    for (const [id, c] of this.#jobs) if (id !== jobId && c.length >= step) out.push(id);
    return out;
  }
}
