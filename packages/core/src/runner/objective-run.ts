import type { ProcessLaunch, ProcessOutcome } from './process-executor.js';
import type { Objective, ObjectiveContext } from './runner-types.js';
import type { JobRecord } from '../store/store-types.js';

/**
 * Runs one attempt of an in-process objective, as an executor runs a process: the same launch
 * (signal, recorder), and an outcome; it never throws (a failure is an outcome).
 */
export async function runObjective(
  objective: Objective,
  job: JobRecord,
  launch: ProcessLaunch,
): Promise<Pick<ProcessOutcome, 'status' | 'error'>> {
  const { signal, recorder } = launch;
  const ctx: ObjectiveContext = {
    jobId: job.id,
    experimentId: launch.experimentId,
    trialId: job.trial,
    attempt: launch.attempt,
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
      const values = resultValues(result);
      if (values !== undefined && Number.isFinite(values[0])) recorder.result(values);
      return { status: 'early_stopped' };
    }
    const values = resultValues(result);
    if (values === undefined || values.some(Number.isNaN)) {
      return {
        status: 'failed',
        error: `objective returned ${JSON.stringify(result)}, expected a number, an array of numbers (one per objective) or { score, metrics }`,
      };
    }
    if (typeof result === 'object' && !Array.isArray(result) && (result as { metrics?: unknown }).metrics) {
      Object.assign(recorder.metrics, (result as { metrics: Record<string, number> }).metrics);
    }
    recorder.result(values);
    return { status: 'finished' };
  } catch (e) {
    if (signal.aborted) return { status: signal.reason === 'early_stopped' ? 'early_stopped' : 'interrupted' };
    return { status: 'failed', error: e instanceof Error ? e.message : String(e) };
  }
}

/** The values an objective returned (a number is a list of one), or undefined when it is not a number or a non-empty list of numbers. */
function resultValues(result: unknown): number[] | undefined {
  const score = typeof result === 'object' && result !== null && !Array.isArray(result) ? (result as { score?: unknown }).score : result;
  const list: unknown[] = Array.isArray(score) ? score : [score];
  if (list.length === 0 || list.some((v) => typeof v !== 'number')) return undefined;
  return list as number[];
}
