import { AupError } from './errors.js';

/**
 * Packages that only one feature needs, loaded when that feature is used. They are optional peer
 * dependencies of @aup/core (package.json `peerDependenciesMeta`), so an in-process user with
 * SQLite installs neither: pg is pure JavaScript but pulls nine packages, and ssh2 compiles two
 * native addons at install time (docs/decisions/0020-publishable-packages.md).
 */
export const OPTIONAL_PACKAGES = {
  pg: 'a PostgreSQL database (a postgres:// URL)',
  ssh2: 'the "node" resource (jobs on other hosts over SSH)',
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/**
 * Whether `e` is Node's "not found" for the package `name` itself (from `import()` or `require`),
 * not for some other module: a missing file inside an installed package is a different fault.
 */
export function isMissingPackage(e: unknown, name: string): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // import(): "Cannot find package 'pg' imported from ..."; require(): "Cannot find module 'pg'".
  const quoted = `'${name}'`;
  return (
    typeof message === 'string' &&
    (message.startsWith(`Cannot find package ${quoted}`) || message.startsWith(`Cannot find module ${quoted}`))
  );
}

/** The error for a feature whose package is not installed: what needs it and the command that installs it. */
export function missingPackageError(name: string, feature: string, cause?: unknown): AupError {
  return new AupError(
    'AUP_ERR_PACKAGE_MISSING',
    `${feature} needs the npm package ${name}, which is not installed: run "npm install ${name}" in the project that installed aup (or "npm install -g ${name}" beside a global aup)`,
    { details: { package: name }, cause },
  );
}

/**
 * Runs `load` (an `import()` of the package, or of a module that imports it) and turns "package
 * not found" for `name` into AUP_ERR_PACKAGE_MISSING.
 * @example const { default: pg } = await loadOptional('pg', () => import('pg'));
 */
export async function loadOptional<T>(name: OptionalPackage, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw isMissingPackage(e, name) ? missingPackageError(name, OPTIONAL_PACKAGES[name], e) : e;
  }
}

/** `loadOptional` for a synchronous `require`. */
export function requireOptional<T>(name: OptionalPackage, load: () => T): T {
  try {
    return load();
  } catch (e) {
    throw isMissingPackage(e, name) ? missingPackageError(name, OPTIONAL_PACKAGES[name], e) : e;
  }
}
