import { isAbsolute, resolve } from 'node:path';

import { AupError } from '../errors.js';

/** The file used when neither a URL nor `$AUP_DB` is given (Auptimizer kept its runs in one SQLite file too). */
export const DEFAULT_DB_FILE = 'experiments.db';

/** Where a store lives, as understood from a URL. `display` is safe to print (password hidden). */
export type DbLocation =
  | { dialect: 'sqlite'; /** Absolute file path, or ':memory:'. */ path: string; display: string }
  | { dialect: 'postgres'; connectionString: string; display: string };

const MEMORY = ':memory:';
// A scheme is at least two characters, so a Windows drive letter (`C:\x.db`) stays a plain path.
const SCHEME_RE = /^([a-z][a-z0-9+.-]+):/i;

/**
 * Reads a database URL: undefined → `$AUP_DB`, else `experiments.db` in `cwd`; a plain path,
 * `sqlite:path`, `sqlite://path`, `file:path` → SQLite file; `:memory:` → in-memory SQLite;
 * `postgres://` / `postgresql://` → PostgreSQL. Throws `AUP_ERR_DB_URL` for anything else.
 * @example parseDbUrl('sqlite:///data/runs.db') // { dialect: 'sqlite', path: '/data/runs.db', ... }
 */
export function parseDbUrl(url?: string, cwd: string = process.cwd()): DbLocation {
  const given = url ?? (process.env['AUP_DB'] || undefined) ?? DEFAULT_DB_FILE;
  const source = url === undefined && process.env['AUP_DB'] ? ' (from $AUP_DB)' : '';
  const text = given.trim();
  if (text === '') {
    throw new AupError('AUP_ERR_DB_URL', `Database URL${source} is empty: expected a file path, ':memory:' or postgres://...`, {
      details: { url: given },
    });
  }
  if (text === MEMORY || /^sqlite::memory:$/i.test(text) || /^sqlite:\/\/:memory:$/i.test(text)) {
    return { dialect: 'sqlite', path: MEMORY, display: MEMORY };
  }
  const scheme = SCHEME_RE.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return sqliteFile(text, cwd);
  if (scheme === 'sqlite' || scheme === 'file') {
    const rest = text.slice(scheme.length + 1).replace(/^\/\//, '');
    if (rest === '') {
      throw new AupError('AUP_ERR_DB_URL', `Database URL '${given}'${source} names no file: expected ${scheme}:path/to/file.db`, {
        details: { url: given },
      });
    }
    return sqliteFile(safeDecode(rest), cwd);
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch (cause) {
      throw new AupError(
        'AUP_ERR_DB_URL',
        `Database URL '${maskPassword(text)}'${source} is not a valid PostgreSQL URL: expected postgres://user:password@host:port/database`,
        {
          details: { url: maskPassword(text) },
          cause,
        },
      );
    }
    return { dialect: 'postgres', connectionString: text, display: displayPostgres(parsed) };
  }
  throw new AupError(
    'AUP_ERR_DB_URL',
    `Database URL '${maskPassword(text)}'${source} has the scheme '${scheme}:', which aup does not support: expected a SQLite file path, 'sqlite:path', 'file:path', ':memory:', or 'postgres://user@host/database'`,
    { details: { url: maskPassword(text), scheme } },
  );
}

function sqliteFile(path: string, cwd: string): DbLocation {
  const abs = isAbsolute(path) ? path : resolve(cwd, path);
  return { dialect: 'sqlite', path: abs, display: abs };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function displayPostgres(u: URL): string {
  if (u.password !== '') u.password = '***';
  return u.toString();
}

/** Hides the password of anything that looks like `scheme://user:password@host`. */
function maskPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
