import type { ColumnDataType, CreateTableBuilder, Kysely, RawBuilder } from 'kysely';

import type { AupDatabase } from '../schema.js';
import type { StoreContext, WriteTransaction } from '../store-context.js';
import type { AttemptFence, IntermediateRecord } from '../store-types.js';

/**
 * What differs between the databases aup supports (Kysely's way: one adapter per dialect, in its
 * own folder, dialect/sqlite/ and dialect/postgres/). The store modules and the migrations read
 * these flags and call these functions; nothing outside a dialect's folder branches on which
 * database it is.
 */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** The database's name in messages ('SQLite', 'PostgreSQL'). */
  readonly label: string;
  /** Most bound parameters one statement may carry (SQLITE_MAX_VARIABLE_NUMBER, PG's int16 count). */
  readonly maxParameters: number;
  /** Column types for the migrations. */
  readonly types: {
    /** Big integers: ids, epoch-millisecond times. */
    readonly bigint: ColumnDataType;
    readonly int: ColumnDataType;
    readonly double: ColumnDataType;
    /** JSON documents (stored as text, key order kept). */
    readonly json: ColumnDataType;
  };
  /**
   * Rows can be locked (`FOR UPDATE`, `SKIP LOCKED`, `FOR SHARE`). Without row locks (SQLite), a
   * write transaction already holds the whole database (BEGIN IMMEDIATE), so nothing is lost.
   */
  readonly rowLocks: boolean;
  /**
   * The database keeps no planner statistics (SQLite, unless ANALYZE ran): the board's queries
   * then fix their plan themselves (a CROSS JOIN for the join order, a unary `+` to keep an index
   * from serving an ORDER BY, a table scan for a search over most of the table).
   */
  readonly planHints: boolean;

  /** Now, in epoch ms, by the clock that judges leases (PostgreSQL: the server's; SQLite: this machine's). */
  now(): RawBuilder<number>;
  /** Now + `ms` by the same clock. */
  later(ms: number): RawBuilder<number>;
  /** Now by the lease clock as a number (the statement's value, not a raw expression). */
  readNow(db: Kysely<AupDatabase>): Promise<number>;
  /**
   * Taken in a transaction before its change row is written, so that change ids commit in id
   * order (docs/decisions/0005-change-feed.md); undefined when the write transaction already
   * admits one writer at a time.
   */
  readonly lockChangeFeed: ((trx: Kysely<AupDatabase>) => Promise<void>) | undefined;
  /** The integer part of a non-negative number, as the intermediate-series buckets compute it. */
  bucketIndex(x: RawBuilder<unknown>): RawBuilder<unknown>;

  /**
   * Inserts a batch of intermediate results in one transaction (the ingest's hot path), fenced
   * when `fence` is given, with their change rows; a missing job is AUP_ERR_JOB_NOT_FOUND.
   */
  addIntermediate(ctx: StoreContext, rows: IntermediateRecord[], fence: AttemptFence | undefined): Promise<void>;

  /** The names of the database's tables (its schema only, without the database's own). */
  listTables(db: Kysely<AupDatabase>): Promise<string[]>;
  /** Adds the `id` column: never reused (Auptimizer's jid) unless `reuse`. */
  idColumn(table: CreateTableBuilder<string, never>, reuse: boolean): CreateTableBuilder<string, never>;
  /** Refreshes the planner's statistics of a table after a migration built indexes on it; undefined: none kept. */
  readonly analyze: ((db: Kysely<unknown>, table: string) => Promise<void>) | undefined;
}

/** An open database, as the dialect's open function hands it to openStore. */
export interface StoreBackend {
  db: Kysely<AupDatabase>;
  dialect: Dialect;
  /** Printable URL (password hidden). */
  url: string;
  /** Runs a function as one write transaction (SQLite: `BEGIN IMMEDIATE` behind the file's write lock). */
  write: WriteTransaction;
  /** Runs the migrations: SQLite in one write transaction, PostgreSQL as Kysely's migrator runs them. */
  migrate(fn: (db: Kysely<AupDatabase>) => Promise<void>): Promise<void>;
  /** Waits for the writes this process queued, then closes the database. */
  close(): Promise<void>;
}
