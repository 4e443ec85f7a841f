/**
 * The driver lease in the store (KyselyStore delegates here; docs/decisions/0019-driver-lease.md):
 * one row per driven experiment, taken by compare-and-set, renewed by its holder's heartbeat,
 * deleted when the holder ends. Whether a live-looking holder is in fact dead (its pid gone on this
 * host) is judged by the caller (runner/driver-lease.ts), which then names the token to replace.
 */
import type { Selectable } from 'kysely';

import { AupError } from '../errors.js';
import type { DriverLeaseTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { experimentNotFound } from './store-errors.js';
import type { DriverLease, DriverLeaseAcquisition, DriverLeaseRequest } from './store-types.js';

function toLease(r: Selectable<DriverLeaseTable>, readAt: number): DriverLease {
  return {
    experimentId: Number(r.experiment_id),
    token: r.token,
    host: r.host,
    pid: Number(r.pid),
    processStart: r.process_start,
    acquiredAt: Number(r.acquired_at),
    heartbeatAt: Number(r.heartbeat_at),
    expiresAt: Number(r.expires_at),
    readAt,
  };
}

export async function acquireDriverLease(ctx: StoreContext, req: DriverLeaseRequest): Promise<DriverLeaseAcquisition> {
  if (!(req.leaseMs > 0))
    throw new AupError('AUP_ERR_INTERNAL', `driver lease: expected a positive lease time in ms, found ${req.leaseMs}`);
  const dialect = ctx.dialect;
  return ctx.write(async (trx) => {
    // With row locks the row stays locked until commit, so a concurrent acquire waits and then
    // sees this one's result; without (SQLite), BEGIN IMMEDIATE lets one writer at a time through anyway.
    let q = trx.selectFrom('driver_lease').selectAll().where('experiment_id', '=', req.experimentId);
    if (dialect.rowLocks) q = q.forUpdate();
    const current = await q.executeTakeFirst();
    const now = await dialect.readNow(trx);
    const held = {
      token: req.token,
      host: req.host,
      pid: req.pid,
      process_start: req.processStart,
      acquired_at: now,
      heartbeat_at: now,
      expires_at: now + Math.round(req.leaseMs),
    };
    const holderNow = async (): Promise<DriverLeaseAcquisition> => {
      const row = await trx.selectFrom('driver_lease').selectAll().where('experiment_id', '=', req.experimentId).executeTakeFirstOrThrow();
      return { acquired: false, holder: toLease(row, now) };
    };
    if (current === undefined) {
      // Checked here rather than by the foreign key, so both dialects give the same error (and a
      // PostgreSQL transaction is not aborted by it).
      const exp = await trx.selectFrom('experiment').select('id').where('id', '=', req.experimentId).executeTakeFirst();
      if (exp === undefined) throw experimentNotFound(req.experimentId);
      // Two first drivers race on PostgreSQL (no row to lock): the second insert waits for the
      // first to commit and then does nothing; its next statement sees the winner.
      const inserted = await trx
        .insertInto('driver_lease')
        .values({ experiment_id: req.experimentId, ...held })
        .onConflict((oc) => oc.column('experiment_id').doNothing())
        .returningAll()
        .executeTakeFirst();
      return inserted === undefined ? holderNow() : { acquired: true, lease: toLease(inserted, now), previous: null };
    }
    const previous = toLease(current, now);
    if (previous.expiresAt > now && previous.token !== req.replace) return { acquired: false, holder: previous };
    const updated = await trx
      .updateTable('driver_lease')
      .set(held)
      .where('experiment_id', '=', req.experimentId)
      .where('token', '=', current.token)
      .returningAll()
      .executeTakeFirst();
    return updated === undefined ? holderNow() : { acquired: true, lease: toLease(updated, now), previous };
  });
}

export async function renewDriverLease(ctx: StoreContext, experimentId: number, token: string, leaseMs: number): Promise<boolean> {
  // No change-feed row: a heartbeat is not something the board shows, and one every few seconds
  // per driver would flood the feed.
  // One reading of the lease clock for both columns, as acquire does: two readings (Date.now()
  // twice on SQLite, clock_timestamp() twice on PostgreSQL) may fall a millisecond apart.
  const res = await ctx.write(async (trx) => {
    const now = await ctx.dialect.readNow(trx);
    return trx
      .updateTable('driver_lease')
      .set({ heartbeat_at: now, expires_at: now + Math.round(leaseMs) })
      .where('experiment_id', '=', experimentId)
      .where('token', '=', token)
      .executeTakeFirst();
  });
  return res.numUpdatedRows > 0n;
}

export async function releaseDriverLease(ctx: StoreContext, experimentId: number, token: string): Promise<boolean> {
  const res = await ctx.write((trx) =>
    trx.deleteFrom('driver_lease').where('experiment_id', '=', experimentId).where('token', '=', token).executeTakeFirst(),
  );
  return res.numDeletedRows > 0n;
}

export async function getDriverLease(ctx: StoreContext, experimentId: number): Promise<DriverLease | undefined> {
  const row = await ctx.db.selectFrom('driver_lease').selectAll().where('experiment_id', '=', experimentId).executeTakeFirst();
  return row === undefined ? undefined : toLease(row, await ctx.dialect.readNow(ctx.db));
}
