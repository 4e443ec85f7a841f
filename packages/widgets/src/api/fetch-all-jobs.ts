import type { AupApiClient } from './api-client.js';
import { jobSummariesOf } from './job-columns.js';
import type { JobQuery } from './job-query.js';
import type { JobSummary } from './job-summary.js';

/** Jobs per request: the largest page the jobs route serves (MAX_JOB_PAGE_SIZE on the server). */
export const JOB_PAGE_SIZE = 1000;
/**
 * Pages requested at once after the first. The board answers them on one thread, so more in
 * flight buys little; a few hide the network round trip (measured in test/bench/browser-hig.mjs).
 */
export const JOB_PAGE_CONCURRENCY = 4;

/**
 * Every job of an experiment (matching `query`'s filters), in the query's order (by id unless it
 * sorts otherwise), through the paged jobs route: the first page tells the total, the rest are
 * fetched a few at a time. `limit` caps how many are fetched in all; `pageSize` (at most
 * JOB_PAGE_SIZE) is the jobs per request.
 */
export async function fetchAllJobs(
  client: AupApiClient,
  experimentId: number,
  opts: { query?: Omit<JobQuery, 'offset' | 'limit'>; limit?: number; pageSize?: number; signal?: AbortSignal } = {},
): Promise<{ jobs: JobSummary[]; total: number }> {
  const cap = opts.limit ?? Infinity;
  const pageSize = Math.min(opts.pageSize ?? JOB_PAGE_SIZE, JOB_PAGE_SIZE, cap);
  const first = await client.jobs(experimentId, { ...opts.query, offset: 0, limit: pageSize }, opts.signal);
  const wanted = Math.min(first.total, cap);
  const offsets: number[] = [];
  for (let offset = first.jobs.length; offset < wanted; offset += pageSize) offsets.push(offset);
  const pages: JobSummary[][] = new Array<JobSummary[]>(offsets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < offsets.length) {
      const k = next++;
      const offset = offsets[k]!;
      const page = await client.jobs(experimentId, { ...opts.query, offset, limit: Math.min(pageSize, wanted - offset) }, opts.signal);
      pages[k] = page.jobs;
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOB_PAGE_CONCURRENCY, offsets.length) }, worker));
  return { jobs: first.jobs.concat(...pages), total: first.total };
}

/** Jobs per request of the columns route: the most it serves (MAX_JOB_COLUMNS on the server). */
export const JOB_COLUMNS_PAGE_SIZE = 10_000;
/** Column pages requested at once after the first: the board writes one while the page reads the other. */
export const JOB_COLUMNS_CONCURRENCY = 2;

/**
 * Every job of an experiment in id order, unfiltered, through the columns route: the same jobs as
 * fetchAllJobs gives, in a fifth of the requests and about half the bytes (10,000 jobs in one
 * request), for views that draw them all. `pageSize` (at most JOB_COLUMNS_PAGE_SIZE) is the jobs
 * per request.
 */
export async function fetchAllJobColumns(
  client: AupApiClient,
  experimentId: number,
  opts: { pageSize?: number; signal?: AbortSignal } = {},
): Promise<{ jobs: JobSummary[]; total: number }> {
  const pageSize = Math.min(opts.pageSize ?? JOB_COLUMNS_PAGE_SIZE, JOB_COLUMNS_PAGE_SIZE);
  const first = await client.jobColumns(experimentId, { offset: 0, limit: pageSize }, opts.signal);
  const offsets: number[] = [];
  for (let offset = first.id.length; offset < first.total; offset += pageSize) offsets.push(offset);
  const pages: JobSummary[][] = new Array<JobSummary[]>(offsets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < offsets.length) {
      const k = next++;
      pages[k] = jobSummariesOf(await client.jobColumns(experimentId, { offset: offsets[k]!, limit: pageSize }, opts.signal));
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOB_COLUMNS_CONCURRENCY, offsets.length) }, worker));
  return { jobs: jobSummariesOf(first).concat(...pages), total: first.total };
}
