import { AupError } from '../errors.js';
import type { AttemptFence } from './store-types.js';

// The store's errors, in one place for every store module (their codes and messages are part of the API).

/** The message of a thrown value, for an error that names its cause. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function isForeignKeyViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

export function experimentNotFound(id: number, cause?: unknown): AupError {
  return new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `No experiment has id ${id}`, { details: { experimentId: id }, cause });
}

export function jobNotFound(id: number, cause?: unknown): AupError {
  return new AupError('AUP_ERR_JOB_NOT_FOUND', `No job has id ${id}`, { details: { jobId: id }, cause });
}

/** A batch of records (intermediate results, text records, artifacts) names a job that does not exist. */
export function missingJobIn(jobIds: number[], cause: unknown): AupError {
  const ids = [...new Set(jobIds)];
  const shown = ids.slice(0, 10).join(', ') + (ids.length > 10 ? ', ...' : '');
  return new AupError('AUP_ERR_JOB_NOT_FOUND', `A batch of records names a job that does not exist (job ids in the batch: ${shown})`, {
    details: { jobIds: ids },
    cause,
  });
}

/** A worker's write about an attempt it no longer holds (the fence of store-types.ts). */
export function leaseLost(fence: AttemptFence): AupError {
  return new AupError(
    'AUP_ERR_LEASE_LOST',
    `Attempt ${fence.attemptId} is no longer held by worker ${fence.workerId} (its lease expired and the job went back to the queue): its records are not written`,
    { details: { ...fence } },
  );
}

export function badQuery(message: string, details: Record<string, unknown>): AupError {
  return new AupError('AUP_ERR_BAD_QUERY', message, { details });
}
