import { accessSync, closeSync, constants, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  /**
   * Open for reading only (`aup list`, `aup show`, `aup-board --read-only`): the database must exist
   * (AUP_ERR_DB_MISSING otherwise) and is never changed: no journal-mode switch, no migration (a
   * schema that is not current is AUP_ERR_DB_NEEDS_MIGRATION), PostgreSQL sessions read-only. A
   * file its user may only read opens too. Implies `create: false`.
   */
  readOnly?: boolean;
  /** Told, in a sentence, when a read-only SQLite file can only be read as a snapshot (see openSqliteReadOnly). */
  onWarning?: (message: string) => void;
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
  const readOnly = opts.readOnly ?? false;
  const create = !readOnly && (opts.create ?? true);
  const from = url !== undefined ? '' : process.env['AUP_DB'] ? ' (from $AUP_DB)' : ' (the default: no --db, no $AUP_DB)';
  const backend =
    location.dialect === 'sqlite'
      ? openSqlite(location, { create, readOnly, from, warn: opts.onWarning })
      : await openPostgres(location, { readOnly, idleInTransactionTimeoutMs: opts.idleInTransactionTimeoutMs });
  try {
    await (readOnly ? checkSchema(backend) : prepareSchema(backend, create));
  } catch (e) {
    await backend.db.destroy().catch(() => undefined);
    backend.onClose?.();
    throw e;
  }
  return new KyselyStore(backend);
}

interface SqliteMode {
  create: boolean;
  readOnly: boolean;
  /** Where the URL came from, for messages: '' when given, else ' (from $AUP_DB)' or ' (the default ...)'. */
  from: string;
  warn?: (message: string) => void;
}

function openSqlite(location: Extract<DbLocation, { dialect: 'sqlite' }>, mode: SqliteMode): StoreBackend {
  const file = location.path;
  const memory = file === ':memory:';
  if (!memory) {
    if (!existsSync(file)) {
      if (!mode.create) {
        const why = mode.readOnly
          ? 'a command that only reads never creates a database; check the path'
          : 'expected an existing aup database file';
        throw new AupError('AUP_ERR_DB_MISSING', `SQLite database ${file}${mode.from} does not exist: ${why}`, { details: { path: file } });
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
    loadSqliteWithUris();
    if (mode.readOnly && !memory) {
      raw = openSqliteReadOnly(file, mode.warn);
    } else {
      raw = new Database(file, { fileMustExist: !mode.create && !memory });
      // Order matters: the busy timeout first, so that switching to WAL waits for another writer.
      raw.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      // WAL: readers (the board) never block the writer (the runner), and commits are cheap.
      raw.pragma('journal_mode = WAL');
      // NORMAL is durable against a crash of aup in WAL mode; only a power cut can lose the last commits.
      raw.pragma('synchronous = NORMAL');
      raw.pragma('foreign_keys = ON');
    }
  } catch (cause) {
    if (cause instanceof AupError) throw cause;
    throw (
      sqliteAddonError(cause) ??
      new AupError('AUP_ERR_DB_OPEN', `Cannot open SQLite database ${location.display}: ${errorText(cause)}`, {
        details: { path: file },
        cause,
      })
    );
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

let sqliteLoaded = false;

/**
 * Makes sure the native SQLite loads with URI file names enabled, which a read-only WAL file in a
 * folder this user cannot write needs (`?immutable=1`, openSqliteReadOnly). better-sqlite3 reads
 * `SQLITE_USE_URI` once, when its addon loads at the first Database of the process, so the first
 * open sets it for that moment (unless the user set it) and removes it again, so that jobs do not
 * inherit it. Plain paths mean the same with URIs on: aup's are absolute or ':memory:'.
 */
function loadSqliteWithUris(): void {
  if (sqliteLoaded) return;
  sqliteLoaded = true;
  const unset = process.env['SQLITE_USE_URI'] === undefined;
  if (unset) process.env['SQLITE_USE_URI'] = '1';
  try {
    new Database(':memory:').close();
  } finally {
    if (unset) delete process.env['SQLITE_USE_URI'];
  }
}

/** Bytes 18 and 19 of a SQLite header: the file format versions, 2 for a database in WAL mode. */
const SQLITE_HEADER_BYTES = 20;
const SQLITE_WAL_FORMAT = 2;

/** True when `file` starts with a SQLite header saying WAL mode. */
function isWalFile(file: string): boolean {
  const header = Buffer.alloc(SQLITE_HEADER_BYTES);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, header, 0, SQLITE_HEADER_BYTES, 0) < SQLITE_HEADER_BYTES) return false;
  } finally {
    closeSync(fd);
  }
  return header.toString('latin1', 0, 15) === 'SQLite format 3' && header[18] === SQLITE_WAL_FORMAT && header[19] === SQLITE_WAL_FORMAT;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/**
 * Opens an existing SQLite file without writing to it. SQLite reads a WAL-mode database through
 * its `-shm` (and `-wal`) files: when they exist, or this user may create them in the folder, a
 * plain read-only connection works and sees every later commit. When neither holds (a 0444 file in
 * a 0555 folder, read-only media), no writer can have the database open (a WAL writer keeps
 * `-wal` and `-shm` while it does), so the file alone holds every commit, and it is opened
 * `immutable`: read as it is now, without locks; changes made later are not seen.
 */
function openSqliteReadOnly(file: string, warn: ((message: string) => void) | undefined): Database.Database {
  const snapshot = isWalFile(file) && !existsSync(`${file}-shm`) && !writable(dirname(file));
  if (snapshot && (sizeOf(`${file}-wal`) ?? 0) > 0) {
    throw new AupError(
      'AUP_ERR_DB_OPEN',
      `Cannot read SQLite database ${file}: its write-ahead log ${file}-wal holds commits, but ${file}-shm is missing and this user cannot create it in ${dirname(file)}; ` +
        'open it once as a user who may write that folder (any aup command does), or copy the database with its -wal file to a folder you may write',
      { details: { path: file } },
    );
  }
  const raw = snapshot
    ? new Database(`${pathToFileURL(file).href}?immutable=1`, { readonly: true, fileMustExist: true })
    : new Database(file, { readonly: true, fileMustExist: true });
  raw.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  // The first read is where SQLite opens -wal and -shm; its error is the one to report.
  raw.prepare('select count(*) from sqlite_master').get();
  if (snapshot) {
    warn?.(
      `${file} is in WAL mode and this user cannot write its folder ${dirname(file)}, so it is read as it is now: ` +
        'changes made to it later are not shown (make the folder writable for this user to follow them)',
    );
  }
  return raw;
}

async function openPostgres(
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

/**
 * The read-only counterpart of prepareSchema: checks that the database is aup's and at the
 * current schema, and changes nothing. An empty database is AUP_ERR_DB_MISSING (nothing was ever
 * recorded there); a schema behind this aup is AUP_ERR_DB_NEEDS_MIGRATION, naming `aup migrate`.
 */
async function checkSchema(backend: StoreBackend): Promise<void> {
  const { db, caps, url } = backend;
  try {
    const tables = await listTables(db, caps);
    if (!tables.includes(MIGRATION_TABLE)) {
      if (tables.length === 0) {
        throw new AupError(
          'AUP_ERR_DB_MISSING',
          `Database ${url} is empty: no aup experiment was ever recorded in it (a command that only reads never creates the tables); check the path`,
          {
            details: { url },
          },
        );
      }
      const shown = tables.slice(0, 8).join(', ');
      throw new AupError(
        'AUP_ERR_DB_NOT_AUP',
        `Database ${url} was not created by aup: it has tables (${shown}) but no ${MIGRATION_TABLE} table`,
        { details: { url, tables } },
      );
    }
    const done = (await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db)).rows.map((r) => r.name);
    const unknown = done.filter((n) => !MIGRATION_NAMES.includes(n));
    if (unknown.length > 0) {
      throw new AupError(
        'AUP_ERR_DB_OPEN',
        `Database ${url} was migrated by a newer aup (migration ${unknown.join(', ')} is unknown to this version): upgrade aup to open it`,
        { details: { url, unknownMigrations: unknown } },
      );
    }
    const pending = MIGRATION_NAMES.filter((n) => !done.includes(n));
    if (pending.length > 0) {
      throw new AupError(
        'AUP_ERR_DB_NEEDS_MIGRATION',
        `Database ${url} was written by an older aup (its schema lacks ${pending.join(', ')}), and reading never changes a database: ` +
          `run "aup migrate --db ${url}" once, as a user who may write it, then read it again`,
        { details: { url, pending } },
      );
    }
  } catch (e) {
    if (e instanceof AupError) throw e;
    throw new AupError('AUP_ERR_DB_OPEN', `Cannot read database ${url}: ${errorText(e)}`, { details: { url }, cause: e });
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
