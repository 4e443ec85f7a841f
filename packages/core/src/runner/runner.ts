import { hostname } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AupError } from '../errors.js';
import { fillTemplate } from '../config/index.js';
import { getProposer } from '../proposers/index.js';
import { createPruner, type Pruner } from '../pruners/index.js';
import type { AttemptRecord, ControlRequest, ExperimentRecord, JobRecord, Store } from '../store/store-types.js';
import type { Json, JsonObject, NormalizedConfig, OutcomeStatus, Params, Proposer } from '../types.js';
import { checkNParallel, checkNSamplesAgainst, checkNSamplesValue, checkTrialParams, noAdopt } from '../control.js';
import { ControlPoller, controlError, type ControlAnswer } from './control-poller.js';
import { AttemptRecorder, SCORE_LABEL } from './attempt-recorder.js';
import { IngestQueue } from './ingest-queue.js';
import { experimentJobDir, jobFiles } from './job-files.js';
import { pythonClientDir, runProcess, type StopReason } from './process-executor.js';
import { resolveCommand, splitCommand } from './command.js';
import { cpuSlots, createResource, passiveSlots, SlotPool, type ResourceSlot } from '../resources/resource.js';
import { waitForReport } from '../resources/passive-resource.js';
import { WorkerDispatch } from '../worker/worker-dispatch.js';
import { acquireDriverLease, heartbeatAge, holderIsGone, type DriverLeaseHandle } from './driver-lease.js';
import { canFindDriverJobs, stopDriverJobs } from './driver-jobs.js';

/** What an in-process objective may return: a score, or a score with named metrics. */
export type ObjectiveResult = number | { score: number; metrics?: Record<string, number> };

export interface ObjectiveContext {
  jobId: number;
  experimentId: number;
  trialId: number;
  attempt: number;
  /** The multi-fidelity budget, when the proposer sets one. */
  budget?: number;
  /** Aborted when the experiment stops or the job is early-stopped. */
  signal: AbortSignal;
  /** Records an intermediate value of the score (label `score`) or of a named series. */
  report(step: number, value: number, label?: string): void;
  /**
   * True when the early-stopping policy (`resource_args.early_stop`) said this job should stop, after
   * a `report` of its `score`, or when the experiment is stopping: return then; the value returned
   * (or else the last reported score) becomes the job's score.
   */
  shouldStop(): boolean;
}

/** An objective evaluated inside this process: `runExperiment({ ..., objective })`. */
export type Objective = (params: Params, ctx: ObjectiveContext) => ObjectiveResult | Promise<ObjectiveResult>;

export interface JobEndInfo {
  status: OutcomeStatus | 'interrupted';
  score?: number;
  error?: string;
  attempt: number;
  /** True when the job will run again (job_retries). */
  retrying: boolean;
}

/** What a person needs to run a passive job by hand and report it. */
export interface PassiveJobInfo {
  /** The job's JSON file (params plus job_id), written as for any job. */
  jobFile: string;
  workingDir: string;
  /** The command line to run, when the config has a script. */
  command?: string;
}

/** Progress callbacks for CLIs and embedders. */
export interface RunnerEvents {
  onJobStart?(job: JobRecord, attempt: number): void;
  /** A passive job waits for a person to run it and report its result (`aup report`). */
  onPassiveJob?(job: JobRecord, info: PassiveJobInfo): void;
  onJobEnd?(job: JobRecord, info: JobEndInfo): void;
  onBest?(job: JobRecord): void;
  onMessage?(message: string): void;
}

export interface DriveOptions {
  store: Store;
  experimentId: number;
  objective?: Objective;
  /** Aborting stops the experiment: running jobs are killed and marked interrupted. */
  signal?: AbortSignal;
  events?: RunnerEvents;
  /**
   * The experiment's driver lease, taken by the caller (resumeExperiment takes it before it says
   * anything) and released by it; without one, driveExperiment takes it and releases it on its way out.
   */
  driverLease?: DriverLeaseHandle;
}

const UNFINISHED: ReadonlySet<string> = new Set(['queued', 'running', 'interrupted']);

interface Completion {
  job: JobRecord;
  attempt: number;
  attemptId: number;
  status: OutcomeStatus | 'interrupted';
  score?: number;
  metrics: Record<string, number>;
  warnings: string[];
  exitCode: number | null;
  error?: string;
  /** When the attempt really ended (not when the loop got round to recording it). */
  endedAt?: number;
  /** The attempt's end is already in the store (an `aup worker` wrote it): only the job is completed. */
  attemptRecorded?: boolean;
  /** The job's pid when it is not in the store yet (the job ended before PID_WRITE_DELAY_MS). */
  pid?: number;
}

/** How long after a job starts its pid is written (ms); a job that ends sooner has it written with its end. */
const PID_WRITE_DELAY_MS = 100;

/** Better-than for the experiment's target. */
export function isBetter(target: 'min' | 'max', a: number, b: number | null | undefined): boolean {
  if (b === null || b === undefined) return true;
  return target === 'max' ? a > b : a < b;
}

/** Builds the JSON a job receives (Auptimizer's contract, docs/architecture.md §4). */
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

/**
 * Drives an experiment to its end: ask → create job → run → record → tell, with `n_parallel` slots.
 * Works the same for a fresh experiment and for one being resumed (unfinished jobs run again,
 * the proposer continues from its stored snapshot). Only one process drives an experiment at a
 * time: it holds the experiment's driver lease (AUP_ERR_DRIVER_LIVE while another holds it), and
 * the job processes a dead driver left on this host are stopped before their jobs run again.
 */
export async function driveExperiment(opts: DriveOptions): Promise<ExperimentRecord> {
  const { store, experimentId } = opts;
  if (!(await store.getExperiment(experimentId)))
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `experiment ${experimentId} does not exist in ${store.url}`);
  const lease = opts.driverLease ?? (await acquireDriverLease(store, experimentId));
  try {
    await stopPreviousDriverJobs(lease, experimentId, opts.events ?? {});
    return await driveLeased(opts, lease);
  } finally {
    if (opts.driverLease === undefined) await lease.release();
  }
}

/**
 * After a takeover: the dead driver's job processes still running on this host are stopped (and
 * gone) before anything runs, so no job ever runs twice at once (docs/decisions/0019-driver-lease.md).
 */
async function stopPreviousDriverJobs(lease: DriverLeaseHandle, experimentId: number, events: RunnerEvents): Promise<void> {
  const prev = lease.previous;
  if (prev === null || prev.token === lease.token) return;
  const who = `its previous driver (pid ${prev.pid} on host ${prev.host}, heartbeat ${heartbeatAge(prev)} s ago)`;
  if (prev.host !== lease.lease.host) {
    events.onMessage?.(
      `experiment ${experimentId}: took over from ${who}, whose lease ran out; job processes it may have left on ${prev.host} are not stopped from here`,
    );
    return;
  }
  if (!canFindDriverJobs()) {
    events.onMessage?.(
      `experiment ${experimentId}: took over from ${who}; this system has no /proc to find the job processes it left: stop any that still run`,
    );
    return;
  }
  const stopped = await stopDriverJobs(prev.token);
  const state = holderIsGone(prev, lease.lease.host) ? 'which is gone' : 'whose lease ran out';
  events.onMessage?.(
    `experiment ${experimentId}: took over from ${who}, ${state}` +
      (stopped.found > 0 ? `; stopped ${stopped.found} process(es) of the previous driver (pid ${prev.pid}) that still ran its jobs` : ''),
  );
  if (stopped.left.length > 0) {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `Processes ${stopped.left.join(', ')} of the previous driver of experiment ${experimentId} still run after SIGKILL (stuck in the kernel?); their jobs are not run again beside them: resume once they are gone`,
      { details: { experimentId, pids: stopped.left } },
    );
  }
}

async function driveLeased(opts: DriveOptions, lease: DriverLeaseHandle): Promise<ExperimentRecord> {
  const { store, experimentId, events = {} } = opts;
  const exp = await store.getExperiment(experimentId);
  if (!exp) throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `experiment ${experimentId} does not exist in ${store.url}`);
  const config = exp.config as unknown as NormalizedConfig;
  // Worker mode (`aup run --workers external`): `aup worker` processes run the jobs, claimed from
  // the store; the slots here only bound how many jobs are left to them at once (n_parallel).
  const external = exp.workers?.mode === 'external';
  if (external && (opts.objective || config.resource === 'passive')) {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `experiment ${experimentId} runs its jobs on aup worker processes, which cannot run ${opts.objective ? 'an in-process objective' : 'passive jobs'}`,
    );
  }
  // An in-process objective runs in this process: the resource's slots and env do not apply.
  const resource = opts.objective || external ? { kind: 'cpu' as const, slots: cpuSlots(config.n_parallel) } : await createResource(config);
  const passive = resource.kind === 'passive';
  if (!opts.objective && !passive && !config.script)
    throw new AupError('AUP_ERR_CONFIG_INVALID', 'script: required to run jobs as processes');
  // The experiment's own folder for its job files, made and recorded before its first job exists
  // (an aup worker may claim that job at once). An in-process objective writes no job files.
  const jobDir = opts.objective
    ? undefined
    : await experimentJobDir(store, exp, config.workingdir).catch(async (e: unknown) => {
        await resource.close?.().catch(() => undefined);
        throw e;
      });
  let slots = new SlotPool(resource.slots);

  const def = getProposer(config.proposer);
  const proposerContext = (nSamples: number) => ({
    space: config.parameter_config,
    target: config.target,
    nSamples,
    seed: config.random_seed,
    options: config.proposer_options ?? {},
  });
  let proposer: Proposer = def.create(proposerContext(config.n_samples), exp.proposerState === null ? undefined : exp.proposerState);

  const queue = new IngestQueue(store);
  const jobs = (await store.listJobs(experimentId)).filter((j) => !isSaveModelRun(j));
  const earlyStop = config.resource_args?.early_stop;
  const pruner = earlyStop ? createPruner(earlyStop, config.target) : undefined;
  if (pruner) await restorePruner(store, pruner, jobs);
  let created = jobs.length;
  const rerun: JobRecord[] = jobs.filter((j) => UNFINISHED.has(j.status)).sort((a, b) => a.trial - b.trial);
  let bestJobId = exp.bestJobId;
  let bestScore = exp.bestScore;
  const retries = config.job_failure?.job_retries ?? 0;
  // A job needs a slot: n_parallel above the number of slots (e.g. listed GPUs) is capped.
  let nParallel = Math.max(1, Math.min(config.n_parallel, resource.slots.length));
  if (nParallel < config.n_parallel) {
    events.onMessage?.(
      `n_parallel ${config.n_parallel} capped to ${nParallel}: resource "${resource.kind}" has ${resource.slots.length} slot(s) (${resource.slots.map((s) => s.label).join(', ')})`,
    );
  }

  await store.updateExperiment(experimentId, {
    status: 'running',
    startedAt: exp.startedAt ?? Date.now(),
    endedAt: null,
    error: null,
  });

  // Control requests (control-poller.ts): answers that wait for an effect, and trials to enqueue.
  const stopAnswers: Deferred<JsonObject>[] = [];
  const killAnswers = new Map<number, Deferred<JsonObject>>();
  const enqueued: { params: Params; answer: Deferred<JsonObject> }[] = [];
  // Resolved to wake the loop from waiting on running jobs (a setting changed, a trial was enqueued).
  let wake = deferred<typeof WOKEN>();
  const notify = () => wake.resolve(WOKEN);

  const running = new Map<number, { promise: Promise<Completion>; controller: AbortController; slot: number }>();
  let stopped = opts.signal?.aborted ?? false;
  let failure: string | undefined;
  let exhausted = false;
  const onStop = () => {
    stopped = true;
    for (const r of running.values()) r.controller.abort('interrupted' satisfies StopReason);
    notify();
  };
  opts.signal?.addEventListener('abort', onStop, { once: true });
  // Another driver took the experiment over while this one was silent (frozen, cut off): stop at
  // once and write nothing more about its jobs. Local job processes are killed; jobs on aup worker
  // processes go on, now under the new driver.
  let leaseLost = false;
  const offLost = lease.onLost(() => {
    leaseLost = true;
    events.onMessage?.(
      `experiment ${experimentId}: this driver lost its lease (no heartbeat for over ${lease.lease.expiresAt - lease.lease.heartbeatAt} ms); stopping without writing more`,
    );
    stopped = true;
    if (!external) for (const r of running.values()) r.controller.abort('interrupted' satisfies StopReason);
    notify();
  });

  /** Grows the slot pool of a cpu or passive resource to n (a gpu resource has its listed GPUs); answers the new limit. */
  const resizeSlots = (n: number): number => {
    if (resource.kind === 'gpu' || resource.kind === 'node') return Math.max(1, Math.min(n, slots.slots.length));
    if (n > slots.slots.length) {
      const busy = new Set([...running.values()].map((r) => r.slot));
      const grown = new SlotPool(resource.kind === 'passive' ? passiveSlots(n) : cpuSlots(n));
      // Take every slot, then give back those no running job holds: the busy ones keep their index.
      const all: number[] = [];
      for (let i = grown.acquire(); i !== undefined; i = grown.acquire()) all.push(i);
      for (const i of all) if (!busy.has(i)) grown.release(i);
      slots = grown;
    }
    // Shrinking keeps the slots: running jobs finish, and no new one starts until fewer than n run.
    return n;
  };

  const onControl = async (req: ControlRequest): Promise<ControlAnswer> => {
    const payload = req.payload !== null && typeof req.payload === 'object' && !Array.isArray(req.payload) ? req.payload : {};
    if (stopped || failure !== undefined) {
      throw new AupError('AUP_ERR_EXPERIMENT_STATE', `experiment ${experimentId} is stopping; request ${req.id} (${req.action}) not done`);
    }
    switch (req.action) {
      case 'stop': {
        const answer = deferred<JsonObject>();
        stopAnswers.push(answer);
        onStop();
        return { later: answer.promise };
      }
      case 'kill_job': {
        const jobId = req.jobId ?? payload.jobId;
        const entry = typeof jobId === 'number' ? running.get(jobId) : undefined;
        if (typeof jobId !== 'number' || entry === undefined) {
          const job = typeof jobId === 'number' ? await store.getJob(jobId) : undefined;
          if (!job || job.experimentId !== experimentId)
            throw new AupError('AUP_ERR_JOB_NOT_FOUND', `kill_job: experiment ${experimentId} has no job ${JSON.stringify(jobId)}`);
          throw new AupError('AUP_ERR_EXPERIMENT_STATE', `kill_job: job ${jobId} is ${job.status}, not running`);
        }
        let answer = killAnswers.get(jobId);
        if (!answer) {
          answer = deferred<JsonObject>();
          killAnswers.set(jobId, answer);
          entry.controller.abort('killed' satisfies StopReason);
        }
        return { later: answer.promise };
      }
      case 'set': {
        const wantParallel = payload.n_parallel === undefined ? undefined : checkNParallel(payload.n_parallel);
        const wantSamples = payload.n_samples === undefined ? undefined : checkNSamplesValue(payload.n_samples);
        if (wantSamples !== undefined) checkNSamplesAgainst(wantSamples, created);
        // The proposer continues from its snapshot with the new budget, exactly as `aup resume` would restore it.
        const next =
          wantSamples === undefined || wantSamples === config.n_samples
            ? undefined
            : def.create(proposerContext(wantSamples), proposer.snapshot());
        const result: JsonObject = { ok: true };
        if (wantParallel !== undefined) {
          nParallel = resizeSlots(wantParallel);
          config.n_parallel = wantParallel;
          result.n_parallel = nParallel;
          if (nParallel < wantParallel)
            result.message = `n_parallel ${wantParallel} capped to ${nParallel}: resource "${resource.kind}" has ${slots.slots.length} slot(s)`;
        }
        if (next !== undefined) {
          proposer = next;
          config.n_samples = wantSamples!;
          exhausted = false;
        }
        result.n_samples = config.n_samples;
        // Kept in the experiment row, so that `aup resume` runs with the new settings.
        await store.updateExperiment(experimentId, { nSamples: config.n_samples, config: config as unknown as Json });
        notify();
        return { result };
      }
      case 'enqueue': {
        if (typeof proposer.adopt !== 'function') throw noAdopt(config.proposer);
        const params = checkTrialParams(config.parameter_config, payload.params);
        const answer = deferred<JsonObject>();
        enqueued.push({ params, answer });
        notify();
        return { later: answer.promise };
      }
      default:
        throw new AupError('AUP_ERR_INTERNAL', `control request ${req.id}: unknown action ${JSON.stringify(req.action)}`);
    }
  };
  const poller = new ControlPoller(store, experimentId, onControl, (m) => events.onMessage?.(m));
  await poller.start();
  const dispatch = external
    ? new WorkerDispatch(store, experimentId, {
        onStarted: (job, attempt) => events.onJobStart?.(job, attempt),
        onMessage: (m) => events.onMessage?.(m),
        // The pruner hears each score a worker records, and an early stop goes to that worker.
        onScore: pruner
          ? (job, value) =>
              void (pruner.report(job.id, value) && running.get(job.id)?.controller.abort('early_stopped' satisfies StopReason))
          : undefined,
      })
    : undefined;
  await dispatch?.start();

  /**
   * Creates the jobs of enqueued trials now, ahead of the proposer's next ask; each is one more
   * trial (n_samples grows by one, kept for resume) and the proposer hears its result like any other.
   */
  const createEnqueued = async (): Promise<void> => {
    for (let e = enqueued.shift(); e !== undefined; e = enqueued.shift()) {
      try {
        const ask = proposer.adopt!(e.params);
        if (ask.kind !== 'trial')
          throw new AupError('AUP_ERR_CONTROL_UNSUPPORTED', `the "${config.proposer}" proposer refused the trial (${ask.kind})`);
        config.n_samples += 1;
        await store.updateExperiment(experimentId, { nSamples: config.n_samples, config: config as unknown as Json });
        const job = await store.createJob(
          { experimentId, trial: ask.trialId, params: ask.params, budget: ask.budget ?? null, extra: (ask.extra ?? null) as Json },
          proposer.snapshot(),
        );
        created++;
        rerun.push(job);
        e.answer.resolve({ ok: true, jobId: job.id, trialId: ask.trialId, n_samples: config.n_samples });
      } catch (err) {
        e.answer.resolve(controlError(err));
      }
    }
  };

  /**
   * A passive job reported (`aup report`) while no runner was waiting for it (the runner died): its
   * result stands on its last attempt, so it completes with that attempt instead of asking again.
   */
  const takeReported = async (job: JobRecord): Promise<boolean> => {
    if (!passive || job.status !== 'running') return false;
    const last = (await store.listAttempts(job.id)).reduce<AttemptRecord | undefined>(
      (a, b) => (a === undefined || b.attempt > a.attempt ? b : a),
      undefined,
    );
    if (!last || last.status !== 'finished' || last.score === null) return false;
    const slot = slots.acquire();
    if (slot === undefined) throw new AupError('AUP_ERR_INTERNAL', `no free slot for job ${job.id}`);
    pruner?.start(job.id);
    const completion: Completion = {
      job,
      attempt: last.attempt,
      attemptId: last.id,
      status: 'finished',
      score: last.score,
      metrics: { ...job.metrics },
      warnings: [],
      exitCode: null,
    };
    running.set(job.id, { promise: Promise.resolve(completion), controller: new AbortController(), slot });
    return true;
  };

  const launch = async (job: JobRecord): Promise<void> => {
    if (await takeReported(job)) return;
    if (dispatch) {
      // Worker mode: the job waits in the store for a worker, which starts the attempt itself.
      const slot = slots.acquire();
      if (slot === undefined) throw new AupError('AUP_ERR_INTERNAL', `no free slot for job ${job.id}`);
      const controller = new AbortController();
      pruner?.start(job.id);
      const promise = dispatch.wait(job, controller.signal).then((o): Completion => ({ job, ...o }));
      running.set(job.id, { promise, controller, slot });
      return;
    }
    if (job.attempts > 0) {
      // A runner killed mid-job left its attempt open; it ends here, as interrupted, before the rerun.
      for (const open of (await store.listAttempts(job.id)).filter((a) => a.endedAt === null)) {
        await store.updateAttempt(open.id, { status: 'interrupted', endedAt: Date.now() });
      }
    }
    const attempt = job.attempts + 1;
    const controller = new AbortController();
    const slotIndex = slots.acquire();
    // The loop launches only while running.size < nParallel <= number of slots.
    if (slotIndex === undefined) throw new AupError('AUP_ERR_INTERNAL', `no free slot for job ${job.id}`);
    const slot = slots.slots[slotIndex]!;
    let attemptRow;
    const startedAt = Date.now();
    try {
      // The attempt row and the job's `running` in one transaction.
      attemptRow = await store.startAttempt({
        jobId: job.id,
        attempt,
        host: slot.host ?? hostname(),
        slot: slot.label,
        job: { status: 'running', attempts: attempt, startedAt: job.startedAt ?? startedAt, endedAt: null },
      });
    } catch (e) {
      slots.release(slotIndex);
      throw e;
    }
    job = { ...job, status: 'running', attempts: attempt, startedAt: job.startedAt ?? startedAt };
    events.onJobStart?.(job, attempt);
    pruner?.start(job.id);
    const promise = runAttempt(job, attempt, attemptRow.id, controller, slot);
    running.set(job.id, { promise, controller, slot: slotIndex });
  };

  const runAttempt = async (
    job: JobRecord,
    attempt: number,
    attemptId: number,
    controller: AbortController,
    slot: ResourceSlot,
  ): Promise<Completion> => {
    const signal = controller.signal;
    let lastScore: number | undefined;
    const recorder = new AttemptRecorder({
      jobId: job.id,
      queue,
      labels: config.resource_args?.multi_res_labels,
      trackIntermediate: config.resource_args?.track_intermediate_results === true || pruner !== undefined,
      // The pruner hears every intermediate score as it arrives and the job is stopped at once.
      onIntermediate: (label, _step, value) => {
        if (label !== SCORE_LABEL || !Number.isFinite(value)) return;
        lastScore = value;
        if (pruner && !signal.aborted && pruner.report(job.id, value)) {
          recorder.freezeScore();
          controller.abort('early_stopped' satisfies StopReason);
        }
      },
    });
    let status: Completion['status'];
    let exitCode: number | null = null;
    let error: string | undefined;
    let pid: number | undefined;
    let pidTimer: NodeJS.Timeout | undefined;
    try {
      if (opts.objective) {
        ({ status, error } = await runObjective(opts.objective, job, attempt, experimentId, signal, recorder));
      } else if (passive) {
        events.onPassiveJob?.(job, writePassiveJob(config, jobDir!, job, attempt));
        const outcome = await waitForReport(store, job.id, attemptId, signal);
        ({ status, error } = outcome);
        recorder.score = outcome.score;
        Object.assign(recorder.metrics, outcome.metrics);
      } else {
        // The slot's executor: a local child process, or the resource's own (node: over SSH).
        const outcome = await (slot.execute ?? runProcess)({
          experimentId,
          jobId: job.id,
          attempt,
          script: config.script!,
          scriptPath: config.script_path,
          workingDir: config.workingdir,
          jobDir: jobDir!,
          jobJson: buildJobJson(config, job),
          env: slot.env,
          driverToken: lease.token,
          timeoutMs: config.job_timeout === undefined ? undefined : config.job_timeout * 1000,
          signal,
          recorder,
          queue,
          onSpawn: (p) => {
            pid = p;
            // Written a moment later, unless the job is over by then and its end carries it: one
            // transaction less for each short job.
            pidTimer = setTimeout(() => {
              pidTimer = undefined;
              void store.updateAttempt(attemptId, { pid: p }).catch(() => undefined);
            }, PID_WRITE_DELAY_MS);
          },
        });
        ({ status, exitCode, error } = outcome);
      }
    } catch (e) {
      status = 'failed';
      error = e instanceof Error ? e.message : String(e);
    }
    // The pid not written yet goes with the attempt's end.
    const unwrittenPid = pidTimer !== undefined ? pid : undefined;
    clearTimeout(pidTimer);
    // An early-stopped job keeps the last value it reported before the decision as its score.
    if (status === 'early_stopped' && recorder.score === undefined) recorder.score = lastScore;
    // A diverged run (NaN or infinite score) cannot be ranked: it fails, as in Optuna (protocol.md).
    if (status === 'finished' && recorder.score !== undefined && !Number.isFinite(recorder.score)) {
      status = 'failed';
      error = `reported a non-finite score (${recorder.score})`;
    }
    return {
      job,
      attempt,
      attemptId,
      status,
      score: recorder.score,
      metrics: recorder.metrics,
      warnings: recorder.allWarnings(),
      exitCode,
      error,
      endedAt: Date.now(),
      pid: unwrittenPid,
    };
  };

  const complete = async (c: Completion): Promise<void> => {
    if (leaseLost) return;
    const kill = killAnswers.get(c.job.id);
    killAnswers.delete(c.job.id);
    // A user's kill is not a script failure: the job fails without a retry and the experiment goes on.
    const killed = kill !== undefined && (c.status === 'failed' || c.status === 'interrupted');
    if (killed) c = { ...c, status: 'failed', error: 'killed by request' };
    else
      kill?.resolve({
        ok: false,
        code: 'AUP_ERR_EXPERIMENT_STATE',
        message: `job ${c.job.id} ended ${c.status} before it could be killed`,
      });
    pruner?.complete(c.job.id, c.status);
    await queue.flush();
    const now = c.endedAt ?? Date.now();
    const attemptEnd = c.attemptRecorded
      ? undefined
      : {
          id: c.attemptId,
          patch: {
            status: c.status,
            exitCode: c.exitCode,
            score: c.score ?? null,
            error: c.error ?? null,
            endedAt: now,
            ...(c.pid !== undefined ? { pid: c.pid } : {}),
          },
        };
    const warnings = [...c.job.warnings, ...c.warnings];
    const retrying = c.status === 'failed' && c.attempt <= retries && !stopped && !killed;
    // A job that completes writes its attempt's end with it, in one transaction; otherwise first.
    if (attemptEnd && (c.status === 'interrupted' || retrying)) await store.updateAttempt(attemptEnd.id, attemptEnd.patch);
    if (c.status === 'interrupted') {
      // An interrupted job has no result yet (it runs again on resume); what it printed stays on its attempt.
      await store.updateJob(c.job.id, { status: 'interrupted', warnings, score: null });
      events.onJobEnd?.({ ...c.job, status: 'interrupted' }, { status: 'interrupted', attempt: c.attempt, retrying: false });
      return;
    }
    if (retrying) {
      await store.updateJob(c.job.id, { status: 'queued', warnings });
      const again = { ...c.job, status: 'queued' as const, warnings };
      events.onJobEnd?.(again, { status: 'failed', error: c.error, attempt: c.attempt, retrying: true, score: c.score });
      rerun.unshift(again);
      return;
    }
    // A failed attempt keeps its result on the attempt row, but the job has no score.
    const score = c.status === 'failed' ? undefined : c.score;
    proposer.tell({ trialId: c.job.trial, params: c.job.params, budget: c.job.budget ?? undefined, status: c.status, score });
    let newBest = false;
    if (c.status === 'finished' && score !== undefined && Number.isFinite(score) && isBetter(config.target, score, bestScore)) {
      bestScore = score;
      bestJobId = c.job.id;
      newBest = true;
    }
    await store.completeJob(
      c.job.id,
      { status: c.status, score: score ?? null, metrics: c.metrics, warnings, endedAt: now },
      { id: experimentId, proposerState: proposer.snapshot(), bestJobId, bestScore },
      attemptEnd,
    );
    const done: JobRecord = { ...c.job, status: c.status, score: score ?? null, metrics: c.metrics, warnings, endedAt: now };
    events.onJobEnd?.(done, { status: c.status, score, error: c.error, attempt: c.attempt, retrying: false });
    if (newBest) events.onBest?.(done);
    if (killed) kill.resolve({ ok: true, jobId: c.job.id, status: 'failed' });
    if (c.status === 'failed' && !config.job_failure?.ignore_fail && !killed) {
      failure =
        `job ${c.job.id} failed: ${c.error ?? 'unknown error'}` +
        (config.job_failure ? '' : ' (add "job_failure": {"ignore_fail": true} to go on after failures)');
    }
  };

  try {
    while (!stopped && failure === undefined) {
      await createEnqueued();
      while (!stopped && running.size < nParallel) {
        const again = rerun.shift();
        if (again) {
          await launch(again);
          continue;
        }
        if (exhausted || created >= config.n_samples) break;
        const ask = proposer.ask();
        if (ask.kind === 'wait') break;
        if (ask.kind === 'done') {
          exhausted = true;
          break;
        }
        const job = await store.createJob(
          { experimentId, trial: ask.trialId, params: ask.params, budget: ask.budget ?? null, extra: (ask.extra ?? null) as Json },
          proposer.snapshot(),
        );
        created++;
        await launch(job);
      }
      if (running.size === 0) break;
      const next: Completion | typeof WOKEN = await Promise.race([...[...running.values()].map((r) => r.promise), wake.promise]);
      if (next === WOKEN) {
        wake = deferred<typeof WOKEN>();
        continue;
      }
      slots.release(running.get(next.job.id)!.slot);
      running.delete(next.job.id);
      await complete(next);
      if (failure !== undefined) for (const r of running.values()) r.controller.abort('interrupted' satisfies StopReason);
    }
    // Wait for jobs still running after a stop or a failure; they end as interrupted. With the
    // lease lost, jobs on aup worker processes belong to the new driver: not waited for.
    for (const [id, r] of leaseLost && external ? [] : running) {
      const c = await r.promise;
      slots.release(r.slot);
      running.delete(id);
      await complete(c);
    }
    await queue.close();
  } catch (e) {
    for (const r of running.values()) r.controller.abort('interrupted' satisfies StopReason);
    await Promise.allSettled([...running.values()].map((r) => r.promise));
    await queue.close().catch(() => undefined);
    await resource.close?.().catch(() => undefined);
    if (!leaseLost) await store.updateExperiment(experimentId, { status: 'failed', error: (e as Error).message, endedAt: Date.now() });
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onStop);
    offLost();
    // Answers still due, then requests that came too late: the runner no longer acts on them.
    const ending = failure !== undefined ? 'failed' : stopped ? 'stopped' : 'finished';
    for (const a of stopAnswers) a.resolve({ ok: true, status: ending });
    for (const a of killAnswers.values())
      a.resolve({ ok: false, code: 'AUP_ERR_EXPERIMENT_STATE', message: `experiment ${experimentId} ended before the job was killed` });
    for (const e of enqueued.splice(0)) {
      e.answer.resolve({
        ok: false,
        code: 'AUP_ERR_EXPERIMENT_STATE',
        message: `experiment ${experimentId} ended (${ending}) before the trial was created`,
      });
    }
    // Requests that came too late belong to the new driver when the lease was lost: left to it.
    await poller.close(`experiment ${experimentId} is ending (${ending}); its runner no longer takes requests`, { takeLate: !leaseLost });
    await dispatch?.close();
  }
  if (leaseLost) {
    await resource.close?.().catch(() => undefined);
    throw new AupError(
      'AUP_ERR_DRIVER_LEASE_LOST',
      `Experiment ${experimentId}: this driver (pid ${process.pid}) went without renewing its lease for longer than it lasts, and another driver took the experiment over; it stopped its jobs and wrote nothing more`,
      { details: { experimentId } },
    );
  }

  const status = failure !== undefined ? 'failed' : stopped ? 'stopped' : 'finished';
  try {
    if (status === 'finished' && config.resource_args?.save_model && bestJobId !== null && !opts.objective && !passive) {
      await saveBestModel(store, exp, config, jobDir!, bestJobId, events, resource.slots[0]!, lease.token);
    }
  } finally {
    await resource.close?.();
  }
  await store.updateExperiment(experimentId, { status, error: failure ?? null, endedAt: Date.now() });
  if (failure !== undefined) events.onMessage?.(failure);
  return (await store.getExperiment(experimentId))!;
}

/** Marks a wake-up of the runner loop, told apart from a job's completion. */
const WOKEN = Symbol('woken');

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Rebuilds the pruner of a resumed experiment from the stored `score` series of the jobs that ended;
 * unfinished jobs run again from scratch. Only the last attempt's values count.
 */
async function restorePruner(store: Store, pruner: Pruner, jobs: JobRecord[]): Promise<void> {
  for (const job of jobs) {
    if (job.status !== 'finished' && job.status !== 'early_stopped' && job.status !== 'failed') continue;
    const attempts = await store.listAttempts(job.id);
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

function isSaveModelRun(job: JobRecord): boolean {
  return !!job.extra && typeof job.extra === 'object' && !Array.isArray(job.extra) && job.extra.save_model === true;
}

/** Re-runs the best job once with `save_model: true` so the script saves its model (Auptimizer's save_model). */
async function saveBestModel(
  store: Store,
  exp: ExperimentRecord,
  config: NormalizedConfig,
  jobDir: string,
  bestJobId: number,
  events: RunnerEvents,
  slot: ResourceSlot,
  driverToken: string,
): Promise<void> {
  const best = await store.getJob(bestJobId);
  if (!best) return;
  const folderName = `models_${exp.id}`;
  mkdirSync(join(config.workingdir, 'aup_models'), { recursive: true });
  const trial = (await store.listJobs(exp.id)).reduce((m, j) => Math.max(m, j.trial), -1) + 1;
  const job = await store.createJob({
    experimentId: exp.id,
    trial,
    params: best.params,
    budget: best.budget,
    extra: { save_model: true, folder_name: folderName, best_job: bestJobId },
  });
  events.onMessage?.(`saving the model of job ${bestJobId} into aup_models/${folderName} (job ${job.id})`);
  const attempt = await store.startAttempt({ jobId: job.id, attempt: 1, host: slot.host ?? hostname(), slot: slot.label });
  await store.updateJob(job.id, { status: 'running', attempts: 1, startedAt: Date.now() });
  const queue = new IngestQueue(store);
  const recorder = new AttemptRecorder({ jobId: job.id, queue, labels: config.resource_args?.multi_res_labels });
  const outcome = await (slot.execute ?? runProcess)({
    experimentId: exp.id,
    jobId: job.id,
    attempt: 1,
    script: config.script!,
    scriptPath: config.script_path,
    workingDir: config.workingdir,
    jobDir,
    jobJson: buildJobJson(config, job, { folderName }),
    env: slot.env,
    driverToken,
    signal: new AbortController().signal,
    recorder,
    queue,
  });
  await queue.close();
  const now = Date.now();
  await store.updateAttempt(attempt.id, {
    status: outcome.status,
    exitCode: outcome.exitCode,
    score: recorder.score ?? null,
    error: outcome.error ?? null,
    endedAt: now,
  });
  await store.updateJob(job.id, {
    status: outcome.status,
    score: recorder.score ?? null,
    metrics: recorder.metrics,
    warnings: recorder.allWarnings(),
    endedAt: now,
  });
  if (outcome.status !== 'finished') events.onMessage?.(`saving the model failed: ${outcome.error ?? outcome.status}`);
}

/** Writes a passive job's JSON file (as for any job) and says how to run it by hand. */
function writePassiveJob(config: NormalizedConfig, jobDir: string, job: JobRecord, attempt: number): PassiveJobInfo {
  const { jobFile } = jobFiles(config.workingdir, jobDir, job.id, attempt);
  try {
    mkdirSync(dirname(jobFile), { recursive: true });
    writeFileSync(jobFile, JSON.stringify(buildJobJson(config, job), null, 2) + '\n');
  } catch (e) {
    // The attempt fails with it (runAttempt), naming the file.
    throw new Error(`cannot write the job file ${jobFile}: ${(e as Error).message}`, { cause: e });
  }
  let command: string | undefined;
  if (config.script) {
    try {
      const c = resolveCommand(config.script, config.workingdir, config.script_path);
      command = [c.file, ...c.args, jobFile].map(shellQuote).join(' ');
    } catch {
      // The script may live only where the person runs it: show it as written.
      command = [...splitCommand(config.script), jobFile].map(shellQuote).join(' ');
    }
    // As for the jobs aup starts itself, the Python `aup` module goes first on PYTHONPATH, so the
    // command works as printed (sh, bash and zsh syntax; the person's own PYTHONPATH is kept).
    command = `PYTHONPATH=${shellQuote(pythonClientDir())}\${PYTHONPATH:+:$PYTHONPATH} ${command}`;
  }
  return { jobFile, workingDir: config.workingdir, command };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function runObjective(
  objective: Objective,
  job: JobRecord,
  attempt: number,
  experimentId: number,
  signal: AbortSignal,
  recorder: AttemptRecorder,
): Promise<{ status: Completion['status']; error?: string }> {
  const ctx: ObjectiveContext = {
    jobId: job.id,
    experimentId,
    trialId: job.trial,
    attempt,
    budget: job.budget ?? undefined,
    signal,
    report: (step, value, label = 'score') => {
      if (typeof step !== 'number' || typeof value !== 'number') {
        recorder.warn(`ctx.report(${String(step)}, ${String(value)}): step and value must be numbers`);
        return;
      }
      recorder.intermediate(label, value, step);
    },
    shouldStop: () => signal.aborted,
  };
  try {
    const result = await objective(job.params, ctx);
    if (signal.aborted) {
      if (signal.reason !== 'early_stopped') return { status: 'interrupted' };
      const score = typeof result === 'number' ? result : result?.score;
      if (typeof score === 'number' && Number.isFinite(score)) recorder.score = score;
      return { status: 'early_stopped' };
    }
    const score = typeof result === 'number' ? result : result?.score;
    if (typeof score !== 'number' || Number.isNaN(score)) {
      return { status: 'failed', error: `objective returned ${JSON.stringify(result)}, expected a number or { score, metrics }` };
    }
    recorder.score = score;
    if (typeof result === 'object' && result.metrics) Object.assign(recorder.metrics, result.metrics);
    return { status: 'finished' };
  } catch (e) {
    if (signal.aborted) return { status: signal.reason === 'early_stopped' ? 'early_stopped' : 'interrupted' };
    return { status: 'failed', error: e instanceof Error ? e.message : String(e) };
  }
}
