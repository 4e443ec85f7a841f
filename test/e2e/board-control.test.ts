/* eslint-disable @typescript-eslint/no-explicit-any -- the API's JSON replies are read field by field here; the server tests check their shapes. */
/**
 * The board's control routes as a user drives them: a real `aup-board` process on a free port of
 * 127.0.0.1 with a session token, over a SQLite file and over PostgreSQL; experiments created,
 * copied, started, stopped, resumed and steered through HTTP, run by real `aup resume` children
 * running a real script.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openStore } from '@aup/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { forEachDatabase } from '../setup/databases.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BOARD_BIN = join(ROOT, 'packages', 'server', 'bin', 'aup-board.js');
const STARTUP_TIMEOUT_MS = 30_000;
// Runners are separate processes polling the store; an experiment of a few quick jobs ends in seconds.
const SETTLE_TIMEOUT_MS = 60_000;
const POLL_MS = 100;
const TOKEN = 'control-e2e-token';
const URL_LINE = /^aup-board: (http:\/\/\S+)$/m;

// Waits while the file `hold` exists in its working directory, so a test decides when jobs end.
const SCRIPT = `import { existsSync, readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
while (existsSync('hold')) await new Promise((r) => setTimeout(r, 50));
console.log('#Auptimizer:' + p.x);
`;

const SPACE = [{ name: 'x', range: [0, 1], type: 'float' }];

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'aup-board-control-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

interface Board {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['AUP_DB'];
  return env;
}

function startBoard(args: string[], cwd: string): Promise<Board> {
  const child = spawn(process.execPath, [BOARD_BIN, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise<Board>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aup-board printed no URL; stdout: ${out}; stderr: ${err}`)), STARTUP_TIMEOUT_MS);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = URL_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: new URL(m[1]!).origin, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`aup-board exited with ${code}; stdout: ${out}; stderr: ${err}`));
    });
  });
}

type Reply = { status: number; body: Record<string, any> };

async function call(board: Board, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${board.base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Polls until `check` answers something other than undefined. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function experiment(board: Board, id: number): Promise<Record<string, any>> {
  const res = await call(board, 'GET', `/experiments/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function jobs(board: Board, id: number): Promise<Array<Record<string, any>>> {
  return (await call(board, 'GET', `/experiments/${id}/jobs?limit=1000`)).body['jobs'] as Array<Record<string, any>>;
}

const statusIs =
  (board: Board, id: number, ...statuses: string[]) =>
  async () => {
    const exp = await experiment(board, id);
    return statuses.includes(exp['status'] as string) ? exp : undefined;
  };

forEachDatabase('board control', (db) => {
  let board: Board;
  let dbUrl: string;
  let work: string;

  beforeAll(async () => {
    work = join(tmp, db.kind);
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'score.mjs'), SCRIPT);
    dbUrl = await db.fresh();
    board = await startBoard(['--db', dbUrl, '--create', '--port', '0', '--token', TOKEN], work);
  });

  afterAll(async () => {
    if (board === undefined) return;
    board.child.kill('SIGINT');
    expect(await board.exited).toBe(0);
  });

  const config = (over: Record<string, unknown> = {}) => ({
    name: 'ctl',
    script: 'score.mjs',
    n_samples: 3,
    random_seed: 1,
    parameter_config: SPACE,
    ...over,
  });

  it('creates from JSON and from YAML, and answers a bad config with each JSON path', async () => {
    const json = await call(board, 'POST', '/experiments', { config: config({ name: 'from-json' }), working_dir: work });
    expect(json.status).toBe(201);
    expect(json.body['experiment']).toMatchObject({ name: 'from-json', status: 'created', n_samples: 3, jobs_done: 0 });
    expect(json.body['runner']).toBeNull();

    const yaml = 'name: from-yaml\nscript: score.mjs\nn_samples: 2\nparameter_config:\n  - { name: x, range: [0, 1], type: float }\n';
    const fromYaml = await call(board, 'POST', '/experiments', { yaml, working_dir: work });
    expect(fromYaml.status).toBe(201);
    expect(fromYaml.body['experiment']).toMatchObject({ name: 'from-yaml', status: 'created', n_samples: 2 });
    const detail = await experiment(board, fromYaml.body['experiment']['id'] as number);
    expect(detail['config']).toMatchObject({ script_path: join(work, 'score.mjs'), workingdir: work });

    const bad = await call(board, 'POST', '/experiments', {
      config: config({ n_samples: 'many', parameter_config: [{ name: 'x', range: [0, 1], type: 'floaty' }] }),
      working_dir: work,
    });
    expect(bad.status).toBe(400);
    expect(bad.body['code']).toBe('AUP_ERR_CONFIG_INVALID');
    const paths = (bad.body['details']['problems'] as Array<{ path: string }>).map((p) => p.path).sort();
    expect(paths).toEqual(['n_samples', 'parameter_config[0].type']);
    expect(bad.body['message']).toContain('parameter_config[0].type');

    const badYaml = await call(board, 'POST', '/experiments', { yaml: 'name: [unclosed\n', working_dir: work });
    expect(badYaml.status).toBe(400);
    expect(badYaml.body['code']).toBe('AUP_ERR_CONFIG_PARSE');
    expect(badYaml.body['details']).toMatchObject({ field: 'yaml', line: expect.any(Number) });
  });

  it('copies an experiment, starts it and runs it to n_samples finished jobs', async () => {
    const original = await call(board, 'POST', '/experiments', { config: config({ name: 'original' }), working_dir: work });
    const copy = await call(board, 'POST', `/experiments/${original.body['experiment']['id']}/copy`, { name: 'the copy', n_samples: 2 });
    expect(copy.status).toBe(201);
    const id = copy.body['experiment']['id'] as number;
    expect(id).not.toBe(original.body['experiment']['id']);
    expect(copy.body['experiment']).toMatchObject({ name: 'the copy', status: 'created', n_samples: 2 });

    const started = await call(board, 'POST', `/experiments/${id}/start`);
    expect(started.status).toBe(200);
    expect(started.body['runner']).toMatchObject({ pid: expect.any(Number), log: join(work, `aup-runner-${id}.log`) });
    expect(['running', 'finished']).toContain(started.body['experiment']['status']);

    const done = await until('the copy to finish', statusIs(board, id, 'finished', 'failed'));
    expect(done['status']).toBe('finished');
    const finished = (await jobs(board, id)).filter((j) => j['status'] === 'finished');
    expect(finished).toHaveLength(2);
    expect(existsSync(join(work, `aup-runner-${id}.log`))).toBe(true);

    const again = await call(board, 'POST', `/experiments/${id}/start`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'AUP_ERR_EXPERIMENT_STATE', details: { status: 'finished' } });
  });

  it('stops a running experiment (jobs interrupted), then resumes it to the end', async () => {
    writeFileSync(join(work, 'hold'), '');
    const created = await call(board, 'POST', '/experiments', {
      config: config({ name: 'stop-me', n_samples: 2 }),
      working_dir: work,
      start: true,
    });
    expect(created.status).toBe(201);
    const id = created.body['experiment']['id'] as number;
    await until('a running job', async () => ((await jobs(board, id)).some((j) => j['status'] === 'running') ? true : undefined));

    const stop = await call(board, 'POST', `/experiments/${id}/stop?wait=20000`);
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ action: 'stop', experiment_id: id, result: { ok: true } });
    const stopped = await until('the experiment to stop', statusIs(board, id, 'stopped'));
    expect(stopped['job_counts']['interrupted']).toBeGreaterThan(0);

    const notRunning = await call(board, 'POST', `/experiments/${id}/stop`);
    expect(notRunning.status).toBe(409);

    unlinkSync(join(work, 'hold'));
    const resumed = await call(board, 'POST', `/experiments/${id}/resume`);
    expect(resumed.status).toBe(200);
    const done = await until('the resumed experiment to finish', statusIs(board, id, 'finished', 'failed'));
    expect(done['status']).toBe('finished');
    expect((await jobs(board, id)).filter((j) => j['status'] === 'finished')).toHaveLength(2);
  });

  it('changes n_parallel and n_samples, enqueues a trial and kills a job of a running experiment', async () => {
    writeFileSync(join(work, 'hold'), '');
    const created = await call(board, 'POST', '/experiments', {
      config: config({ name: 'steer', n_samples: 2, n_parallel: 1, job_failure: { ignore_fail: true } }),
      working_dir: work,
      start: true,
    });
    const id = created.body['experiment']['id'] as number;
    const first = await until('a running job', async () => (await jobs(board, id)).find((j) => j['status'] === 'running'));

    const set = await call(board, 'PATCH', `/experiments/${id}?wait=20000`, { n_parallel: 2, n_samples: 4 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ action: 'set', result: { ok: true } });
    expect((await experiment(board, id))['n_samples']).toBe(4);
    // With two slots, a second job starts while the first still waits.
    await until('two running jobs', async () =>
      (await jobs(board, id)).filter((j) => j['status'] === 'running').length === 2 ? true : undefined,
    );

    const enqueue = await call(board, 'POST', `/experiments/${id}/trials?wait=20000`, { params: { x: 0.625 } });
    expect(enqueue.status).toBe(200);
    expect(enqueue.body).toMatchObject({ action: 'enqueue', result: { ok: true } });
    const badParams = await call(board, 'POST', `/experiments/${id}/trials`, { params: { x: 7 } });
    expect(badParams.status).toBe(400);
    expect(badParams.body['code']).toBe('AUP_ERR_PARAMS_INVALID');

    const kill = await call(board, 'POST', `/jobs/${first['id']}/kill?wait=20000`);
    expect(kill.status).toBe(200);
    expect(kill.body).toMatchObject({ action: 'kill_job', job_id: first['id'], result: { ok: true } });
    await until('the killed job to fail', async () =>
      (await jobs(board, id)).find((j) => j['id'] === first['id'])?.['status'] === 'failed' ? true : undefined,
    );

    unlinkSync(join(work, 'hold'));
    const done = await until('the experiment to finish', statusIs(board, id, 'finished', 'failed'));
    expect(done['status']).toBe('finished');
    const all = await jobs(board, id);
    expect(all.some((j) => j['params']['x'] === 0.625 && j['status'] === 'finished')).toBe(true);
    expect(all.filter((j) => j['status'] === 'failed')).toHaveLength(1);
  });

  it('records the result of a passive job reported through the board', async () => {
    const created = await call(board, 'POST', '/experiments', {
      config: { name: 'by hand', resource: 'passive', n_samples: 1, parameter_config: SPACE },
      working_dir: work,
      start: true,
    });
    expect(created.status).toBe(201);
    const id = created.body['experiment']['id'] as number;
    const waiting = await until('a waiting passive job', async () => (await jobs(board, id)).find((j) => j['status'] === 'running'));

    const report = await call(board, 'POST', `/jobs/${waiting['id']}/report`, { score: 0.75, metrics: { f1: 0.5 } });
    expect(report.status).toBe(200);
    expect(report.body).toEqual({ job_id: waiting['id'], attempt: 1, score: 0.75, metrics: { f1: 0.5 } });
    const done = await until('the passive experiment to finish', statusIs(board, id, 'finished', 'failed'));
    expect(done).toMatchObject({ status: 'finished', best_score: 0.75 });

    const twice = await call(board, 'POST', `/jobs/${waiting['id']}/report`, { score: 1 });
    expect(twice.status).toBe(409);
    expect(twice.body['code']).toBe('AUP_ERR_EXPERIMENT_STATE');
  });

  it('resets the environment: the old database is backed up, the new one is empty (SQLite only)', async () => {
    const before = ((await call(board, 'GET', '/experiments')).body['experiments'] as unknown[]).length;
    expect(before).toBeGreaterThan(0);
    const reset = await call(board, 'POST', '/environment/reset', {});
    if (db.dialect === 'postgres') {
      expect(reset.status).toBe(409);
      expect(reset.body['code']).toBe('AUP_ERR_ENV_RESET');
      return;
    }
    expect(reset.status).toBe(200);
    expect(reset.body['database']).toBe(dbUrl);
    const backup = reset.body['backup'] as string;
    expect(existsSync(backup)).toBe(true);
    expect(readdirSync(join(backup, '..')).filter((f) => f.includes('.backup-'))).toHaveLength(1);
    expect((await call(board, 'GET', '/experiments')).body['experiments']).toEqual([]);
    const old = await openStore(backup, { create: false });
    try {
      expect(await old.listExperiments()).toHaveLength(before);
    } finally {
      await old.close();
    }
    // The board goes on over the new database: it creates and runs there.
    const created = await call(board, 'POST', '/experiments', {
      config: config({ name: 'after reset', n_samples: 1 }),
      working_dir: work,
      start: true,
    });
    expect(created.status).toBe(201);
    const done = await until(
      'the experiment after reset to finish',
      statusIs(board, created.body['experiment']['id'] as number, 'finished', 'failed'),
    );
    expect(done['status']).toBe('finished');
  });
});

describe('board control refusals', () => {
  it('refuses a reset over :memory: and a start a runner process could not see', async () => {
    const board = await startBoard(['--db', ':memory:', '--port', '0', '--token', TOKEN], tmp);
    try {
      writeFileSync(join(tmp, 'score.mjs'), SCRIPT);
      const created = await call(board, 'POST', '/experiments', { config: { script: 'score.mjs', parameter_config: SPACE } });
      expect(created.status).toBe(201);
      const start = await call(board, 'POST', `/experiments/${created.body['experiment']['id']}/start`);
      expect(start.status).toBe(500);
      expect(start.body['code']).toBe('AUP_ERR_RUNNER_START');
      const reset = await call(board, 'POST', '/environment/reset');
      expect(reset.status).toBe(409);
      expect(reset.body['code']).toBe('AUP_ERR_ENV_RESET');
    } finally {
      board.child.kill('SIGINT');
      await board.exited;
    }
  });
});
