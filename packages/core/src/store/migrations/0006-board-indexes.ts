import { sql, type Kysely } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';

/**
 * Indexes for the board's job pages and best-so-far curves at 100,000 jobs (docs/decisions/0011):
 * a page sorted by id, trial, start, end or duration walks one of these and stops after the page
 * instead of sorting the whole experiment, and best-so-far reads (trial or end, score) in order
 * from the index alone.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // (experiment_id, id): the default sort, keyset reads (export) and id-ordered pages with filters.
  // SQLite appends the rowid to every index, PostgreSQL does not, so id is named for both.
  await db.schema.createIndex('job_experiment_id').on('job').columns(['experiment_id', 'id']).execute();
  await db.schema.createIndex('job_experiment_trial_score').on('job').columns(['experiment_id', 'trial', 'score']).execute();
  await db.schema.createIndex('job_experiment_ended_score').on('job').columns(['experiment_id', 'ended_at', 'score']).execute();
  await db.schema.createIndex('job_experiment_started').on('job').columns(['experiment_id', 'started_at']).execute();
  // The expression must read exactly as board/job-columns.ts writes the duration column for the index to serve it.
  await db.schema
    .createIndex('job_experiment_duration')
    .on('job')
    .expression(sql`experiment_id, (ended_at - started_at)`)
    .execute();
  if (dialect.analyze !== undefined) await dialect.analyze(db, 'job');
}
