import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';

type Table = CreateTableBuilder<string, never>;

const jobRef = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder => c.notNull().references('job.id').onDelete('cascade');

/** The first schema: Auptimizer's table names, plus text records, artifacts and workers (docs/decisions/0002). */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // Ids are global and never reused (Auptimizer's jid): AUTOINCREMENT in SQLite, an identity in PG.
  const id = (table: Table, reuse = false): Table => dialect.idColumn(table, reuse);
  await experimentAndJobTables(db, dialect.types, id);
  await workerTables(db, dialect.types, id);
  await resultTables(db, dialect.types, id);
}

type Types = Dialect['types'];
type IdColumn = (table: Table, reuse?: boolean) => Table;

async function experimentAndJobTables(db: Kysely<unknown>, t: Types, id: IdColumn): Promise<void> {
  await id(db.schema.createTable('experiment'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('proposer', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull().check(sql`target in ('min', 'max')`))
    .addColumn('n_samples', t.int, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('config_raw', t.json, (c) => c.notNull())
    .addColumn('config', t.json, (c) => c.notNull())
    .addColumn('working_dir', 'text', (c) => c.notNull())
    .addColumn('host', t.json, (c) => c.notNull())
    .addColumn('git', t.json, (c) => c.notNull())
    .addColumn('proposer_state', t.json, (c) => c.notNull())
    // No foreign key: job references experiment, and a cycle would complicate cascades for nothing.
    .addColumn('best_job_id', t.bigint)
    .addColumn('best_score', t.double)
    .addColumn('error', 'text')
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('started_at', t.bigint)
    .addColumn('ended_at', t.bigint)
    .execute();

  await id(db.schema.createTable('job'))
    .addColumn('experiment_id', t.bigint, (c) => c.notNull().references('experiment.id').onDelete('cascade'))
    .addColumn('trial', t.int, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('params', t.json, (c) => c.notNull())
    .addColumn('budget', t.double)
    .addColumn('extra', t.json, (c) => c.notNull())
    .addColumn('score', t.double)
    .addColumn('attempts', t.int, (c) => c.notNull().defaultTo(0))
    .addColumn('warnings', t.json, (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('started_at', t.bigint)
    .addColumn('ended_at', t.bigint)
    .execute();
  await db.schema.createIndex('job_experiment_status').on('job').columns(['experiment_id', 'status']).execute();
  await db.schema.createIndex('job_experiment_score').on('job').columns(['experiment_id', 'score']).execute();
}

async function workerTables(db: Kysely<unknown>, t: Types, id: IdColumn): Promise<void> {
  await id(db.schema.createTable('worker'))
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', t.int)
    .addColumn('slots', t.int, (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('tags', t.json, (c) => c.notNull().defaultTo('[]'))
    .addColumn('started_at', t.bigint, (c) => c.notNull())
    .addColumn('heartbeat_at', t.bigint, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('worker_status_heartbeat').on('worker').columns(['status', 'heartbeat_at']).execute();

  await id(db.schema.createTable('job_attempt'))
    .addColumn('job_id', t.bigint, jobRef)
    .addColumn('attempt', t.int, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('host', 'text')
    .addColumn('pid', t.int)
    .addColumn('worker_id', t.bigint, (c) => c.references('worker.id').onDelete('set null'))
    .addColumn('slot', 'text')
    .addColumn('exit_code', t.int)
    .addColumn('score', t.double)
    .addColumn('error', 'text')
    .addColumn('log_path', 'text')
    .addColumn('started_at', t.bigint, (c) => c.notNull())
    .addColumn('ended_at', t.bigint)
    .addUniqueConstraint('job_attempt_job_attempt', ['job_id', 'attempt'])
    .execute();
  await db.schema.createIndex('job_attempt_worker').on('job_attempt').column('worker_id').execute();
}

async function resultTables(db: Kysely<unknown>, t: Types, id: IdColumn): Promise<void> {
  // The rowid alias (no AUTOINCREMENT) keeps SQLite inserts cheap; the id only orders equal steps.
  await id(db.schema.createTable('intermediate_result'), true)
    .addColumn('job_id', t.bigint, jobRef)
    .addColumn('label', 'text', (c) => c.notNull())
    // Steps may be fractional (epoch 0.5), so double precision in PostgreSQL.
    .addColumn('step', t.double, (c) => c.notNull())
    .addColumn('value', t.double, (c) => c.notNull())
    .addColumn('time', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('intermediate_result_job_label_step')
    .on('intermediate_result')
    .columns(['job_id', 'label', 'step'])
    .execute();

  await db.schema
    .createTable('multiple_result')
    .addColumn('job_id', t.bigint, jobRef)
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('value', t.double, (c) => c.notNull())
    .addPrimaryKeyConstraint('multiple_result_pk', ['job_id', 'label'])
    .execute();

  await id(db.schema.createTable('text_record'), true)
    .addColumn('job_id', t.bigint, jobRef)
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('text', 'histogram', 'image')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('step', t.double)
    .addColumn('payload', t.json, (c) => c.notNull())
    .addColumn('time', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('text_record_job').on('text_record').column('job_id').execute();

  await id(db.schema.createTable('artifact'), true)
    .addColumn('job_id', t.bigint, jobRef)
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('time', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artifact_job').on('artifact').column('job_id').execute();
}
