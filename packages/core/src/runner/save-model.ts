/**
 * Auptimizer's save_model: after a finished experiment, the best job's parameters run once more
 * with `save_model: true` and `folder_name: "models_<eid>"` in the job file, so the script saves
 * its model. The re-run is a job of its own, marked by its `extra.save_model` (ignored by later
 * resumes), and runs on the same launch path as any job: job_timeout, stop and kill_job apply.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobRecord, Store } from '../store/store-types.js';
import type { ExperimentRecord } from '../store/store-types.js';
import type { NormalizedConfig } from '../types.js';

/** Whether a job is a save_model re-run, not a trial. */
export function isSaveModelRun(job: JobRecord): boolean {
  return !!job.extra && typeof job.extra === 'object' && !Array.isArray(job.extra) && job.extra.save_model === true;
}

/** Whether the experiment's end calls for the re-run: it finished, with a best job whose script can run again. */
export function wantsSaveModel(config: NormalizedConfig, bestJobId: number | null, runsScripts: boolean): boolean {
  return !!config.resource_args?.save_model && bestJobId !== null && runsScripts;
}

/** Creates the re-run's job (queued); undefined when the best job is gone. */
export async function createSaveModelJob(
  store: Store,
  exp: ExperimentRecord,
  config: NormalizedConfig,
  bestJobId: number,
): Promise<JobRecord | undefined> {
  const best = await store.getJob(bestJobId);
  if (!best) return undefined;
  const folderName = `models_${exp.id}`;
  mkdirSync(join(config.workingdir, 'aup_models'), { recursive: true });
  const trial = (await store.listJobs(exp.id)).reduce((m, j) => Math.max(m, j.trial), -1) + 1;
  return store.createJob({
    experimentId: exp.id,
    trial,
    params: best.params,
    budget: best.budget,
    extra: { save_model: true, folder_name: folderName, best_job: bestJobId },
  });
}
