import { accessSync, closeSync, constants, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

import { AupError } from '../../../errors.js';
import type { DbLocation } from '../../db-url.js';
import type { AupDatabase } from '../../schema.js';
import { errorText } from '../../store-errors.js';
import type { StoreBackend } from '../dialect.js';
import { sqliteAddonError } from './sqlite-addon.js';
import { immediateTransaction, sqliteDialect } from './sqlite-dialect.js';
import { cachingDatabase } from './statement-cache.js';
import { acquireFileLock, WriteLock } from './write-lock.js';

/**
 * How long a SQLite writer waits for another process's write lock before failing with
 * "database is locked". Writes are short (a batch of 10,000 rows takes well under 100 ms), so
 * 10 s only runs out when another process is stuck.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export interface SqliteMode {
  create: boolean;
  readOnly: boolean;
  /** Where the URL came from, for messages: '' when given, else ' (from $AUP_DB)' or ' (the default ...)'. */
  from: string;
  warn?: (message: string) => void;
}

/**
 * Opens a SQLite file (or `:memory:`) with aup's pragmas: the checks of the path, the native
 * addon's errors, WAL mode, and the process-wide write lock of the file (write-lock.ts).
 */
export function openSqlite(location: Extract<DbLocation, { dialect: 'sqlite' }>, mode: SqliteMode): StoreBackend {
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
  const lock = held?.lock ?? new WriteLock();
  const db = new Kysely<AupDatabase>({ dialect: new SqliteDialect({ database: cachingDatabase(raw) }) });
  // BEGIN IMMEDIATE takes the write lock up front, so busy_timeout applies and a read-then-write
  // never fails with SQLITE_BUSY_SNAPSHOT; the process-wide lock keeps this process's writers in turn.
  const write = <T>(fn: (trx: Kysely<AupDatabase>) => Promise<T>): Promise<T> => lock.run(() => immediateTransaction(db, fn));
  return {
    db,
    dialect: sqliteDialect(raw, lock),
    url: location.display,
    write,
    // Kysely runs SQLite migrations outside a transaction; one IMMEDIATE transaction around the
    // check and the migrations makes them atomic and lets two processes opening a new file take turns.
    migrate: (fn) => write(fn),
    close: async () => {
      try {
        // Wait for writes already queued on the lock, so that close never cuts a transaction short.
        await lock.run(() => undefined);
        await db.destroy();
      } finally {
        held?.release();
      }
    },
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
export function loadSqliteWithUris(): void {
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
