import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { isAupError } from '../errors.js';
import { parseDbUrl } from './db-url.js';

describe('parseDbUrl', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env['AUP_DB'];
    delete process.env['AUP_DB'];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['AUP_DB'];
    else process.env['AUP_DB'] = saved;
  });

  it('defaults to experiments.db in cwd, or $AUP_DB when set', () => {
    expect(parseDbUrl(undefined, '/work/x')).toEqual({
      dialect: 'sqlite',
      path: '/work/x/experiments.db',
      display: '/work/x/experiments.db',
    });
    process.env['AUP_DB'] = 'runs/all.db';
    expect(parseDbUrl(undefined, '/work/x')).toMatchObject({ dialect: 'sqlite', path: '/work/x/runs/all.db' });
    process.env['AUP_DB'] = 'postgres://u@h/db';
    expect(parseDbUrl(undefined, '/work/x')).toMatchObject({ dialect: 'postgres', connectionString: 'postgres://u@h/db' });
    // An explicit URL wins over the environment.
    expect(parseDbUrl('a.db', '/w')).toMatchObject({ path: '/w/a.db' });
  });

  it.each([
    ['experiments.db', '/base/experiments.db'],
    ['./sub/e.db', '/base/sub/e.db'],
    ['/abs/e.db', '/abs/e.db'],
    ['sqlite:rel.db', '/base/rel.db'],
    ['sqlite:/abs/e.db', '/abs/e.db'],
    ['sqlite://rel.db', '/base/rel.db'],
    ['sqlite:///abs/e.db', '/abs/e.db'],
    ['file:rel.db', '/base/rel.db'],
    ['file:///abs/my%20runs.db', '/abs/my runs.db'],
    ['SQLITE:up.db', '/base/up.db'],
  ])('reads %s as the SQLite file %s', (url, path) => {
    expect(parseDbUrl(url, '/base')).toEqual({ dialect: 'sqlite', path, display: path });
  });

  it.each([':memory:', 'sqlite::memory:', 'sqlite://:memory:'])('reads %s as in-memory SQLite', (url) => {
    expect(parseDbUrl(url, '/base')).toEqual({ dialect: 'sqlite', path: ':memory:', display: ':memory:' });
  });

  it('reads postgres:// and postgresql:// URLs and hides the password for display', () => {
    const pg = parseDbUrl('postgres://aup:s3cret@db.lab:5433/runs?sslmode=require');
    expect(pg).toEqual({
      dialect: 'postgres',
      connectionString: 'postgres://aup:s3cret@db.lab:5433/runs?sslmode=require',
      display: 'postgres://aup:***@db.lab:5433/runs?sslmode=require',
    });
    expect(parseDbUrl('postgresql://h/db')).toMatchObject({ dialect: 'postgres', display: 'postgresql://h/db' });
  });

  it.each([
    ['mysql://root:pw@h/db', /scheme 'mysql:'.*postgres:\/\//],
    ['', /empty/],
    ['sqlite:', /names no file/],
  ])('rejects %j with AUP_ERR_DB_URL', (url, message) => {
    let caught: unknown;
    try {
      parseDbUrl(url, '/base');
    } catch (e) {
      caught = e;
    }
    expect(isAupError(caught) && caught.code).toBe('AUP_ERR_DB_URL');
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain(':pw@');
  });

  it('names $AUP_DB in the error when the bad URL came from there', () => {
    process.env['AUP_DB'] = 'redis://h';
    expect(() => parseDbUrl()).toThrow(/redis:\/\/h' \(from \$AUP_DB\)/);
  });
});
