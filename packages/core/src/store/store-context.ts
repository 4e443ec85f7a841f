import type { Kysely } from 'kysely';

import type { Dialect } from './dialect/dialect.js';
import type { AupDatabase } from './schema.js';

/** Runs a function as one write transaction (see StoreBackend.write). */
export type WriteTransaction = <T>(fn: (trx: Kysely<AupDatabase>) => Promise<T>) => Promise<T>;

/**
 * What every store module is handed (experiments.ts, jobs.ts, results.ts, job-leases.ts, ...): built
 * once per open store, so that no call allocates its own closure over the store.
 */
export interface StoreContext {
  /** The query builder, for reads (and for writes only inside `write`). */
  readonly db: Kysely<AupDatabase>;
  readonly dialect: Dialect;
  readonly write: WriteTransaction;
}
