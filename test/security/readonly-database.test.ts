/**
 * A database its user may only read (issue 12, finding 8): `aup list`, `aup show` and
 * `aup-board --read-only` open a 0444 SQLite file in a 0555 folder, in WAL mode and not, change
 * nothing in it, and create no database where none is.
 *
 * File modes do not bind root, so when these tests run as root, every CLI process they read with is
 * spawned as the unprivileged `nobody` (uid/gid 65534); as an ordinary user the modes alone make
 * the files read-only to it. The folders are made traversable (0755 above, 0555 for the database's
 * own) so that `nobody` can reach them at all.
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3';
import { openStore, type Store } from '@aup/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUP_BIN = join(ROOT, 'packages/core/bin/aup.js');
const BOARD_BIN = join(ROOT, 'packages/server/bin/aup-board.js');
/** The account `nobody` on Debian and most Linux systems. */
const NOBODY = 65534;
const AS_ROOT = process.getuid?.() === 0;
const STARTUP_TIMEOUT_MS = 30_000;
const URL_LINE = /^aup-board: (http:\/\/\S+)$/m;

let tmp: string;
/** Folder (0555) holding a WAL-mode database (0444), as `aup run` leaves it. */
let walDir: string;
/** Folder (0555) holding the same database in rollback-journal (DELETE) mode (0444). */
let deleteDir: string;

/** Spawn options of a reader: `nobody` when this test is root, so that file modes apply to it. */
function reader(cwd: string): SpawnOptions {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: tmp };
  delete env['AUP_DB'];
  return { cwd, env, ...(AS_ROOT ? { uid: NOBODY, gid: NOBODY } : {}) };
}

function aup(args: string[], opts: SpawnOptions): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [AUP_BIN, ...args], { ...opts, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The folder's files with a hash of each, to show that reading changed nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((f) => [
      f,
      createHash('sha256')
        .update(readFileSync(join(dir, f)))
        .digest('hex'),
    ]),
  );
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'aup-readonly-'));
  chmodSync(tmp, 0o755);
  const work = join(tmp, 'work');
  mkdirSync(work);
  writeFileSync(join(work, 'train.sh'), 'echo "#Auptimizer:$(( ${#1} % 7 ))"\n');
  writeFileSync(
    join(work, 'experiment.json'),
    JSON.stringify({ name: 'ro', script: 'train.sh', n_samples: 3, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] }),
  );
  const run = aup(['run', 'experiment.json', '--db', 'experiments.db'], { cwd: work, env: { ...process.env, AUP_DB: '' } });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  // A clean close leaves the file alone (no -wal, no -shm) with WAL in its header.
  walDir = join(tmp, 'wal');
  deleteDir = join(tmp, 'delete');
  for (const dir of [walDir, deleteDir]) {
    mkdirSync(dir);
    copyFileSync(join(work, 'experiments.db'), join(dir, 'experiments.db'));
  }
  const raw = new Database(join(deleteDir, 'experiments.db'));
  raw.pragma('journal_mode = delete');
  raw.close();
  for (const dir of [walDir, deleteDir]) {
    expect(readdirSync(dir)).toEqual(['experiments.db']);
    chmodSync(join(dir, 'experiments.db'), 0o444);
    chmodSync(dir, 0o555);
  }
}, 120_000);

afterAll(() => {
  for (const dir of [walDir, deleteDir]) if (dir !== undefined && existsSync(dir)) chmodSync(dir, 0o755);
  rmSync(tmp, { recursive: true, force: true });
});

describe.each([
  ['WAL mode', () => walDir],
  ['rollback-journal mode', () => deleteDir],
])('a read-only database in %s', (_mode, dirOf) => {
  it('is listed and shown by a user who may only read it, and stays byte for byte the same', () => {
    const dir = dirOf();
    const before = snapshot(dir);
    const opts = reader(dir);
    const list = aup(['list', '--db', 'experiments.db'], opts);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^1\s+ro\s+finished\s+random\s+max\s+3\/3/m);
    const show = aup(['show', '1', '--json', '--db', join(dir, 'experiments.db')], opts);
    expect(show.stderr).toBe('');
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as { experiment: { status: string }; jobs: { status: string }[] };
    expect(shown.experiment.status).toBe('finished');
    expect(shown.jobs.map((j) => j.status)).toEqual(['finished', 'finished', 'finished']);
    expect(snapshot(dir)).toEqual(before);
  });

  it('is served by aup-board --read-only to that user, every read route answering, and stays the same', async () => {
    const dir = dirOf();
    const before = snapshot(dir);
    const child = spawn(process.execPath, [BOARD_BIN, '--db', 'experiments.db', '--port', '0', '--read-only'], {
      ...reader(dir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL within ${STARTUP_TIMEOUT_MS} ms; stderr: ${err}`)), STARTUP_TIMEOUT_MS);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = URL_LINE.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(new URL(m[1]!).origin);
          }
        });
        void exited.then((code) => reject(new Error(`aup-board exited with ${code}; stderr: ${err}`)));
      });
      for (const path of [
        '/',
        '/api/v1/health',
        '/api/v1/experiments',
        '/api/v1/experiments/1',
        '/api/v1/experiments/1/jobs',
        '/api/v1/experiments/1/job-columns',
        '/api/v1/experiments/1/series?jobs=1,2',
        '/api/v1/experiments/1/export?format=csv',
        '/api/v1/jobs/1',
        '/api/v1/jobs/1/records',
        '/api/v1/jobs/1/attempts/1/log',
        '/api/v1/workers',
      ]) {
        const res = await fetch(`${base}${path}`);
        // The job's log is in the working folder of the original run: 200 or a clean 404, never a 5xx.
        expect(res.status, `${path}: ${await res.clone().text()}`).toBeLessThan(path.endsWith('/log') ? 500 : 300);
        await res.arrayBuffer();
      }
      const list = (await (await fetch(`${base}/api/v1/experiments`)).json()) as { experiments: { name: string }[] };
      expect(list.experiments.map((e) => e.name)).toEqual(['ro']);
      // The change feed: a replay from the start answers with the experiment's changes.
      const events = await fetch(`${base}/api/v1/events?after=0`);
      expect(events.status).toBe(200);
      const reader = events.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first.length).toBeGreaterThan(0);
      await reader.cancel();
      if (dir === walDir) expect(err).toMatch(/note: .*is in WAL mode and this user cannot write its folder/);
      else expect(err).toBe('');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('a WAL database that a writer holds open, in a folder the reader may not write', () => {
  let dir: string;
  let writer: Store;

  beforeAll(async () => {
    dir = join(tmp, 'live');
    mkdirSync(dir);
    copyFileSync(join(walDir, 'experiments.db'), join(dir, 'experiments.db'));
    chmodSync(join(dir, 'experiments.db'), 0o644);
    // The writer (this test process, the folder's owner) keeps -wal and -shm while it is open.
    writer = await openStore(join(dir, 'experiments.db'));
    chmodSync(dir, 0o555);
  });
  afterAll(async () => {
    await writer.close();
    chmodSync(dir, 0o755);
  });

  it("is read through the writer's -shm, commits still in -wal included", async () => {
    await writer.createExperiment({
      name: 'live',
      user: 'u',
      proposer: 'random',
      target: 'max',
      nSamples: 1,
      configRaw: {},
      config: {},
      workingDir: dir,
      host: {},
      git: null,
    });
    expect(readdirSync(dir).sort()).toEqual(['experiments.db', 'experiments.db-shm', 'experiments.db-wal']);
    const list = aup(['list', '--json'], { ...reader(dir), env: { ...reader(dir).env, AUP_DB: join(dir, 'experiments.db') } });
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((e) => e.name)).toEqual(['ro', 'live']);
  });
});

describe('a database that does not exist', () => {
  it.each([
    [['list', '--db', 'typo.db']],
    [['show', '1', '--db', 'typo.db']],
    [['resume', '1', '--db', 'typo.db']],
    [['report', '1', '0.5', '--db', 'typo.db']],
    [['migrate', '--db', 'typo.db']],
  ])('aup %j fails with exit 2 naming the path, and creates nothing', (args) => {
    const dir = mkdtempSync(join(tmp, 'missing-'));
    const r = aup(args, { cwd: dir, env: { ...process.env, AUP_DB: '' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining(`aup: SQLite database ${join(dir, 'typo.db')} does not exist`)]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names where the name came from: $AUP_DB, or the default experiments.db', () => {
    const dir = mkdtempSync(join(tmp, 'missing-'));
    const fromEnv = aup(['list'], { cwd: dir, env: { ...process.env, AUP_DB: 'elsewhere.db' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain(`${join(dir, 'elsewhere.db')} (from $AUP_DB) does not exist`);
    const byDefault = aup(['show', '3'], { cwd: dir, env: { ...process.env, AUP_DB: '' } });
    expect(byDefault.code).toBe(2);
    expect(byDefault.stderr).toContain(`${join(dir, 'experiments.db')} (the default: no --db, no $AUP_DB) does not exist`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('on PostgreSQL: a database that does not exist is exit 2 too, naming it without the password', () => {
    const url = new URL(inject('pgUrl'));
    url.pathname = '/aup_no_such_database';
    const r = aup(['list', '--db', url.toString()], { cwd: tmp, env: { ...process.env, AUP_DB: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^aup: Cannot open PostgreSQL database postgres:\/\/[^:]+:\*\*\*@.*\/aup_no_such_database: .*does not exist/);
  });

  it('is refused by aup-board --read-only with exit 2, and --create with --read-only is a usage error', () => {
    const dir = mkdtempSync(join(tmp, 'missing-'));
    const board = (args: string[]) => spawnSync(process.execPath, [BOARD_BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const r = board(['--db', 'typo.db', '--port', '0', '--read-only']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'typo.db')} (from --db) does not exist`);
    const both = board(['--db', 'typo.db', '--port', '0', '--read-only', '--create']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--create with --read-only');
    expect(readdirSync(dir)).toEqual([]);
  });
});
