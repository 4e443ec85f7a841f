/**
 * A job's results behind Store's ResultStore role (KyselyStore delegates here): intermediate
 * results (through the dialect's batch insert, the ingest's hot path), multiple results, text
 * records and artifacts. A fence limits a worker's writes to the attempt it still holds.
 */
import type { Kysely } from 'kysely';

import * as feed from './change-feed.js';
import { checkFence } from './job-leases.js';
import { replaceMetrics } from './jobs.js';
import { chunks, fromJson, toJson } from './rows.js';
import type { AupDatabase } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isForeignKeyViolation, missingJobIn } from './store-errors.js';
import type { ArtifactRecord, AttemptFence, IntermediateRecord, TextRecord } from './store-types.js';

export function addIntermediate(ctx: StoreContext, rows: IntermediateRecord[], fence?: AttemptFence): Promise<void> {
  if (rows.length === 0) return Promise.resolve();
  return ctx.dialect.addIntermediate(ctx, rows, fence);
}

export async function listIntermediate(ctx: StoreContext, jobId: number, label?: string): Promise<IntermediateRecord[]> {
  let q = ctx.db.selectFrom('intermediate_result').select(['job_id', 'label', 'step', 'value', 'time']).where('job_id', '=', jobId);
  if (label !== undefined) q = q.where('label', '=', label);
  const rows = await q.orderBy('label').orderBy('step').orderBy('id').execute();
  return rows.map((r) => ({ jobId: r.job_id, label: r.label, step: r.step, value: r.value, time: r.time }));
}

export async function setMultipleResults(ctx: StoreContext, jobId: number, values: Record<string, number>): Promise<void> {
  await ctx.write(async (trx) => {
    await replaceMetrics(trx, jobId, values);
    await feed.recordJobChanges(trx, ctx.dialect, [jobId], 'job');
  });
}

export async function addTextRecords(ctx: StoreContext, rows: TextRecord[], fence?: AttemptFence): Promise<void> {
  const values = rows.map((r) => ({
    job_id: r.jobId,
    kind: r.kind,
    name: r.name,
    step: r.step,
    payload: toJson(r.payload),
    time: r.time,
  }));
  await insertJobRows(ctx, values, 6, fence, (trx, chunk) => trx.insertInto('text_record').values(chunk).execute());
}

export async function listTextRecords(ctx: StoreContext, jobId: number): Promise<TextRecord[]> {
  const rows = await ctx.db.selectFrom('text_record').selectAll().where('job_id', '=', jobId).orderBy('id').execute();
  return rows.map((r) => ({
    jobId: r.job_id,
    kind: r.kind as TextRecord['kind'],
    name: r.name,
    step: r.step,
    payload: fromJson(r.payload),
    time: r.time,
  }));
}

export async function addArtifacts(ctx: StoreContext, rows: ArtifactRecord[], fence?: AttemptFence): Promise<void> {
  const values = rows.map((r) => ({ job_id: r.jobId, path: r.path, time: r.time }));
  await insertJobRows(ctx, values, 3, fence, (trx, chunk) => trx.insertInto('artifact').values(chunk).execute());
}

export async function listArtifacts(ctx: StoreContext, jobId: number): Promise<ArtifactRecord[]> {
  const rows = await ctx.db.selectFrom('artifact').select(['job_id', 'path', 'time']).where('job_id', '=', jobId).orderBy('id').execute();
  return rows.map((r) => ({ jobId: r.job_id, path: r.path, time: r.time }));
}

function rowsPerStatement(ctx: StoreContext, columns: number): number {
  return Math.floor(ctx.dialect.maxParameters / columns);
}

/**
 * Inserts a job's rows in statements of as many rows as the dialect binds, behind the attempt's
 * fence, and notes the jobs in the change feed, all in one transaction. A row naming an unknown job
 * is AUP_ERR_JOB_NOT_FOUND for the chunk it was in.
 */
async function insertJobRows<R extends { job_id: number }>(
  ctx: StoreContext,
  values: R[],
  columns: number,
  fence: AttemptFence | undefined,
  insert: (trx: Kysely<AupDatabase>, chunk: R[]) => Promise<unknown>,
): Promise<void> {
  await ctx.write(async (trx) => {
    if (fence !== undefined) await checkFence(trx, ctx.dialect, fence);
    for (const chunk of chunks(values, rowsPerStatement(ctx, columns))) {
      await insert(trx, chunk).catch((e: unknown) => {
        throw isForeignKeyViolation(e)
          ? missingJobIn(
              chunk.map((r) => r.job_id),
              e,
            )
          : e;
      });
    }
    await feed.recordJobChanges(
      trx,
      ctx.dialect,
      values.map((r) => r.job_id),
      'records',
    );
  });
}
