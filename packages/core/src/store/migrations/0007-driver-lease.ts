import type { Kysely } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';

/**
 * One driver per experiment (docs/decisions/0019-driver-lease.md): the process that drives an
 * experiment (`aup run`, `aup resume`, the board's runner, `runExperiment()`) holds its row here
 * while it runs. No row: nobody drives it. The token fences the holder's renewals and release and
 * marks the environment of its jobs (AUP_DRIVER_TOKEN), so a driver that takes over a dead one's
 * lease can find and stop the processes it left behind.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = dialect.types;
  await db.schema
    .createTable('driver_lease')
    .addColumn('experiment_id', t.bigint, (c) => c.primaryKey().references('experiment.id').onDelete('cascade'))
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', t.int, (c) => c.notNull())
    // What tells the holder apart from a later process that reuses its pid (Linux: boot id and the
    // start time in /proc/<pid>/stat); null where the system does not say.
    .addColumn('process_start', 'text')
    .addColumn('acquired_at', t.bigint, (c) => c.notNull())
    // Both by the database's clock on PostgreSQL (as worker leases, 0005), so drivers on different
    // machines need not agree on the time.
    .addColumn('heartbeat_at', t.bigint, (c) => c.notNull())
    .addColumn('expires_at', t.bigint, (c) => c.notNull())
    .execute();
}
