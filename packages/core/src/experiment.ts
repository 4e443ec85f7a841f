import { userInfo } from 'node:os';
import { AupError } from './errors.js';
import { loadConfig, normalizeConfig } from './config/index.js';
import { formatProblems, type ConfigProblem } from './config/config-problem.js';
import { collectGitInfo, collectHostInfo, pythonVersion } from './env-info.js';
import { checkRunnable } from './config/check-runnable.js';
import { driveExperiment, type Objective, type RunnerEvents } from './runner/runner.js';
import { acquireDriverLease } from './runner/driver-lease.js';
import { checkWarmStartSources } from './runner/warm-start.js';
import { openStore } from './store/index.js';
import type { ExperimentRecord, ExperimentWorkers, JobRecord, Store } from './store/store-types.js';
import type { Json, JsonObject, NormalizedConfig, ParamValue, Params } from './types.js';
import { paretoJobs, storedObjectives, type ParetoJob } from './objectives.js';

export interface ExperimentResult {
  experimentId: number;
  status: ExperimentRecord['status'];
  /**
   * The best finished job, or null when none finished. With several objectives: the best by the
   * first objective (the score); the trade-offs are in `pareto`.
   */
  best: { jobId: number; params: Params; score: number } | null;
  /**
   * Only with several objectives: the Pareto set, the finished jobs no other finished job
   * dominates (every objective no worse, one better), with every objective's value in the
   * config's order, in job order.
   */
  pareto?: ParetoJob[];
  jobs: JobRecord[];
  /** Why the experiment failed, when it did. */
  error: string | null;
  /** Why it ended: its jobs ran out (`n_samples`, `exhausted`), a stop rule, a stop, or a failure (docs/reference/config.md, `stop`). */
  stopReason: ExperimentRecord['stopReason'];
  /** What its warm start told the proposer (job ids and counts per experiment), or null. */
  warmStart: ExperimentRecord['warmStart'];
}

interface StoreOptions {
  /** A database URL (`experiments.db`, `sqlite:path`, `:memory:`, `postgres://...`) or an open Store. */
  db?: string | Store;
}

/**
 * An experiment config as `runExperiment` takes it: Auptimizer's keys (docs/reference/config.md),
 * validated at run time with the same schema as experiment.json.
 */
export interface ExperimentConfigInput {
  name?: string;
  proposer?: string;
  n_samples?: number;
  random_seed?: number;
  script?: string;
  parameter_config?: ReadonlyArray<{
    name: string;
    range: readonly ParamValue[];
    type: string;
    log?: boolean;
    interval?: number;
    n?: number;
  }>;
  resource?: string;
  resource_args?: Record<string, unknown>;
  job_failure?: { job_retries?: number; ignore_fail?: boolean };
  job_timeout?: number;
  job_file_keys?: 'auptimizer' | 'aup';
  n_parallel?: number;
  /** `'min'` or `'max'`; a list of them, one per objective, for several objectives. */
  target?: string | readonly string[];
  /** Names of the objectives of a list `target` (default objective_0, objective_1, ...). */
  objectives?: readonly string[];
  workingdir?: string;
  /** Experiment-level stop rules (docs/reference/config.md, `stop`). */
  stop?: { time_budget_s?: number; target_score?: number; patience?: number };
  /** Ids of earlier experiments in the same database whose finished jobs warm-start the proposer. */
  warm_start?: readonly number[];
  [key: string]: unknown;
}

export interface RunExperimentOptions extends StoreOptions {
  /** Evaluates params in this process instead of running `script`. */
  objective?: Objective;
  /** Aborting stops the experiment (running jobs interrupted; resume later). */
  signal?: AbortSignal;
  events?: RunnerEvents;
  /**
   * Folder against which relative paths in the config resolve (default: the current folder), except
   * `workingdir`: that one resolves against the current folder, as with `aup run` (and Auptimizer).
   */
  baseDir?: string;
  /**
   * Told each config warning (an unknown key ignored, a parameter's default, a relative workingdir);
   * by default it goes to `process.emitWarning`, where Node sends a library's warnings.
   */
  onConfigWarning?: (warning: ConfigProblem) => void;
}

/** A config warning as Node's warnings go: printed on stderr unless a `process.on('warning')` handler takes it. */
function emitConfigWarning(file: string | undefined): (warning: ConfigProblem) => void {
  return (warning) => process.emitWarning(formatProblems([warning], file), { code: 'AUP_CONFIG_WARNING' });
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

async function withStore<T>(db: string | Store | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  if (db && typeof db === 'object') return fn(db);
  const store = await openStore(db);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Records a new experiment (status `created`) with host and git info; checks the proposer's settings
 * first. With `workers`, its jobs are left to `aup worker` processes (worker mode).
 */
export async function createExperiment(
  store: Store,
  raw: JsonObject,
  config: NormalizedConfig,
  workers?: ExperimentWorkers,
): Promise<ExperimentRecord> {
  return (await recordExperiment(store, raw, config, workers, true)).exp;
}

/**
 * `createExperiment`, but without `waitForPython` the experiment is recorded before `python3
 * --version` answers (0.3 s behind a pyenv shim, longer than many whole runs' overhead) and
 * `hostDone` writes the version into its host info when it does; runs await it before they return.
 */
async function recordExperiment(
  store: Store,
  raw: JsonObject,
  config: NormalizedConfig,
  workers: ExperimentWorkers | undefined,
  waitForPython: boolean,
): Promise<{ exp: ExperimentRecord; hostDone: Promise<void> }> {
  // The checks `aup validate` and the board make too, before anything is recorded: the config may
  // have changed since (a copy with another n_samples), and worker mode is known only here. The
  // script was resolved when the config was normalised (not at all for an in-process objective).
  checkRunnable(config, { workers: workers !== undefined, inProcess: true });
  await checkWarmStartSources(store, config.warm_start ?? []);
  // Host and git probes (python3, nvidia-smi, git) run at the same time.
  const python = pythonVersion();
  const [host, git] = await Promise.all([
    collectHostInfo({ python: waitForPython ? python : Promise.resolve(null) }),
    collectGitInfo(config.workingdir),
  ]);
  const exp = await store.createExperiment({
    name: config.name,
    user: currentUser(),
    proposer: config.proposer,
    target: config.target,
    nSamples: config.n_samples,
    configRaw: raw,
    config: config as unknown as Json,
    workingDir: config.workingdir,
    host,
    git,
    workers: workers ?? null,
  });
  const hostDone = waitForPython
    ? Promise.resolve()
    : python
        .then(async (version) => {
          if (version !== null) await store.updateExperiment(exp.id, { host: { ...(host as JsonObject), python: version } });
        })
        // A store closed under it (a run that failed at once) loses only the version.
        .catch(() => undefined);
  return { exp, hostDone };
}

/**
 * Throws AUP_ERR_EXPERIMENT_STATE when `exp` came from another tool (`aup import`): an import is not
 * a run, so there is no script, proposer state or job of it that aup could go on with
 * (docs/decisions/0029-imports.md). `verb` says what was asked ("resumed", "started").
 */
export async function refuseImported(
  store: Pick<Store, 'getImport'>,
  exp: Pick<ExperimentRecord, 'id' | 'name'>,
  verb: string,
): Promise<void> {
  const source = await store.getImport(exp.id);
  if (source === undefined) return;
  throw new AupError(
    'AUP_ERR_EXPERIMENT_STATE',
    `Experiment ${exp.id} (${exp.name}) was imported from ${source.tool}, not run by aup, so it cannot be ${verb}: run its config as a new experiment instead (aup run with its config file, or Copy on the board)`,
    { details: { id: exp.id, imported: { tool: source.tool, sourceKey: source.sourceKey } } },
  );
}

/** Summarises a finished drive into what `runExperiment` returns. */
export async function experimentResult(store: Store, exp: ExperimentRecord): Promise<ExperimentResult> {
  const jobs = await store.listJobs(exp.id);
  const bestJob = exp.bestJobId === null ? undefined : jobs.find((j) => j.id === exp.bestJobId);
  const objectives = storedObjectives(exp.config);
  return {
    experimentId: exp.id,
    status: exp.status,
    best: bestJob && bestJob.score !== null ? { jobId: bestJob.id, params: bestJob.params, score: bestJob.score } : null,
    ...(objectives !== undefined ? { pareto: paretoJobs(objectives, jobs) } : {}),
    jobs,
    error: exp.error,
    stopReason: exp.stopReason,
    warmStart: exp.warmStart,
  };
}

/**
 * Runs a whole experiment and resolves with the best result.
 * @example
 * const { best } = await runExperiment({
 *   parameter_config: [{ name: 'x', range: [-5, 5], type: 'float' }],
 *   n_samples: 50, target: 'min',
 *   objective: (p) => (p.x as number) ** 2,
 * });
 */
export async function runExperiment(config: ExperimentConfigInput & RunExperimentOptions): Promise<ExperimentResult> {
  const { objective, db, signal, events, baseDir, onConfigWarning, ...raw } = config;
  const normalized = normalizeConfig(raw, {
    baseDir: baseDir ?? process.cwd(),
    inProcess: objective !== undefined,
    onWarning: onConfigWarning ?? emitConfigWarning(undefined),
  });
  return withStore(db, async (store) => {
    const { exp, hostDone } = await recordExperiment(store, raw as JsonObject, normalized, undefined, false);
    const done = await driveExperiment({ store, experimentId: exp.id, objective, signal, events });
    await hostDone;
    return experimentResult(store, done);
  });
}

/**
 * Runs an experiment described by a config file (experiment.json or YAML), as `aup run` does; `cwd`
 * is the folder a relative `workingdir` resolves against (default: the current folder).
 */
export async function runExperimentFile(
  file: string,
  options: RunExperimentOptions & {
    name?: string;
    onCreated?: (exp: ExperimentRecord) => void;
    workers?: ExperimentWorkers;
    cwd?: string;
    /** Experiments to warm-start from besides the config's `warm_start` (`aup run --warm-start`). */
    warmStart?: readonly number[];
  } = {},
): Promise<ExperimentResult> {
  const { raw, config } = await loadConfig(file, {
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    onWarning: options.onConfigWarning ?? emitConfigWarning(file),
  });
  if (options.name) config.name = options.name;
  if (options.warmStart !== undefined && options.warmStart.length > 0) {
    config.warm_start = [...new Set([...(config.warm_start ?? []), ...options.warmStart])];
  }
  return withStore(options.db, async (store) => {
    const { exp, hostDone } = await recordExperiment(store, raw, config, options.workers, false);
    options.onCreated?.(exp);
    const done = await driveExperiment({
      store,
      experimentId: exp.id,
      objective: options.objective,
      signal: options.signal,
      events: options.events,
    });
    await hostDone;
    return experimentResult(store, done);
  });
}

/**
 * Continues a stopped, failed or interrupted experiment where it stopped; starts a `created` one
 * (the board's start). Refused (AUP_ERR_DRIVER_LIVE) while another process drives it; a driver
 * that died is taken over at once on its host, its leftover job processes stopped first.
 */
export async function resumeExperiment(
  experimentId: number,
  options: Omit<RunExperimentOptions, 'baseDir'> & { onResumed?: (exp: ExperimentRecord) => void } = {},
): Promise<ExperimentResult> {
  return withStore(options.db, async (store) => {
    const exp = await store.getExperiment(experimentId);
    if (!exp) throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `experiment ${experimentId} does not exist in ${store.url}`);
    if (exp.status === 'finished') {
      throw new AupError('AUP_ERR_EXPERIMENT_STATE', `experiment ${experimentId} has already finished; nothing to resume`);
    }
    await refuseImported(store, exp, 'resumed');
    // Before anything is said or done: a second driver is refused here (AUP_ERR_DRIVER_LIVE).
    const driverLease = await acquireDriverLease(store, experimentId);
    try {
      options.onResumed?.(exp);
      const done = await driveExperiment({
        store,
        experimentId,
        objective: options.objective,
        signal: options.signal,
        events: options.events,
        driverLease,
      });
      return await experimentResult(store, done);
    } finally {
      await driverLease.release();
    }
  });
}
