import type { Kysely } from 'kysely';

/**
 * What an attempt was run for: `trial` (every attempt so far), or `save_model`, the best job run
 * once more after the experiment so that its script saves the model (runner/save-model.ts). The
 * model save is an attempt of the best job, not a job of its own, so an experiment keeps n_samples
 * jobs; its log, exit status and artifacts go with the best job, whose status and score it leaves
 * alone. aup before this migration recorded the model save as a job marked by `extra.save_model`;
 * those rows stay as they are and are still told apart by that marker.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('job_attempt')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('trial'))
    .execute();
}
