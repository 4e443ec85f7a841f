/**
 * Who may talk to aup-board, at the HTTP level, against the real binary on 127.0.0.1 (and ::1):
 * the Host check on every route family (DNS rebinding sends the attacker's name), the Origin and
 * Sec-Fetch-Site check on mutations (another page's forms and no-cors fetches), every mutating
 * route of the OpenAPI document without a token, with a wrong one and from a foreign page with
 * the right one, reads behind the token on an exposed board, and bodies built to crash the server.
 * Requests go through node:http, which sends the Host header it is given (fetch does not).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '@aup/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { forEachDatabase, type TestDatabase } from '../setup/databases.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BOARD_BIN = join(ROOT, 'packages', 'server', 'bin', 'aup-board.js');
const STARTUP_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
const URL_LINE = /^aup-board: (http:\/\/\S+)$/m;
const TOKEN = 'host-origin-token';
/** A port no test server listens on: a page "on another port of this machine". */
const OTHER_PORT = 3000;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'aup-host-origin-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

interface Board {
  child: ChildProcess;
  printed: string;
  port: number;
  /** The address the board listens on, for connecting (the Host header is set per request). */
  address: string;
  stderr: () => string;
  stop: () => Promise<void>;
}

function startBoard(args: string[], cwd: string): Promise<Board> {
  const env = { ...process.env };
  delete env['AUP_DB'];
  const child = spawn(process.execPath, [BOARD_BIN, '--port', '0', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
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
        const u = new URL(m[1]!);
        const wildcard = args.includes('0.0.0.0');
        resolve({
          child,
          printed: m[1]!,
          port: Number(u.port),
          address: wildcard ? '127.0.0.1' : u.hostname.replace(/^\[|\]$/g, ''),
          stderr: () => err,
          stop,
        });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`aup-board exited before printing a URL; stdout: ${out}; stderr: ${err}`));
    });
  });
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * One request to `board` with exactly these headers (Host included: default the board's own).
 * An event stream is not read: its status and headers are the answer.
 */
function send(board: Board, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: board.address,
        port: board.port,
        method,
        path,
        headers: { host: `${board.address.includes(':') ? `[${board.address}]` : board.address}:${board.port}`, ...headers },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          res.destroy();
          resolve({ status: res.statusCode!, headers: res.headers, body: {} });
          return;
        }
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          if (String(res.headers['content-type']).includes('json') && text !== '') parsed = JSON.parse(text) as Record<string, unknown>;
          resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const json = (value: unknown): string => JSON.stringify(value);
const JSON_TYPE = { 'content-type': 'application/json' };
const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

/** A folder with a script that leaves a marker file when it runs, and a config that runs it. */
function attackFolder(name: string): { dir: string; marker: string; config: Record<string, unknown> } {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, 'marker');
  writeFileSync(join(dir, 'payload.sh'), `#!/bin/sh\nid > '${marker}'\necho '#Auptimizer:1'\n`, { mode: 0o755 });
  return {
    dir,
    marker,
    config: {
      script: `sh -c 'id > ${marker}'`,
      n_samples: 1,
      workingdir: dir,
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
    },
  };
}

/** One created experiment (startable), one finished with a job, in `dir`. */
async function fill(url: string, dir: string, marker: string): Promise<{ created: number; finished: number; job: number }> {
  const store = await openStore(url, { cwd: tmp });
  try {
    const base = { user: 'ada', proposer: 'random', target: 'max' as const, nSamples: 1, workingDir: dir, host: {}, git: {} };
    const script = `sh -c 'id > ${marker}'`;
    const cfg = {
      script,
      n_samples: 1,
      workingdir: dir,
      proposer: 'random',
      target: 'max',
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
    };
    const created = await store.createExperiment({ ...base, name: 'created', configRaw: cfg, config: cfg });
    const finished = await store.createExperiment({ ...base, name: 'finished', configRaw: cfg, config: cfg });
    const job = await store.createJob({ experimentId: finished.id, trial: 0, params: { x: 0.5 } });
    await store.completeJob(
      job.id,
      { status: 'finished', score: 1, attempts: 1, startedAt: 1, endedAt: 2 },
      { id: finished.id, bestJobId: job.id, bestScore: 1 },
    );
    await store.updateExperiment(finished.id, { status: 'finished', startedAt: 1, endedAt: 3 });
    return { created: created.id, finished: finished.id, job: job.id };
  } finally {
    await store.close();
  }
}

/** Every row of every table: equal dumps mean an unchanged database. */
async function dump(dialect: 'sqlite' | 'postgres', url: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (dialect === 'sqlite') {
    const conn = new Database(url, { readonly: true, fileMustExist: true });
    try {
      for (const { name } of conn.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{
        name: string;
      }>) {
        out[name] = (conn.prepare(`SELECT * FROM "${name}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
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
    for (const { table_name: name } of tables.rows)
      out[name] = (await client.query(`SELECT * FROM "${name}"`)).rows.map((r) => JSON.stringify(r)).sort();
  } finally {
    await client.end();
  }
  return out;
}

/** Host names an attacker's page could send: its own name (DNS rebinding), look-alikes, other addresses. */
const FOREIGN_HOSTS = (port: number) => [
  `attacker.test:${port}`,
  'attacker.test',
  `localhost.attacker.test:${port}`,
  `127.0.0.1.nip.io:${port}`,
  `0.0.0.0:${port}`,
  `[::2]:${port}`,
  `192.0.2.99:${port}`,
  `Attacker.Test.:${port}`,
];

describe('the Host check, on a --no-token board (the most exposed mode)', () => {
  let board: Board;
  let ids: { created: number; finished: number; job: number };
  let attack: ReturnType<typeof attackFolder>;
  let db: string;

  beforeAll(async () => {
    attack = attackFolder('no-token');
    db = join(tmp, 'no-token.db');
    ids = await fill(db, attack.dir, attack.marker);
    board = await startBoard(['--db', db, '--no-token'], tmp);
  });
  afterAll(async () => board.stop());

  const families = (): Array<[string, string, string?]> => [
    ['GET', '/'],
    ['GET', '/?token=x'],
    ['GET', '/assets/aup-widgets.js'],
    ['GET', '/api/v1/health'],
    ['GET', '/api/v1/openapi.json'],
    ['GET', '/api/v1/experiments'],
    ['GET', `/api/v1/experiments/${ids.finished}`],
    ['GET', `/api/v1/experiments/${ids.finished}/jobs`],
    ['GET', `/api/v1/jobs/${ids.job}`],
    ['GET', `/api/v1/jobs/${ids.job}/attempts/1/log`],
    ['GET', `/api/v1/experiments/${ids.finished}/export?format=csv`],
    ['GET', '/api/v1/workers'],
    ['GET', '/api/v1/events?after=0'],
    ['HEAD', '/api/v1/experiments'],
    ['OPTIONS', '/api/v1/experiments'],
    ['GET', '/no/such/page'],
    ['POST', '/api/v1/experiments', json({ config: attack.config, start: true })],
    ['POST', `/api/v1/experiments/${ids.created}/start`],
    ['POST', '/api/v1/environment/reset', '{}'],
    ['DELETE', `/api/v1/experiments/${ids.finished}`],
  ];

  it('answers 421 to every route family under a foreign Host, and nothing runs or changes', async () => {
    const before = await dump('sqlite', db);
    for (const [method, path, body] of families()) {
      for (const host of FOREIGN_HOSTS(board.port)) {
        const res = await send(board, method, path, { host, ...(body === undefined ? {} : JSON_TYPE) }, body);
        expect(res.status, `${method} ${path} Host ${host}`).toBe(421);
        if (method !== 'HEAD') {
          expect(res.body['code']).toBe('AUP_ERR_HOST_NOT_ALLOWED');
          expect(res.body['message']).toContain('--allowed-host');
        }
        // Not even CORS or a page: the answer is the error and nothing else.
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
    }
    expect(existsSync(attack.marker)).toBe(false);
    expect(await dump('sqlite', db)).toEqual(before);
  });

  it('answers its loopback names in any case, with any port, with a trailing dot, as IPv6', async () => {
    for (const host of [
      `localhost:${board.port}`,
      `LOCALHOST:${board.port}`,
      `localhost.:${board.port}`,
      `127.0.0.1:${board.port}`,
      `127.0.0.2:${board.port}`,
      `[::1]:${board.port}`,
      'localhost',
      '127.0.0.1:1',
    ]) {
      expect((await send(board, 'GET', '/api/v1/health', { host })).status, host).toBe(200);
      expect((await send(board, 'GET', '/', { host })).status, host).toBe(200);
      expect((await send(board, 'GET', '/api/v1/events', { host })).status, host).toBe(200);
    }
  });

  it('refuses mutations from other pages, with or without a body, and lets curl and its own page through', async () => {
    const before = await dump('sqlite', db);
    const own = `http://127.0.0.1:${board.port}`;
    const foreignHeaders: Array<Record<string, string>> = [
      { origin: `http://127.0.0.1:${OTHER_PORT}` },
      { origin: `http://localhost:${OTHER_PORT}`, 'sec-fetch-site': 'same-site' },
      { origin: `http://localhost:${board.port}` }, // The same port under another name is another origin.
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreignHeaders) {
      const create = await send(
        board,
        'POST',
        '/api/v1/experiments',
        { ...headers, ...JSON_TYPE },
        json({ config: attack.config, start: true }),
      );
      expect(create.status, JSON.stringify(headers)).toBe(403);
      expect(create.body['code']).toBe('AUP_ERR_ORIGIN_FORBIDDEN');
      // What a <form> or fetch(..., { mode: 'no-cors' }) sends: no preflight, a simple content type.
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        for (const path of [
          `/api/v1/experiments/${ids.created}/start`,
          `/api/v1/experiments/${ids.finished}/copy`,
          '/api/v1/environment/reset',
        ]) {
          expect((await send(board, 'POST', path, { ...headers, 'content-type': type }, '')).status, `${path} ${type}`).toBe(403);
        }
      }
    }
    expect(existsSync(attack.marker)).toBe(false);
    expect(await dump('sqlite', db)).toEqual(before);
    // The CLI and curl (no Origin) and the board's own page still work without a token.
    const config = { script: 'true', n_samples: 1, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] };
    expect((await send(board, 'POST', '/api/v1/config/validate', JSON_TYPE, json(config))).status).toBe(200);
    expect(
      (await send(board, 'POST', '/api/v1/config/validate', { ...JSON_TYPE, origin: own, 'sec-fetch-site': 'same-origin' }, json(config)))
        .status,
    ).toBe(200);
  });

  it('refuses bodies built to crash it with 400 and the reason, and lives on', async () => {
    const deep = await send(board, 'POST', '/api/v1/experiments', JSON_TYPE, `{"config":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({ code: 'AUP_ERR_BAD_REQUEST', details: { reason: 'too deep' } });
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `l${i}: &l${i} [${Array(9)
          .fill(i === 1 ? '*a' : `*l${i - 1}`)
          .join(', ')}]`,
      );
    const bomb = await send(board, 'POST', '/api/v1/experiments', JSON_TYPE, json({ yaml: levels.join('\n') }));
    expect(bomb.status).toBe(400);
    expect(bomb.body['code']).toBe('AUP_ERR_CONFIG_PARSE');
    expect(String(bomb.body['message'])).toMatch(/alias/);
    const deepYaml = await send(board, 'POST', '/api/v1/experiments', JSON_TYPE, json({ yaml: `a: ${'['.repeat(50_000)}` }));
    expect(deepYaml.status).toBe(400);
    expect(String(deepYaml.body['message'])).toContain('deeper than');
    expect((await send(board, 'GET', '/api/v1/health')).status).toBe(200);
    expect(board.stderr()).not.toMatch(/failed:/);
  });
});

describe('--allowed-host, IPv6 and wildcard binds', () => {
  it('answers an --allowed-host name (a reverse proxy), whose reads then need the token', async () => {
    const board = await startBoard(
      ['--db', join(tmp, 'proxy.db'), '--create', '--token', TOKEN, '--allowed-host', 'Board.Example.org', '--allowed-host', '[fd00::9]'],
      tmp,
    );
    try {
      for (const host of [
        'board.example.org',
        'BOARD.EXAMPLE.ORG.',
        'board.example.org:443',
        '[fd00::9]:8443',
        `127.0.0.1:${board.port}`,
      ]) {
        const health = await send(board, 'GET', '/api/v1/health', { host });
        expect(health.status, host).toBe(200);
        expect(health.body).toMatchObject({ token_required: true, read_token_required: true });
        expect((await send(board, 'GET', '/api/v1/experiments', { host })).status, host).toBe(401);
        expect((await send(board, 'GET', '/api/v1/experiments', { host, ...auth() })).status, host).toBe(200);
      }
      for (const host of FOREIGN_HOSTS(board.port)) expect((await send(board, 'GET', '/api/v1/health', { host })).status, host).toBe(421);
      // The proxy's https page is the board's own page; any other is not.
      const ok = await send(
        board,
        'POST',
        '/api/v1/config/validate',
        { host: 'board.example.org', origin: 'https://board.example.org', ...auth(), ...JSON_TYPE },
        '{}',
      );
      expect(ok.status).toBe(200);
      const foreign = await send(
        board,
        'POST',
        '/api/v1/config/validate',
        { host: 'board.example.org', origin: 'https://evil.example', ...auth(), ...JSON_TYPE },
        '{}',
      );
      expect(foreign.status).toBe(403);
    } finally {
      await board.stop();
    }
  });

  it('on --host ::1 answers [::1] and refuses other IPv6 literals', async () => {
    const board = await startBoard(['--db', join(tmp, 'v6.db'), '--create', '--host', '::1'], tmp);
    try {
      expect(board.printed).toMatch(/^http:\/\/\[::1\]:\d+\//);
      expect((await send(board, 'GET', '/api/v1/health')).status).toBe(200);
      for (const host of [`[::2]:${board.port}`, `[fd00::2]:${board.port}`, `[::ffff:7f00:1]:${board.port}`]) {
        expect((await send(board, 'GET', '/api/v1/health', { host })).status, host).toBe(421);
      }
    } finally {
      await board.stop();
    }
  });

  it('on --host 0.0.0.0 answers the machine by address and name, needs the token for reads, and warns', async () => {
    const board = await startBoard(['--db', join(tmp, 'wide.db'), '--create', '--host', '0.0.0.0'], tmp);
    try {
      const token = new URL(board.printed).searchParams.get('token')!;
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      for (const host of [`${hostname()}:${board.port}`, `localhost:${board.port}`]) {
        expect((await send(board, 'GET', '/api/v1/health', { host })).body, host).toMatchObject({ read_token_required: true });
        expect((await send(board, 'GET', '/api/v1/experiments', { host })).status, host).toBe(401);
        expect((await send(board, 'GET', '/api/v1/experiments', { host, ...auth(token) })).status, host).toBe(200);
        expect((await send(board, 'GET', '/api/v1/events', { host })).status, host).toBe(401);
        expect((await send(board, 'GET', `/api/v1/events?access_token=${token}`, { host })).status, host).toBe(200);
      }
      expect((await send(board, 'GET', '/api/v1/health', { host: `attacker.test:${board.port}` })).status).toBe(421);
      expect(board.stderr()).toContain('aup-board: warning: --host 0.0.0.0 serves plain HTTP');
      expect(board.stderr()).toContain('docs/guides/security.md');
    } finally {
      await board.stop();
    }
  });

  it('with --public-read serves reads without the token, says so loudly, and still guards mutations', async () => {
    const board = await startBoard(['--db', join(tmp, 'public.db'), '--create', '--host', '0.0.0.0', '--public-read'], tmp);
    try {
      expect((await send(board, 'GET', '/api/v1/experiments')).status).toBe(200);
      expect((await send(board, 'GET', '/api/v1/health')).body).toMatchObject({ token_required: true, read_token_required: false });
      expect((await send(board, 'POST', '/api/v1/config/validate', JSON_TYPE, '{}')).status).toBe(401);
      expect(board.stderr()).toContain('aup-board: warning: --public-read');
    } finally {
      await board.stop();
    }
  });

  it('refuses --no-token with --allowed-host before listening', async () => {
    const board = startBoard(['--db', join(tmp, 'never.db'), '--create', '--no-token', '--allowed-host', 'board.example.org'], tmp);
    await expect(board).rejects.toThrow(/--no-token with --allowed-host board\.example\.org/);
    expect(existsSync(join(tmp, 'never.db'))).toBe(false);
  });
});

/** A valid body for each mutating route, so a missing check would really change something. */
function bodyFor(method: string, path: string, config: Record<string, unknown>): string | undefined {
  if (method === 'POST' && path === '/api/v1/experiments') return json({ config, start: true });
  if (path.endsWith('/copy')) return json({ start: true });
  if (path.endsWith('/trials')) return json({ params: { x: 0.5 } });
  if (path.endsWith('/report')) return json({ score: 1 });
  if (method === 'PATCH') return json({ n_samples: 5 });
  if (path === '/api/v1/config/validate') return json(config);
  if (method === 'POST' || method === 'PUT') return '{}';
  return undefined;
}

forEachDatabase('every mutating route of the OpenAPI document', (db: TestDatabase) => {
  let url: string;
  let board: Board;
  let ids: { created: number; finished: number; job: number };
  let attack: ReturnType<typeof attackFolder>;
  let operations: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    attack = attackFolder(`openapi-${db.kind}`);
    url = db.dialect === 'sqlite' ? join(tmp, `openapi-${db.kind}.db`) : await db.fresh();
    ids = await fill(url, attack.dir, attack.marker);
    board = await startBoard(['--db', url, '--token', TOKEN], attack.dir);
    const doc = await send(board, 'GET', '/api/v1/openapi.json');
    const paths = doc.body['paths'] as Record<string, Record<string, { 'x-mutating'?: boolean }>>;
    operations = [];
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (op['x-mutating'] === true) {
          const concrete = path
            .replace('{id}', String(ids.created))
            .replace('{jid}', String(ids.job))
            .replace(/\{[^}]+\}/g, '1');
          operations.push({ method: method.toUpperCase(), path: concrete });
        }
      }
    }
  });
  afterAll(async () => board.stop());

  it('lists the mutating routes a user knows of', () => {
    const names = operations.map((o) => `${o.method} ${o.path.replace(/\/\d+/g, '/N')}`);
    for (const known of [
      'POST /api/v1/experiments',
      'POST /api/v1/experiments/N/start',
      'POST /api/v1/experiments/N/copy',
      'POST /api/v1/environment/reset',
      'DELETE /api/v1/experiments/N',
    ]) {
      expect(names).toContain(known);
    }
  });

  it('refuses each without a token, with a wrong one, and from a foreign page with the right one; nothing changes', async () => {
    const before = await dump(db.dialect, url);
    for (const { method, path } of operations) {
      const body = bodyFor(method, path, attack.config);
      const type = body === undefined ? {} : JSON_TYPE;
      const none = await send(board, method, path, type, body);
      expect(none.status, `${method} ${path} without a token`).toBe(401);
      const wrong = await send(board, method, path, { ...type, ...auth(`${TOKEN}x`) }, body);
      expect(wrong.status, `${method} ${path} with a wrong token`).toBe(401);
      for (const origin of [`http://127.0.0.1:${OTHER_PORT}`, `http://localhost:${board.port}`, 'https://evil.example']) {
        const foreign = await send(board, method, path, { ...type, ...auth(), origin }, body);
        expect(foreign.status, `${method} ${path} from ${origin}`).toBe(403);
        expect(foreign.body['code']).toBe('AUP_ERR_ORIGIN_FORBIDDEN');
      }
      const sameSite = await send(board, method, path, { ...type, ...auth(), 'sec-fetch-site': 'same-site' }, body);
      expect(sameSite.status, `${method} ${path} same-site`).toBe(403);
    }
    expect(existsSync(attack.marker)).toBe(false);
    expect(await dump(db.dialect, url)).toEqual(before);
  });
});
