import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { sqliteAddonError } from './sqlite-addon.js';

// The loader better-sqlite3 itself uses, so the message below is the one a user would see.
const fromSqlite = createRequire(createRequire(import.meta.url).resolve('better-sqlite3'));
const bindings = fromSqlite('bindings') as (opts: { bindings: string; module_root: string }) => unknown;

describe('sqliteAddonError', () => {
  it('turns "Could not locate the bindings file" into how to rebuild better-sqlite3', () => {
    const root = mkdtempSync(join(tmpdir(), 'aup-addon-'));
    let cause: unknown;
    try {
      bindings({ bindings: 'better_sqlite3.node', module_root: root });
    } catch (e) {
      cause = e;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    expect((cause as Error).message).toMatch(/Could not locate the bindings file/);
    const e = sqliteAddonError(cause);
    expect(e?.code).toBe('AUP_ERR_NATIVE_ADDON');
    expect(e?.message).toContain(`has not been built for Node.js ${process.version}`);
    expect(e?.message).toContain('npm rebuild better-sqlite3');
    expect(e?.message).not.toContain('Tried:');
    expect(e?.cause).toBe(cause);
  });

  it('says the addon was built for another Node.js on a NODE_MODULE_VERSION mismatch', () => {
    const cause = new Error(
      "The module '/p/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 127. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).",
    );
    expect(sqliteAddonError(cause)?.message).toMatch(
      /was built for another Node\.js or platform for Node\.js v.*npm rebuild better-sqlite3/s,
    );
  });

  it('leaves every other fault alone', () => {
    expect(sqliteAddonError(new Error('unable to open database file'))).toBeUndefined();
    expect(sqliteAddonError('SQLITE_CANTOPEN')).toBeUndefined();
  });
});
