/**
 * Fresh databases for db tests: every store test runs on SQLite and on a real PostgreSQL (docs/architecture.md §7,
 * Kysely's "loop over real databases"). Each `fresh()` call gives a new, empty database: a new file
 * in a temp folder, or `CREATE DATABASE aup_test_<random>` on the server from postgres.ts. Both are
 * removed after the file's tests (or the enclosing describe) finish.
 *
 * @example
 * forEachDatabase('job table', (db) => {
 *   it('stores a job', async () => { const store = await openStore(await db.fresh()); ... });
 * });
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, describe, inject } from 'vitest';

export type TestDatabaseKind = 'sqlite' | 'sqlite-memory' | 'postgres';

export interface TestDatabase {
  readonly kind: TestDatabaseKind;
  readonly dialect: 'sqlite' | 'postgres';
  /** URL of a new, empty database, created now (':memory:' for sqlite-memory). */
  fresh(): Promise<string>;
}

export interface TestDatabaseOptions {
  /** Also run on an in-memory SQLite database (no file, no second connection). Default false. */
  memory?: boolean;
}

/** The databases a db test runs on: a SQLite file, optionally `:memory:`, and PostgreSQL. */
export function testDatabases(options: TestDatabaseOptions = {}): TestDatabase[] {
  const list: TestDatabase[] = [sqliteFiles()];
  if (options.memory === true) list.push({ kind: 'sqlite-memory', dialect: 'sqlite', fresh: () => Promise.resolve(':memory:') });
  list.push(postgresDatabases());
  return list;
}

/** Declares `describe('<name> [<kind>]', ...)` once per test database. */
export function forEachDatabase(name: string, fn: (db: TestDatabase) => void, options: TestDatabaseOptions = {}): void {
  for (const db of testDatabases(options)) {
    describe(`${name} [${db.kind}]`, () => fn(db));
  }
}

function sqliteFiles(): TestDatabase {
  let dir: string | undefined;
  let n = 0;
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return {
    kind: 'sqlite',
    dialect: 'sqlite',
    fresh(): Promise<string> {
      dir ??= mkdtempSync(join(os.tmpdir(), 'aup-db-test-'));
      n += 1;
      return Promise.resolve(join(dir, `store-${n}.db`));
    },
  };
}

function postgresDatabases(): TestDatabase {
  const created: string[] = [];
  let admin: Promise<pg.Client> | undefined;
  const serverUrl = (): string => {
    const url = inject('pgUrl');
    if (typeof url !== 'string' || url === '') {
      throw new Error('No PostgreSQL for the db tests: test/setup/postgres.ts provides pgUrl (run through the db or e2e vitest project)');
    }
    return url;
  };
  const connectAdmin = (): Promise<pg.Client> => {
    admin ??= (async () => {
      const client = new pg.Client({ connectionString: serverUrl() });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    })();
    return admin;
  };
  afterAll(async () => {
    if (admin === undefined) return;
    const client = await admin;
    for (const name of created) {
      // FORCE (PostgreSQL 13+) ends sessions a test left open rather than failing the cleanup.
      await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
    }
    await client.end();
  });
  return {
    kind: 'postgres',
    dialect: 'postgres',
    async fresh(): Promise<string> {
      const client = await connectAdmin();
      const name = `aup_test_${randomBytes(6).toString('hex')}`;
      await client.query(`create database ${client.escapeIdentifier(name)}`);
      created.push(name);
      const url = new URL(serverUrl());
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}
