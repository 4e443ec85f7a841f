import { AupError } from '../errors.js';
import type { AttemptRecord, Store } from '../store/store-types.js';
import type { NormalizedConfig } from '../types.js';

/**
 * How often (ms) a runner reads the store for a passive job's reported result. A person types the
 * result, so half a second is instant to them and costs one small query per waiting job.
 */
export const PASSIVE_POLL_MS = 500;

/** What a person reports for a passive job. */
export interface PassiveReport {
  score: number;
  metrics?: Record<string, number>;
}

/** What the runner hears back for a passive attempt. */
export interface PassiveOutcome {
  status: 'finished' | 'failed' | 'interrupted';
  score?: number;
  metrics: Record<string, number>;
  error?: string;
}

/**
 * Records a person's result for a waiting passive job (`aup report`): the score goes on the job's
 * running attempt and the metrics on the job; the runner waiting on the job picks them up.
 * Errors name the job and why it cannot take a result: unknown, not passive, not waiting, already reported.
 */
export async function reportJobResult(store: Store, jobId: number, report: PassiveReport): Promise<AttemptRecord> {
  if (!Number.isFinite(report.score)) {
    throw new AupError('AUP_ERR_CLI_USAGE', `score: expected a finite number, found ${String(report.score)}`);
  }
  const job = await store.getJob(jobId);
  if (!job) throw new AupError('AUP_ERR_JOB_NOT_FOUND', `job ${jobId} does not exist in ${store.url}`);
  const exp = await store.getExperiment(job.experimentId);
  const resource = (exp?.config as Partial<NormalizedConfig> | undefined)?.resource ?? 'cpu';
  if (resource !== 'passive') {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `job ${jobId} belongs to experiment ${job.experimentId}, whose resource is "${resource}": only jobs of a "passive" experiment take a reported result`,
      { details: { jobId, experimentId: job.experimentId, resource } },
    );
  }
  const attempts = await store.listAttempts(jobId);
  const last = attempts.reduce<AttemptRecord | undefined>((a, b) => (a === undefined || b.attempt > a.attempt ? b : a), undefined);
  if (job.status !== 'running' || last === undefined) {
    const done = job.score === null ? '' : ` with score ${job.score}`;
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `job ${jobId} is ${job.status}${done}: only a job waiting for its result (running) can be reported` +
        (job.status === 'interrupted' || job.status === 'queued'
          ? `; resume experiment ${job.experimentId} first (aup resume ${job.experimentId})`
          : ''),
      { details: { jobId, status: job.status } },
    );
  }
  if (last.status !== 'running') {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `job ${jobId} already has a reported result (score ${last.score ?? '-'}) that the experiment has not picked up yet`,
      {
        details: { jobId, attempt: last.attempt, status: last.status },
      },
    );
  }
  for (const [name, value] of Object.entries(report.metrics ?? {})) {
    if (!Number.isFinite(value))
      throw new AupError('AUP_ERR_CLI_USAGE', `--metric ${name}: expected a finite number, found ${String(value)}`);
  }
  // Metrics first: once the attempt says finished, the runner reads the job's metrics at once.
  if (report.metrics && Object.keys(report.metrics).length > 0) await store.setMultipleResults(jobId, report.metrics);
  await store.updateAttempt(last.id, { status: 'finished', score: report.score, endedAt: Date.now() });
  return { ...last, status: 'finished', score: report.score };
}

/**
 * Waits, polling the store every PASSIVE_POLL_MS, until the attempt gets a reported result or the
 * signal aborts (then `interrupted`: the job is asked again on resume).
 */
export async function waitForReport(
  store: Store,
  jobId: number,
  attemptId: number,
  signal: AbortSignal,
  pollMs = PASSIVE_POLL_MS,
): Promise<PassiveOutcome> {
  for (;;) {
    if (signal.aborted) return { status: 'interrupted', metrics: {} };
    const attempt = (await store.listAttempts(jobId)).find((a) => a.id === attemptId);
    if (attempt && attempt.status !== 'running') {
      const job = await store.getJob(jobId);
      const metrics = job?.metrics ?? {};
      if (attempt.status === 'finished') return { status: 'finished', score: attempt.score ?? undefined, metrics };
      return { status: 'failed', score: attempt.score ?? undefined, metrics, error: attempt.error ?? `reported as ${attempt.status}` };
    }
    await sleep(pollMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
