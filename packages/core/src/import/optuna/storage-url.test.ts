import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseOptunaStorage } from './storage-url.js';

const dir = mkdtempSync(join(tmpdir(), 'aup-optuna-url-'));
writeFileSync(join(dir, 'study.db'), '');
mkdirSync(join(dir, 'sub'));
symlinkSync(join(dir, 'study.db'), join(dir, 'sub', 'link.db'));

describe('Optuna storage URLs', () => {
  it('reads SQLAlchemy SQLite URLs, relative and absolute, and plain paths, to the real file', () => {
    for (const url of [
      'sqlite:///study.db',
      `sqlite:////${dir.slice(1)}/study.db`,
      'study.db',
      `${dir}/study.db`,
      'sqlite:///sub/link.db',
      'sqlite:///study.db?timeout=30',
    ]) {
      expect(parseOptunaStorage(url, dir)).toEqual({
        dialect: 'sqlite',
        path: join(dir, 'study.db'),
        display: join(dir, 'study.db'),
        key: `sqlite:///${join(dir, 'study.db')}`,
      });
    }
  });

  it('reads PostgreSQL URLs with a driver, keys them without password or options, and hides the password', () => {
    const s = parseOptunaStorage('postgresql+psycopg2://me:secret@db.lab:5433/optuna?sslmode=require', dir);
    expect(s).toEqual({
      dialect: 'postgres',
      connectionString: 'postgresql://me:secret@db.lab:5433/optuna?sslmode=require',
      display: 'postgresql://me:***@db.lab:5433/optuna?sslmode=require',
      key: 'postgresql://me@db.lab:5433/optuna',
    });
    expect(parseOptunaStorage('postgres://db/optuna', dir)).toMatchObject({ dialect: 'postgres', key: 'postgresql://db/optuna' });
  });

  it('refuses what it cannot read, naming it, without the password', () => {
    const bad: [string, RegExp, string][] = [
      ['', /the storage URL is empty/, 'AUP_ERR_DB_URL'],
      ['mysql+pymysql://me:secret@db/optuna', /is a mysql storage: aup imports Optuna's SQLite and PostgreSQL storages/, 'AUP_ERR_DB_URL'],
      ['sqlite:///:memory:', /in-memory SQLite storage/, 'AUP_ERR_DB_URL'],
      ['sqlite://', /in-memory SQLite storage/, 'AUP_ERR_DB_URL'],
      ['redis://me:secret@host', /scheme 'redis:'/, 'AUP_ERR_DB_URL'],
      ['sqlite:///nope.db', /nope\.db \(from 'sqlite:\/\/\/nope\.db'\) does not exist/, 'AUP_ERR_DB_MISSING'],
      ['sub', /is a directory/, 'AUP_ERR_DB_OPEN'],
    ];
    for (const [url, message, code] of bad) {
      let error: unknown;
      try {
        parseOptunaStorage(url, dir);
      } catch (e) {
        error = e;
      }
      expect(error, url).toMatchObject({ code, message: expect.stringMatching(message) });
      expect((error as Error).message).not.toContain('secret');
    }
  });
});
