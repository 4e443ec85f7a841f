/**
 * The drive's answers to control requests (control-poller.ts takes them from the store): stop,
 * kill_job and enqueue answer once their effect is there; set answers at once.
 */
import { AupError } from '../errors.js';
import { checkNParallel, checkNSamplesAgainst, checkNSamplesValue, checkTrialParams, noAdopt } from '../control.js';
import type { ControlRequest } from '../store/store-types.js';
import type { Json, JsonObject, Params } from '../types.js';
import { controlError, type ControlAnswer } from './control-poller.js';
import type { Drive } from './drive-state.js';
import type { StopReason } from './process-executor.js';
import { deferred, type Deferred } from './runner-types.js';

export class ControlHandling {
  readonly #stopAnswers: Deferred<JsonObject>[] = [];
  readonly #killAnswers = new Map<number, Deferred<JsonObject>>();
  readonly #enqueued: { params: Params; answer: Deferred<JsonObject> }[] = [];

  constructor(private readonly drive: Drive) {}

  /** Acts on one request (ControlPoller's handler). */
  readonly handle = async (req: ControlRequest): Promise<ControlAnswer> => {
    const { state, experimentId } = this.drive;
    const payload = req.payload !== null && typeof req.payload === 'object' && !Array.isArray(req.payload) ? req.payload : {};
    if (state.stopped || state.failure !== undefined) {
      throw new AupError('AUP_ERR_EXPERIMENT_STATE', `experiment ${experimentId} is stopping; request ${req.id} (${req.action}) not done`);
    }
    switch (req.action) {
      case 'stop': {
        const answer = deferred<JsonObject>();
        this.#stopAnswers.push(answer);
        this.drive.stop();
        return { later: answer.promise };
      }
      case 'kill_job':
        return this.#kill(req.jobId ?? payload.jobId);
      case 'set':
        this.#checkTrialsOpen(req);
        return { result: await this.#set(payload) };
      case 'enqueue': {
        this.#checkTrialsOpen(req);
        const { proposer } = this.drive.trials;
        if (typeof proposer.adopt !== 'function') throw noAdopt(this.drive.config.proposer);
        const params = checkTrialParams(this.drive.config.parameter_config, payload.params);
        const answer = deferred<JsonObject>();
        this.#enqueued.push({ params, answer });
        this.drive.wake();
        return { later: answer.promise };
      }
      default:
        throw new AupError('AUP_ERR_INTERNAL', `control request ${req.id}: unknown action ${JSON.stringify(req.action)}`);
    }
  };

  /** The kill request waiting for this job's end, if any; taken, so it is answered once. */
  takeKill(jobId: number): Deferred<JsonObject> | undefined {
    const kill = this.#killAnswers.get(jobId);
    this.#killAnswers.delete(jobId);
    return kill;
  }

  /**
   * Creates the jobs of enqueued trials now, ahead of the proposer's next ask; each is one more
   * trial (n_samples grows by one, kept for resume) and the proposer hears its result like any other.
   */
  async createEnqueued(): Promise<void> {
    const { store, experimentId, config, trials } = this.drive;
    for (let e = this.#enqueued.shift(); e !== undefined; e = this.#enqueued.shift()) {
      try {
        const ask = trials.proposer.adopt!(e.params);
        if (ask.kind !== 'trial')
          throw new AupError('AUP_ERR_CONTROL_UNSUPPORTED', `the "${config.proposer}" proposer refused the trial (${ask.kind})`);
        config.n_samples += 1;
        await store.updateExperiment(experimentId, { nSamples: config.n_samples, config: config as unknown as Json });
        const job = await store.createJob(trials.newJob(experimentId, ask), trials.proposer.snapshot());
        trials.created++;
        trials.rerun.push(job);
        e.answer.resolve({ ok: true, jobId: job.id, trialId: ask.trialId, n_samples: config.n_samples });
      } catch (err) {
        e.answer.resolve(controlError(err));
      }
    }
  }

  /** Answers what is still due when the drive ends (`ending`: finished, stopped or failed). */
  settle(ending: string): void {
    const { experimentId } = this.drive;
    for (const a of this.#stopAnswers) a.resolve({ ok: true, status: ending });
    for (const a of this.#killAnswers.values())
      a.resolve({ ok: false, code: 'AUP_ERR_EXPERIMENT_STATE', message: `experiment ${experimentId} ended before the job was killed` });
    for (const e of this.#enqueued.splice(0)) {
      e.answer.resolve({
        ok: false,
        code: 'AUP_ERR_EXPERIMENT_STATE',
        message: `experiment ${experimentId} ended (${ending}) before the trial was created`,
      });
    }
  }

  async #kill(jobId: unknown): Promise<ControlAnswer> {
    const { store, experimentId, running } = this.drive;
    const entry = typeof jobId === 'number' ? running.get(jobId) : undefined;
    if (typeof jobId !== 'number' || entry === undefined) {
      const job = typeof jobId === 'number' ? await store.getJob(jobId) : undefined;
      if (!job || job.experimentId !== experimentId)
        throw new AupError('AUP_ERR_JOB_NOT_FOUND', `kill_job: experiment ${experimentId} has no job ${JSON.stringify(jobId)}`);
      throw new AupError('AUP_ERR_EXPERIMENT_STATE', `kill_job: job ${jobId} is ${job.status}, not running`);
    }
    let answer = this.#killAnswers.get(jobId);
    if (!answer) {
      answer = deferred<JsonObject>();
      this.#killAnswers.set(jobId, answer);
      entry.controller.abort('killed' satisfies StopReason);
    }
    return { later: answer.promise };
  }

  async #set(payload: Record<string, Json>): Promise<JsonObject> {
    const { store, experimentId, config, trials, running, state, resource } = this.drive;
    const wantParallel = payload.n_parallel === undefined ? undefined : checkNParallel(payload.n_parallel);
    const wantSamples = payload.n_samples === undefined ? undefined : checkNSamplesValue(payload.n_samples);
    if (wantSamples !== undefined) checkNSamplesAgainst(wantSamples, trials.created);
    const next = wantSamples === undefined ? undefined : trials.withSamples(wantSamples);
    const result: JsonObject = { ok: true };
    if (wantParallel !== undefined) {
      state.nParallel = running.resize(wantParallel);
      config.n_parallel = wantParallel;
      result.n_parallel = state.nParallel;
      if (state.nParallel < wantParallel)
        result.message = `n_parallel ${wantParallel} capped to ${state.nParallel}: resource "${resource.kind}" has ${running.slotCount} slot(s)`;
    }
    if (next !== undefined) trials.useSamples(next, wantSamples!);
    result.n_samples = config.n_samples;
    // Kept in the experiment row, so that `aup resume` runs with the new settings.
    await store.updateExperiment(experimentId, { nSamples: config.n_samples, config: config as unknown as Json });
    this.drive.wake();
    return result;
  }

  /**
   * Once a stop rule concluded the experiment or the best job's model is being saved, the trials are
   * over: settings and new trials wait for a resume.
   */
  #checkTrialsOpen(req: ControlRequest): void {
    const { concluded } = this.drive.state;
    if (concluded !== undefined) {
      throw new AupError(
        'AUP_ERR_EXPERIMENT_STATE',
        `experiment ${this.drive.experimentId} met its stop rule (${concluded}) and only lets its running jobs finish; request ${req.id} (${req.action}) not done`,
      );
    }
    if (this.drive.state.savingModel) {
      throw new AupError(
        'AUP_ERR_EXPERIMENT_STATE',
        `experiment ${this.drive.experimentId} has run its trials and is saving the best job's model; request ${req.id} (${req.action}) not done`,
      );
    }
  }
}
