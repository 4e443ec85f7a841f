import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';

import type { AupDatabase } from '../../schema.js';
import { isForeignKeyViolation, leaseLost, missingJobIn } from '../../store-errors.js';
import type { StoreContext } from '../../store-context.js';
import type { AttemptFence, ChangeKind, IntermediateRecord } from '../../store-types.js';
import type { Dialect } from '../dialect.js';
import type { WriteLock } from './write-lock.js';

// Rows per statement of the SQLite intermediate insert. Measured (docs/decisions/0002): a prepared
// 64-row statement ran about twice as fast as a one-row statement in a loop and 2-3.5x as fast as
// Kysely's multi-row insert; larger statements gained nothing consistent.
const SQLITE_INSERT_BATCH = 64;
const INTERMEDIATE_COLUMNS = ['job_id', 'label', 'step', 'value', 'time'] as const;

/**
 * SQLite, on one better-sqlite3 handle: the dialect is made per open database, because its ingest
 * path writes through the raw handle (behind `lock`) with statements it prepares once.
 */
export function sqliteDialect(raw: BetterSqlite3.Database, lock: WriteLock): Dialect {
  const ingest = new SqliteIngest(raw);
  return {
    name: 'sqlite',
    label: 'SQLite',
    // SQLite's compiled-in SQLITE_MAX_VARIABLE_NUMBER since 3.32 (better-sqlite3 bundles a newer one).
    maxParameters: 32_766,
    types: { bigint: 'integer', int: 'integer', double: 'real', json: 'text' },
    rowLocks: false,
    planHints: true,
    // Every process is on one machine, so its clock is the only one.
    now: () => sql<number>`${Date.now()}`,
    later: (ms) => sql<number>`${Date.now() + Math.round(ms)}`,
    readNow: () => Promise.resolve(Date.now()),
    // BEGIN IMMEDIATE already admits one writer at a time, so change ids commit in order.
    lockChangeFeed: undefined,
    bucketIndex: (x) => sql`cast(${x} as integer)`,
    addIntermediate: (_ctx: StoreContext, rows, fence) => lock.run(() => ingest.insert(rows, fence)),
    listTables: async (db) => {
      const { rows } = await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db);
      return rows.map((r) => r.name);
    },
    idColumn: (table, reuse) => table.addColumn('id', 'integer', (c) => (reuse ? c.primaryKey() : c.primaryKey().autoIncrement())),
    analyze: undefined,
  };
}

/** `BEGIN IMMEDIATE ... COMMIT` on one reserved connection. */
export async function immediateTransaction<T>(db: Kysely<AupDatabase>, fn: (trx: Kysely<AupDatabase>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (e) {
      // Some errors (SQLITE_FULL, SQLITE_IOERR) roll back on their own; a second rollback then fails.
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw e;
    }
  });
}

/**
 * The hot batch insert of intermediate results on the raw handle, in one synchronous transaction:
 * the fence check, the rows in prepared 64-row statements, and the change rows (the twins of
 * job-leases.ts's checkFence and change-feed.ts's recordJobChanges).
 */
class SqliteIngest {
  readonly #raw: BetterSqlite3.Database;
  #insertBatch: BetterSqlite3.Statement | undefined;
  #insertOne: BetterSqlite3.Statement | undefined;
  #fence: BetterSqlite3.Statement | undefined;
  #change: BetterSqlite3.Statement | undefined;

  constructor(raw: BetterSqlite3.Database) {
    this.#raw = raw;
  }

  insert(rows: IntermediateRecord[], fence: AttemptFence | undefined): void {
    try {
      this.#raw
        .transaction(() => {
          if (fence !== undefined) this.#checkFence(fence);
          this.#insertRows(rows);
          this.#recordJobChanges(
            rows.map((r) => r.jobId),
            'intermediate',
          );
        })
        .immediate();
    } catch (e) {
      throw isForeignKeyViolation(e)
        ? missingJobIn(
            rows.map((r) => r.jobId),
            e,
          )
        : e;
    }
  }

  #checkFence(fence: AttemptFence): void {
    this.#fence ??= this.#raw.prepare('select status, worker_id from job_attempt where id = ?');
    const row = this.#fence.get(fence.attemptId) as { status: string; worker_id: number | null } | undefined;
    if (row === undefined || row.status !== 'running' || Number(row.worker_id) !== fence.workerId) throw leaseLost(fence);
  }

  #insertRows(rows: IntermediateRecord[]): void {
    const head = `insert into intermediate_result (${INTERMEDIATE_COLUMNS.join(', ')}) values `;
    this.#insertBatch ??= this.#raw.prepare(head + Array(SQLITE_INSERT_BATCH).fill('(?, ?, ?, ?, ?)').join(', '));
    this.#insertOne ??= this.#raw.prepare(head + '(?, ?, ?, ?, ?)');
    const batch = this.#insertBatch;
    const params: (number | string)[] = new Array<number | string>(SQLITE_INSERT_BATCH * INTERMEDIATE_COLUMNS.length);
    let i = 0;
    for (; i + SQLITE_INSERT_BATCH <= rows.length; i += SQLITE_INSERT_BATCH) {
      let p = 0;
      for (let k = i; k < i + SQLITE_INSERT_BATCH; k++) {
        const r = rows[k]!;
        params[p++] = r.jobId;
        params[p++] = r.label;
        params[p++] = r.step;
        params[p++] = r.value;
        params[p++] = r.time;
      }
      batch.run(params);
    }
    for (; i < rows.length; i++) {
      const r = rows[i]!;
      this.#insertOne.run(r.jobId, r.label, r.step, r.value, r.time);
    }
  }

  #recordJobChanges(jobIds: readonly number[], kind: ChangeKind): void {
    this.#change ??= this.#raw.prepare(
      'insert into change (experiment_id, job_id, kind, time) select experiment_id, id, ?, ? from job where id = ?',
    );
    const time = Date.now();
    for (const id of [...new Set(jobIds)].sort((a, b) => a - b)) this.#change.run(kind, time, id);
  }
}
