/**
 * Controlling a running experiment from outside (the board, the CLI, a script): each helper checks
 * what can be checked here, then records a control request that the experiment's runner takes
 * within CONTROL_POLL_MS and answers (docs/guides/dashboard.md, "Controlling a running experiment").
 */
import { AupError } from './errors.js';
import { getProposer } from './proposers/index.js';
import type { ControlRequest, ExperimentRecord, Store } from './store/store-types.js';
import type { Json, NormalizedConfig, ParamSpec, Params, ParamValue } from './types.js';

/** How often waitForControlResult reads the request again: well under the runner's poll, cheap for a reader. */
const WAIT_POLL_MS = 50;
/** Most jobs at once a `set` may ask for: far above any machine's process slots, low enough to catch a typo. */
export const MAX_N_PARALLEL = 1_024;

/** Asks the experiment's runner to stop, as Ctrl-C does: running jobs end `interrupted`; `aup resume` continues. */
export async function requestStop(store: Store, experimentId: number): Promise<ControlRequest> {
  await runningExperiment(store, experimentId, 'stop');
  return store.requestControl({ experimentId, action: 'stop' });
}

/**
 * Asks the runner to kill one running job: it ends `failed` ("killed by request") and the experiment
 * goes on. A finished best job whose model save runs (runner/save-model.ts) can be killed too: the
 * save's attempt fails, the job stays finished.
 */
export async function requestKillJob(store: Store, jobId: number): Promise<ControlRequest> {
  const job = await store.getJob(jobId);
  if (!job) throw new AupError('AUP_ERR_JOB_NOT_FOUND', `No job has id ${jobId} in ${store.url}`, { details: { jobId } });
  await runningExperiment(store, job.experimentId, `kill job ${jobId}`);
  if (job.status !== 'running' && !(await savingModel(store, job.id))) {
    throw new AupError('AUP_ERR_EXPERIMENT_STATE', `job ${jobId} is ${job.status}: only a running job can be killed`, {
      details: { jobId, status: job.status },
    });
  }
  return store.requestControl({ experimentId: job.experimentId, jobId, action: 'kill_job', payload: { jobId } });
}

/** Settings a running experiment can change. */
export interface ControlSettings {
  /** Jobs at once (cpu and passive grow their slots; gpu is capped by its listed GPUs). */
  nParallel?: number;
  /** Total jobs; not below the number of jobs already created. */
  nSamples?: number;
}

/** Asks the runner to change `n_parallel` and/or `n_samples` live; both are kept for `aup resume`. */
export async function requestSet(store: Store, experimentId: number, settings: ControlSettings): Promise<ControlRequest> {
  const exp = await runningExperiment(store, experimentId, 'change settings');
  const { nParallel, nSamples } = settings;
  if (nParallel === undefined && nSamples === undefined) {
    throw new AupError('AUP_ERR_CONFIG_INVALID', 'set: expected n_parallel and/or n_samples, found neither', { details: { path: 'set' } });
  }
  const payload: { [key: string]: Json } = {};
  if (nParallel !== undefined) payload.n_parallel = checkNParallel(nParallel);
  if (nSamples !== undefined) {
    checkNSamplesValue(nSamples);
    const created = await createdJobs(store, exp.id);
    checkNSamplesAgainst(nSamples, created);
    payload.n_samples = nSamples;
  }
  return store.requestControl({ experimentId, action: 'set', payload });
}

/** Asks the runner to run a trial with these params next (before the proposer's next ask) and tell the proposer its result. */
export async function requestEnqueue(store: Store, experimentId: number, params: Params): Promise<ControlRequest> {
  const exp = await runningExperiment(store, experimentId, 'enqueue a trial');
  const config = exp.config as unknown as NormalizedConfig;
  const checked = checkTrialParams(config.parameter_config, params);
  const proposer = getProposer(config.proposer).create({
    space: config.parameter_config,
    target: config.target,
    nSamples: config.n_samples,
    seed: config.random_seed,
    options: config.proposer_options ?? {},
  });
  if (typeof proposer.adopt !== 'function') throw noAdopt(config.proposer);
  return store.requestControl({ experimentId, action: 'enqueue', payload: { params: checked } });
}

/**
 * Waits until the runner has answered the request (its `doneAt` and `result` are set) or `timeoutMs`
 * passed; answers the request as it then stands, so `doneAt === null` means no answer yet.
 */
export async function waitForControlResult(store: Store, requestId: number, timeoutMs: number): Promise<ControlRequest> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const req = await store.getControlRequest(requestId);
    if (!req) throw new AupError('AUP_ERR_NOT_FOUND', `No control request has id ${requestId} in ${store.url}`, { details: { requestId } });
    if (req.doneAt !== null || Date.now() >= deadline) return req;
    await new Promise((r) => setTimeout(r, Math.min(WAIT_POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}

/**
 * Checks user-given params against the search space: every parameter present, none unknown, each in
 * its range (an integer for `int`, one of the options for `choice`). Throws AUP_ERR_PARAMS_INVALID
 * naming the parameter, what was expected and what was found; returns the params in space order.
 */
export function checkTrialParams(space: readonly ParamSpec[], params: unknown): Params {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw paramsInvalid('params', 'an object of parameter values', params);
  }
  const given = params as Record<string, unknown>;
  const names = new Set(space.map((s) => s.name));
  for (const key of Object.keys(given)) {
    if (!names.has(key))
      throw paramsInvalid(key, `one of the parameters ${[...names].map((n) => `"${n}"`).join(', ') || '(none)'}`, key, 'unknown parameter');
  }
  const out: Params = {};
  for (const spec of space) {
    const value = given[spec.name];
    if (value === undefined) throw paramsInvalid(spec.name, describeSpec(spec), undefined, 'missing');
    if (spec.type === 'choice') {
      if (!spec.range.some((option) => option === value)) throw paramsInvalid(spec.name, describeSpec(spec), value);
    } else {
      const [min, max] = spec.range;
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        value >= min &&
        value <= max &&
        (spec.type === 'float' || Number.isInteger(value));
      if (!ok) throw paramsInvalid(spec.name, describeSpec(spec), value);
    }
    out[spec.name] = value as ParamValue;
  }
  return out;
}

/** Throws AUP_ERR_CONFIG_INVALID unless n is a whole number of jobs in 1..MAX_N_PARALLEL. */
export function checkNParallel(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_N_PARALLEL) {
    throw new AupError(
      'AUP_ERR_CONFIG_INVALID',
      `n_parallel: expected an integer in [1, ${MAX_N_PARALLEL}], found ${JSON.stringify(n) ?? String(n)}`,
      {
        details: { path: 'n_parallel', expected: `integer in [1, ${MAX_N_PARALLEL}]`, found: n },
      },
    );
  }
  return n;
}

/** Throws AUP_ERR_CONFIG_INVALID unless n is an integer >= 0. */
export function checkNSamplesValue(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new AupError('AUP_ERR_CONFIG_INVALID', `n_samples: expected an integer >= 0, found ${JSON.stringify(n) ?? String(n)}`, {
      details: { path: 'n_samples', expected: 'integer >= 0', found: n },
    });
  }
  return n;
}

/** Throws AUP_ERR_EXPERIMENT_STATE when n_samples would drop below the jobs already created. */
export function checkNSamplesAgainst(n: number, created: number): void {
  if (n < created) {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `n_samples: ${n} is below the ${created} jobs already created; expected at least ${created}`,
      {
        details: { path: 'n_samples', expected: `>= ${created}`, found: n },
      },
    );
  }
}

/** The error for enqueueing with a proposer that has no `adopt`. */
export function noAdopt(proposer: string): AupError {
  return new AupError(
    'AUP_ERR_CONTROL_UNSUPPORTED',
    `the "${proposer}" proposer cannot take a user-given trial (it has no adopt); enqueue works with random, hyperopt and spearmint`,
    {
      details: { proposer },
    },
  );
}

async function runningExperiment(store: Store, experimentId: number, what: string): Promise<ExperimentRecord> {
  const exp = await store.getExperiment(experimentId);
  if (!exp)
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `experiment ${experimentId} does not exist in ${store.url}`, {
      details: { experimentId },
    });
  if (exp.status !== 'running') {
    throw new AupError('AUP_ERR_EXPERIMENT_STATE', `cannot ${what}: experiment ${experimentId} is ${exp.status}, expected running`, {
      details: { experimentId, status: exp.status, expected: 'running' },
    });
  }
  return exp;
}

/** Whether the job's last attempt is a model save still running. */
async function savingModel(store: Store, jobId: number): Promise<boolean> {
  const last = (await store.listAttempts(jobId)).at(-1);
  return last !== undefined && last.kind === 'save_model' && last.endedAt === null;
}

/** Jobs created so far, not counting a save_model re-run an older aup recorded as a job (as the runner counts them). */
async function createdJobs(store: Store, experimentId: number): Promise<number> {
  const jobs = await store.listJobs(experimentId);
  return jobs.filter((j) => !(j.extra && typeof j.extra === 'object' && !Array.isArray(j.extra) && j.extra.save_model === true)).length;
}

function describeSpec(spec: ParamSpec): string {
  if (spec.type === 'choice') return `one of ${JSON.stringify(spec.range)}`;
  return `${spec.type === 'int' ? 'an integer' : 'a number'} in [${spec.range[0]}, ${spec.range[1]}]`;
}

function paramsInvalid(name: string, expected: string, found: unknown, problem?: string): AupError {
  const shown = found === undefined ? 'nothing' : (JSON.stringify(found) ?? String(found));
  const where = name === 'params' ? 'params' : `params.${name}`;
  const message =
    problem === 'unknown parameter'
      ? `${where}: unknown parameter; expected ${expected}`
      : `${where}: expected ${expected}, found ${shown}`;
  return new AupError('AUP_ERR_PARAMS_INVALID', message, { details: { path: where, parameter: name, expected, found: found ?? null } });
}
