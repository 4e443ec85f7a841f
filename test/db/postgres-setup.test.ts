// The PostgreSQL that test/setup/postgres.ts provides, and the fresh databases of databases.ts.
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

import { testDatabases } from '../setup/databases.js';
import { findBinaries, startPostgres } from '../setup/postgres.js';

// databases.ts drops test databases WITH (FORCE), which PostgreSQL has since version 13.
const MIN_SERVER_VERSION = 130_000;

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe('test PostgreSQL', () => {
  const pgDb = testDatabases().find((d) => d.dialect === 'postgres')!;

  it('is a real server of a supported version', async () => {
    const [row] = await query(inject('pgUrl'), `select current_setting('server_version_num')::int as v`);
    expect(row!['v']).toBeGreaterThanOrEqual(MIN_SERVER_VERSION);
  });

  it('gives every fresh() call its own empty database', async () => {
    const a = await pgDb.fresh();
    const b = await pgDb.fresh();
    expect(a).not.toBe(b);
    await query(a, 'create table t (x int)');
    await query(a, 'insert into t values (1)');
    const tables = await query(b, `select table_name from information_schema.tables where table_schema = 'public'`);
    expect(tables).toEqual([]);
    const [db] = await query(a, 'select current_database() as name');
    expect(db!['name']).toMatch(/^aup_test_[0-9a-f]{12}$/);
  });

  it.runIf(process.env['AUP_TEST_PG_URL'] === undefined)('runs the embedded server as a non-root account', async () => {
    const [row] = await query(inject('pgUrl'), `select current_setting('data_directory') as dir`);
    expect(statSync(String(row!['dir'])).uid).not.toBe(0);
  });

  // A checkout in root's home (mode 0700, as in most containers): the account PostgreSQL runs as
  // cannot reach binaries under it. Here the installation is copied into a fresh 0700 folder of
  // root's, and a server is started from there.
  it.runIf(process.getuid?.() === 0 && process.env['AUP_TEST_PG_URL'] === undefined)(
    'starts as root from binaries in a folder the PostgreSQL account cannot enter',
    async () => {
      const found = await findBinaries();
      const installation = dirname(dirname(found.initdb));
      const privateDir = mkdtempSync(join(tmpdir(), 'aup-private-checkout-'));
      try {
        expect(statSync(privateDir).mode & 0o777).toBe(0o700);
        cpSync(installation, join(privateDir, 'pg'), { recursive: true, verbatimSymlinks: true });
        const moved = (p: string) => join(privateDir, 'pg', relative(installation, p));
        const server = await startPostgres({ binaries: { initdb: moved(found.initdb), postgres: moved(found.postgres) } });
        try {
          const [row] = await query(server.url, 'select 1 as one');
          expect(row!['one']).toBe(1);
        } finally {
          await server.stop();
        }
      } finally {
        rmSync(privateDir, { recursive: true, force: true });
      }
    },
  );
});
