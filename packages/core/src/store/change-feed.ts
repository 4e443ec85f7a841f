import { sql, type Kysely } from 'kysely';

import type { Dialect } from './dialect/dialect.js';
import type { AupDatabase } from './schema.js';
import type { StoreContext } from './store-context.js';
import type { ChangeKind, ChangeRecord } from './store-types.js';

// The change feed (docs/decisions/0005-change-feed.md). Every store mutation the board shows calls
// one of the record functions as the LAST statement of its transaction, so that the dialect's feed
// lock (PostgreSQL's advisory lock) is held only from the change row's insert to the commit.

/** Every kind a change row may have. */
export const CHANGE_KINDS: readonly ChangeKind[] = ['experiment', 'experiment_deleted', 'job', 'intermediate', 'records'];

/** Page size of listChanges when the caller names none. */
export const DEFAULT_CHANGE_PAGE = 1_000;

// Job ids per `in (...)` list: far under both dialects' parameter limits.
const JOB_IDS_PER_STATEMENT = 5_000;

/** Appends one change row per distinct job in `jobIds` (their experiment read from the job rows). */
export async function recordJobChanges(
  trx: Kysely<AupDatabase>,
  dialect: Dialect,
  jobIds: readonly number[],
  kind: ChangeKind,
): Promise<void> {
  const ids = [...new Set(jobIds)].sort((a, b) => a - b);
  if (ids.length === 0) return;
  if (dialect.lockChangeFeed !== undefined) await dialect.lockChangeFeed(trx);
  const time = Date.now();
  for (let start = 0; start < ids.length; start += JOB_IDS_PER_STATEMENT) {
    const chunk = ids.slice(start, start + JOB_IDS_PER_STATEMENT);
    await trx
      .insertInto('change')
      .columns(['experiment_id', 'job_id', 'kind', 'time'])
      .expression(
        trx
          .selectFrom('job')
          .select([
            'experiment_id',
            'id',
            // Typed casts: PostgreSQL cannot infer a parameter's type from an insert ... select list.
            sql<string>`cast(${kind} as text)`.as('kind'),
            sql<number>`cast(${time} as bigint)`.as('time'),
          ])
          .where('id', 'in', chunk)
          .orderBy('id'),
      )
      .execute();
  }
}

/** Appends one experiment-level change row (no job). */
export async function recordExperimentChange(
  trx: Kysely<AupDatabase>,
  dialect: Dialect,
  experimentId: number,
  kind: ChangeKind,
): Promise<void> {
  if (dialect.lockChangeFeed !== undefined) await dialect.lockChangeFeed(trx);
  await trx.insertInto('change').values({ experiment_id: experimentId, job_id: null, kind, time: Date.now() }).execute();
}

/** Appends the change row of a job deleted in this transaction (its row is gone, so it is named directly). */
export async function recordDeletedJobChange(
  trx: Kysely<AupDatabase>,
  dialect: Dialect,
  experimentId: number,
  jobId: number,
): Promise<void> {
  if (dialect.lockChangeFeed !== undefined) await dialect.lockChangeFeed(trx);
  await trx.insertInto('change').values({ experiment_id: experimentId, job_id: jobId, kind: 'job', time: Date.now() }).execute();
}

/** Changes after `after` in id order. */
export async function listChanges(
  ctx: StoreContext,
  after: number,
  opts: { experimentId?: number; limit?: number } = {},
): Promise<ChangeRecord[]> {
  let q = ctx.db.selectFrom('change').selectAll().where('id', '>', after);
  if (opts.experimentId !== undefined) q = q.where('experiment_id', '=', opts.experimentId);
  const rows = await q
    .orderBy('id')
    .limit(opts.limit ?? DEFAULT_CHANGE_PAGE)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    experimentId: r.experiment_id,
    jobId: r.job_id,
    kind: r.kind as ChangeKind,
    time: r.time,
  }));
}

/** The newest change id, 0 when the feed is empty. */
export async function lastChangeId(ctx: StoreContext): Promise<number> {
  const row = await ctx.db
    .selectFrom('change')
    .select((eb) => eb.fn.max('id').as('last'))
    .executeTakeFirst();
  // max() of bigint is bigint in PostgreSQL (parsed to a number by open-postgres.ts), integer in SQLite.
  return row?.last == null ? 0 : Number(row.last);
}
