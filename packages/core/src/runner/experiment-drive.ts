/**
 * The drive of one experiment, a small coordinator over named parts: trials (trials.ts), running
 * jobs and their slots (running-jobs.ts), one launch path (attempt-launch.ts), control requests
 * (control-handling.ts), completion and the best job (job-completion.ts), the save_model re-run
 * (save-model.ts). docs/decisions/0023-runner-as-parts.md.
 */
import { hostname } from 'node:os';
import { AupError } from '../errors.js';
import type { Pruner } from '../pruners/index.js';
import type { Resource, ResourceSlot } from '../resources/resource.js';
import type { ExperimentRecord, JobRecord, Store } from '../store/store-types.js';
import type { ExperimentStopReason, NormalizedConfig } from '../types.js';
import { WorkerDispatch } from '../worker/worker-dispatch.js';
import { attemptRecorder, isScore, jobLaunch, settleScore, type LaunchSettings } from './attempt-launch.js';
import { ControlHandling } from './control-handling.js';
import { ControlPoller } from './control-poller.js';
import type { Drive, DriveState } from './drive-state.js';
import { setUpDrive, type DriveSetup } from './drive-setup.js';
import type { DriverLeaseHandle } from './driver-lease.js';
import { IngestQueue } from './ingest-queue.js';
import { JobCompletion } from './job-completion.js';
import { runObjective } from './objective-run.js';
import { runProcess, type StopReason } from './process-executor.js';
import { RunningJobs, WOKEN, type RunningJob } from './running-jobs.js';
import { deferred, type Completion, type DriveOptions, type RunnerEvents } from './runner-types.js';
import type { ModelSave } from './job-json.js';
import { modelSaved, prepareModelSave, wantsSaveModel } from './save-model.js';
import type { Trials } from './trials.js';
import type { Conclusion, StopRules } from './stop-rules.js';

/** How long after a job starts its pid is written (ms); a job that ends sooner has it written with its end. */
const PID_WRITE_DELAY_MS = 100;

/** Drives an experiment whose driver lease this process holds, to its end (runner.ts: driveExperiment). */
export async function driveLeased(opts: DriveOptions, lease: DriverLeaseHandle): Promise<ExperimentRecord> {
  const events = opts.events ?? {};
  // A passive job announces itself through the runner's events, with its job record.
  const setup = await setUpDrive(
    opts,
    {
      store: opts.store,
      onPassiveJob: (jobId, info) => {
        const job = drive.running.get(jobId)?.job;
        if (job) events.onPassiveJob?.(job, info);
      },
    },
    (m) => events.onMessage?.(m),
  );
  const drive = new ExperimentDrive(opts, lease, setup);
  return drive.run();
}

class ExperimentDrive implements Drive {
  readonly store: Store;
  readonly experimentId: number;
  readonly config: NormalizedConfig;
  readonly events: RunnerEvents;
  readonly resource: Resource;
  readonly running: RunningJobs;
  readonly trials: Trials;
  readonly queue: IngestQueue;
  readonly pruner: Pruner | undefined;
  readonly state: DriveState;
  readonly control: ControlHandling;
  readonly completion: JobCompletion;
  readonly stopRules: StopRules;
  readonly #opts: DriveOptions;
  readonly #lease: DriverLeaseHandle;
  readonly #setup: DriveSetup;
  readonly #launch: LaunchSettings;
  #wake = deferred<typeof WOKEN>();
  #dispatch: WorkerDispatch | undefined;

  constructor(opts: DriveOptions, lease: DriverLeaseHandle, setup: DriveSetup) {
    this.#opts = opts;
    this.#lease = lease;
    this.#setup = setup;
    this.store = opts.store;
    this.experimentId = opts.experimentId;
    this.events = opts.events ?? {};
    ({ config: this.config, resource: this.resource, trials: this.trials, pruner: this.pruner, stopRules: this.stopRules } = setup);
    this.running = new RunningJobs(setup.resource);
    this.queue = new IngestQueue(this.store);
    this.#launch = { config: this.config, jobDir: setup.jobDir ?? '', inProcess: opts.objective !== undefined, driverToken: lease.token };
    // A job needs a slot: n_parallel above the number of slots (e.g. listed GPUs) is capped.
    const nParallel = Math.max(1, Math.min(this.config.n_parallel, setup.resource.slots.length));
    const stopped = opts.signal?.aborted ?? false;
    this.state = {
      stopped,
      stopReason: stopped ? 'user' : undefined,
      concluded: undefined,
      failure: undefined,
      leaseLost: false,
      nParallel,
      savingModel: false,
    };
    this.control = new ControlHandling(this);
    this.completion = new JobCompletion(this, this.control, setup.exp);
  }

  stop(reason: 'user' | 'time_budget' = 'user'): void {
    if (!this.state.stopped) this.state.stopReason = reason;
    this.state.stopped = true;
    this.running.abort('interrupted');
    this.wake();
  }

  async conclude(reason: Conclusion): Promise<void> {
    const { state, events, experimentId } = this;
    if (state.concluded !== undefined || state.stopped || state.failure !== undefined) return;
    state.concluded = reason;
    const running = this.running.size;
    events.onMessage?.(
      `experiment ${experimentId}: ${this.stopRules.describe(reason)}: no new jobs` +
        (running > 0 ? `; the ${running} running job(s) finish first` : ''),
    );
    // Shown at once (the board: why no new job starts while the last ones finish).
    await this.store.updateExperiment(experimentId, { stopReason: reason });
    this.wake();
  }

  wake(): void {
    this.#wake.resolve(WOKEN);
  }

  /** Runs the trials, then the save_model re-run if due, and records how the experiment ended. */
  async run(): Promise<ExperimentRecord> {
    const { store, experimentId, state, config, resource, events } = this;
    const { nParallel } = state;
    if (nParallel < config.n_parallel) {
      events.onMessage?.(
        `n_parallel ${config.n_parallel} capped to ${nParallel}: resource "${resource.kind}" has ${resource.slots.length} slot(s) (${resource.slots.map((s) => s.label).join(', ')})`,
      );
    }
    const { exp } = this.#setup;
    await store.updateExperiment(experimentId, {
      status: 'running',
      startedAt: exp.startedAt ?? Date.now(),
      endedAt: null,
      error: null,
      stopReason: null,
      budgetUsedMs: this.stopRules.usedMs(),
    });
    // A resume after a rule was met (a stop came while the last jobs finished) concludes at once.
    const met = this.stopRules.atStart(this.completion.bestScore);
    if (met !== undefined) await this.conclude(met);
    await this.#runJobs();
    if (state.leaseLost) {
      await resource.close?.().catch(() => undefined);
      throw new AupError(
        'AUP_ERR_DRIVER_LEASE_LOST',
        `Experiment ${experimentId}: this driver (pid ${process.pid}) went without renewing its lease for longer than it lasts, and another driver took the experiment over; it stopped its jobs and wrote nothing more`,
        { details: { experimentId } },
      );
    }
    const status = this.#ending();
    await resource.close?.();
    await store.updateExperiment(experimentId, {
      status,
      error: state.failure ?? null,
      endedAt: Date.now(),
      stopReason: this.#stopReason(status),
      budgetUsedMs: this.stopRules.usedMs(),
    });
    if (state.failure !== undefined) events.onMessage?.(state.failure);
    return (await store.getExperiment(experimentId))!;
  }

  #ending(): 'failed' | 'stopped' | 'finished' {
    return this.state.failure !== undefined ? 'failed' : this.state.stopped ? 'stopped' : 'finished';
  }

  /** Why the experiment ends with `status`: the failure, the stop, the rule, or its trials ran out. */
  #stopReason(status: 'failed' | 'stopped' | 'finished'): ExperimentStopReason {
    const { state, trials } = this;
    if (status === 'failed') return 'failure';
    if (status === 'stopped') return state.stopReason ?? 'user';
    return state.concluded ?? (trials.exhausted ? 'exhausted' : 'n_samples');
  }

  /** The time budget ran out: running jobs are interrupted, and the experiment ends stopped. */
  #budgetExpired(): void {
    if (this.state.stopped || this.state.failure !== undefined) return;
    const running = this.running.size;
    this.events.onMessage?.(
      `experiment ${this.experimentId}: ${this.stopRules.describe('time_budget')}` +
        (running > 0 ? `: its ${running} running job(s) are interrupted (a resume runs them again, with a fresh budget)` : ''),
    );
    this.stop('time_budget');
  }

  /** The jobs, with the stop signal, the lease, control requests and worker dispatch listened to meanwhile. */
  async #runJobs(): Promise<void> {
    const { store, experimentId, state, events, running, queue } = this;
    const onStop = () => this.stop();
    this.#opts.signal?.addEventListener('abort', onStop, { once: true });
    const offLost = this.#onLeaseLost();
    const poller = new ControlPoller(store, experimentId, this.control.handle, (m) => events.onMessage?.(m));
    await poller.start();
    this.#dispatch = this.#setup.external ? this.#workerDispatch() : undefined;
    await this.#dispatch?.start();
    this.stopRules.startBudget(() => this.#budgetExpired());
    try {
      await this.#loop();
      await this.#drain();
      // The trials are over: the model save is no trial, and the budget does not stop it.
      this.stopRules.stopBudget();
      if (this.#ending() === 'finished' && wantsSaveModel(this.config, this.completion.bestJobId, this.#setup.runsScripts))
        await this.#saveModel();
      await queue.close();
    } catch (e) {
      running.abort('interrupted');
      await Promise.allSettled([...running.byJob.values()].map((r) => r.promise));
      await queue.close().catch(() => undefined);
      await this.resource.close?.().catch(() => undefined);
      if (!state.leaseLost)
        await store.updateExperiment(experimentId, {
          status: 'failed',
          error: (e as Error).message,
          endedAt: Date.now(),
          stopReason: 'failure',
          budgetUsedMs: this.stopRules.usedMs(),
        });
      throw e;
    } finally {
      this.stopRules.stopBudget();
      this.#opts.signal?.removeEventListener('abort', onStop);
      offLost();
      // Answers still due, then requests that came too late: the runner no longer acts on them.
      const ending = this.#ending();
      this.control.settle(ending);
      // Requests that came too late belong to the new driver when the lease was lost: left to it.
      await poller.close(`experiment ${experimentId} is ending (${ending}); its runner no longer takes requests`, {
        takeLate: !state.leaseLost,
      });
      await this.#dispatch?.close();
    }
  }

  /**
   * Another driver took the experiment over while this one was silent (frozen, cut off): stop at
   * once and write nothing more about its jobs. Jobs here are killed; jobs on aup worker processes
   * go on, now under the new driver.
   */
  #onLeaseLost(): () => void {
    const lease = this.#lease;
    return lease.onLost(() => {
      this.state.leaseLost = true;
      this.events.onMessage?.(
        `experiment ${this.experimentId}: this driver lost its lease (no heartbeat for over ${lease.lease.expiresAt - lease.lease.heartbeatAt} ms); stopping without writing more`,
      );
      this.state.stopped = true;
      this.running.abort('interrupted', true);
      this.wake();
    });
  }

  #workerDispatch(): WorkerDispatch {
    const { pruner, events, running } = this;
    return new WorkerDispatch(this.store, this.experimentId, {
      onStarted: (job, attempt) => events.onJobStart?.(job, attempt),
      onMessage: (m) => events.onMessage?.(m),
      // The pruner hears each score a worker records, and an early stop goes to that worker.
      onScore: pruner
        ? (job, value) => void (pruner.report(job.id, value) && running.get(job.id)?.controller.abort('early_stopped' satisfies StopReason))
        : undefined,
    });
  }

  /** ask → create job → launch, while fewer than n_parallel run; then wait for one to end (or a wake-up). */
  async #loop(): Promise<void> {
    const { store, experimentId, state, running, trials } = this;
    while (!state.stopped && state.failure === undefined) {
      await this.control.createEnqueued();
      while (!state.stopped && running.size < state.nParallel) {
        const again = trials.rerun.shift();
        if (again) {
          await this.#start(again);
          continue;
        }
        // A stop rule concluded the experiment: jobs already made run (retries, reruns), no new one.
        if (state.concluded !== undefined) break;
        const ask = trials.ask();
        if (ask === undefined) break;
        const job = await store.createJob(trials.newJob(experimentId, ask), trials.proposer.snapshot());
        trials.created++;
        await this.#start(job);
      }
      if (running.size === 0) break;
      const next = await running.next(this.#wake.promise);
      if (next === WOKEN) {
        this.#wake = deferred<typeof WOKEN>();
        continue;
      }
      running.remove(next.job.id);
      await this.completion.complete(next);
      if (state.failure !== undefined) running.abort('interrupted');
    }
  }

  /**
   * Waits for jobs still running after a stop or a failure; they end as interrupted. With the lease
   * lost, jobs on aup worker processes belong to the new driver: not waited for.
   */
  async #drain(): Promise<void> {
    for (const [id, r] of this.running.byJob) {
      if (this.state.leaseLost && r.remote) continue;
      const c = await r.promise;
      this.running.remove(id);
      await this.completion.complete(c);
    }
  }

  /** Starts a job: completed at once from a result reported meanwhile, handed to the workers, or launched here. */
  async #start(job: JobRecord): Promise<void> {
    if (this.resource.reportedAttempt !== undefined && (await this.#takeReported(job))) return;
    if (this.#dispatch) {
      // Worker mode: the job waits in the store for a worker, which starts the attempt itself.
      const slot = this.running.acquire(job.id);
      const controller = new AbortController();
      this.pruner?.start(job.id);
      const promise = this.#dispatch.wait(job, controller.signal).then((o): Completion => ({ job, ...o }));
      this.running.add(job.id, { promise, controller, slot, remote: true, saveModel: false, job });
      return;
    }
    await this.#launchHere(job);
  }

  /**
   * A passive job reported (`aup report`) while no runner was waiting for it (the runner died): its
   * result stands on its last attempt, so it completes with that attempt instead of asking again.
   */
  async #takeReported(job: JobRecord): Promise<boolean> {
    const last = await this.resource.reportedAttempt!(job);
    if (last === undefined) return false;
    const slot = this.running.acquire(job.id);
    this.pruner?.start(job.id);
    const completion: Completion = {
      job,
      attempt: last.attempt,
      attemptId: last.id,
      status: 'finished',
      score: last.score!,
      metrics: { ...job.metrics },
      warnings: [],
      exitCode: null,
    };
    this.running.add(job.id, {
      promise: Promise.resolve(completion),
      controller: new AbortController(),
      slot,
      remote: false,
      saveModel: false,
      job,
    });
    return true;
  }

  /**
   * The one launch path of an attempt run by this process: a trial, or (`save`) the best job's
   * model save, an attempt that leaves the job's status alone (save-model.ts).
   */
  async #launchHere(job: JobRecord, save?: ModelSave): Promise<void> {
    const { store, running } = this;
    const saveModel = save !== undefined;
    if (job.attempts > 0) {
      // A runner killed mid-job left its attempt open; it ends here, as interrupted, before the rerun.
      for (const open of (await store.listAttempts(job.id)).filter((a) => a.endedAt === null)) {
        await store.updateAttempt(open.id, { status: 'interrupted', endedAt: Date.now() });
      }
    }
    const attempt = job.attempts + 1;
    const controller = new AbortController();
    const slotIndex = running.acquire(job.id);
    const slot = running.slot(slotIndex);
    let attemptRow;
    const startedAt = Date.now();
    try {
      // The attempt row and the job's `running` in one transaction (a model save leaves the job as it is).
      attemptRow = await store.startAttempt({
        jobId: job.id,
        attempt,
        kind: saveModel ? 'save_model' : 'trial',
        host: slot.host ?? hostname(),
        slot: slot.label,
        job: saveModel ? undefined : { status: 'running', attempts: attempt, startedAt: job.startedAt ?? startedAt, endedAt: null },
      });
    } catch (e) {
      running.release(slotIndex);
      throw e;
    }
    job = saveModel
      ? { ...job, attempts: attempt }
      : { ...job, status: 'running', attempts: attempt, startedAt: job.startedAt ?? startedAt };
    if (saveModel) {
      // A stop that came while the re-run was being created reaches it too.
      if (this.state.stopped) controller.abort('interrupted' satisfies StopReason);
    } else {
      this.events.onJobStart?.(job, attempt);
      this.pruner?.start(job.id);
    }
    // Registered before the attempt starts, so that what its executor says first (a passive job's
    // instructions) finds the job.
    const entry: RunningJob = { promise: undefined!, controller, slot: slotIndex, remote: false, saveModel, job };
    running.add(job.id, entry);
    entry.promise = this.#runAttempt(job, attempt, attemptRow.id, controller, slot, save);
  }

  async #runAttempt(
    job: JobRecord,
    attempt: number,
    attemptId: number,
    controller: AbortController,
    slot: ResourceSlot,
    save: ModelSave | undefined,
  ): Promise<Completion> {
    const { store, config, queue } = this;
    const signal = controller.signal;
    const saveModel = save !== undefined;
    // The save_model re-run is no trial: the pruner does not hear it.
    const pruner = saveModel ? undefined : this.pruner;
    let lastScore: number | undefined;
    const recorder = attemptRecorder(
      config,
      job.id,
      queue,
      !saveModel && (config.resource_args?.track_intermediate_results === true || pruner !== undefined),
      saveModel
        ? undefined
        : (label, _step, value) => {
            // The pruner hears every intermediate score as it arrives and the job is stopped at once.
            if (!isScore(label, value)) return;
            lastScore = value;
            if (pruner && !signal.aborted && pruner.report(job.id, value)) {
              recorder.freezeScore();
              controller.abort('early_stopped' satisfies StopReason);
            }
          },
      saveModel,
    );
    let status: Completion['status'];
    let exitCode: number | null = null;
    let error: string | undefined;
    let pid: number | undefined;
    let pidTimer: NodeJS.Timeout | undefined;
    try {
      const launch = jobLaunch(
        this.#launch,
        job,
        attempt,
        slot,
        signal,
        recorder,
        queue,
        attemptId,
        (p) => {
          pid = p;
          // Written a moment later, unless the job is over by then and its end carries it: one
          // transaction less for each short job.
          pidTimer = setTimeout(() => {
            pidTimer = undefined;
            void store.updateAttempt(attemptId, { pid: p }).catch(() => undefined);
          }, PID_WRITE_DELAY_MS);
        },
        save,
      );
      const objective = this.#opts.objective;
      // The slot's executor: a local child process, or the resource's own (node: over SSH; passive: a person).
      if (objective) ({ status, error } = await runObjective(objective, job, launch));
      else ({ status, exitCode, error } = await (slot.execute ?? runProcess)(launch));
    } catch (e) {
      status = 'failed';
      error = e instanceof Error ? e.message : String(e);
    }
    // The pid not written yet goes with the attempt's end.
    const unwrittenPid = pidTimer !== undefined ? pid : undefined;
    clearTimeout(pidTimer);
    const unranked = settleScore(status, recorder, lastScore);
    if (unranked !== undefined) {
      status = 'failed';
      error = unranked;
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
  }

  /**
   * The best job once more with save_model, as a new attempt of it, launched and waited for like
   * any attempt (save-model.ts); not again when a resumed experiment's model is saved already.
   */
  async #saveModel(): Promise<void> {
    const { store, events } = this;
    const best = await store.getJob(this.completion.bestJobId!);
    if (best === undefined || (await modelSaved(store, best.id))) return;
    this.state.savingModel = true;
    const save = prepareModelSave(this.#setup.exp, this.config);
    events.onMessage?.(
      `saving the model of job ${best.id} into aup_models/${save.folderName} (attempt ${best.attempts + 1} of job ${best.id})`,
    );
    await this.#launchHere(best, save);
    const c = await this.running.get(best.id)!.promise;
    this.running.remove(best.id);
    await this.completion.completeSaveModel(c);
  }
}
