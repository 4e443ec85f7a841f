import type { Kysely } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';

/**
 * Worker mode (`aup run --workers external` + `aup worker`, docs/decisions/0010-worker-leases.md):
 * an experiment says whether `aup worker` processes run its jobs and which tags a worker needs;
 * an attempt a worker claimed carries its lease, a stop request from the driver, and the result
 * the worker wrote (metrics and warnings travel on the attempt, since the driver completes the job);
 * a worker row says until when its last heartbeat vouches for it.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = dialect.types;
  // Null: the driver runs the jobs itself; 'external': aup worker processes claim them.
  await db.schema.alterTable('experiment').addColumn('workers', 'text').execute();
  await db.schema
    .alterTable('experiment')
    .addColumn('worker_tags', t.json, (c) => c.notNull().defaultTo('[]'))
    .execute();
  // SQLite's ALTER TABLE adds one column per statement.
  await db.schema.alterTable('job_attempt').addColumn('lease_expires_at', t.bigint).execute();
  await db.schema.alterTable('job_attempt').addColumn('stop_request', 'text').execute();
  await db.schema.alterTable('job_attempt').addColumn('metrics', t.json).execute();
  await db.schema.alterTable('job_attempt').addColumn('warnings', t.json).execute();
  await db.schema.alterTable('worker').addColumn('expires_at', t.bigint).execute();
  // The requeue scan: running attempts whose lease has run out.
  await db.schema.createIndex('job_attempt_status_lease').on('job_attempt').columns(['status', 'lease_expires_at']).execute();
}
