/**
 * The control_request table behind Store.requestControl and friends (KyselyStore delegates here):
 * the board or the CLI writes a request, the experiment's runner takes it, acts and answers.
 */
import type { Selectable } from 'kysely';

import { AupError } from '../errors.js';
import type { Json } from '../types.js';
import { toJson } from './rows.js';
import type { ControlRequestTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { experimentNotFound } from './store-errors.js';
import type { ControlAction, ControlRequest, NewControlRequest } from './store-types.js';

const ACTIONS: readonly ControlAction[] = ['stop', 'kill_job', 'set', 'enqueue'];

/** Inserts a request; AUP_ERR_EXPERIMENT_NOT_FOUND when the experiment does not exist. */
export async function insertControlRequest(ctx: StoreContext, input: NewControlRequest): Promise<ControlRequest> {
  if (!ACTIONS.includes(input.action)) {
    throw new AupError(
      'AUP_ERR_INTERNAL',
      `control request action: expected one of ${ACTIONS.join(', ')}, found ${JSON.stringify(input.action)}`,
    );
  }
  const row = await ctx.write(async (trx) => {
    // Checked in the transaction rather than by the foreign key, so both dialects give the same error.
    const exp = await trx.selectFrom('experiment').select('id').where('id', '=', input.experimentId).executeTakeFirst();
    if (exp === undefined) throw experimentNotFound(input.experimentId);
    return trx
      .insertInto('control_request')
      .values({
        experiment_id: input.experimentId,
        job_id: input.jobId ?? null,
        action: input.action,
        payload: toJson(input.payload ?? {}),
        created_at: Date.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  return toControlRequest(row);
}

/** Marks the experiment's untaken requests taken, in one statement, and returns them in id order. */
export async function takeControlRequests(ctx: StoreContext, experimentId: number): Promise<ControlRequest[]> {
  // A read first: the runner polls several times a second, and an idle poll should not take the write lock.
  const waiting = await ctx.db
    .selectFrom('control_request')
    .select('id')
    .where('experiment_id', '=', experimentId)
    .where('taken_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  if (waiting === undefined) return [];
  // One UPDATE ... WHERE taken_at IS NULL: PostgreSQL re-checks the condition on rows another
  // transaction updated first, and SQLite's BEGIN IMMEDIATE serialises writers; so a row is taken once.
  const rows = await ctx.write((trx) =>
    trx
      .updateTable('control_request')
      .set({ taken_at: Date.now() })
      .where('experiment_id', '=', experimentId)
      .where('taken_at', 'is', null)
      .returningAll()
      .execute(),
  );
  return rows.map(toControlRequest).sort((a, b) => a.id - b.id);
}

/** Records the answer; AUP_ERR_INTERNAL when no request has this id (only a runner calls this). */
export async function finishControlRequest(ctx: StoreContext, id: number, result: Json): Promise<void> {
  await ctx.write(async (trx) => {
    const res = await trx
      .updateTable('control_request')
      .set({ done_at: Date.now(), result: toJson(result) })
      .where('id', '=', id)
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) {
      throw new AupError('AUP_ERR_INTERNAL', `No control request has id ${id}: expected an id returned by requestControl`, {
        details: { requestId: id },
      });
    }
  });
}

/** One request, or undefined. */
export async function getControlRequest(ctx: StoreContext, id: number): Promise<ControlRequest | undefined> {
  const row = await ctx.db.selectFrom('control_request').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toControlRequest(row);
}

function toControlRequest(r: Selectable<ControlRequestTable>): ControlRequest {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    jobId: r.job_id,
    action: r.action as ControlAction,
    payload: JSON.parse(r.payload) as Json,
    createdAt: r.created_at,
    takenAt: r.taken_at,
    doneAt: r.done_at,
    result: r.result === null ? null : (JSON.parse(r.result) as Json),
  };
}
