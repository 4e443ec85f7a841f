import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';

import { AupError } from '../errors.js';
import { loadOptional } from '../optional-package.js';
import { parseDbUrl, type DbLocation } from './db-url.js';
import { POSTGRES_CAPS, SQLITE_CAPS, type DialectCaps } from './dialect-caps.js';
import { immediateTransaction, KyselyStore, type StoreBackend } from './kysely-store.js';
import { MIGRATION_NAMES, migrationProvider } from './migrations/index.js';
import { sqliteAddonError } from './sqlite-addon.js';
import { cachingDatabase } from './statement-cache.js';
import { AUP_TABLES, MIGRATION_LOCK_TABLE, MIGRATION_TABLE, type AupDatabase } from './schema.js';
import type { Store } from './store-types.js';
import { acquireFileLock, WriteLock } from './write-lock.js';

/**
 * How long a SQLite writer waits for another process's write lock before failing with
 * "database is locked". Writes are short (a batch of 10,000 rows takes well under 100 ms), so
 * 10 s only runs out when another process is stuck.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

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

export interface OpenStoreOptions {
  /** Create the SQLite file (and the schema) if missing. Default true; the board passes false. */
  create?: boolean;
  /** Base for relative SQLite paths. Default `process.cwd()`. */
  cwd?: string;
  /** PostgreSQL: end a session idle in a transaction after this long (ms); default PG_IDLE_IN_TRANSACTION_TIMEOUT_MS. */
  idleInTransactionTimeoutMs?: number;
}

/**
 * Opens (and migrates) the store named by `url`; see `parseDbUrl` for the URL forms.
 * @example const store = await openStore('postgres://aup@db.lab/aup');
 */
export async function openStore(url?: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const location = parseDbUrl(url, opts.cwd);
  const create = opts.create ?? true;
  const backend = location.dialect === 'sqlite' ? openSqlite(location, create) : await openPostgres(location, opts.idleInTransactionTimeoutMs);
  try {
    await prepareSchema(backend, create);
  } catch (e) {
    await backend.db.destroy().catch(() => undefined);
    backend.onClose?.();
    throw e;
  }
  return new KyselyStore(backend);
}

function openSqlite(location: Extract<DbLocation, { dialect: 'sqlite' }>, create: boolean): StoreBackend {
  const file = location.path;
  const memory = file === ':memory:';
  if (!memory) {
    if (!existsSync(file)) {
      if (!create) {
        throw new AupError('AUP_ERR_DB_OPEN', `SQLite database ${file} does not exist: expected an existing aup database file`, {
          details: { path: file },
        });
      }
      if (!existsSync(dirname(file))) {
        throw new AupError('AUP_ERR_DB_OPEN', `Cannot create SQLite database ${file}: the directory ${dirname(file)} does not exist`, {
          details: { path: file },
        });
      }
    } else if (statSync(file).isDirectory()) {
      throw new AupError('AUP_ERR_DB_OPEN', `SQLite database path ${file} is a directory: expected a file`, { details: { path: file } });
    }
  }
  let raw: Database.Database;
  try {
    raw = new Database(file, { fileMustExist: !create && !memory });
    // Order matters: the busy timeout first, so that switching to WAL waits for another writer.
    raw.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // WAL: readers (the board) never block the writer (the runner), and commits are cheap.
    raw.pragma('journal_mode = WAL');
    // NORMAL is durable against a crash of aup in WAL mode; only a power cut can lose the last commits.
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
  } catch (cause) {
    throw sqliteAddonError(cause) ?? new AupError('AUP_ERR_DB_OPEN', `Cannot open SQLite database ${location.display}: ${errorText(cause)}`, {
      details: { path: file },
      cause,
    });
  }
  const held = memory ? undefined : acquireFileLock(realpathSync(file));
  return {
    db: new Kysely<AupDatabase>({ dialect: new SqliteDialect({ database: cachingDatabase(raw) }) }),
    caps: SQLITE_CAPS,
    url: location.display,
    sqlite: raw,
    lock: held?.lock ?? new WriteLock(),
    onClose: held === undefined ? undefined : () => held.release(),
  };
}

async function openPostgres(location: Extract<DbLocation, { dialect: 'postgres' }>, idleInTransactionTimeoutMs = PG_IDLE_IN_TRANSACTION_TIMEOUT_MS): Promise<StoreBackend> {
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
  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    const missing = (cause as { code?: unknown }).code === PG_INVALID_CATALOG_NAME;
    throw new AupError(
      'AUP_ERR_DB_OPEN',
      `Cannot connect to PostgreSQL at ${location.display}: ${errorText(cause)}${missing ? ' (create the database first: CREATE DATABASE ...)' : ''}`,
      { details: { url: location.display }, cause },
    );
  }
  return { db: new Kysely<AupDatabase>({ dialect: new PostgresDialect({ pool }) }), caps: POSTGRES_CAPS, url: location.display };
}

/** Refuses foreign databases, then brings the schema to the latest migration. */
async function prepareSchema(backend: StoreBackend, create: boolean): Promise<void> {
  const { db, caps, url } = backend;
  const migrate = async (conn: Kysely<AupDatabase>): Promise<void> => {
    const tables = await listTables(conn, caps);
    if (tables.includes(MIGRATION_TABLE)) {
      const done = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(conn);
      const unknown = done.rows.map((r) => r.name).filter((n) => !MIGRATION_NAMES.includes(n));
      if (unknown.length > 0) {
        throw new AupError(
          'AUP_ERR_DB_OPEN',
          `Database ${url} was migrated by a newer aup (migration ${unknown.join(', ')} is unknown to this version): upgrade aup to open it`,
          { details: { url, unknownMigrations: unknown } },
        );
      }
    } else {
      const clash = tables.filter((t) => (AUP_TABLES as readonly string[]).includes(t));
      if (clash.length > 0 || (!create && tables.length > 0)) {
        const shown = (clash.length > 0 ? clash : tables).slice(0, 8).join(', ');
        throw new AupError(
          'AUP_ERR_DB_NOT_AUP',
          `Database ${url} was not created by aup: it has tables (${shown}) but no ${MIGRATION_TABLE} table` +
            (clash.length > 0 ? '; it may be an Auptimizer database, which aup cannot share: use a new file or database' : ''),
          { details: { url, tables } },
        );
      }
    }
    const migrator = new Migrator({
      db: conn,
      provider: migrationProvider(caps),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new AupError(
        'AUP_ERR_DB_OPEN',
        `Cannot migrate database ${url}${failed === undefined ? '' : ` (migration ${failed})`}: ${errorText(error)}`,
        { details: { url, migration: failed }, cause: error },
      );
    }
  };
  if (caps.dialect === 'sqlite') {
    // Kysely runs SQLite migrations outside a transaction; one IMMEDIATE transaction around the
    // check and the migrations makes them atomic and lets two processes opening a new file take turns.
    const run = (): Promise<void> => immediateTransaction(db, migrate);
    await (backend.lock === undefined ? run() : backend.lock.run(run)).catch((e: unknown) => {
      throw e instanceof AupError
        ? e
        : new AupError('AUP_ERR_DB_OPEN', `Cannot open SQLite database ${url}: ${errorText(e)}`, { details: { url }, cause: e });
    });
  } else {
    // PostgreSQL: Kysely's migrator takes an advisory lock and one transaction by itself.
    await migrate(db).catch((e: unknown) => {
      throw e instanceof AupError
        ? e
        : new AupError('AUP_ERR_DB_OPEN', `Cannot open PostgreSQL database ${url}: ${errorText(e)}`, { details: { url }, cause: e });
    });
  }
}

async function listTables(db: Kysely<AupDatabase>, caps: DialectCaps): Promise<string[]> {
  const query =
    caps.dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`
      : sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`;
  const { rows } = await query.execute(db);
  return rows.map((r) => r.name);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
