import { existsSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

import { AupError, openStore, parseDbUrl } from '@aup/core';

import type { StoreHolder } from './swappable-store.js';

/** Files SQLite keeps beside a database in WAL mode; they belong to the database and move with it. */
const SQLITE_SIDE_FILES = ['-wal', '-shm'] as const;

export interface ResetResult {
  /** The new, empty database file. */
  database: string;
  /** Where the previous database file now is. */
  backup: string;
  /** The working directory new experiments' relative paths resolve against. */
  workingDir: string;
}

/**
 * `experiments.db` → `experiments.backup-2026-11-23T12-00-00-000Z.db` beside it; a suffix keeps
 * two backups within the same millisecond apart.
 */
export function backupPathFor(file: string, now: Date = new Date()): string {
  const ext = extname(file);
  const stem = basename(file, ext);
  const stamp = now.toISOString().replaceAll(':', '-').replace('.', '-');
  for (let n = 0; ; n++) {
    const candidate = join(dirname(file), `${stem}.backup-${stamp}${n === 0 ? '' : `-${n}`}${ext}`);
    if (!existsSync(candidate)) return candidate;
  }
}

/** Renames a SQLite file and its -wal/-shm companions; answers the new path of the main file. */
function moveDatabase(file: string, to: string): void {
  renameSync(file, to);
  for (const side of SQLITE_SIDE_FILES) {
    if (existsSync(file + side)) renameSync(file + side, to + side);
  }
}

/**
 * The SQLite file a reset would back up and replace; AUP_ERR_ENV_RESET for PostgreSQL and
 * `:memory:`, which are refused before anything else is looked at.
 */
export function resettableDatabase(dbUrl: string, cwd: string): { path: string } {
  const location = parseDbUrl(dbUrl, cwd);
  if (location.dialect !== 'sqlite') {
    throw new AupError(
      'AUP_ERR_ENV_RESET',
      `The board's database is PostgreSQL (${location.display}): a reset backs up and replaces a SQLite file, and will not empty a shared server; create a new database there by hand and start aup-board --db on it`,
      { details: { dialect: location.dialect } },
    );
  }
  if (location.path === ':memory:') {
    throw new AupError(
      'AUP_ERR_ENV_RESET',
      `The board's database is :memory:: there is no file to back up; restart aup-board for an empty one`,
      {
        details: { database: ':memory:' },
      },
    );
  }
  return { path: location.path };
}

/**
 * Renames the holder's SQLite database (with -wal/-shm) to a timestamped backup beside it, never
 * removing it, and puts a new empty database of the same name in `workingDir` (default: the old
 * one's folder) behind the holder. Refuses PostgreSQL, `:memory:`, and a `workingDir` that already
 * holds another database of that name (AUP_ERR_ENV_RESET). The caller checks that no runner is writing.
 */
export async function resetEnvironment(holder: StoreHolder, dbUrl: string, cwd: string, workingDir?: string): Promise<ResetResult> {
  const location = resettableDatabase(dbUrl, cwd);
  const dir = resolve(cwd, workingDir ?? dirname(location.path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AupError(
      'AUP_ERR_BAD_REQUEST',
      `Body field 'working_dir' is ${JSON.stringify(workingDir)}: expected an existing directory, found ${existsSync(dir) ? 'a file' : 'nothing'} at ${dir}`,
      {
        details: { in: 'body', field: 'working_dir', found: dir },
      },
    );
  }
  const target = join(dir, basename(location.path));
  if (target !== location.path && existsSync(target)) {
    throw new AupError(
      'AUP_ERR_ENV_RESET',
      `A database already exists at ${target}: a reset starts an empty one and will not take over or erase another; choose another working_dir, or run aup-board --db ${target}`,
      { details: { database: target } },
    );
  }
  const old = holder.current();
  await old.close();
  const backup = backupPathFor(location.path);
  try {
    moveDatabase(location.path, backup);
    const next = await openStore(target, { create: true });
    holder.swap(next);
    return { database: target, backup, workingDir: dir };
  } catch (cause) {
    // Put the old database back where the server had it, so a failed reset changes nothing.
    if (existsSync(backup) && !existsSync(location.path)) moveDatabase(backup, location.path);
    holder.swap(await openStore(location.path, { create: false }));
    throw new AupError(
      'AUP_ERR_ENV_RESET',
      `Resetting the environment to ${target} failed: ${(cause as Error).message}; the database ${location.path} is unchanged`,
      {
        details: { database: target },
        cause,
      },
    );
  }
}
