// The wire shape of GET /api/v1/experiments/:id/jobs (the server's JobPage schema).
import type { JobStatus, ParamValue } from './experiment-detail.js';
import { arrayAt, numberAt, objectAt } from './parse.js';

/** One job as the jobs route lists it; also one element of `<aup-job-table>`'s `data`. */
export interface JobSummary {
  id: number;
  trial: number;
  status: JobStatus;
  score: number | null;
  metrics: Record<string, number>;
  params: Record<string, ParamValue>;
  budget: number | null;
  attempts: number;
  /** ISO 8601 timestamps. */
  started_at: string | null;
  ended_at: string | null;
}

/** One page of jobs and the total that matched. */
export interface JobPage {
  total: number;
  limit: number;
  offset: number;
  jobs: JobSummary[];
}

/** Reads the body of GET /experiments/:id/jobs. */
export function parseJobPage(json: unknown): JobPage {
  const o = objectAt(json, 'body');
  numberAt(o, 'total', 'body');
  const jobs = arrayAt(o['jobs'], 'body.jobs');
  jobs.forEach((j, i) => {
    const row = objectAt(j, `jobs[${i}]`);
    numberAt(row, 'id', `jobs[${i}]`);
    objectAt(row['params'], `jobs[${i}].params`);
    objectAt(row['metrics'], `jobs[${i}].metrics`);
  });
  return o as unknown as JobPage;
}
