/**
 * An Optuna storage opened read-only, behind one small interface for both databases: SQL with `?`
 * placeholders, run in short read transactions, so the reader's queries are the same text for
 * SQLite and PostgreSQL. Nothing here writes: a running study keeps writing while aup reads.
 */
import Database from 'better-sqlite3';

import { AupError } from '../../errors.js';
import { loadOptional } from '../../optional-package.js';
import { sqliteAddonError } from '../../store/dialect/sqlite/sqlite-addon.js';
import { errorText } from '../../store/store-errors.js';
import type { OptunaStorage } from './storage-url.js';

export type Row = Record<string, unknown>;

/** What a read transaction can do: run a query and get its rows. */
export interface SourceReader {
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** `column` among `ids`, as SQL and its parameters (`in (?, ...)` on SQLite, `= any(?)` on PostgreSQL). */
  among(column: string, ids: readonly number[]): { sql: string; params: unknown[] };
}

/**
 * A snapshot mark of PostgreSQL (txid_current_snapshot): `xmin`, the oldest transaction still
 * running, and `xmax`, the first not yet started. Undefined on SQLite, whose writers commit one
 * after the other, so rows appear in the order of their ids.
 */
export interface SnapshotMark {
  xmin: number;
  xmax: number;
}

export interface SourceDb {
  readonly dialect: 'sqlite' | 'postgres';
  readonly display: string;
  /** The names of the tables in the storage's schema. */
  tables(): Promise<Set<string>>;
  /**
   * Runs `fn` in one read transaction (a consistent view; on PostgreSQL REPEATABLE READ, with the
   * snapshot's mark). On SQLite the transaction holds a read lock that delays the study's writers,
   * so `fn` should be a few queries, not a long read.
   */
  read<T>(fn: (r: SourceReader, mark: SnapshotMark | undefined) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** SQLite statements kept prepared (by their text) before the cache starts again. */
const STATEMENT_CACHE_SIZE = 64;
/** SQLite's wait for a writer's lock; the study's writes are short. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;
// pg type OIDs read as text: timestamp and timestamptz (read as local time by the reader, as Optuna writes them).
const PG_TIMESTAMP_OID = 1114;
const PG_TIMESTAMPTZ_OID = 1184;
const PG_INVALID_CATALOG_NAME = '3D000';

/** Opens the storage for reading; AUP_ERR_DB_OPEN (or AUP_ERR_DB_MISSING) names it when it cannot. */
export async function openSourceDb(storage: OptunaStorage): Promise<SourceDb> {
  return storage.dialect === 'sqlite' ? openSqliteSource(storage) : openPostgresSource(storage);
}

function openSqliteSource(storage: Extract<OptunaStorage, { dialect: 'sqlite' }>): SourceDb {
  let raw: Database.Database;
  try {
    raw = new Database(storage.path, { readonly: true, fileMustExist: true });
    raw.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    raw.prepare('select count(*) from sqlite_master').get();
  } catch (cause) {
    throw (
      sqliteAddonError(cause) ??
      new AupError('AUP_ERR_DB_OPEN', `Cannot read Optuna storage ${storage.display}: ${errorText(cause)}`, {
        details: { path: storage.path },
        cause,
      })
    );
  }
  const cache = new Map<string, Database.Statement>();
  const reader: SourceReader = {
    all: (sql, params = []) => {
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        // `in (?, ...)` lists of many lengths would each stay prepared; a few dozen texts are the rest.
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        stmt = raw.prepare(sql);
        cache.set(sql, stmt);
      }
      return Promise.resolve(stmt.all(...params) as Row[]);
    },
    among: (column, ids) => ({ sql: `${column} in (${ids.map(() => '?').join(', ')})`, params: [...ids] }),
  };
  return {
    dialect: 'sqlite',
    display: storage.display,
    tables: async () => {
      const rows = raw.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
      return new Set(rows.map((r) => r.name));
    },
    read: async (fn) => {
      // better-sqlite3 answers at once, so the transaction lasts the queries and nothing else.
      raw.exec('begin');
      try {
        return await fn(reader, undefined);
      } finally {
        raw.exec('commit');
      }
    },
    close: async () => {
      raw.close();
    },
  };
}

async function openPostgresSource(storage: Extract<OptunaStorage, { dialect: 'postgres' }>): Promise<SourceDb> {
  const { default: pg } = await loadOptional('pg', () => import('pg'));
  const connect = async () => {
    const c = new pg.Client({
      connectionString: storage.connectionString,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
          if (oid === PG_TIMESTAMP_OID || oid === PG_TIMESTAMPTZ_OID) return (v: string) => v;
          return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
        }) as typeof pg.types.getTypeParser,
      },
    });
    // A lost connection (the server restarted) is reported by the next query; the read after it reconnects.
    c.on('error', () => (lost = true));
    c.on('end', () => (lost = true));
    try {
      await c.connect();
      // Every transaction of this session only reads; times come as ISO text, whatever the server's DateStyle.
      await c.query('set session characteristics as transaction read only');
      await c.query("set datestyle to 'ISO'");
    } catch (cause) {
      await c.end().catch(() => undefined);
      const missing = (cause as { code?: unknown }).code === PG_INVALID_CATALOG_NAME;
      throw new AupError(
        missing ? 'AUP_ERR_DB_MISSING' : 'AUP_ERR_DB_OPEN',
        `Cannot ${missing ? 'open' : 'connect to'} Optuna storage ${storage.display}: ${errorText(cause)}`,
        { details: { url: storage.display }, cause },
      );
    }
    lost = false;
    return c;
  };
  let lost = false;
  let client = await connect();
  let closed = false;
  const reader: SourceReader = {
    all: async (sql, params = []) => (await client.query(numbered(sql), params as unknown[])).rows as Row[],
    among: (column, ids) => ({ sql: `${column} = any(?::int[])`, params: [[...ids]] }),
  };
  return {
    dialect: 'postgres',
    display: storage.display,
    tables: async () => {
      const r = await client.query<{ name: string }>(
        'select table_name as name from information_schema.tables where table_schema = any (current_schemas(false))',
      );
      return new Set(r.rows.map((x) => x.name));
    },
    read: async (fn) => {
      if (lost && !closed) {
        await client.end().catch(() => undefined);
        client = await connect();
      }
      await client.query('begin isolation level repeatable read read only');
      try {
        const snap = await client.query<{ xmin: string; xmax: string }>(
          'select txid_snapshot_xmin(txid_current_snapshot())::text as xmin, txid_snapshot_xmax(txid_current_snapshot())::text as xmax',
        );
        const mark = { xmin: Number(snap.rows[0]!.xmin), xmax: Number(snap.rows[0]!.xmax) };
        const result = await fn(reader, mark);
        await client.query('commit');
        return result;
      } catch (e) {
        await client.query('rollback').catch(() => undefined);
        throw e;
      }
    },
    close: async () => {
      closed = true;
      await client.end();
    },
  };
}

/** `?` placeholders as PostgreSQL's `$1, $2, ...` (the reader's SQL has no `?` inside literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
