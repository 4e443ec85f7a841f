import type { Kysely } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';

/**
 * Control requests (stop, kill a job, change settings, enqueue a trial) travel from the board or the
 * CLI to the runner through this table, since the runner may be another process or machine.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = dialect.types;
  const table = dialect.idColumn(db.schema.createTable('control_request'), false);
  await table
    .addColumn('experiment_id', t.bigint, (c) => c.notNull().references('experiment.id').onDelete('cascade'))
    // No foreign key: a request about a job outlives nothing, and the job id is only data to act on.
    .addColumn('job_id', t.bigint)
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('payload', t.json, (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('taken_at', t.bigint)
    .addColumn('done_at', t.bigint)
    .addColumn('result', t.json)
    .execute();
  // The runner's poll: the experiment's untaken requests.
  await db.schema.createIndex('control_request_experiment_taken').on('control_request').columns(['experiment_id', 'taken_at']).execute();
}
