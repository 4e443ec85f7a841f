// Pure time arithmetic for the experiment overview: how long it has run and how long it may still take.

/** Elapsed and remaining time of an experiment, in milliseconds (null when unknown). */
export interface RunEstimate {
  elapsedMs: number | null;
  remainingMs: number | null;
}

/** The experiment fields the estimate reads. */
export interface EstimateInput {
  status: string;
  started_at: string | null;
  ended_at: string | null;
  n_samples: number;
  jobs_done: number;
}

/**
 * Elapsed time (start to end, or to `nowMs` while it runs) and, for a running experiment with at
 * least one job done, the remaining time at the pace so far: elapsed / done × (planned − done).
 * The pace includes parallelism and proposer overhead as they were, which is what a user waits for.
 * @example runEstimate({ status: 'running', started_at: '2025-01-01T00:00:00Z', ended_at: null, n_samples: 10, jobs_done: 2 }, Date.parse('2025-01-01T00:01:00Z')) // { elapsedMs: 60000, remainingMs: 240000 }
 */
export function runEstimate(e: EstimateInput, nowMs: number): RunEstimate {
  const start = e.started_at === null ? Number.NaN : Date.parse(e.started_at);
  if (Number.isNaN(start)) return { elapsedMs: null, remainingMs: null };
  const end = e.ended_at === null ? Number.NaN : Date.parse(e.ended_at);
  const running = e.status === 'running' || e.status === 'stopping';
  const until = running || Number.isNaN(end) ? nowMs : end;
  const elapsedMs = Math.max(0, until - start);
  if (!running) return { elapsedMs, remainingMs: e.status === 'finished' ? 0 : null };
  if (e.jobs_done <= 0) return { elapsedMs, remainingMs: null };
  const left = Math.max(0, e.n_samples - e.jobs_done);
  return { elapsedMs, remainingMs: Math.round((elapsedMs / e.jobs_done) * left) };
}

/** Whether a normalised config has no hyperparameters (a one-shot experiment: one run, nothing to tune). */
export function isOneShot(config: unknown): boolean {
  if (typeof config !== 'object' || config === null) return true;
  const params = (config as { parameter_config?: unknown }).parameter_config;
  return !Array.isArray(params) || params.length === 0;
}
