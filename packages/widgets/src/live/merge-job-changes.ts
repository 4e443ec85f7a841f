import type { ChangeEvent } from '../api/change-event.js';
import type { JobSummary } from '../api/job-summary.js';
import type { AsyncLoadController } from '../controllers/async-load-controller.js';
import type { LiveBatch } from '../controllers/live-controller.js';

/**
 * The one way an element holding an experiment's jobs follows the board: the jobs a live batch
 * carries are merged into the loaded value without a request; a full batch, nothing loaded yet, or
 * changes that cannot be merged (see mergeJobChanges) call `reload` instead.
 */
export function applyLiveJobs<T extends { readonly jobs: readonly JobSummary[] }>(
  load: AsyncLoadController<T>,
  batch: LiveBatch,
  experimentId: number,
  reload: () => void,
): void {
  const current = load.value;
  if (batch.full || current === undefined) return reload();
  const merged = mergeJobChanges(current.jobs, batch.changes, experimentId);
  if (merged === undefined) return reload();
  if (merged !== current.jobs) load.set({ ...current, jobs: merged });
}

/**
 * Applies a burst of live changes to a list of an experiment's jobs without asking the server:
 * each `job` event carries the job's current summary (null once deleted). Answers the new list
 * (the same array when nothing in it changed), or `undefined` when the changes cannot be applied
 * locally (the experiment was deleted, a job event came without its summary): reload then.
 */
export function mergeJobChanges(
  jobs: readonly JobSummary[],
  changes: readonly ChangeEvent[],
  experimentId: number,
): readonly JobSummary[] | undefined {
  const updates = new Map<number, JobSummary | null>();
  for (const c of changes) {
    if (c.experiment_id !== experimentId) continue;
    if (c.kind === 'experiment_deleted') return undefined;
    if (c.kind !== 'job' || c.job_id === null) continue;
    if (c.job === undefined) return undefined;
    if (c.job !== null && !isJobSummary(c.job)) return undefined;
    updates.set(c.job_id, c.job);
  }
  if (updates.size === 0) return jobs;
  const out: JobSummary[] = [];
  for (const job of jobs) {
    if (!updates.has(job.id)) {
      out.push(job);
      continue;
    }
    const next = updates.get(job.id)!;
    updates.delete(job.id);
    if (next !== null) out.push(next);
  }
  for (const job of updates.values()) if (job !== null) out.push(job);
  // New jobs are created in id order; keep the list in it (the jobs route's default order).
  out.sort((a, b) => a.id - b.id);
  return out;
}

function isJobSummary(v: unknown): v is JobSummary {
  const o = v as Partial<JobSummary> | null;
  return typeof o === 'object' && o !== null && typeof o.id === 'number' && typeof o.params === 'object' && typeof o.metrics === 'object';
}
