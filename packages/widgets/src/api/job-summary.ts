// The wire shape of GET /api/v1/experiments/:id/jobs (wire.ts, printed from the server's JobPage schema).
import { arrayAt, numberAt, objectAt } from './parse.js';
import type { JobPage as ServedJobPage, JobSummary } from './wire.js';

/** `JobSummary`: one job as the jobs route lists it; also one element of `<aup-job-table>`'s `data`. */
export type { JobSummary };

/** One page of jobs and the total that matched: the part of the served page (`ServedJobPage`) the elements read. */
export type JobPage = Pick<ServedJobPage, 'total' | 'limit' | 'offset' | 'jobs'>;
export type { ServedJobPage };

/** Reads the body of GET /experiments/:id/jobs. */
export function parseJobPage(json: unknown): ServedJobPage {
  const o = objectAt(json, 'body');
  numberAt(o, 'total', 'body');
  const jobs = arrayAt(o['jobs'], 'body.jobs');
  jobs.forEach((j, i) => {
    const row = objectAt(j, `jobs[${i}]`);
    numberAt(row, 'id', `jobs[${i}]`);
    objectAt(row['params'], `jobs[${i}].params`);
    objectAt(row['metrics'], `jobs[${i}].metrics`);
  });
  return o as unknown as ServedJobPage;
}
