// The PostgreSQL that test/setup/postgres.ts provides, and the fresh databases of databases.ts.
import { statSync } from 'node:fs';

import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

import { testDatabases } from '../setup/databases.js';

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
});
