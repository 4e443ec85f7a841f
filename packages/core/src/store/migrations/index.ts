import type { Kysely, Migration, MigrationProvider } from 'kysely';

import type { Dialect } from '../dialect/dialect.js';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-change-feed.js';
import * as m0003 from './0003-control.js';
import * as m0004 from './0004-job-query.js';
import * as m0005 from './0005-worker-leases.js';
import * as m0006 from './0006-board-indexes.js';
import * as m0007 from './0007-driver-lease.js';
import * as m0008 from './0008-job-dir.js';
import * as m0009 from './0009-imports.js';
import * as m0010 from './0010-attempt-kind.js';
import * as m0011 from './0011-stop-and-warm-start.js';

interface AupMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

// Imported statically, never found by scanning a folder: a bundled aup has no folder to scan.
// Names sort in the order they run; append only, never rename or edit a released one.
const MIGRATIONS: Record<string, AupMigration> = {
  '0001-initial': m0001,
  '0002-change-feed': m0002,
  '0003-control': m0003,
  '0004-job-query': m0004,
  '0005-worker-leases': m0005,
  '0006-board-indexes': m0006,
  '0007-driver-lease': m0007,
  '0008-job-dir': m0008,
  '0009-imports': m0009,
  '0010-attempt-kind': m0010,
  '0011-stop-and-warm-start': m0011,
};

/** Kysely's MigrationProvider over the static list, with the dialect's column types bound in. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    getMigrations(): Promise<Record<string, Migration>> {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(MIGRATIONS)) {
        out[name] = { up: (db) => m.up(db, dialect) };
      }
      return Promise.resolve(out);
    },
  };
}

/** Names of every migration this version of aup knows. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);
