import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

import { isAupError } from './errors.js';
import { isMissingPackage, loadOptional, missingPackageError, requireOptional } from './optional-package.js';

// A name no registry package has, so Node's real "not found" errors can be produced here.
const ABSENT = 'aup-test-no-such-package';
const require = createRequire(import.meta.url);

async function importError(specifier: string): Promise<unknown> {
  try {
    await import(specifier);
  } catch (e) {
    return e;
  }
  throw new Error(`${specifier} was found`);
}

function requireError(specifier: string): unknown {
  try {
    require(specifier);
  } catch (e) {
    return e;
  }
  throw new Error(`${specifier} was found`);
}

describe('optional packages', () => {
  it('recognise Node\'s "not found" for that package, from import() and from require', async () => {
    expect(isMissingPackage(await importError(ABSENT), ABSENT)).toBe(true);
    expect(isMissingPackage(requireError(ABSENT), ABSENT)).toBe(true);
    // Another package missing (say, a dependency of the optional one) is a different fault.
    expect(isMissingPackage(await importError(ABSENT), 'pg')).toBe(false);
    expect(isMissingPackage(await importError(`${ABSENT}-pg`), ABSENT)).toBe(false);
    expect(isMissingPackage(new Error(`Cannot find package '${ABSENT}'`), ABSENT)).toBe(false);
  });

  it('name the package, the feature and the command that installs it', () => {
    const e = missingPackageError('pg', 'a PostgreSQL database (a postgres:// URL)');
    expect(e.code).toBe('AUP_ERR_PACKAGE_MISSING');
    expect(e.message).toMatch(
      /^a PostgreSQL database \(a postgres:\/\/ URL\) needs the npm package pg, which is not installed: run "npm install pg"/,
    );
    expect(e.details).toEqual({ package: 'pg' });
  });

  it('turn only the missing package itself into AUP_ERR_PACKAGE_MISSING', async () => {
    const missing = await importError(ABSENT);
    const failed = await loadOptional('ssh2', () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package 'ssh2' imported from /x/ssh-executor.js"), { code: 'ERR_MODULE_NOT_FOUND' }),
      ),
    ).catch((e: unknown) => e);
    expect(isAupError(failed) && failed.code).toBe('AUP_ERR_PACKAGE_MISSING');
    expect((failed as Error).message).toContain('the "node" resource');
    // Anything else passes through untouched.
    await expect(loadOptional('pg', () => Promise.reject(missing))).rejects.toBe(missing);
    expect(() => requireOptional('pg', () => require(ABSENT))).toThrow(/Cannot find module/);
    expect(requireOptional('ssh2', () => 42)).toBe(42);
  });
});
