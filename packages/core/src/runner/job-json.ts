import { fillTemplate } from '../config/config-template.js';
import type { JobRecord } from '../store/store-types.js';
import type { JobFileKeys, JsonObject, NormalizedConfig } from '../types.js';

/** What `job_file_keys` is when a config does not say (and for experiments stored before it existed). */
export const DEFAULT_JOB_FILE_KEYS: JobFileKeys = 'auptimizer';

/** The model save of the best job (save-model.ts): its job file says so, as Auptimizer's did. */
export interface ModelSave {
  /** `models_<experiment id>`: the folder under `aup_models/` the script saves into. */
  folderName: string;
}

/**
 * Builds the JSON a job receives (docs/reference/protocol.md §1.1), the same for the driver's jobs,
 * an `aup worker`'s and a remote host's. As Auptimizer wrote it: the hyperparameters (inside the
 * filled template too), the keys the proposer adds (`extra`: Hyperband's and BOHB's `tid`, EAS's
 * architecture), `n_iterations` when the proposer gives the job a budget, and `save_model` /
 * `folder_name` in the model save. Nothing else by default, so a script that passes the file to a
 * function with a fixed signature (`train(**config)`) works; aup's own facts (job id, budget) are in
 * the job's environment (`aupJobVariables`). With `job_file_keys: "aup"` the file also holds
 * `job_id`, `budget` and, in the model save, `best_job`.
 */
export function buildJobJson(
  config: NormalizedConfig,
  job: Pick<JobRecord, 'id' | 'params' | 'budget' | 'extra'>,
  save?: ModelSave,
): JsonObject {
  const base: JsonObject =
    config.template !== undefined && config.template !== null && typeof config.template === 'object'
      ? { ...(fillTemplate(config.template, job.params) as JsonObject), ...job.params }
      : { ...job.params };
  const extra = job.extra && typeof job.extra === 'object' && !Array.isArray(job.extra) ? (job.extra as JsonObject) : {};
  const aupKeys = (config.job_file_keys ?? DEFAULT_JOB_FILE_KEYS) === 'aup';
  const out: JsonObject = { ...base, ...extra };
  if (aupKeys) out.job_id = job.id;
  if (job.budget !== null && job.budget !== undefined) {
    out.n_iterations = job.budget;
    if (aupKeys) out.budget = job.budget;
  }
  if (save) {
    out.save_model = true;
    out.folder_name = save.folderName;
    if (aupKeys) out.best_job = job.id;
  }
  return out;
}
