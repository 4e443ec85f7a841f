import type { ColumnDataType } from 'kysely';

/**
 * What differs between the databases aup supports, as data (Kysely's way: capability flags, not
 * subclasses). The store and the migrations read these; the few statements whose SQL must differ
 * (the change feed's lock, `SKIP LOCKED` claims, the batch insert, SQLite plan hints) branch on
 * `dialect` where they live.
 */
export interface DialectCaps {
  readonly dialect: 'sqlite' | 'postgres';
  /** Most bound parameters one statement may carry (SQLITE_MAX_VARIABLE_NUMBER, PG's int16 count). */
  readonly maxParameters: number;
  /** Writers in one process must take turns on a file (better-sqlite3 blocks the event loop while busy). */
  readonly serializeWriters: boolean;
  /** Column types for the migrations. */
  readonly types: {
    /** Big integers: ids, epoch-millisecond times. */
    readonly bigint: ColumnDataType;
    readonly int: ColumnDataType;
    readonly double: ColumnDataType;
    /** JSON documents (stored as text, key order kept). */
    readonly json: ColumnDataType;
  };
}

export const SQLITE_CAPS: DialectCaps = {
  dialect: 'sqlite',
  // SQLite's compiled-in SQLITE_MAX_VARIABLE_NUMBER since 3.32 (better-sqlite3 bundles a newer one).
  maxParameters: 32_766,
  serializeWriters: true,
  types: { bigint: 'integer', int: 'integer', double: 'real', json: 'text' },
};

export const POSTGRES_CAPS: DialectCaps = {
  dialect: 'postgres',
  // The wire protocol counts bind parameters in an unsigned 16-bit field.
  maxParameters: 65_535,
  serializeWriters: false,
  // `json`, not `jsonb`: it keeps the text (and so the key order of params and configs) as written.
  types: { bigint: 'bigint', int: 'integer', double: 'double precision', json: 'json' },
};
