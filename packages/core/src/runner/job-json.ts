import { fillTemplate } from '../config/config-template.js';
import type { JobRecord } from '../store/store-types.js';
import type { JsonObject, NormalizedConfig } from '../types.js';

/**
 * Builds the JSON a job receives (Auptimizer's contract, docs/architecture.md §4), the same for the
 * driver's jobs and an `aup worker`'s. A save_model re-run's `extra` already carries `save_model`
 * and `folder_name`; `saveModel` sets them for a caller that builds one without them.
 */
export function buildJobJson(
  config: NormalizedConfig,
  job: Pick<JobRecord, 'id' | 'params' | 'budget' | 'extra'>,
  saveModel?: { folderName: string },
): JsonObject {
  const base: JsonObject =
    config.template !== undefined && config.template !== null && typeof config.template === 'object'
      ? { ...(fillTemplate(config.template, job.params) as JsonObject), ...job.params }
      : { ...job.params };
  const extra = job.extra && typeof job.extra === 'object' && !Array.isArray(job.extra) ? (job.extra as JsonObject) : {};
  const out: JsonObject = { ...base, ...extra, job_id: job.id };
  if (job.budget !== null && job.budget !== undefined) {
    out.n_iterations = job.budget;
    out.budget = job.budget;
  }
  if (saveModel) {
    out.save_model = true;
    out.folder_name = saveModel.folderName;
  }
  return out;
}
