import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';

import type { DialectCaps } from './dialect-caps.js';
import type { AupDatabase } from './schema.js';
import type { ChangeKind, ChangeRecord } from './store-types.js';

// The change feed (docs/decisions/0005-change-feed.md). Every store mutation the board shows calls
// one of the record functions as the LAST statement of its transaction, so that the PostgreSQL
// lock below is held only from the change row's insert to the commit.

/** Every kind a change row may have. */
export const CHANGE_KINDS: readonly ChangeKind[] = ['experiment', 'experiment_deleted', 'job', 'intermediate', 'records'];

/** Page size of listChanges when the caller names none. */
export const DEFAULT_CHANGE_PAGE = 1_000;

/**
 * The transaction-scoped advisory lock that serialises change-writing transactions on PostgreSQL,
 * so that change ids become visible in id order. An arbitrary constant ("aupchg" in ASCII); the
 * only requirement is that nothing else in the database uses the same key.
 */
export const CHANGE_FEED_LOCK_KEY = 0x617570636867;

// Job ids per `in (...)` list: far under both dialects' parameter limits.
const JOB_IDS_PER_STATEMENT = 5_000;

/** Appends one change row per distinct job in `jobIds` (their experiment read from the job rows). */
export async function recordJobChanges(
  trx: Kysely<AupDatabase>,
  caps: DialectCaps,
  jobIds: readonly number[],
  kind: ChangeKind,
): Promise<void> {
  const ids = [...new Set(jobIds)].sort((a, b) => a - b);
  if (ids.length === 0) return;
  await lockFeed(trx, caps);
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
  caps: DialectCaps,
  experimentId: number,
  kind: ChangeKind,
): Promise<void> {
  await lockFeed(trx, caps);
  await trx.insertInto('change').values({ experiment_id: experimentId, job_id: null, kind, time: Date.now() }).execute();
}

/** Appends the change row of a job deleted in this transaction (its row is gone, so it is named directly). */
export async function recordDeletedJobChange(
  trx: Kysely<AupDatabase>,
  caps: DialectCaps,
  experimentId: number,
  jobId: number,
): Promise<void> {
  await lockFeed(trx, caps);
  await trx.insertInto('change').values({ experiment_id: experimentId, job_id: jobId, kind: 'job', time: Date.now() }).execute();
}

const sqliteInserts = new WeakMap<BetterSqlite3.Database, BetterSqlite3.Statement>();

/** The SQLite fast path's twin of recordJobChanges, for writes made on the raw better-sqlite3 handle. */
export function sqliteRecordJobChanges(raw: BetterSqlite3.Database, jobIds: readonly number[], kind: ChangeKind): void {
  let insert = sqliteInserts.get(raw);
  if (insert === undefined) {
    insert = raw.prepare('insert into change (experiment_id, job_id, kind, time) select experiment_id, id, ?, ? from job where id = ?');
    sqliteInserts.set(raw, insert);
  }
  const time = Date.now();
  for (const id of [...new Set(jobIds)].sort((a, b) => a - b)) insert.run(kind, time, id);
}

/** Changes after `after` in id order. */
export async function listChanges(
  db: Kysely<AupDatabase>,
  after: number,
  opts: { experimentId?: number; limit?: number } = {},
): Promise<ChangeRecord[]> {
  let q = db.selectFrom('change').selectAll().where('id', '>', after);
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
export async function lastChangeId(db: Kysely<AupDatabase>): Promise<number> {
  const row = await db
    .selectFrom('change')
    .select((eb) => eb.fn.max('id').as('last'))
    .executeTakeFirst();
  // max() of bigint is bigint in PostgreSQL (parsed to a number by open-store), integer in SQLite.
  return row?.last == null ? 0 : Number(row.last);
}

async function lockFeed(trx: Kysely<AupDatabase>, caps: DialectCaps): Promise<void> {
  // SQLite needs nothing: BEGIN IMMEDIATE already admits one writer at a time, so ids commit in order.
  if (caps.dialect === 'postgres') await sql`select pg_advisory_xact_lock(cast(${CHANGE_FEED_LOCK_KEY} as bigint))`.execute(trx);
}
