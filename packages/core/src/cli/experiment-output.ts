/**
 * What `aup run`, `aup resume`, `aup show` and `aup list` print about an experiment: the stable JSON
 * shape of `--json` (docs/reference/cli.md), the summary after a run, and the lines that say why an
 * experiment ended and what its warm start told the proposer.
 */
import type { ExperimentResult } from '../experiment.js';
import { paretoJobs, storedObjectives } from '../objectives.js';
import type { ExperimentRecord, JobRecord, WarmStartRecord } from '../store/store-types.js';
import { describeStopReason } from '../runner/stop-rules.js';
import type { StopRules } from '../types.js';
import { formatParams, formatScore } from './progress.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The warm start as `aup show --json` carries it (snake_case, as the rest of the shape). */
function warmStartJson(w: WarmStartRecord | null) {
  return w === null ? null : { experiments: w.experiments.map((e) => ({ ...e })), job_ids: [...w.jobIds] };
}

/** The stable JSON shape of `aup show --json` (documented in docs/reference/cli.md). */
export function showJson(exp: ExperimentRecord, jobs: JobRecord[]) {
  const best = exp.bestJobId === null ? undefined : jobs.find((j) => j.id === exp.bestJobId);
  const objectives = storedObjectives(exp.config);
  return {
    experiment: {
      id: exp.id,
      name: exp.name,
      status: exp.status,
      proposer: exp.proposer,
      target: exp.target,
      n_samples: exp.nSamples,
      user: exp.user,
      working_dir: exp.workingDir,
      job_dir: exp.jobDir,
      created_at: iso(exp.createdAt),
      started_at: iso(exp.startedAt),
      ended_at: iso(exp.endedAt),
      error: exp.error,
      stop_reason: exp.stopReason,
      warm_start: warmStartJson(exp.warmStart),
      // Only with several objectives: each one's name (its metric) and direction.
      ...(objectives !== undefined ? { objectives } : {}),
    },
    best: best ? { job_id: best.id, score: best.score, params: best.params } : null,
    ...(objectives !== undefined
      ? { pareto: paretoJobs(objectives, jobs).map((p) => ({ job_id: p.jobId, params: p.params, values: p.values })) }
      : {}),
    jobs: jobs.map((j) => ({
      id: j.id,
      trial: j.trial,
      status: j.status,
      score: j.score,
      params: j.params,
      metrics: j.metrics,
      budget: j.budget,
      attempts: j.attempts,
      warnings: j.warnings,
      started_at: iso(j.startedAt),
      ended_at: iso(j.endedAt),
    })),
  };
}

/** "42 job(s) of experiments 3 (30), 5 (12) told to the proposer first; 4 left out (they do not fit this search space)". */
export function describeWarmStart(w: WarmStartRecord): string {
  const from = w.experiments.map((e) => `${e.id} (${e.jobs})`).join(', ');
  const skipped = w.experiments.reduce((n, e) => n + e.skipped, 0);
  return (
    `${w.jobIds.length} job(s) of experiment${w.experiments.length === 1 ? '' : 's'} ${from} told to the proposer first, not counted in n_samples` +
    (skipped > 0 ? `; ${skipped} left out (they do not fit this search space)` : '')
  );
}

/** The lines after a run or a resume: status and counts, why it ended, the warm start, the best, where the results are. */
export function summary(out: NodeJS.WritableStream, result: ExperimentResult, dbUrl: string, stop: StopRules | undefined): void {
  const failed = result.jobs.filter((j) => j.status === 'failed').length;
  out.write(`\nexperiment ${result.experimentId} ${result.status}: ${result.jobs.length} jobs, ${failed} failed\n`);
  if (result.error) out.write(`reason: ${result.error}\n`);
  if (result.stopReason !== null) out.write(`stop reason: ${result.stopReason} (${describeStopReason(result.stopReason, stop)})\n`);
  if (result.warmStart !== null) out.write(`warm start: ${describeWarmStart(result.warmStart)}\n`);
  if (result.best) {
    out.write(`best: job ${result.best.jobId} score=${formatScore(result.best.score)}\n`);
    out.write(`params: ${formatParams(result.best.params)}\n`);
  } else {
    out.write('best: no job finished\n');
  }
  out.write(`results: ${dbUrl} (aup show ${result.experimentId}${dbUrl.endsWith('experiments.db') ? '' : ` --db ${dbUrl}`})\n`);
}
