import type { Kysely } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';
import { paramRows } from '../job-params.js';
import type { JobParamTable } from '../schema.js';

// Jobs read per round trip while back-filling: bounds memory on a large store.
const BACKFILL_PAGE = 5_000;
// Five parameters a row; stays under SQLite's 32,766 bound parameters.
const BACKFILL_ROWS_PER_STATEMENT = 5_000;

interface JobParamsRow {
  id: number;
  experiment_id: number;
  params: string;
}

/**
 * Job parameters one row per (job, name), typed: sorting and filtering a job page by a parameter is
 * then an indexed join on both dialects instead of parsing every job's JSON (docs/decisions/0006).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = dialect.types;
  await db.schema
    .createTable('job_param')
    .addColumn('job_id', t.bigint, (c) => c.notNull().references('job.id').onDelete('cascade'))
    // Copied from the job so a page query can range-scan one experiment's values of one parameter.
    .addColumn('experiment_id', t.bigint, (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // A number goes to num_value; a string, boolean or anything else to text_value (its JSON text for non-strings).
    .addColumn('num_value', t.double)
    .addColumn('text_value', 'text')
    .addPrimaryKeyConstraint('job_param_pk', ['job_id', 'name'])
    .execute();
  await db.schema.createIndex('job_param_experiment_name_num').on('job_param').columns(['experiment_id', 'name', 'num_value']).execute();
  // Sorting or filtering by a metric starts from one label's values.
  await db.schema.createIndex('multiple_result_label_value').on('multiple_result').columns(['label', 'value']).execute();

  const d = db as unknown as Kysely<{ job: JobParamsRow; job_param: JobParamTable }>;
  let after = 0;
  for (;;) {
    const jobs = await d
      .selectFrom('job')
      .select(['id', 'experiment_id', 'params'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(BACKFILL_PAGE)
      .execute();
    if (jobs.length === 0) break;
    const rows = jobs.flatMap((j) => paramRows(Number(j.id), Number(j.experiment_id), JSON.parse(j.params) as Record<string, unknown>));
    for (let i = 0; i < rows.length; i += BACKFILL_ROWS_PER_STATEMENT) {
      await d
        .insertInto('job_param')
        .values(rows.slice(i, i + BACKFILL_ROWS_PER_STATEMENT))
        .execute();
    }
    after = Number(jobs[jobs.length - 1]!.id);
  }
  if (dialect.analyze !== undefined) await dialect.analyze(db, 'job_param');
}
