import type { Kysely } from 'kysely';

import type { AupDatabase, JobParamTable } from './schema.js';

// A job's parameters as job_param rows, which the board's queries filter and sort by in SQL
// (docs/decisions/0006-job-queries.md). Written by createJob, and once for old jobs by migration 0004.

/** The job_param rows of one job's params (numbers typed, everything else as text). */
export function paramRows(jobId: number, experimentId: number, params: Record<string, unknown>): JobParamTable[] {
  return Object.entries(params).map(([name, v]) => ({
    job_id: jobId,
    experiment_id: experimentId,
    name,
    num_value: typeof v === 'number' && Number.isFinite(v) ? v : null,
    text_value: typeof v === 'number' && Number.isFinite(v) ? null : typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null'),
  }));
}

/** Inserts a new job's parameter rows (inside createJob's transaction). */
export async function insertJobParams(
  trx: Kysely<AupDatabase>,
  jobId: number,
  experimentId: number,
  params: Record<string, unknown>,
): Promise<void> {
  const rows = paramRows(jobId, experimentId, params);
  if (rows.length > 0) await trx.insertInto('job_param').values(rows).execute();
}
