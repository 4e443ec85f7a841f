/**
 * `aup-board` as a user runs it: the real binary as a child process on a real port of 127.0.0.1,
 * over a real database the test fills through `openStore` (a SQLite file, and PostgreSQL), talked
 * to over HTTP with fetch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openStore, type JobStatus } from '@aup/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testDatabases } from '../setup/databases.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BOARD_BIN = join(ROOT, 'packages', 'server', 'bin', 'aup-board.js');
// Start-up is a store open plus a listen; a loaded CI machine can take several seconds.
const STARTUP_TIMEOUT_MS = 30_000;
const URL_LINE = /^aup-board: (http:\/\/\S+)$/m;

const T0 = Date.UTC(2025, 4, 6, 7, 8, 9);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'aup-board-e2e-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** The children's environment: no $AUP_DB from the developer's shell. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['AUP_DB'];
  return env;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Board {
  child: ChildProcess;
  /** The base URL, without the token query the printed one carries. */
  url: string;
  /** The URL as printed (with `?token=` when mutating routes need one). */
  printed: string;
  stdout: () => string;
  exited: Promise<Exit>;
}

/** Starts aup-board and resolves once it prints its URL; rejects with its output if it exits first. */
function startBoard(args: string[], cwd: string): Promise<Board> {
  const child = spawn(process.execPath, [BOARD_BIN, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
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
        resolve({ child, url: `${new URL(printed).origin}/`, printed, stdout: () => out, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`aup-board exited with ${code} before printing a URL; stdout: ${out}; stderr: ${err}`));
    });
  });
}

/** Runs aup-board to its exit (for the cases where it must not start). */
function runBoard(args: string[], cwd: string): Promise<Exit & { stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BOARD_BIN, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

async function stopBoard(board: Board): Promise<Exit> {
  if (board.child.exitCode === null && board.child.signalCode === null) board.child.kill('SIGTERM');
  return board.exited;
}

/** A port that was free a moment ago (the OS picks it). */
async function freePort(): Promise<number> {
  const server = await holdPort(0);
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** One finished experiment with four jobs (one failed) and an empty one, written as the runner would. */
async function fillStore(url: string): Promise<{ id: number; jobIds: number[]; emptyId: number }> {
  const store = await openStore(url, { cwd: tmp });
  try {
    const exp = await store.createExperiment({
      name: 'board-e2e',
      user: 'grace',
      proposer: 'random',
      target: 'max',
      nSamples: 4,
      configRaw: { proposer: 'random', n_samples: 4 },
      config: { name: 'board-e2e', proposer: 'random', n_samples: 4, target: 'max' },
      workingDir: tmp,
      host: { hostname: 'lab-7' },
      git: {},
    });
    await store.updateExperiment(exp.id, { status: 'running', startedAt: T0 });
    const plan: Array<[number | null, JobStatus]> = [
      [0.3, 'finished'],
      [0.8, 'finished'],
      [null, 'failed'],
      [0.55, 'finished'],
    ];
    const jobIds: number[] = [];
    let best: { id: number; score: number } | undefined;
    for (const [trial, [score, status]] of plan.entries()) {
      const job = await store.createJob(
        { experimentId: exp.id, trial, params: { lr: 10 ** -(trial + 1), depth: trial + 2 } },
        { step: trial },
      );
      jobIds.push(job.id);
      if (score !== null && (best === undefined || score > best.score)) best = { id: job.id, score };
      await store.completeJob(
        job.id,
        { status, score, attempts: 1, startedAt: T0 + trial * 60_000, endedAt: T0 + trial * 60_000 + 30_000 },
        { id: exp.id, bestJobId: best?.id ?? null, bestScore: best?.score ?? null },
      );
    }
    await store.updateExperiment(exp.id, { status: 'finished', endedAt: T0 + 300_000 });
    const empty = await store.createExperiment({
      name: 'board-e2e-empty',
      user: 'grace',
      proposer: 'sequence',
      target: 'min',
      nSamples: 2,
      configRaw: {},
      config: {},
      workingDir: tmp,
      host: {},
      git: {},
    });
    return { id: exp.id, jobIds, emptyId: empty.id };
  } finally {
    await store.close();
  }
}

for (const db of testDatabases()) {
  describe(`aup-board over ${db.kind}`, () => {
    let board: Board;
    let api: string;
    let filled: Awaited<ReturnType<typeof fillStore>>;
    let port: number;

    beforeAll(async () => {
      const url = db.dialect === 'sqlite' ? join(tmp, `${db.kind}-board.db`) : await db.fresh();
      filled = await fillStore(url);
      port = await freePort();
      board = await startBoard(['--db', url, '--port', String(port)], tmp);
      api = `${board.url}api/v1`;
    });
    afterAll(async () => {
      if (board) await stopBoard(board);
    });

    it('prints its URL on loopback at the port asked for, with a generated token', () => {
      expect(board.url).toBe(`http://127.0.0.1:${port}/`);
      expect(board.printed).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[A-Za-z0-9_-]{32}$`));
    });

    it('lists the experiments, newest first, with progress and best score', async () => {
      const { status, body } = await getJson(`${api}/experiments`);
      expect(status).toBe(200);
      const rows = body['experiments'] as Array<Record<string, unknown>>;
      expect(rows.map((r) => r['id'])).toEqual([filled.emptyId, filled.id]);
      expect(rows[1]).toEqual({
        id: filled.id,
        name: 'board-e2e',
        status: 'finished',
        proposer: 'random',
        target: 'max',
        n_samples: 4,
        jobs_done: 4,
        jobs_total: 4,
        job_counts: { queued: 0, running: 0, finished: 3, failed: 1, early_stopped: 0, interrupted: 0 },
        best_score: 0.8,
        user: 'grace',
        hostname: 'lab-7',
        created_at: expect.stringMatching(/Z$/),
        started_at: '2025-05-06T07:08:09.000Z',
        ended_at: '2025-05-06T07:13:09.000Z',
        imported_from: null,
        stop_reason: null,
      });
    });

    it('shows one experiment with its config, best job and job counts', async () => {
      const { status, body } = await getJson(`${api}/experiments/${filled.id}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        id: filled.id,
        config: { name: 'board-e2e', proposer: 'random', n_samples: 4, target: 'max' },
        best_job: { id: filled.jobIds[1], trial: 1, score: 0.8, params: { lr: 0.01, depth: 3 } },
        job_counts: { queued: 0, running: 0, finished: 3, failed: 1, early_stopped: 0, interrupted: 0 },
      });
    });

    it('pages jobs sorted by score, best first and the failed job last', async () => {
      const { status, body } = await getJson(`${api}/experiments/${filled.id}/jobs?sort=score&order=desc&limit=3`);
      expect(status).toBe(200);
      expect(body['total']).toBe(4);
      const jobs = body['jobs'] as Array<Record<string, unknown>>;
      expect(jobs.map((j) => [j['id'], j['score']])).toEqual([
        [filled.jobIds[1], 0.8],
        [filled.jobIds[3], 0.55],
        [filled.jobIds[0], 0.3],
      ]);
      expect(jobs[0]).toMatchObject({ trial: 1, status: 'finished', attempts: 1, started_at: '2025-05-06T07:09:09.000Z' });
      const last = await getJson(`${api}/experiments/${filled.id}/jobs?sort=score&order=desc&offset=3`);
      expect((last.body['jobs'] as Array<Record<string, unknown>>).map((j) => [j['id'], j['status']])).toEqual([
        [filled.jobIds[2], 'failed'],
      ]);
    });

    it('answers a sort column outside the whitelist with 400 in the error shape', async () => {
      const { status, body } = await getJson(`${api}/experiments/${filled.id}/jobs?sort=params`);
      expect(status).toBe(400);
      expect(Object.keys(body).sort()).toEqual(['code', 'details', 'message']);
      expect(body['code']).toBe('AUP_ERR_BAD_QUERY');
      expect(body['message']).toContain(`'sort'`);
      expect(body['message']).toMatch(/expected one of id, trial, status, score, .*param:depth, param:lr/);
    });

    it('answers an unknown experiment with 404 and a malformed id with 400', async () => {
      const missing = await getJson(`${api}/experiments/${filled.id + 1000}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND', details: { id: filled.id + 1000 } });
      const malformed = await getJson(`${api}/experiments/first`);
      expect(malformed.status).toBe(400);
      expect(malformed.body['code']).toBe('AUP_ERR_BAD_REQUEST');
    });

    it('serves the board page and the widgets bundle it loads', async () => {
      const page = await fetch(board.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toMatch(/<aup-board api="\/api\/v1" version="[^"]+"><\/aup-board>/);
      const src = /<script type="module" src="([^"]+)"><\/script>/.exec(html)?.[1];
      expect(src).toBe('/assets/aup-widgets.js');
      const bundle = await fetch(new URL(src!, board.url));
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
      // The one-file browser bundle (what `@aup/widgets/bundle` gives a browser; Node gets the modules).
      const onDisk = readFileSync(join(ROOT, 'packages', 'widgets', 'dist', 'aup-widgets.js'), 'utf8');
      expect(await bundle.text()).toBe(onDisk);
      for (const tag of ['aup-board', 'aup-experiment-list', 'aup-job-table', 'aup-hig']) expect(onDisk).toContain(tag);
    });

    it('stops cleanly on SIGTERM', async () => {
      expect(await stopBoard(board)).toEqual({ code: 0, signal: null });
    });
  });
}

describe('aup-board start-up', () => {
  it('refuses a database file that does not exist, with one clear message and exit 2', async () => {
    const missing = join(tmp, 'nowhere', 'missing.db');
    const r = await runBoard(['--db', missing, '--port', '0'], tmp);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`aup-board: Database file ${missing} (from --db) does not exist`);
    expect(r.stderr).toContain('--create');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(missing)).toBe(false);
  });

  it('looks for experiments.db in the working directory by default', async () => {
    const dir = mkdtempSync(join(tmp, 'default-'));
    const r = await runBoard(['--port', '0'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'experiments.db')} (from the default`);
  });

  it('starts on an empty new database with --create', async () => {
    const dir = mkdtempSync(join(tmp, 'create-'));
    const board = await startBoard(['--create', '--port', '0'], dir);
    try {
      expect(existsSync(join(dir, 'experiments.db'))).toBe(true);
      const { status, body } = await getJson(`${board.url}api/v1/experiments`);
      expect(status).toBe(200);
      expect(body).toEqual({ experiments: [] });
    } finally {
      expect(await stopBoard(board)).toEqual({ code: 0, signal: null });
    }
  });

  it('moves to the next free port when the one asked for is taken', async () => {
    const db = join(mkdtempSync(join(tmp, 'port-')), 'experiments.db');
    await fillStore(db);
    const taken = await holdPort(0);
    const takenPort = (taken.address() as { port: number }).port;
    try {
      const board = await startBoard(['--db', db, '--port', String(takenPort)], tmp);
      try {
        const port = Number(new URL(board.url).port);
        expect(port).toBeGreaterThan(takenPort);
        expect(board.stdout()).toContain(`port ${takenPort} is taken, using ${port}`);
        expect((await getJson(`${board.url}api/v1/health`)).body).toMatchObject({ ok: true });
      } finally {
        await stopBoard(board);
      }
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it.each([
    [['--port', 'http'], `option '-p, --port <n>' argument 'http' is invalid`],
    [['--port', '70000'], 'expected an integer from 0 to 65535'],
    [['--frobnicate'], `unknown option '--frobnicate'`],
  ])('refuses %j with exit 2 and one line naming --help', async (args, message) => {
    const r = await runBoard(args, tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^aup-board: .*\("aup-board --help" lists the options\)$/)]);
  });
});
