/** The experiment rows behind Store's ExperimentStore role (KyselyStore delegates here). */
import type { Insertable, Kysely, Updateable } from 'kysely';

import * as feed from './change-feed.js';
import { toExperiment, toJson } from './rows.js';
import type { AupDatabase, ExperimentTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { experimentNotFound } from './store-errors.js';
import type { Json } from '../types.js';
import type { ExperimentPatch, ExperimentRecord, NewExperiment } from './store-types.js';

export async function createExperiment(ctx: StoreContext, input: NewExperiment): Promise<ExperimentRecord> {
  const row: Insertable<ExperimentTable> = {
    name: input.name,
    user_name: input.user,
    proposer: input.proposer,
    target: input.target,
    n_samples: input.nSamples,
    status: 'created',
    config_raw: toJson(input.configRaw),
    config: toJson(input.config),
    working_dir: input.workingDir,
    host: toJson(input.host),
    git: toJson(input.git),
    proposer_state: toJson(input.proposerState ?? null),
    created_at: Date.now(),
    workers: input.workers ? input.workers.mode : null,
    worker_tags: JSON.stringify(input.workers?.tags ?? []),
  };
  const created = await ctx.write(async (trx) => {
    const exp = await trx.insertInto('experiment').values(row).returningAll().executeTakeFirstOrThrow();
    await feed.recordExperimentChange(trx, ctx.dialect, exp.id, 'experiment');
    return exp;
  });
  return toExperiment(created);
}

export async function getExperiment(ctx: StoreContext, id: number): Promise<ExperimentRecord | undefined> {
  const row = await ctx.db.selectFrom('experiment').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toExperiment(row);
}

export async function listExperiments(ctx: StoreContext): Promise<ExperimentRecord[]> {
  const rows = await ctx.db.selectFrom('experiment').selectAll().orderBy('id').execute();
  return rows.map(toExperiment);
}

export async function updateExperiment(ctx: StoreContext, id: number, patch: ExperimentPatch): Promise<void> {
  await ctx.write(async (trx) => {
    await patchExperiment(trx, id, experimentSet(patch));
    await feed.recordExperimentChange(trx, ctx.dialect, id, 'experiment');
  });
}

export async function deleteExperiment(ctx: StoreContext, id: number): Promise<void> {
  await ctx.write(async (trx) => {
    const res = await trx.deleteFrom('experiment').where('id', '=', id).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw experimentNotFound(id);
    await feed.recordExperimentChange(trx, ctx.dialect, id, 'experiment_deleted');
  });
}

/** Sets the columns of `set` inside a transaction (nothing when empty); AUP_ERR_EXPERIMENT_NOT_FOUND if absent. */
export async function patchExperiment(trx: Kysely<AupDatabase>, id: number, set: Updateable<ExperimentTable>): Promise<void> {
  const found =
    Object.keys(set).length === 0
      ? (await trx.selectFrom('experiment').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
      : (await trx.updateTable('experiment').set(set).where('id', '=', id).executeTakeFirst()).numUpdatedRows > 0n;
  if (!found) throw experimentNotFound(id);
}

/** The columns an experiment patch names (undefined = unchanged, null = cleared). */
export function experimentSet(patch: ExperimentPatch): Updateable<ExperimentTable> {
  const set: Updateable<ExperimentTable> = {};
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.proposerState !== undefined) set.proposer_state = toJson(patch.proposerState);
  if (patch.config !== undefined) set.config = toJson(patch.config);
  if (patch.bestJobId !== undefined) set.best_job_id = patch.bestJobId;
  if (patch.bestScore !== undefined) set.best_score = patch.bestScore;
  if (patch.error !== undefined) set.error = patch.error;
  if (patch.nSamples !== undefined) set.n_samples = patch.nSamples;
  if (patch.startedAt !== undefined) set.started_at = patch.startedAt;
  if (patch.endedAt !== undefined) set.ended_at = patch.endedAt;
  if (patch.host !== undefined) set.host = toJson(patch.host);
  if (patch.jobDir !== undefined) set.job_dir = patch.jobDir;
  if (patch.stopReason !== undefined) set.stop_reason = patch.stopReason;
  if (patch.budgetUsedMs !== undefined) set.budget_used_ms = Math.round(patch.budgetUsedMs);
  if (patch.warmStart !== undefined) set.warm_start = patch.warmStart === null ? null : toJson(patch.warmStart as unknown as Json);
  return set;
}
