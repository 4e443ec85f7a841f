import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Prepared statements kept per connection: the distinct SQL texts aup issues number in the tens. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * better-sqlite3 for Kysely's SqliteDialect, with prepared statements kept by their SQL text.
 * Kysely prepares every query anew, and preparing cost more than running: in a profile of
 * `aup run` with 200 short jobs, `prepare` was 17 % of the runner's main thread (docs/benchmarks.md,
 * "Runner overhead"). Least recently used statements beyond `size` are dropped (better-sqlite3
 * finalizes them when they are collected). A statement still iterating (`busy`) is never handed out
 * twice: such a query gets a fresh one. SQLite re-prepares a kept statement by itself after a schema
 * change (a migration), so kept statements stay valid.
 */
export function cachingDatabase(raw: Database.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare: (sql: string) => {
      const kept = cache.get(sql);
      if (kept !== undefined) {
        if (kept.busy) return raw.prepare(sql);
        // Map order is insertion order: move it to the back (most recently used).
        cache.delete(sql);
        cache.set(sql, kept);
        return kept;
      }
      const stmt = raw.prepare(sql);
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
