import type { Kysely } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';

/**
 * Experiment-level stop rules and warm starts (docs/reference/config.md, `stop` and `warm_start`):
 * `stop_reason`, why the experiment ended (statuses.ts STOP_REASONS; null while it runs, and for
 * experiments that ended before this migration); `budget_used_ms`, the driving time counted against
 * `stop.time_budget_s` so far (summed over runs, written with each job's end and the run's end);
 * `warm_start`, what the runner told the proposer from earlier experiments before its first
 * proposal (JSON: the experiments with their counts, and the job ids; null: no warm start done).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = dialect.types;
  await db.schema.alterTable('experiment').addColumn('stop_reason', 'text').execute();
  await db.schema
    .alterTable('experiment')
    .addColumn('budget_used_ms', t.bigint, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('experiment').addColumn('warm_start', t.json).execute();
}
