import { AupError, type ExperimentRecord, type JobRecord, type Store, type TextRecord } from '@aup/core';

// What the job routes (job-routes.ts, job-file-routes.ts) look up: the job of a path, its
// experiment, and the fields of a text record's payload.

/** The job with id `id`, or AUP_ERR_JOB_NOT_FOUND (404). */
export async function jobOr404(store: Store, id: number): Promise<JobRecord> {
  const job = await store.getJob(id);
  if (job === undefined) {
    throw new AupError('AUP_ERR_JOB_NOT_FOUND', `No job has id ${id}; GET /api/v1/experiments/{id}/jobs lists the jobs of an experiment`, {
      details: { id },
    });
  }
  return job;
}

/** The job's experiment, or AUP_ERR_EXPERIMENT_NOT_FOUND when it went away meanwhile. */
export async function experimentOf(store: Store, job: JobRecord): Promise<ExperimentRecord> {
  const exp = await store.getExperiment(job.experimentId);
  if (exp === undefined) {
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `Job ${job.id} belongs to experiment ${job.experimentId}, which no longer exists`, {
      details: { job_id: job.id, experiment_id: job.experimentId },
    });
  }
  return exp;
}

/** The working directory of the job's experiment, which its recorded paths resolve against. */
export async function workingDirOf(store: Store, job: JobRecord): Promise<string> {
  return (await experimentOf(store, job)).workingDir;
}

/** The text of a text record ('' when the payload has none). */
export function textOf(r: TextRecord): string {
  const text = (r.payload as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : '';
}

/** The numbers of a histogram record. */
export function valuesOf(r: TextRecord): number[] {
  const values = (r.payload as { values?: unknown } | null)?.values;
  return Array.isArray(values) ? values.filter((v): v is number => typeof v === 'number') : [];
}

/** The path an image record names, as the job recorded it. */
export function pathOf(r: TextRecord): string {
  const path = (r.payload as { path?: unknown } | null)?.path;
  return typeof path === 'string' ? path : '';
}
