import type { JobRecord } from '@aup/core';

import type { JobSortColumn, SortOrder } from './schemas.js';

// The store hands out an experiment's jobs whole; pages are cut here. Sort keys come from a fixed
// table of accessors, so a client's `sort` can only ever pick one of these, never reach a query.
const SORT_KEYS: Record<JobSortColumn, (job: JobRecord) => number | string | null> = {
  id: (j) => j.id,
  score: (j) => (j.score !== null && Number.isFinite(j.score) ? j.score : null),
  status: (j) => j.status,
  started_at: (j) => j.startedAt,
  ended_at: (j) => j.endedAt,
};

export interface JobPageRequest {
  sort: JobSortColumn;
  order: SortOrder;
  limit: number;
  offset: number;
}

/**
 * Sorts jobs by a whitelisted column and cuts one page. Missing values (a job with no score yet)
 * go last in either order, so "best first" pages never open with empty rows; ties keep id order.
 */
export function pageJobs(jobs: readonly JobRecord[], req: JobPageRequest): { total: number; jobs: JobRecord[] } {
  const key = SORT_KEYS[req.sort];
  const sign = req.order === 'asc' ? 1 : -1;
  const sorted = [...jobs].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) {
      if (ka !== kb) return ka === null ? 1 : -1;
    } else if (ka !== kb) {
      return (ka < kb ? -1 : 1) * sign;
    }
    return a.id - b.id;
  });
  return { total: jobs.length, jobs: sorted.slice(req.offset, req.offset + req.limit) };
}
