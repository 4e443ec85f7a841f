import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { cachingDatabase } from './statement-cache.js';

describe('cachingDatabase', () => {
  it('hands out one prepared statement per SQL text, and drops the least recently used beyond its size', () => {
    const raw = new Database(':memory:');
    const db = cachingDatabase(raw, 2);
    const a = db.prepare('select 1 as x');
    expect(db.prepare('select 1 as x')).toBe(a);
    const b = db.prepare('select 2 as x');
    // a is used again, so b is the least recently used when a third text arrives.
    expect(db.prepare('select 1 as x')).toBe(a);
    db.prepare('select 3 as x');
    expect(db.prepare('select 1 as x')).toBe(a);
    expect(db.prepare('select 2 as x')).not.toBe(b);
    db.close();
    expect(raw.open).toBe(false);
  });

  it('gives a fresh statement while the kept one is still iterating', () => {
    const raw = new Database(':memory:');
    const db = cachingDatabase(raw);
    raw.exec('create table t (x integer); insert into t values (1), (2), (3)');
    const kept = db.prepare('select x from t order by x') as unknown as Database.Statement;
    const seen: number[] = [];
    for (const row of kept.iterate() as Iterable<{ x: number }>) {
      // The same query issued while the first one is mid-iteration runs on its own statement.
      const inner = db.prepare('select x from t order by x') as unknown as Database.Statement;
      expect(inner).not.toBe(kept);
      expect((inner.all() as Array<{ x: number }>).map((r) => r.x)).toEqual([1, 2, 3]);
      seen.push(row.x);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(db.prepare('select x from t order by x')).toBe(kept);
    db.close();
  });

  it('keeps statements valid across a schema change', () => {
    const raw = new Database(':memory:');
    const db = cachingDatabase(raw);
    raw.exec('create table t (x integer); insert into t values (1)');
    const stmt = db.prepare('select * from t') as unknown as Database.Statement;
    expect(stmt.all()).toEqual([{ x: 1 }]);
    raw.exec('alter table t add column y integer default 7');
    expect((db.prepare('select * from t') as unknown as Database.Statement).all()).toEqual([{ x: 1, y: 7 }]);
    db.close();
  });
});
