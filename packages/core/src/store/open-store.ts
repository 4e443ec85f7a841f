import { Kysely, Migrator, sql } from 'kysely';

import { AupError } from '../errors.js';
import { parseDbUrl } from './db-url.js';
import type { StoreBackend } from './dialect/dialect.js';
import { openPostgres } from './dialect/postgres/open-postgres.js';
import { openSqlite } from './dialect/sqlite/open-sqlite.js';
import { KyselyStore } from './kysely-store.js';
import { MIGRATION_NAMES, migrationProvider } from './migrations/index.js';
import { AUP_TABLES, MIGRATION_LOCK_TABLE, MIGRATION_TABLE, type AupDatabase } from './schema.js';
import { errorText } from './store-errors.js';
import type { Store } from './store-types.js';

export { SQLITE_BUSY_TIMEOUT_MS } from './dialect/sqlite/open-sqlite.js';
export { PG_IDLE_IN_TRANSACTION_TIMEOUT_MS } from './dialect/postgres/open-postgres.js';

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
    await backend.close().catch(() => undefined);
    throw e;
  }
  return new KyselyStore(backend);
}

/** Refuses foreign databases, then brings the schema to the latest migration. */
async function prepareSchema(backend: StoreBackend, create: boolean): Promise<void> {
  const { dialect, url } = backend;
  const migrate = async (conn: Kysely<AupDatabase>): Promise<void> => {
    const tables = await dialect.listTables(conn);
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
      provider: migrationProvider(dialect),
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
  await backend.migrate(migrate).catch((e: unknown) => {
    throw e instanceof AupError
      ? e
      : new AupError('AUP_ERR_DB_OPEN', `Cannot open ${dialect.label} database ${url}: ${errorText(e)}`, { details: { url }, cause: e });
  });
}

/**
 * The read-only counterpart of prepareSchema: checks that the database is aup's and at the
 * current schema, and changes nothing. An empty database is AUP_ERR_DB_MISSING (nothing was ever
 * recorded there); a schema behind this aup is AUP_ERR_DB_NEEDS_MIGRATION, naming `aup migrate`.
 */
async function checkSchema(backend: StoreBackend): Promise<void> {
  const { db, dialect, url } = backend;
  try {
    const tables = await dialect.listTables(db);
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
