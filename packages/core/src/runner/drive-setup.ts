/**
 * Everything a drive needs before its first job, read and checked in one place: the experiment
 * and its config, the resource (or local slots for an in-process objective and for worker mode),
 * the job folder, the proposer restored from its snapshot, the pruner rebuilt from stored scores.
 */
import { AupError } from '../errors.js';
import { createPruner, type Pruner } from '../pruners/index.js';
import { cpuResource } from '../resources/cpu/cpu-resource.js';
import { createResource, resourceDefinition } from '../resources/registry.js';
import type { Resource, ResourceHost } from '../resources/resource.js';
import type { ExperimentRecord, JobRecord, Store } from '../store/store-types.js';
import type { NormalizedConfig } from '../types.js';
import { SCORE_LABEL } from './attempt-recorder.js';
import { experimentJobDir } from './job-files.js';
import type { DriveOptions } from './runner-types.js';
import { closeOpenSaves, isSaveModelRun } from './save-model.js';
import { StopRules } from './stop-rules.js';
import { Trials } from './trials.js';
import { warmStart } from './warm-start.js';

export interface DriveSetup {
  exp: ExperimentRecord;
  config: NormalizedConfig;
  /** Worker mode (`aup run --workers external`): `aup worker` processes run the jobs. */
  external: boolean;
  resource: Resource;
  /** Whether the jobs run a script (not a person by hand, not an in-process objective): a save_model re-run can run. */
  runsScripts: boolean;
  /** The experiment's job folder; undefined for an in-process objective, which writes no job files. */
  jobDir: string | undefined;
  trials: Trials;
  pruner: Pruner | undefined;
  /** The experiment's stop rules, with the patience count and budget time of earlier runs. */
  stopRules: StopRules;
}

/**
 * Reads and checks what the drive of `opts.experimentId` starts from; `host` serves a passive
 * resource. A first drive tells the proposer its warm start (`say` hears what was told and left out).
 */
export async function setUpDrive(opts: DriveOptions, host: ResourceHost, say: (message: string) => void): Promise<DriveSetup> {
  const { store, experimentId } = opts;
  const exp = await store.getExperiment(experimentId);
  if (!exp) throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `experiment ${experimentId} does not exist in ${store.url}`);
  const config = exp.config as unknown as NormalizedConfig;
  const byHand = resourceDefinition(config.resource)?.jobs === 'by-hand';
  // Worker mode: the slots here only bound how many jobs are left to the workers at once (n_parallel).
  const external = exp.workers?.mode === 'external';
  if (external && (opts.objective || byHand)) {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `experiment ${experimentId} runs its jobs on aup worker processes, which cannot run ${opts.objective ? 'an in-process objective' : `${config.resource} jobs`}`,
    );
  }
  // An in-process objective runs in this process: the resource's slots and env do not apply.
  const resource = opts.objective || external ? await cpuResource.create!(config) : await createResource(config, host);
  if (!opts.objective && !byHand && !config.script)
    throw new AupError('AUP_ERR_CONFIG_INVALID', 'script: required to run jobs as processes');
  // The experiment's own folder for its job files, made and recorded before its first job exists
  // (an aup worker may claim that job at once).
  const jobDir = opts.objective
    ? undefined
    : await experimentJobDir(store, exp, config.workingdir).catch(async (e: unknown) => {
        await resource.close?.().catch(() => undefined);
        throw e;
      });
  // Model saves recorded as jobs by an older aup are no trials.
  const jobs = (await store.listJobs(experimentId)).filter((j) => !isSaveModelRun(j));
  await closeOpenSaves(store, exp.bestJobId);
  const trials = new Trials(config, exp.proposerState, jobs);
  try {
    await warmStart(store, exp, config, trials.proposer, say);
  } catch (e) {
    await resource.close?.().catch(() => undefined);
    throw e;
  }
  const earlyStop = config.resource_args?.early_stop;
  const pruner = earlyStop ? createPruner(earlyStop, config.target) : undefined;
  if (pruner) await restorePruner(store, pruner, jobs);
  const stopRules = new StopRules(config, exp, jobs);
  return { exp, config, external, resource, runsScripts: !opts.objective && !byHand, jobDir, trials, pruner, stopRules };
}

/**
 * Rebuilds the pruner of a resumed experiment from the stored `score` series of the jobs that ended;
 * unfinished jobs run again from scratch. Only the last attempt's values count.
 */
async function restorePruner(store: Store, pruner: Pruner, jobs: JobRecord[]): Promise<void> {
  for (const job of jobs) {
    if (job.status !== 'finished' && job.status !== 'early_stopped' && job.status !== 'failed') continue;
    // The best job's model save ran after the trials; its values are not the trial's.
    const attempts = (await store.listAttempts(job.id)).filter((a) => a.kind === 'trial');
    const since = attempts.reduce((m, a) => Math.max(m, a.startedAt), Number.NEGATIVE_INFINITY);
    const byStep = new Map<number, number>();
    for (const row of await store.listIntermediate(job.id, SCORE_LABEL)) if (row.time >= since) byStep.set(row.step, row.value);
    const values = [...byStep.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, v]) => v)
      .filter(Number.isFinite);
    pruner.restore(job.id, values, job.status);
  }
}
