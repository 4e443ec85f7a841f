/**
 * What happens when a job's attempt ends: a retry, an interruption, or its result told to the
 * proposer and written with the experiment's best job in one transaction; and a failure that ends
 * the experiment. The best job's model save ends here too, without a trial's consequences.
 */
import type { ExperimentRecord, JobRecord } from '../store/store-types.js';
import type { ControlHandling } from './control-handling.js';
import type { Drive } from './drive-state.js';
import type { Completion, Deferred } from './runner-types.js';
import type { JsonObject } from '../types.js';
import { objectivesOf, objectiveValues } from '../objectives.js';

/** Better-than for the experiment's target. */
export function isBetter(target: 'min' | 'max', a: number, b: number | null | undefined): boolean {
  if (b === null || b === undefined) return true;
  return target === 'max' ? a > b : a < b;
}

export class JobCompletion {
  /** The experiment's best job so far, and its score. */
  bestJobId: number | null;
  bestScore: number | null;
  readonly #retries: number;

  constructor(
    private readonly drive: Drive,
    private readonly control: ControlHandling,
    exp: ExperimentRecord,
  ) {
    this.bestJobId = exp.bestJobId;
    this.bestScore = exp.bestScore;
    this.#retries = drive.config.job_failure?.job_retries ?? 0;
  }

  /** Records the end of a trial's attempt. */
  async complete(c: Completion): Promise<void> {
    const { store, config, events, state, pruner, queue, trials } = this.drive;
    if (state.leaseLost) return;
    const kill = this.#killOf(c);
    const killed = kill !== undefined;
    if (killed) c = { ...c, status: 'failed', error: 'killed by request' };
    pruner?.complete(c.job.id, c.status);
    await queue.flush();
    const now = c.endedAt ?? Date.now();
    const attemptEnd = attemptEndOf(c, now);
    const warnings = [...c.job.warnings, ...c.warnings];
    const retrying = c.status === 'failed' && c.attempt <= this.#retries && !state.stopped && !killed;
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
      trials.rerun.unshift(again);
      return;
    }
    // A failed attempt keeps its result on the attempt row, but the job has no score.
    const score = c.status === 'failed' ? undefined : c.score;
    // With several objectives the proposer hears every objective's value (kept as metrics by name).
    const objectives = objectivesOf(config);
    const values = objectives !== undefined && score !== undefined ? objectiveValues(objectives, c.metrics) : undefined;
    trials.proposer.tell({
      trialId: c.job.trial,
      params: c.job.params,
      budget: c.job.budget ?? undefined,
      status: c.status,
      score,
      ...(values !== undefined ? { values } : {}),
    });
    let newBest = false;
    if (c.status === 'finished' && score !== undefined && Number.isFinite(score) && isBetter(config.target, score, this.bestScore)) {
      this.bestScore = score;
      this.bestJobId = c.job.id;
      newBest = true;
    }
    await store.completeJob(
      c.job.id,
      { status: c.status, score: score ?? null, metrics: c.metrics, warnings, endedAt: now },
      {
        id: this.drive.experimentId,
        proposerState: trials.proposer.snapshot(),
        bestJobId: this.bestJobId,
        bestScore: this.bestScore,
        budgetUsedMs: this.drive.stopRules.usedMs(now),
      },
      attemptEnd,
    );
    const done: JobRecord = { ...c.job, status: c.status, score: score ?? null, metrics: c.metrics, warnings, endedAt: now };
    events.onJobEnd?.(done, { status: c.status, score, error: c.error, attempt: c.attempt, retrying: false });
    if (newBest) events.onBest?.(done);
    if (killed) kill.resolve({ ok: true, jobId: c.job.id, status: 'failed' });
    if (c.status === 'failed' && !config.job_failure?.ignore_fail && !killed) {
      state.failure =
        `job ${c.job.id} failed: ${c.error ?? 'unknown error'}` +
        (config.job_failure ? '' : ' (add "job_failure": {"ignore_fail": true} to go on after failures)');
      return;
    }
    const rule = this.drive.stopRules.afterJob(c.status, newBest, this.bestScore);
    if (rule !== undefined) await this.drive.conclude(rule);
  }

  /**
   * Records the end of the best job's model save: its attempt's end (status, exit code, score,
   * error), nothing told to the proposer, and the job's status, score and metrics left as they are.
   * A failure (a timeout, a kill, an exit code) and the save's own warnings are added to the job's
   * warnings and said; the experiment keeps its status (a stop has made it `stopped` already).
   */
  async completeSaveModel(c: Completion): Promise<void> {
    const { store, events, state, queue } = this.drive;
    if (state.leaseLost) return;
    const kill = this.#killOf(c);
    if (kill) c = { ...c, status: 'failed', error: 'killed by request' };
    await queue.flush();
    const now = c.endedAt ?? Date.now();
    const end = attemptEndOf(c, now);
    if (end) await store.updateAttempt(end.id, end.patch);
    const said = `model save (attempt ${c.attempt})`;
    const added = [
      ...c.warnings.map((w) => `${said}: ${w}`),
      ...(c.status === 'failed' ? [`${said} failed: ${c.error ?? 'unknown error'}`] : []),
    ];
    if (added.length > 0) {
      const job = await store.getJob(c.job.id);
      await store.updateJob(c.job.id, { warnings: [...(job?.warnings ?? c.job.warnings), ...added] });
    }
    kill?.resolve({ ok: true, jobId: c.job.id, status: 'failed' });
    if (c.status !== 'finished') events.onMessage?.(`saving the model failed: ${c.error ?? c.status}`);
  }

  /**
   * The kill request of a job that it ended: answered now when the job ended otherwise, or handed
   * back when it was killed (a user's kill is not a script failure: the job fails without a retry
   * and the experiment goes on).
   */
  #killOf(c: Completion): Deferred<JsonObject> | undefined {
    const kill = this.control.takeKill(c.job.id);
    if (kill !== undefined && (c.status === 'failed' || c.status === 'interrupted')) return kill;
    kill?.resolve({
      ok: false,
      code: 'AUP_ERR_EXPERIMENT_STATE',
      message: `job ${c.job.id} ended ${c.status} before it could be killed`,
    });
    return undefined;
  }
}

/** The attempt's end, unless an aup worker wrote it already. */
function attemptEndOf(c: Completion, now: number) {
  if (c.attemptRecorded) return undefined;
  return {
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
}
