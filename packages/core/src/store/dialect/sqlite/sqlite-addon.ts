import { AupError } from '../../../errors.js';

// What Node and the `bindings` package say when better-sqlite3's compiled part cannot be loaded:
// never built (its install script did not run or failed), built for another Node.js
// (NODE_MODULE_VERSION), or built for another platform or architecture.
const ADDON_FAULTS = [
  /Could not locate the bindings file/,
  /was compiled against a different Node\.js version/,
  /NODE_MODULE_VERSION/,
  /invalid ELF header|wrong ELF class|not a valid Win32 application|incompatible architecture/,
];

/**
 * The error to show when `cause` (thrown by `new Database()`) says better-sqlite3's native addon is
 * missing or does not fit this Node.js, instead of the addon loader's list of paths it tried;
 * undefined for any other fault (a bad file, a full disk), which the caller reports as it is.
 */
export function sqliteAddonError(cause: unknown): AupError | undefined {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (!ADDON_FAULTS.some((re) => re.test(message))) return undefined;
  const where = `Node.js ${process.version} (${process.platform}-${process.arch})`;
  const built = /Could not locate/.test(message) ? 'has not been built' : 'was built for another Node.js or platform';
  return new AupError(
    'AUP_ERR_NATIVE_ADDON',
    `SQLite is not usable: the native part of better-sqlite3 ${built} for ${where}. ` +
      'Rebuild it with "npm rebuild better-sqlite3" in the project that installed aup. npm must be allowed to run its install ' +
      'script, which fetches a prebuilt binary or compiles one (that needs python3, make and a C++ compiler)',
    { details: { package: 'better-sqlite3', node: process.version, platform: process.platform, arch: process.arch }, cause },
  );
}
