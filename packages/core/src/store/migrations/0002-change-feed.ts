import type { Kysely } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';

/** The change feed (docs/decisions/0005): one row per committed mutation the board shows, read by id. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = dialect.types;
  // AUTOINCREMENT in SQLite so an id is never reused after the newest rows are deleted: a client's
  // cursor must never point past a row that is later written with the same id.
  const table = dialect.idColumn(db.schema.createTable('change'), false);
  // No foreign keys: the feed outlives what it reports (an `experiment_deleted` row names a gone experiment).
  await table
    .addColumn('experiment_id', t.bigint, (c) => c.notNull())
    .addColumn('job_id', t.bigint)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('time', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_experiment_id').on('change').columns(['experiment_id', 'id']).execute();
}
