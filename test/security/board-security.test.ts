/**
 * aup-board's security rules as a user meets them: the real binary on a free port of 127.0.0.1,
 * over a SQLite file and PostgreSQL: the session token, --no-token, --read-only, --cors, the two
 * mutating routes (config validation, experiment deletion) and a bounded request fuzz that must
 * never yield a 5xx, a hang or a changed database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '@aup/core';
import { BODY_LIMIT_BYTES } from '@aup/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { forEachDatabase, type TestDatabase } from '../setup/databases.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BOARD_BIN = join(ROOT, 'packages', 'server', 'bin', 'aup-board.js');
const STARTUP_TIMEOUT_MS = 30_000;
/** A request that takes longer than this counts as a hang. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Requests of the fuzz per database: enough to cover every generator many times, bounded in time. */
const FUZZ_REQUESTS = 400;
const FUZZ_SEED = 0x5eed;
/** Requests in flight at once during the fuzz. */
const FUZZ_CONCURRENCY = 8;
const URL_LINE = /^aup-board: (http:\/\/\S+)$/m;
const TOKEN = 'e2e-session-token';
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'aup-board-sec-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env['AUP_DB'];
  return env;
}

interface Board {
  child: ChildProcess;
  /** The printed URL, token query included. */
  printed: string;
  /** The base URL without the query, ending in '/'. */
  base: string;
  stdout: () => string;
  exited: Promise<number | null>;
}

function startBoard(args: string[], cwd: string, env: NodeJS.ProcessEnv = childEnv()): Promise<Board> {
  const child = spawn(process.execPath, [BOARD_BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise<Board>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aup-board printed no URL within ${STARTUP_TIMEOUT_MS} ms; stdout: ${out}; stderr: ${err}`));
    }, STARTUP_TIMEOUT_MS);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = URL_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        const printed = m[1]!;
        const u = new URL(printed);
        resolve({ child, printed, base: `${u.origin}/`, stdout: () => out, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`aup-board exited with ${code} before printing a URL; stdout: ${out}; stderr: ${err}`));
    });
  });
}

function runBoard(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BOARD_BIN, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function stopBoard(board: Board | undefined): Promise<void> {
  if (board === undefined) return;
  if (board.child.exitCode === null && board.child.signalCode === null) board.child.kill('SIGTERM');
  await board.exited;
}

interface Filled {
  finished: number;
  running: number;
  withFiles: number;
  withFilesJobs: number[];
  workingDir: string;
}

/** Three experiments in their own working directory: finished, running, and finished with job files on disk. */
async function fillStore(url: string, name: string): Promise<Filled> {
  const workingDir = join(tmp, `wd-${name}`);
  mkdirSync(join(workingDir, 'jobs'), { recursive: true });
  const store = await openStore(url, { cwd: tmp });
  try {
    const make = async (label: string, status: 'finished' | 'running') => {
      const exp = await store.createExperiment({
        name: label,
        user: 'ada',
        proposer: 'random',
        target: 'max',
        nSamples: 2,
        configRaw: { proposer: 'random' },
        config: { name: label },
        workingDir,
        host: {},
        git: {},
      });
      // The flat jobs/ of an experiment run before job folders (migration 0008): shared, so only the named jobs' files go.
      await store.updateExperiment(exp.id, { jobDir: 'jobs' });
      const jobs: number[] = [];
      for (const trial of [0, 1]) {
        const job = await store.createJob({ experimentId: exp.id, trial, params: { x: trial } });
        jobs.push(job.id);
        await store.completeJob(
          job.id,
          { status: 'finished', score: trial, attempts: 1, startedAt: T0, endedAt: T0 + 1000 },
          { id: exp.id, bestJobId: job.id, bestScore: trial },
        );
      }
      await store.updateExperiment(exp.id, { status, startedAt: T0, ...(status === 'finished' ? { endedAt: T0 + 5000 } : {}) });
      return { id: exp.id, jobs };
    };
    const finished = await make('done', 'finished');
    const running = await make('busy', 'running');
    const withFiles = await make('with-files', 'finished');
    for (const id of [...finished.jobs, ...withFiles.jobs]) {
      writeFileSync(join(workingDir, 'jobs', `${id}.json`), '{}');
      writeFileSync(join(workingDir, 'jobs', `${id}.1.out`), 'log');
    }
    return { finished: finished.id, running: running.id, withFiles: withFiles.id, withFilesJobs: withFiles.jobs, workingDir };
  } finally {
    await store.close();
  }
}

/** Every row of every table, in a stable order: equal dumps mean an unchanged database. */
async function dumpDatabase(db: TestDatabase, url: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (db.dialect === 'sqlite') {
    const conn = new Database(url, { readonly: true, fileMustExist: true });
    try {
      const tables = conn.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>;
      for (const { name } of tables) {
        out[name] = (conn.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
      }
    } finally {
      conn.close();
    }
    return out;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    for (const { table_name: name } of tables.rows) {
      const rows = await client.query(`SELECT * FROM "${name.replaceAll('"', '""')}"`);
      out[name] = rows.rows.map((r) => JSON.stringify(r)).sort();
    }
  } finally {
    await client.end();
  }
  return out;
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
}

const json = (body: unknown, token?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
  body: JSON.stringify(body),
});

const VALID_CONFIG = { script: 'python3 train.py', n_samples: 3, parameter_config: [{ name: 'lr', range: [0, 1], type: 'float' }] };

forEachDatabase('aup-board security', (db) => {
  let url: string;
  let filled: Filled;
  let board: Board;
  let api: string;

  beforeAll(async () => {
    url = db.dialect === 'sqlite' ? join(tmp, `${db.kind}-sec.db`) : await db.fresh();
    filled = await fillStore(url, db.kind);
    writeFileSync(join(tmp, 'train.py'), 'print(1)\n');
    board = await startBoard(['--db', url, '--port', '0', '--token', TOKEN], tmp);
    api = `${board.base}api/v1`;
  });
  afterAll(async () => {
    await stopBoard(board);
  });

  it('prints the URL with the token it needs', () => {
    expect(board.printed).toBe(`${board.base}?token=${TOKEN}`);
    expect(board.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('requires the Bearer token on mutating routes: 401 without, 401 wrong, 200 with it', async () => {
    const none = await call(`${api}/config/validate`, json(VALID_CONFIG));
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'AUP_ERR_UNAUTHORIZED', details: { given: 'none' } });
    const wrong = await call(`${api}/config/validate`, json(VALID_CONFIG, `${TOKEN}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'AUP_ERR_UNAUTHORIZED', details: { given: 'wrong token' } });
    const basic = await call(`${api}/config/validate`, {
      ...json(VALID_CONFIG),
      headers: { 'content-type': 'application/json', authorization: `Basic ${TOKEN}` },
    });
    expect(basic.status).toBe(401);
    const del = await call(`${api}/experiments/${filled.finished}`, { method: 'DELETE' });
    expect(del.status).toBe(401);
    const right = await call(`${api}/config/validate`, json(VALID_CONFIG, TOKEN));
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({
      ok: true,
      config: { n_samples: 3, proposer: 'random', parameter_config: [{ name: 'lr', type: 'float', range: [0, 1] }] },
    });
    // Reads need no token.
    expect((await call(`${api}/experiments`)).status).toBe(200);
  });

  it('answers an invalid config with its problems and their JSON paths', async () => {
    const bad = { ...VALID_CONFIG, n_samples: 'many', parameter_config: [{ name: 'lr', range: [5, 1], type: 'float' }] };
    const { status, body } = await call(`${api}/config/validate`, json(bad, TOKEN));
    expect(status).toBe(200);
    expect(body['ok']).toBe(false);
    const paths = (body['problems'] as Array<{ path: string; message: string }>).map((p) => p.path);
    expect(paths).toContain('n_samples');
    expect(paths.some((p) => p.startsWith('parameter_config[0]'))).toBe(true);
  });

  it('refuses to delete a running experiment with 409 and leaves it', async () => {
    const { status, body } = await call(`${api}/experiments/${filled.running}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(status).toBe(409);
    expect(body).toMatchObject({ code: 'AUP_ERR_EXPERIMENT_STATE', details: { id: filled.running, status: 'running' } });
    expect((await call(`${api}/experiments/${filled.running}`)).status).toBe(200);
  });

  it('deletes an experiment and its rows, leaving its job files unless asked', async () => {
    const res = await call(`${api}/experiments/${filled.finished}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: filled.finished, deleted: true, jobs_deleted: 2, files_removed: 0, files_skipped: [] });
    expect((await call(`${api}/experiments/${filled.finished}`)).status).toBe(404);
    expect((await call(`${api}/experiments/${filled.finished}/jobs`)).status).toBe(404);
    const dump = await dumpDatabase(db, url);
    expect(JSON.stringify(dump['jobs'] ?? dump['job'])).not.toContain(`"experiment_id":${filled.finished},`);
    const again = await call(`${api}/experiments/${filled.finished}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(again.status).toBe(404);
    // Files of the first experiment stay: files=true was not asked.
    const store = await openStore(url, { cwd: tmp });
    try {
      expect(await store.getExperiment(filled.finished)).toBeUndefined();
      expect(await store.listJobs(filled.finished)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('with files=true removes the job files inside the working directory only', async () => {
    const outside = join(tmp, `outside-${db.kind}.json`);
    writeFileSync(outside, 'keep');
    const res = await call(`${api}/experiments/${filled.withFiles}?files=true`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: filled.withFiles, deleted: true, jobs_deleted: 2, files_removed: 4 });
    for (const id of filled.withFilesJobs) {
      expect(existsSync(join(filled.workingDir, 'jobs', `${id}.json`))).toBe(false);
      expect(existsSync(join(filled.workingDir, 'jobs', `${id}.1.out`))).toBe(false);
    }
    expect(readFileSync(outside, 'utf8')).toBe('keep');
  });

  it('answers bad delete parameters with 400', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await call(`${api}/experiments/${filled.running}?files=maybe`, { method: 'DELETE', headers: auth })).status).toBe(400);
    expect((await call(`${api}/experiments/${filled.running}?purge=1`, { method: 'DELETE', headers: auth })).status).toBe(400);
    expect((await call(`${api}/experiments/first`, { method: 'DELETE', headers: auth })).status).toBe(400);
  });

  it('sends no CORS headers without --cors', async () => {
    const res = await fetch(`${api}/experiments`, { headers: { origin: 'https://a.example' } });
    expect(res.status).toBe(200);
    const names: string[] = [];
    res.headers.forEach((_v, k) => names.push(k));
    expect(names.filter((k) => k.startsWith('access-control-'))).toEqual([]);
    const pre = await fetch(`${api}/experiments`, {
      method: 'OPTIONS',
      headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('survives a request fuzz: no 5xx, no hang, the database unchanged', async () => {
    const before = await dumpDatabase(db, url);
    const existing = new Set([filled.running, filled.finished, filled.withFiles]);
    const requests = fuzzRequests(FUZZ_REQUESTS, existing);
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const r = requests[next++]!;
        try {
          const res = await fetch(`${board.base}${r.path.replace(/^\//, '')}`, {
            method: r.method,
            headers: r.headers(TOKEN),
            body: r.body,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const text = await res.text();
          if (res.status >= 500) failures.push(`${r.method} ${shorten(r.path)}: ${res.status} ${text.slice(0, 200)}`);
          if (res.status >= 400 && r.method !== 'HEAD' && text !== '') {
            const body = JSON.parse(text) as Record<string, unknown>;
            if (Object.keys(body).sort().join() !== 'code,details,message')
              failures.push(`${r.method} ${shorten(r.path)}: error shape ${text.slice(0, 200)}`);
          }
        } catch (e) {
          // A body over the limit is refused unread: the server closes the connection while the
          // client may still be writing (EPIPE, ECONNRESET). The health check below shows it lives on.
          const cause = String((e as { cause?: unknown }).cause);
          const oversized = r.body !== undefined && Buffer.byteLength(r.body) > BODY_LIMIT_BYTES;
          if (oversized && /EPIPE|ECONNRESET/.test(cause)) continue;
          failures.push(`${r.method} ${shorten(r.path)}: ${(e as Error).name} ${(e as Error).message} (${cause})`);
        }
      }
    };
    await Promise.all(Array.from({ length: FUZZ_CONCURRENCY }, worker));
    for (const raw of RAW_REQUESTS) {
      const status = await rawRequest(board.base, raw);
      if (status !== undefined && status >= 500) failures.push(`raw ${JSON.stringify(raw.slice(0, 60))}: ${status}`);
    }
    expect(failures).toEqual([]);
    // Still serving after all that.
    expect((await call(`${api}/health`)).status).toBe(200);
    expect(await dumpDatabase(db, url)).toEqual(before);
  });

  describe('--read-only', () => {
    let ro: Board;
    beforeAll(async () => {
      ro = await startBoard(['--db', url, '--port', '0', '--read-only'], tmp);
    });
    afterAll(async () => stopBoard(ro));

    it('needs no token and serves no mutating route', async () => {
      expect(ro.printed).toBe(ro.base);
      const roApi = `${ro.base}api/v1`;
      expect((await call(`${roApi}/health`)).body).toMatchObject({ read_only: true });
      expect((await call(`${roApi}/experiments/${filled.running}`)).status).toBe(200);
      for (const token of [undefined, TOKEN]) {
        const v = await call(`${roApi}/config/validate`, json(VALID_CONFIG, token));
        expect(v.status).toBe(404);
        expect(v.body['code']).toBe('AUP_ERR_NOT_FOUND');
        const d = await call(`${roApi}/experiments/${filled.running}`, {
          method: 'DELETE',
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        expect(d.status).toBe(404);
      }
      const doc = await call(`${roApi}/openapi.json`);
      expect(Object.keys(doc.body['paths'] as object)).not.toContain('/api/v1/config/validate');
    });
  });

  describe('--no-token on loopback', () => {
    let open: Board;
    beforeAll(async () => {
      open = await startBoard(['--db', url, '--port', '0', '--no-token'], tmp);
    });
    afterAll(async () => stopBoard(open));

    it('serves mutating routes without a token', async () => {
      expect(open.printed).toBe(open.base);
      expect(open.stdout()).toContain('no token');
      const v = await call(`${open.base}api/v1/config/validate`, json(VALID_CONFIG));
      expect(v.status).toBe(200);
      expect(v.body['ok']).toBe(true);
    });
  });

  describe('--cors', () => {
    const listed = 'https://widgets.example';
    let cors: Board;
    beforeAll(async () => {
      cors = await startBoard(['--db', url, '--port', '0', '--token', TOKEN, '--cors', `${listed},http://localhost:5173`], tmp);
    });
    afterAll(async () => stopBoard(cors));

    it('lets listed origins read, with Vary: Origin', async () => {
      const res = await fetch(`${cors.base}api/v1/experiments`, { headers: { origin: listed } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(listed);
      expect(res.headers.get('vary')).toMatch(/Origin/);
      const pre = await fetch(`${cors.base}api/v1/experiments`, {
        method: 'OPTIONS',
        headers: { origin: listed, 'access-control-request-method': 'GET' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(listed);
      expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
    });

    it('gives unlisted origins no CORS headers', async () => {
      for (const origin of ['https://evil.example', 'https://widgets.example.evil.example', 'null', 'http://widgets.example']) {
        const res = await fetch(`${cors.base}api/v1/experiments`, { headers: { origin } });
        expect(res.status).toBe(200);
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expect(res.headers.get('vary')).toMatch(/Origin/);
      }
    });

    it('still needs the token for mutating routes, and preflights them for nobody', async () => {
      const pre = await fetch(`${cors.base}api/v1/experiments/${filled.running}`, {
        method: 'OPTIONS',
        headers: { origin: listed, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
      });
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      expect(pre.headers.get('access-control-allow-methods')).toBeNull();
      const post = await call(`${cors.base}api/v1/config/validate`, {
        ...json(VALID_CONFIG),
        headers: { 'content-type': 'application/json', origin: listed },
      });
      expect(post.status).toBe(401);
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

describe('aup-board start-up security', () => {
  it('refuses --no-token on a non-loopback host before opening anything or listening', async () => {
    const db = join(tmp, 'refuse.db');
    const r = await runBoard(['--db', db, '--create', '--host', '0.0.0.0', '--port', '0', '--no-token'], tmp);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('aup-board: --no-token with --host 0.0.0.0');
    expect(r.stderr).toContain('expected a loopback host');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // It exited before the store was opened, so --create made nothing.
    expect(existsSync(db)).toBe(false);
  });

  it.each([
    [['--cors', '*'], '--cors entry 1 is "*"'],
    [['--cors', 'https://ok.example,widgets.example'], '--cors entry 2 is "widgets.example"'],
    [['--token', ''], '--token is empty'],
  ])('refuses %j with exit 2 (a usage error)', async (args, message) => {
    const r = await runBoard(['--create', '--db', join(tmp, 'never.db'), '--port', '0', ...args], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('binds a non-loopback host when a token guards it, and generates one when none is given', async () => {
    const db = join(tmp, 'wide.db');
    const b = await startBoard(['--db', db, '--create', '--host', '0.0.0.0', '--port', '0'], tmp);
    try {
      const token = new URL(b.printed).searchParams.get('token');
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const port = new URL(b.base).port;
      const base = `http://127.0.0.1:${port}/api/v1`;
      expect((await call(`${base}/config/validate`, json(VALID_CONFIG))).status).toBe(401);
      expect((await call(`${base}/config/validate`, json(VALID_CONFIG, token!))).status).toBe(200);
    } finally {
      await stopBoard(b);
    }
  });

  it('--open runs the platform opener with the URL, and starts anyway when there is none', async () => {
    const bin = join(tmp, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const record = join(tmp, 'opened.txt');
    const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
    writeFileSync(join(bin, opener), `#!/bin/sh\nprintf '%s' "$1" > '${record}'\n`);
    chmodSync(join(bin, opener), 0o755);
    const db = join(tmp, 'open.db');
    const b = await startBoard(['--db', db, '--create', '--port', '0', '--open'], tmp, childEnv({ PATH: bin }));
    try {
      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      while (!existsSync(record) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(readFileSync(record, 'utf8')).toBe(b.printed);
    } finally {
      await stopBoard(b);
    }
    const empty = mkdtempSync(join(tmp, 'no-opener-'));
    const c = await startBoard(['--db', db, '--port', '0', '--open'], tmp, childEnv({ PATH: empty }));
    try {
      expect((await call(`${c.base}api/v1/health`)).status).toBe(200);
    } finally {
      await stopBoard(c);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The fuzz: deterministic (seeded), bounded, loopback only.

interface FuzzRequest {
  method: string;
  path: string;
  headers: (token: string) => Record<string, string>;
  body?: string;
}

/** A path short enough for a failure list. */
function shorten(path: string): string {
  return path.length > 120 ? `${path.slice(0, 120)}...(${path.length} chars)` : path;
}

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BAD_IDS = [
  '',
  '0',
  '-1',
  '1.5',
  '1e3',
  'NaN',
  'Infinity',
  '-Infinity',
  '9'.repeat(40),
  '9007199254740993',
  '0x10',
  'abc',
  '%00',
  '%FF',
  '..%2F..%2Fetc%2Fpasswd',
  '1%27%20OR%201%3D1--',
  '%F0%9F%99%82',
  'null',
  'true',
  '%5B%5D',
  '%7B%7D',
  'a'.repeat(3000),
  '1;DROP%20TABLE%20jobs',
  '%2e%2e',
  '..',
  '%25',
  '1%0A2',
  '1/2',
  '-0',
  '+5',
  '1_000',
  '12345678901234567890',
  'id',
  '%u0031',
];
const BAD_QUERIES = [
  'sort=params',
  'sort=score;DROP TABLE jobs',
  'sort=',
  'order=sideways',
  'limit=-1',
  'limit=0',
  'limit=1e9',
  'limit=99999999999999999999',
  'offset=-5',
  'offset=abc',
  'limit=1&limit=2',
  'sort[]=id',
  'sort[$ne]=x',
  'filter=score>1',
  '%',
  '&&&',
  '=',
  '==x',
  'a=%ZZ',
  '__proto__[x]=1',
  'constructor[prototype][x]=1',
  'files=maybe',
  'files=true&files=false',
  `q=${'x'.repeat(5000)}`,
  'limit=1.5',
  'offset=%00',
];
const BAD_BODIES: Array<[string, string | undefined]> = [
  ['application/json', '{'],
  ['application/json', ''],
  ['application/json', 'null'],
  ['application/json', '[]'],
  ['application/json', '"str"'],
  ['application/json', '12'],
  ['application/json', '{"__proto__":{"polluted":1}}'],
  ['application/json', '{"constructor":{"prototype":{"polluted":1}}}'],
  ['application/json', `${'['.repeat(2000)}${']'.repeat(2000)}`],
  [
    'application/json',
    JSON.stringify({ parameter_config: Array.from({ length: 200 }, (_, i) => ({ name: `p${i}`, range: [i, 0], type: 'float' })) }),
  ],
  ['application/json', JSON.stringify({ script: '../../../../etc/passwd', workingdir: '/', proposer: 'x'.repeat(10000) })],
  ['application/json', JSON.stringify({ config_template: '/etc/shadow', parameter_config: [] })],
  ['application/json', `{"a":"${'x'.repeat(2_000_000)}"}`],
  ['application/json; charset=utf-99', '{}'],
  ['text/plain', 'script: python3 train.py'],
  ['application/x-yaml', 'a: 1'],
  ['application/xml', '<a/>'],
  ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
  ['', '{}'],
  ['application/json', '\u0000\u0001\u0002'],
  ['application/json', '\uFEFF{}'],
];
const BAD_AUTH = [
  undefined,
  '',
  'Bearer',
  'Bearer ',
  'Basic abc',
  'Bearer wrong',
  `Bearer ${'x'.repeat(8000)}`,
  'Bearer a b c',
  'bearer',
  'Token x',
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function fuzzRequests(count: number, existing: ReadonlySet<number>): FuzzRequest[] {
  const rand = rng(FUZZ_SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // An id the server might read as an existing experiment (" 1", "+1", "1.0") must never be sent
  // with the real token to DELETE: that would be a legitimate deletion, not a malformed request.
  const mayHit = (id: string): boolean => {
    let text: string;
    try {
      text = decodeURIComponent(id);
    } catch {
      return false;
    }
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) && existing.has(Math.trunc(n));
  };
  const out: FuzzRequest[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 6;
    const auth = pick(BAD_AUTH);
    const badHeaders = (): Record<string, string> => ({
      ...(auth === undefined ? {} : { authorization: auth }),
      ...(rand() < 0.3 ? { 'x-aup-token': pick(['', 'nope', '%00']) } : {}),
      ...(rand() < 0.3 ? { origin: pick(['null', 'https://evil.example', 'javascript:alert(1)', 'x'.repeat(500)]) } : {}),
      ...(rand() < 0.2 ? { accept: pick(['*/*', 'text/event-stream', 'application/xml', '']) } : {}),
      ...(rand() < 0.2 ? { 'last-event-id': pick(['-1', 'abc', '9'.repeat(50)]) } : {}),
    });
    if (kind === 0) {
      out.push({ method: pick(['GET', 'HEAD', 'OPTIONS']), path: `/api/v1/experiments/${pick(BAD_IDS)}`, headers: badHeaders });
    } else if (kind === 1) {
      const id = rand() < 0.5 ? pick(BAD_IDS) : String(pick([...existing]));
      out.push({ method: pick(['GET', 'HEAD']), path: `/api/v1/experiments/${id}/jobs?${pick(BAD_QUERIES)}`, headers: badHeaders });
    } else if (kind === 2) {
      // Mutating requests with a missing or wrong token, on real and malformed ids.
      const id = rand() < 0.5 ? String(pick([...existing])) : pick(BAD_IDS);
      out.push({
        method: pick(METHODS.filter((m) => m !== 'GET' && m !== 'HEAD')),
        path: `/api/v1/experiments/${id}?${pick(BAD_QUERIES)}`,
        headers: badHeaders,
      });
    } else if (kind === 3) {
      const id = pick(BAD_IDS);
      const headers = badHeaders;
      if (mayHit(id)) out.push({ method: 'DELETE', path: `/api/v1/experiments/${id}`, headers });
      else
        out.push({
          method: 'DELETE',
          path: `/api/v1/experiments/${id}?${pick(BAD_QUERIES)}`,
          headers: (t) => ({ authorization: `Bearer ${t}` }),
        });
    } else if (kind === 4) {
      const [type, body] = pick(BAD_BODIES);
      const withToken = rand() < 0.7;
      out.push({
        method: 'POST',
        path: `/api/v1/config/validate${rand() < 0.2 ? `?${pick(BAD_QUERIES)}` : ''}`,
        headers: (t) => ({ ...(type === '' ? {} : { 'content-type': type }), ...(withToken ? { authorization: `Bearer ${t}` } : {}) }),
        body,
      });
    } else {
      const junk = pick([
        ...BAD_IDS,
        'openapi.json',
        'health',
        'experiments',
        '..%2F..%2Fpackage.json',
        '%2e%2e%2f%2e%2e%2f',
        'assets/../../x',
      ]);
      const prefix = pick(['/api/v1/', '/assets/', '/', '/api/v2/', '/api/v1/experiments/1/']);
      out.push({ method: pick(METHODS), path: `${prefix}${junk}${rand() < 0.3 ? `?${pick(BAD_QUERIES)}` : ''}`, headers: badHeaders });
    }
  }
  return out;
}

/** Requests fetch cannot send: malformed request lines and headers, straight over a socket. */
const RAW_REQUESTS = [
  'GET /api/v1/experiments HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'GET /api/v1/experiments HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
  'POST /api/v1/config/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}',
  'GET /api/v1/experiments/%%% HTTP/1.1\r\nHost: x\r\n\r\n',
  'GARBAGE\r\n\r\n',
  'GET /api/v1/health HTTP/9.9\r\nHost: x\r\n\r\n',
  `GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
  'DELETE /api/v1/experiments/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u00ff\r\n\r\n',
  'GET http://evil.example/api/v1/health HTTP/1.1\r\nHost: evil.example\r\n\r\n',
];

/** Sends `raw`, reads the status line if any; resolves on answer, close or REQUEST_TIMEOUT_MS (a hang fails). */
function rawRequest(base: string, raw: string): Promise<number | undefined> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw request hung: ${JSON.stringify(raw.slice(0, 60))}`));
    }, REQUEST_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(m ? Number(m[1]) : undefined);
    };
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (/\r\n\r\n/.test(data)) done();
    });
    socket.on('end', done);
    socket.on('error', done);
    socket.write(raw, 'latin1');
  });
}
