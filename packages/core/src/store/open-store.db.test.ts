import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { forEachDatabase, testDatabases } from '../../../../test/setup/databases.js';
import { openStore } from './open-store.js';
import { AUP_TABLES } from './schema.js';
import type { NewExperiment, Store } from './store-types.js';

const experiment: NewExperiment = {
  name: 'e',
  user: 'u',
  proposer: 'random',
  target: 'min',
  nSamples: 3,
  configRaw: { name: 'e' },
  config: { name: 'e' },
  workingDir: '/tmp',
  host: {},
  git: null,
};

// The indexes the board's queries rely on (docs/architecture.md §3.6).
const INDEXES = [
  'job_experiment_status',
  'job_experiment_score',
  'intermediate_result_job_label_step',
  'text_record_job',
  'artifact_job',
  'job_attempt_worker',
  'worker_status_heartbeat',
  'job_attempt_status_lease',
];

/** Runs SQL on the database behind `url` with a plain driver connection, not through the store. */
async function rawQuery(url: string, dialect: 'sqlite' | 'postgres', query: string): Promise<Record<string, unknown>[]> {
  if (dialect === 'sqlite') {
    const db = new Database(url);
    try {
      const stmt = db.prepare(query);
      return stmt.reader ? (stmt.all() as Record<string, unknown>[]) : (stmt.run(), []);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(query)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

const expectCode = async (p: Promise<unknown>, code: string, message?: RegExp): Promise<void> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toMatchObject({ code });
  if (message !== undefined) expect((err as Error).message).toMatch(message);
};

forEachDatabase('openStore', (db) => {
  it('creates every table and the indexes the board needs, and reopens without migrating again', async () => {
    const url = await db.fresh();
    const store = await openStore(url);
    const e = await store.createExperiment(experiment);
    await store.close();
    const tables =
      db.dialect === 'sqlite'
        ? await rawQuery(url, 'sqlite', `select name from sqlite_master where type = 'table'`)
        : await rawQuery(url, 'postgres', `select table_name as name from information_schema.tables where table_schema = 'public'`);
    expect(tables.map((t) => t['name'])).toEqual(expect.arrayContaining([...AUP_TABLES, 'aup_migration']));
    const indexes =
      db.dialect === 'sqlite'
        ? await rawQuery(url, 'sqlite', `select name from sqlite_master where type = 'index'`)
        : await rawQuery(url, 'postgres', `select indexname as name from pg_indexes where schemaname = 'public'`);
    expect(indexes.map((i) => i['name'])).toEqual(expect.arrayContaining(INDEXES));

    const again = await openStore(url, { create: false });
    expect(await again.getExperiment(e.id)).toMatchObject({ name: 'e', target: 'min' });
    await again.close();
    const migrations = await rawQuery(url, db.dialect, 'select name from aup_migration');
    expect(migrations.map((m) => m['name'])).toEqual([
      '0001-initial',
      '0002-change-feed',
      '0003-control',
      '0004-job-query',
      '0005-worker-leases',
      '0006-board-indexes',
      '0007-driver-lease',
      '0008-job-dir',
      '0009-imports',
      '0010-attempt-kind',
      '0011-stop-and-warm-start',
    ]);
  });

  it('keeps the flat jobs/ layout for experiments that ran before the job-folder migration (0008)', async () => {
    const url = await db.fresh();
    const store = await openStore(url);
    const ran = await store.createExperiment(experiment);
    await store.createJob({ experimentId: ran.id, trial: 0, params: {} });
    const never = await store.createExperiment(experiment);
    expect((await store.getExperiment(ran.id))!.jobDir).toBeNull();
    await store.close();
    // The database as aup left it before 0008: no job_dir column, 0008 and later not recorded
    // (nor what they add: 0009's import tables and column, 0010's attempt kind, 0011's stop and warm start).
    await rawQuery(url, db.dialect, 'alter table experiment drop column job_dir');
    await rawQuery(url, db.dialect, 'drop table import_job');
    await rawQuery(url, db.dialect, 'drop table import_source');
    await rawQuery(url, db.dialect, 'alter table experiment drop column imported_from');
    await rawQuery(url, db.dialect, 'alter table job_attempt drop column kind');
    for (const column of ['stop_reason', 'budget_used_ms', 'warm_start'])
      await rawQuery(url, db.dialect, `alter table experiment drop column ${column}`);
    await rawQuery(url, db.dialect, `delete from aup_migration where name >= '0008'`);
    const migrated = await openStore(url);
    expect((await migrated.getExperiment(ran.id))!.jobDir).toBe('jobs');
    expect((await migrated.getExperiment(never.id))!.jobDir).toBeNull();
    // An experiment from before 0011 has no stop reason, no budget time used and no warm start.
    expect(await migrated.getExperiment(ran.id)).toMatchObject({ stopReason: null, budgetUsedMs: 0, warmStart: null });
    await migrated.updateExperiment(never.id, { jobDir: 'jobs/e2-0a1b2c' });
    expect((await migrated.getExperiment(never.id))!.jobDir).toBe('jobs/e2-0a1b2c');
    await migrated.close();
  });

  it('refuses a database with an Auptimizer-like table but no aup migration table, even with create', async () => {
    const url = await db.fresh();
    await rawQuery(url, db.dialect, 'create table experiment (eid integer primary key, name text)');
    await expectCode(openStore(url), 'AUP_ERR_DB_NOT_AUP', /tables \(experiment\).*aup_migration/);
    await expectCode(openStore(url, { create: false }), 'AUP_ERR_DB_NOT_AUP');
    // Nothing was created in the foreign database.
    const tables =
      db.dialect === 'sqlite'
        ? await rawQuery(url, 'sqlite', `select name from sqlite_master where type = 'table'`)
        : await rawQuery(url, 'postgres', `select table_name as name from information_schema.tables where table_schema = 'public'`);
    expect(tables.map((t) => t['name'])).toEqual(['experiment']);
  });

  it('with create: false refuses a database of someone else; with create: true shares it', async () => {
    const url = await db.fresh();
    await rawQuery(url, db.dialect, 'create table invoices (id integer primary key)');
    await expectCode(openStore(url, { create: false }), 'AUP_ERR_DB_NOT_AUP', /invoices/);
    const store = await openStore(url);
    await store.createExperiment(experiment);
    await store.close();
    const reopened = await openStore(url, { create: false });
    expect(await reopened.listExperiments()).toHaveLength(1);
    await reopened.close();
  });

  it('refuses a database migrated by a newer aup', async () => {
    const url = await db.fresh();
    await (await openStore(url)).close();
    await rawQuery(url, db.dialect, `insert into aup_migration (name, timestamp) values ('9999-future', '2099-01-01')`);
    await expectCode(openStore(url), 'AUP_ERR_DB_OPEN', /newer aup.*9999-future/);
  });

  it('readOnly: reads a current database and changes nothing, not even its journal mode', async () => {
    const url = await db.fresh();
    const writer = await openStore(url);
    const e = await writer.createExperiment(experiment);
    await writer.close();
    if (db.dialect === 'sqlite') await rawQuery(url, 'sqlite', 'pragma journal_mode = delete');
    const before = await rawQuery(url, db.dialect, 'select name from aup_migration order by name');

    const reader = await openStore(url, { readOnly: true });
    try {
      expect(await reader.getExperiment(e.id)).toMatchObject({ name: 'e' });
      // A write fails: the SQLite connection is read-only, the PostgreSQL session too.
      await expect(reader.createExperiment(experiment)).rejects.toThrow(/readonly|read-only/);
    } finally {
      await reader.close();
    }
    expect(await rawQuery(url, db.dialect, 'select name from aup_migration order by name')).toEqual(before);
    if (db.dialect === 'sqlite') expect((await rawQuery(url, 'sqlite', 'pragma journal_mode'))[0]).toEqual({ journal_mode: 'delete' });
    expect(await rawQuery(url, db.dialect, 'select count(*) as n from experiment')).toEqual([{ n: db.dialect === 'sqlite' ? 1 : '1' }]);
  });

  it('readOnly: refuses a schema behind this aup, naming aup migrate, and migrates nothing', async () => {
    const url = await db.fresh();
    await (await openStore(url)).close();
    await rawQuery(url, db.dialect, `delete from aup_migration where name = '0006-board-indexes'`);
    await expectCode(openStore(url, { readOnly: true }), 'AUP_ERR_DB_NEEDS_MIGRATION', /older aup.*0006-board-indexes.*aup migrate --db/);
    const names = await rawQuery(url, db.dialect, 'select name from aup_migration');
    expect(names.map((m) => m['name'])).not.toContain('0006-board-indexes');
  });

  it('readOnly: refuses an empty database and creates no table in it', async () => {
    const url = await db.fresh();
    if (db.dialect === 'sqlite') writeFileSync(url, '');
    await expectCode(openStore(url, { readOnly: true }), 'AUP_ERR_DB_MISSING', /is empty.*never creates/);
    const tables =
      db.dialect === 'sqlite'
        ? await rawQuery(url, 'sqlite', `select name from sqlite_master where type = 'table'`)
        : await rawQuery(url, 'postgres', `select table_name as name from information_schema.tables where table_schema = 'public'`);
    expect(tables).toEqual([]);
  });

  it('opens the same database twice at once', async () => {
    const url = await db.fresh();
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    await a.createExperiment(experiment);
    expect(await b.listExperiments()).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('openStore on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aup-open-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const file = (): string => join(dir, `s${++n}.db`);

  it('puts the file in WAL mode and reports its path as the URL', async () => {
    const path = file();
    const store: Store = await openStore(`sqlite:${path}`);
    expect(store.dialect).toBe('sqlite');
    expect(store.url).toBe(path);
    await store.createExperiment(experiment);
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    await store.close();
  });

  it('with create: false or readOnly, fails on a missing file and does not create it', async () => {
    const path = file();
    await expectCode(openStore(path, { create: false }), 'AUP_ERR_DB_MISSING', new RegExp(`${path} does not exist`));
    await expectCode(
      openStore(path, { readOnly: true }),
      'AUP_ERR_DB_MISSING',
      new RegExp(`${path} does not exist: a command that only reads never creates`),
    );
    // readOnly wins over create.
    await expectCode(openStore(path, { readOnly: true, create: true }), 'AUP_ERR_DB_MISSING');
    expect(existsSync(path)).toBe(false);
  });

  it('readOnly: leaves a WAL database in WAL mode', async () => {
    const path = file();
    await (await openStore(path)).close();
    const reader = await openStore(path, { readOnly: true });
    expect(await reader.listExperiments()).toEqual([]);
    await reader.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('names the file when it is not a database or its folder is missing', async () => {
    const text = file();
    writeFileSync(text, 'this is not a database, just text that is long enough to have a header '.repeat(10));
    await expectCode(openStore(text), 'AUP_ERR_DB_OPEN', new RegExp(`${text}.*not a database`));
    const nowhere = join(dir, 'missing-folder', 'x.db');
    await expectCode(openStore(nowhere), 'AUP_ERR_DB_OPEN', /missing-folder does not exist/);
    await expectCode(openStore(dir), 'AUP_ERR_DB_OPEN', /is a directory/);
  });

  it('opens experiments.db in cwd by default', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const saved = process.env['AUP_DB'];
    delete process.env['AUP_DB'];
    try {
      const store = await openStore(undefined, { cwd });
      expect(store.url).toBe(join(cwd, 'experiments.db'));
      await store.close();
      expect(existsSync(join(cwd, 'experiments.db'))).toBe(true);
    } finally {
      if (saved !== undefined) process.env['AUP_DB'] = saved;
    }
  });

  it('keeps in-memory databases apart', async () => {
    const a = await openStore(':memory:');
    const b = await openStore(':memory:');
    await a.createExperiment(experiment);
    expect(await b.listExperiments()).toEqual([]);
    expect(a.url).toBe(':memory:');
    await Promise.all([a.close(), b.close()]);
  });
});

describe('openStore on PostgreSQL', () => {
  const pgDb = testDatabases().find((d) => d.dialect === 'postgres')!;

  it('hides the password in Store.url', async () => {
    const url = await pgDb.fresh();
    const store = await openStore(url);
    const shown = new URL(url);
    shown.password = '***';
    expect(store.dialect).toBe('postgres');
    expect(store.url).toBe(shown.toString());
    await store.close();
  });

  it('names the database that does not exist, without the password', async () => {
    const url = new URL(await pgDb.fresh());
    url.pathname = '/aup_no_such_database';
    const err = await openStore(url.toString()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AUP_ERR_DB_MISSING' });
    expect(await openStore(url.toString(), { readOnly: true }).catch((e: unknown) => e)).toMatchObject({ code: 'AUP_ERR_DB_MISSING' });
    expect((err as Error).message).toMatch(/aup_no_such_database.*does not exist/);
    expect((err as Error).message).toContain(':***@');
  });
});
