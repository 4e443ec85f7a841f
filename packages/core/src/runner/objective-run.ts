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
