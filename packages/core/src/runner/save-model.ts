/**
 * Auptimizer's save_model: after a finished experiment, the best job's parameters run once more
 * with `save_model: true` and `folder_name: "models_<eid>"` in the job file, so the script saves
 * its model. The run is an attempt of the best job of its own kind (`save_model`,
 * migrations/0010): its log, exit status and artifacts go with that job, whose status, score and
 * metrics it leaves alone, and the experiment keeps its n_samples jobs. It runs on the launch path
 * of any attempt: job_timeout, stop and kill_job apply.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AttemptRecord, ExperimentRecord, JobRecord, Store } from '../store/store-types.js';
import type { NormalizedConfig } from '../types.js';
import type { ModelSave } from './job-json.js';

/**
 * Whether a job is a save_model re-run that an aup before migration 0010 recorded as a job of its
 * own (marked by `extra.save_model`): not a trial, so resumes and job counts leave it out.
 */
export function isSaveModelRun(job: JobRecord): boolean {
  return !!job.extra && typeof job.extra === 'object' && !Array.isArray(job.extra) && job.extra.save_model === true;
}

/** Whether the experiment's end calls for the model save: it finished, with a best job whose script can run again. */
export function wantsSaveModel(config: NormalizedConfig, bestJobId: number | null, runsScripts: boolean): boolean {
  return !!config.resource_args?.save_model && bestJobId !== null && runsScripts;
}

/** The model save of an experiment's best job: its folder under `<workingdir>/aup_models/`, made here. */
export function prepareModelSave(exp: ExperimentRecord, config: NormalizedConfig): ModelSave {
  mkdirSync(join(config.workingdir, 'aup_models'), { recursive: true });
  return { folderName: `models_${exp.id}` };
}

/** The job's model-save attempts, oldest first. */
export async function saveAttempts(store: Store, jobId: number): Promise<AttemptRecord[]> {
  return (await store.listAttempts(jobId)).filter((a) => a.kind === 'save_model');
}

/**
 * Whether the job's model is saved: its last model save finished. A resume of an experiment whose
 * save ended otherwise (a crash, a stop, a failure) runs it again; one whose save finished does not.
 */
export async function modelSaved(store: Store, jobId: number): Promise<boolean> {
  return (await saveAttempts(store, jobId)).at(-1)?.status === 'finished';
}

/**
 * Closes the model saves a dead driver left open on the job (the drive holds the experiment's
 * lease, so no one else runs them) as interrupted: the board then shows no save running, and a
 * resume that ends finished saves the model again.
 */
export async function closeOpenSaves(store: Store, jobId: number | null): Promise<void> {
  if (jobId === null) return;
  for (const open of (await saveAttempts(store, jobId)).filter((a) => a.endedAt === null)) {
    await store.updateAttempt(open.id, { status: 'interrupted', endedAt: Date.now() });
  }
}
