/**
 * Warm starts (`warm_start` in the config; docs/reference/config.md): before its first proposal,
 * the proposer is told the finished jobs of earlier experiments in the same store whose parameters
 * fit the space, each as a trial it adopts and then hears the score of. They take trial ids but no
 * job and no place in n_samples. The snapshot that holds them and the record of what was told are
 * written in one transaction, and a drive that finds the record tells nothing again, so a resume
 * continues from exactly the state the first run had.
 */
import { checkTrialParams } from '../control.js';
import { AupError, isAupError } from '../errors.js';
import type { ExperimentRecord, JobRecord, Store, WarmStartRecord } from '../store/store-types.js';
import type { NormalizedConfig, Params, ParamSpec, Proposer } from '../types.js';
import { isSaveModelRun } from './save-model.js';

/** A job that fits the space (its parameters, in space order, without keys the space lacks), or why not. */
export type Fit = { params: Params } | { reason: string };

/**
 * Whether a finished job of an earlier experiment fits this space: no budget (a multi-fidelity
 * job's score is not a full run's), a finite score, and every parameter present, in its range or
 * among its choices, an integer for `int` (values are compared as they are: the choice "1" is not 1).
 * Parameters the space does not have are left out.
 */
export function fitToSpace(space: readonly ParamSpec[], job: Pick<JobRecord, 'params' | 'budget' | 'score'>): Fit {
  if (job.budget !== null) return { reason: `it ran with a budget (${job.budget}), so its score is not a full run's` };
  if (job.score === null || !Number.isFinite(job.score)) return { reason: 'it has no finite score' };
  const own: Record<string, unknown> = {};
  for (const spec of space) if (Object.hasOwn(job.params, spec.name)) own[spec.name] = job.params[spec.name];
  try {
    return { params: checkTrialParams(space, own) };
  } catch (e) {
    if (isAupError(e) && e.code === 'AUP_ERR_PARAMS_INVALID') return { reason: e.message };
    throw e;
  }
}

/**
 * Checks that every experiment `warm_start` names exists in the store and is not `selfId`; throws
 * AUP_ERR_CONFIG_INVALID naming the first that is not.
 */
export async function checkWarmStartSources(
  store: Pick<Store, 'getExperiment' | 'url'>,
  ids: readonly number[],
  selfId?: number,
): Promise<void> {
  for (const [i, id] of ids.entries()) {
    const where = `warm_start[${i}]`;
    if (id === selfId) {
      throw new AupError(
        'AUP_ERR_CONFIG_INVALID',
        `${where}: experiment ${id} is this experiment; expected the id of an earlier experiment`,
        {
          details: { path: where, found: id },
        },
      );
    }
    if ((await store.getExperiment(id)) === undefined) {
      throw new AupError(
        'AUP_ERR_CONFIG_INVALID',
        `${where}: expected the id of an experiment in ${store.url}, found ${id}, which does not exist`,
        {
          details: { path: where, found: id },
        },
      );
    }
  }
}

/**
 * Tells the proposer of a drive that has not started yet the jobs its `warm_start` names, and
 * stores the snapshot with the record of what was told; nothing when there is nothing to tell or
 * it was told already (the experiment has a warm-start record or a proposer snapshot).
 */
export async function warmStart(
  store: Store,
  exp: ExperimentRecord,
  config: NormalizedConfig,
  proposer: Proposer,
  say: (message: string) => void,
): Promise<void> {
  const ids = config.warm_start ?? [];
  if (ids.length === 0 || exp.warmStart !== null || exp.proposerState !== null) return;
  await checkWarmStartSources(store, ids, exp.id);
  if (typeof proposer.adopt !== 'function') {
    throw new AupError('AUP_ERR_CONFIG_INVALID', `warm_start: the "${config.proposer}" proposer cannot be told earlier jobs`, {
      details: { path: 'warm_start', proposer: config.proposer },
    });
  }
  const record: WarmStartRecord = { experiments: [], jobIds: [] };
  for (const id of ids) {
    const jobs = (await store.listJobs(id)).filter((j) => j.status === 'finished' && !isSaveModelRun(j));
    let told = 0;
    const skipped: { job: JobRecord; reason: string }[] = [];
    for (const job of jobs) {
      const fit = fitToSpace(config.parameter_config, job);
      if ('reason' in fit) {
        skipped.push({ job, reason: fit.reason });
        continue;
      }
      const ask = proposer.adopt(fit.params);
      if (ask.kind !== 'trial')
        throw new AupError('AUP_ERR_CONFIG_INVALID', `warm_start: the "${config.proposer}" proposer refused job ${job.id} (${ask.kind})`, {
          details: { path: 'warm_start', jobId: job.id },
        });
      proposer.tell({ trialId: ask.trialId, params: ask.params, status: 'finished', score: job.score! });
      record.jobIds.push(job.id);
      told++;
    }
    record.experiments.push({ id, jobs: told, skipped: skipped.length });
    if (skipped.length > 0) {
      const first = skipped[0]!;
      say(
        `warning: warm start: ${skipped.length} of the ${jobs.length} finished jobs of experiment ${id} do not fit this search space and were left out (job ${first.job.id}: ${first.reason})`,
      );
    }
  }
  await store.updateExperiment(exp.id, { proposerState: proposer.snapshot(), warmStart: record });
  say(`warm start: the proposer was told ${record.jobIds.length} finished job(s) of experiment(s) ${ids.join(', ')}`);
}
