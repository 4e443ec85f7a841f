import type { JobSummary } from '../api/job-summary.js';
import type { JobChartDatum } from '../specs/job-chart-spec.js';

/** What `<aup-job-chart>`'s `data` property takes: an experiment's target and its jobs (the jobs route's shape). */
export interface JobChartData {
  /** Put into `aup-open-job`; 0 when the data has no experiment. */
  experimentId?: number;
  target: 'min' | 'max';
  jobs: readonly JobSummary[];
}

/** The plotted value's column: `score`, or `metric:<label>` for a secondary result. */
export type JobChartValue = 'score' | `metric:${string}`;

/** The jobs as the chart plots them: the chosen value (score or one metric) and the end time in epoch ms. */
export function jobChartData(jobs: readonly JobSummary[], value: JobChartValue): JobChartDatum[] {
  const metric = value.startsWith('metric:') ? value.slice(7) : undefined;
  return jobs.map((j) => {
    const v = metric === undefined ? j.score : (j.metrics[metric] ?? null);
    const ended = j.ended_at === null ? NaN : Date.parse(j.ended_at);
    return {
      jobId: j.id,
      trial: j.trial,
      endedAt: Number.isFinite(ended) ? ended : null,
      value: v !== null && Number.isFinite(v) ? v : null,
      status: j.status,
      params: j.params,
    };
  });
}

/** The metric labels any job has, sorted: the choices besides the score. */
export function metricLabels(jobs: readonly JobSummary[]): string[] {
  const labels = new Set<string>();
  for (const j of jobs) for (const k of Object.keys(j.metrics)) labels.add(k);
  return [...labels].sort();
}
