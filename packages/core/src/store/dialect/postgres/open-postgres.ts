import { Kysely, PostgresDialect } from 'kysely';

import { AupError } from '../../../errors.js';
import { loadOptional } from '../../../optional-package.js';
import type { DbLocation } from '../../db-url.js';
import type { AupDatabase } from '../../schema.js';
import { errorText } from '../../store-errors.js';
import type { StoreBackend } from '../dialect.js';
import { POSTGRES_DIALECT } from './postgres-dialect.js';

// The runner, the board and a few API requests at once; PostgreSQL's default limit is 100 per server.
const PG_POOL_SIZE = 10;
/**
 * PostgreSQL ends an aup session that sits idle inside a transaction for this long (ms), so a
 * process that is paused, frozen or cut off mid-transaction cannot hold its row locks, or the
 * change feed's lock that every writer takes, for the hours TCP takes to notice. aup's
 * transactions issue their statements back to back and take milliseconds, so 10 s is only ever
 * reached by a process that has stopped. `aup worker` sets its lease instead (OpenStoreOptions).
 */
export const PG_IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;
// pg type OIDs whose default parsing we replace: int8 (ids, epoch-ms times) to numbers, json kept as text.
const PG_INT8_OID = 20;
const PG_JSON_OID = 114;
const PG_INVALID_CATALOG_NAME = '3D000';

/** Opens a pool on a PostgreSQL database (which must exist), with aup's type parsers and session settings. */
export async function openPostgres(
  location: Extract<DbLocation, { dialect: 'postgres' }>,
  opts: { readOnly: boolean; idleInTransactionTimeoutMs?: number },
): Promise<StoreBackend> {
  const idleInTransactionTimeoutMs = opts.idleInTransactionTimeoutMs ?? PG_IDLE_IN_TRANSACTION_TIMEOUT_MS;
  // Loaded only when needed: SQLite users (the default) neither install pg nor pay for it at start-up.
  const { default: pg } = await loadOptional('pg', () => import('pg'));
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: PG_POOL_SIZE,
    idle_in_transaction_session_timeout: Math.max(1, Math.round(idleInTransactionTimeoutMs)),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === PG_INT8_OID) return (v: string) => Number(v);
        if (oid === PG_JSON_OID) return (v: string) => v;
        return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client can lose its server (restart, dropped database); the next query reports it.
  pool.on('error', () => undefined);
  if (opts.readOnly) {
    // Every session of a read-only store refuses writes, so a read-only board cannot change the
    // database even through a fault of its own. A client runs its queries in order, so this one
    // comes before any the store sends.
    pool.on('connect', (client) => {
      client.query('set session characteristics as transaction read only').catch(() => undefined);
    });
  }
  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    if ((cause as { code?: unknown }).code === PG_INVALID_CATALOG_NAME) {
      // aup never creates a PostgreSQL database: that needs rights its user rarely has.
      throw new AupError(
        'AUP_ERR_DB_MISSING',
        `Cannot open PostgreSQL database ${location.display}: ${errorText(cause)} (create it first: CREATE DATABASE ...)`,
        {
          details: { url: location.display },
          cause,
        },
      );
    }
    throw new AupError('AUP_ERR_DB_OPEN', `Cannot connect to PostgreSQL at ${location.display}: ${errorText(cause)}`, {
      details: { url: location.display },
      cause,
    });
  }
  const db = new Kysely<AupDatabase>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: POSTGRES_DIALECT,
    url: location.display,
    write: (fn) => db.transaction().execute(fn),
    // Kysely's migrator takes an advisory lock and one transaction by itself.
    migrate: (fn) => fn(db),
    close: () => db.destroy(),
  };
}
