import { sql, type RawBuilder } from 'kysely';

import { recordJobChanges } from '../../change-feed.js';
import { checkFence } from '../../job-leases.js';
import { isForeignKeyViolation, missingJobIn } from '../../store-errors.js';
import type { StoreContext } from '../../store-context.js';
import type { AttemptFence, IntermediateRecord } from '../../store-types.js';
import type { Dialect } from '../dialect.js';

// PostgreSQL batch inserts send one array per column through unnest(): five parameters for any
// number of rows. Chunks bound the size of one message and of the server's memory per statement.
const PG_UNNEST_CHUNK = 20_000;

/**
 * The transaction-scoped advisory lock that serialises change-writing transactions on PostgreSQL,
 * so that change ids become visible in id order. An arbitrary constant ("aupchg" in ASCII); the
 * only requirement is that nothing else in the database uses the same key.
 */
export const CHANGE_FEED_LOCK_KEY = 0x617570636867;

// The server's clock judges leases, so the workers' and the driver's machines need not agree on the time.
const now = (): RawBuilder<number> => sql<number>`cast(extract(epoch from clock_timestamp()) * 1000 as bigint)`;

export const POSTGRES_DIALECT: Dialect = {
  name: 'postgres',
  label: 'PostgreSQL',
  // The wire protocol counts bind parameters in an unsigned 16-bit field.
  maxParameters: 65_535,
  // `json`, not `jsonb`: it keeps the text (and so the key order of params and configs) as written.
  types: { bigint: 'bigint', int: 'integer', double: 'double precision', json: 'json' },
  rowLocks: true,
  planHints: false,
  now,
  later: (ms) => sql<number>`(${now()} + cast(${Math.round(ms)} as bigint))`,
  readNow: async (db) => {
    const { rows } = await sql<{ now: number | string }>`select ${now()} as now`.execute(db);
    return Number(rows[0]!.now);
  },
  lockChangeFeed: async (trx) => {
    await sql`select pg_advisory_xact_lock(cast(${CHANGE_FEED_LOCK_KEY} as bigint))`.execute(trx);
  },
  bucketIndex: (x) => sql`floor(${x})`,
  addIntermediate,
  listTables: async (db) => {
    const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
    return rows.map((r) => r.name);
  },
  idColumn: (table) => table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity()),
  analyze: async (db, table) => {
    // `table` is a migration's constant, never input.
    await sql`analyze ${sql.raw(table)}`.execute(db);
  },
};

async function addIntermediate(ctx: StoreContext, rows: IntermediateRecord[], fence: AttemptFence | undefined): Promise<void> {
  await ctx.write(async (trx) => {
    if (fence !== undefined) await checkFence(trx, ctx.dialect, fence);
    for (let start = 0; start < rows.length; start += PG_UNNEST_CHUNK) {
      const chunk = rows.slice(start, start + PG_UNNEST_CHUNK);
      await sql`insert into intermediate_result (job_id, label, step, value, time)
          select * from unnest(${chunk.map((r) => r.jobId)}::bigint[], ${chunk.map((r) => r.label)}::text[],
            ${chunk.map((r) => r.step)}::float8[], ${chunk.map((r) => r.value)}::float8[], ${chunk.map((r) => r.time)}::bigint[])`
        .execute(trx)
        .catch((e: unknown) => {
          throw isForeignKeyViolation(e)
            ? missingJobIn(
                chunk.map((r) => r.jobId),
                e,
              )
            : e;
        });
    }
    await recordJobChanges(
      trx,
      ctx.dialect,
      rows.map((r) => r.jobId),
      'intermediate',
    );
  });
}
