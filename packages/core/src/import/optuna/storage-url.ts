/**
 * Optuna's storage URLs (SQLAlchemy's form, as `optuna.create_study(storage=...)` takes them) read
 * into what aup opens: a SQLite file or a PostgreSQL connection string for `pg`, and the text that
 * names the storage in an import's source key (docs/decisions/0029-imports.md), with no password.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

import { AupError } from '../../errors.js';

/** Where an Optuna storage lives. `display` is safe to print; `key` names it in source keys. */
export type OptunaStorage =
  | { dialect: 'sqlite'; /** Absolute, symlinks resolved. */ path: string; display: string; key: string }
  | { dialect: 'postgres'; connectionString: string; display: string; key: string };

const SCHEME_RE = /^([a-z][a-z0-9+.-]+):/i;

const FORMS =
  'expected sqlite:///relative/path.db, sqlite:////absolute/path.db, a path to the .db file, or postgresql://user:password@host:port/database (a +driver such as postgresql+psycopg2 is accepted)';

/**
 * Reads a storage URL as Optuna users write it: `sqlite:///study.db` (relative to `cwd`),
 * `sqlite:////abs/study.db`, a plain path to the file, or `postgresql[+driver]://...` (also
 * `postgres://`). MySQL, in-memory SQLite and other schemes are AUP_ERR_DB_URL; a SQLite file that
 * does not exist is AUP_ERR_DB_MISSING.
 * @example parseOptunaStorage('sqlite:///runs/optuna.db', '/home/me') // { dialect: 'sqlite', path: '/home/me/runs/optuna.db', ... }
 */
export function parseOptunaStorage(url: string, cwd: string): OptunaStorage {
  const text = url.trim();
  if (text === '') throw badUrl(url, `the storage URL is empty: ${FORMS}`);
  const scheme = SCHEME_RE.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return sqliteStorage(text, cwd, url);
  const base = scheme.split('+')[0]!;
  if (base === 'sqlite') {
    // SQLAlchemy: sqlite:///relative.db, sqlite:////absolute.db; a query (?timeout=..) is the driver's.
    const rest = text.slice(scheme.length + 1).split('?')[0]!;
    if (!rest.startsWith('//')) throw badUrl(url, `'${url}' is not a SQLAlchemy SQLite URL: ${FORMS}`);
    const path = rest.slice(2).startsWith('/') ? rest.slice(3) : rest.slice(2);
    if (path === '' || path === ':memory:') {
      throw badUrl(url, `'${url}' is an in-memory SQLite storage, which only the process that made it can see: give the storage's file`);
    }
    return sqliteStorage(decodeURIComponent(path), cwd, url);
  }
  if (base === 'postgresql' || base === 'postgres') return postgresStorage(text, scheme);
  if (base === 'mysql' || base === 'mariadb' || base === 'oracle' || base === 'mssql') {
    throw badUrl(url, `'${mask(text)}' is a ${base} storage: aup imports Optuna's SQLite and PostgreSQL storages`);
  }
  throw badUrl(url, `'${mask(text)}' has the scheme '${scheme}:', which is not an Optuna storage aup reads: ${FORMS}`);
}

function sqliteStorage(path: string, cwd: string, url: string): OptunaStorage {
  const abs = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(abs)) {
    throw new AupError('AUP_ERR_DB_MISSING', `Optuna storage ${abs} (from '${url}') does not exist: check the path`, {
      details: { path: abs },
    });
  }
  if (statSync(abs).isDirectory()) {
    throw new AupError('AUP_ERR_DB_OPEN', `Optuna storage ${abs} is a directory: expected the SQLite file of the storage`, {
      details: { path: abs },
    });
  }
  const real = realpathSync(abs);
  return { dialect: 'sqlite', path: real, display: real, key: `sqlite:///${real}` };
}

function postgresStorage(text: string, scheme: string): OptunaStorage {
  const plain = `postgresql${text.slice(scheme.length)}`;
  let parsed: URL;
  try {
    parsed = new URL(plain);
  } catch (cause) {
    throw badUrl(text, `'${mask(text)}' is not a valid PostgreSQL URL: ${FORMS}`, cause);
  }
  const display = new URL(parsed.href);
  if (display.password !== '') display.password = '***';
  // The key: user, host, port and database, as given (no password, no connection options).
  const user = parsed.username === '' ? '' : `${parsed.username}@`;
  const key = `postgresql://${user}${parsed.host}${parsed.pathname}`;
  return { dialect: 'postgres', connectionString: plain, display: display.href, key };
}

function badUrl(url: string, message: string, cause?: unknown): AupError {
  return new AupError('AUP_ERR_DB_URL', `Optuna storage: ${message}`, { details: { url: mask(url) }, cause });
}

/** Hides the password of anything that looks like `scheme://user:password@host`. */
function mask(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
