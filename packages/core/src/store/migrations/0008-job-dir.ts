import { sql, type Kysely } from 'kysely';

/**
 * The folder of an experiment's job files (docs/decisions/0021-job-file-layout.md): a path under
 * its working directory, chosen once by the runner (`jobs/e<id>-<random>`, made with an exclusive
 * mkdir) so that no other experiment or database writes, appends to or deletes its files. Null: no
 * job file written yet. Experiments that have jobs from before this migration keep the flat layout
 * they were run with, `jobs/` (their files are `jobs/<jid>.json` and `jobs/<jid>.<k>.out`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('experiment').addColumn('job_dir', 'text').execute();
  await sql`update experiment set job_dir = 'jobs' where exists (select 1 from job where job.experiment_id = experiment.id)`.execute(db);
}
