import type { JobStatus } from './wire.js';

// The widgets take no run-time code from the server, so the list a view iterates is spelled here;
// as the keys of a Record over the wire type's union, the compiler holds it to exactly the server's
// statuses (one added there fails the widgets' build until it is added here).
const EVERY_JOB_STATUS: Readonly<Record<JobStatus, true>> = {
  queued: true,
  running: true,
  finished: true,
  failed: true,
  early_stopped: true,
  interrupted: true,
};

/** Every job status, in the order of a job's life. */
export const JOB_STATUSES: readonly JobStatus[] = Object.keys(EVERY_JOB_STATUS) as JobStatus[];
