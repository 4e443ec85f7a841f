import type { Kysely } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';

/**
 * Experiments brought in from another tool's store (`aup import auptimizer|optuna`,
 * docs/decisions/0029-imports.md). `import_source` names where an imported experiment came from
 * (one row per experiment; its key is unique, so a second import finds the first and adds nothing)
 * and keeps the reader's cursor for `--follow`; `import_job` maps each source trial to the job made
 * from it, with a fingerprint of what was imported, so that a trial that changed in the source (a
 * running Optuna trial that finished) is updated and an unchanged one is left alone.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = dialect.types;
  // The tool an imported experiment came from, on its row, so that lists show it without a join.
  await db.schema.alterTable('experiment').addColumn('imported_from', 'text').execute();
  await db.schema
    .createTable('import_source')
    .addColumn('experiment_id', t.bigint, (c) => c.primaryKey().references('experiment.id').onDelete('cascade'))
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('source_key', 'text', (c) => c.notNull().unique())
    .addColumn('cursor', t.json, (c) => c.notNull())
    .addColumn('synced_at', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('import_job')
    .addColumn('job_id', t.bigint, (c) => c.primaryKey().references('job.id').onDelete('cascade'))
    .addColumn('experiment_id', t.bigint, (c) => c.notNull().references('experiment.id').onDelete('cascade'))
    .addColumn('source_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addUniqueConstraint('import_job_source_key', ['experiment_id', 'source_key'])
    .execute();
}
