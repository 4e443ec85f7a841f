/**
 * The experiment-level stop rules of one drive (`stop` in the config; docs/reference/config.md):
 * `target_score` and `patience` conclude the experiment (no new job; running jobs finish; it ends
 * `finished`), `time_budget_s` stops it (running jobs are interrupted; it ends `stopped` and a resume
 * gets a fresh budget). What a rule needs is rebuilt from the store on resume, so a resumed drive
 * judges as the uninterrupted one would have.
 */
import type { ExperimentRecord, JobRecord } from '../store/store-types.js';
import type { ExperimentStopReason, JobStatus, NormalizedConfig, StopRules as StopConfig, Target } from '../types.js';

/** The rules that end an experiment once its running jobs are done. */
export type Conclusion = Extract<ExperimentStopReason, 'target_score' | 'patience'>;

/** Node's setTimeout takes at most this many ms (a larger delay fires at once); longer budgets re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Job ends that count toward `patience`: the job ran to a score without bettering the best. */
const PATIENCE_ENDS: ReadonlySet<JobStatus> = new Set(['finished', 'early_stopped']);

/** Whether `best` reaches `goal` for the target (at most for min, at least for max). */
export function reachesTarget(target: Target, best: number | null, goal: number): boolean {
  if (best === null || !Number.isFinite(best)) return false;
  return target === 'min' ? best <= goal : best >= goal;
}

/**
 * The jobs that ended with a score after the best job (finished or early-stopped; by end time, then
 * id), from stored jobs: the patience count a resumed drive continues from. Without a best job, every
 * such job counts (none of them set a best).
 */
export function patienceCount(jobs: readonly JobRecord[], bestJobId: number | null): number {
  const best = bestJobId === null ? undefined : jobs.find((j) => j.id === bestJobId);
  const after = (j: JobRecord): boolean => {
    if (best === undefined) return true;
    const a = j.endedAt ?? 0;
    const b = best.endedAt ?? 0;
    return a > b || (a === b && j.id > best.id);
  };
  return jobs.filter((j) => j.id !== bestJobId && PATIENCE_ENDS.has(j.status) && after(j)).length;
}

/** What a stop reason means, in words, with the rule's setting when the config is at hand. */
export function describeStopReason(reason: ExperimentStopReason, stop: StopConfig = {}): string {
  switch (reason) {
    case 'n_samples':
      return 'all n_samples jobs ran';
    case 'exhausted':
      return 'the proposer had no more trials to propose';
    case 'target_score':
      return `the best score reached the target score${stop.target_score === undefined ? '' : ` ${stop.target_score}`} (stop.target_score)`;
    case 'patience':
      return `${stop.patience ?? 'stop.patience'} job(s) in a row ended without a new best (stop.patience)`;
    case 'time_budget':
      return `the time budget${stop.time_budget_s === undefined ? '' : ` of ${stop.time_budget_s} s`} was used up (stop.time_budget_s)`;
    case 'user':
      return 'a stop was asked (Ctrl-C, a signal or a stop request)';
    case 'failure':
      return 'a failure (see the error)';
  }
}

export class StopRules {
  readonly #rules: StopConfig;
  readonly #target: Target;
  /** Jobs that ended with a score since the last new best. */
  #sinceBest: number;
  /** Budget time used by earlier runs (0 when the last run was stopped by its budget: a fresh one). */
  readonly #usedBefore: number;
  readonly #startedAt: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(config: NormalizedConfig, exp: ExperimentRecord, jobs: readonly JobRecord[], now = Date.now()) {
    this.#rules = config.stop ?? {};
    this.#target = config.target;
    this.#sinceBest = this.#rules.patience === undefined ? 0 : patienceCount(jobs, exp.bestJobId);
    this.#usedBefore = exp.stopReason === 'time_budget' ? 0 : exp.budgetUsedMs;
    this.#startedAt = now;
  }

  /** Budget time used so far, this run included (ms); written with each job's end and the run's. */
  usedMs(now = Date.now()): number {
    return this.#usedBefore + Math.max(0, now - this.#startedAt);
  }

  /** A rule the experiment meets already as the drive starts (a resume after the target was reached). */
  atStart(bestScore: number | null): Conclusion | undefined {
    return this.#judge(bestScore);
  }

  /** After a trial's end: counts it toward patience and says whether a rule concludes the experiment now. */
  afterJob(status: JobStatus, newBest: boolean, bestScore: number | null): Conclusion | undefined {
    if (newBest) this.#sinceBest = 0;
    else if (PATIENCE_ENDS.has(status)) this.#sinceBest++;
    return this.#judge(bestScore);
  }

  /** What a stop reason means for this experiment, in words, for the run's output. */
  describe(reason: ExperimentStopReason): string {
    return describeStopReason(reason, this.#rules);
  }

  /**
   * Calls `onExpired` once the time budget is used up (at once when it is already); nothing without
   * `time_budget_s`. `stopBudget` disarms it.
   */
  startBudget(onExpired: () => void): void {
    const budgetS = this.#rules.time_budget_s;
    if (budgetS === undefined) return;
    const arm = (): void => {
      const left = budgetS * 1000 - this.usedMs();
      if (left <= 0) {
        this.#timer = undefined;
        onExpired();
        return;
      }
      this.#timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    arm();
  }

  stopBudget(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #judge(bestScore: number | null): Conclusion | undefined {
    const { target_score, patience } = this.#rules;
    if (target_score !== undefined && reachesTarget(this.#target, bestScore, target_score)) return 'target_score';
    if (patience !== undefined && this.#sinceBest >= patience) return 'patience';
    return undefined;
  }
}
