import { VERSION, openStore, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BODY_LIMIT_BYTES, createServer } from './create-server.js';

// The API over a real (in-memory SQLite) store, through Fastify's own request pipeline (`inject`):
// validation, serialization and error handling as a client meets them, without opening a port.

let store: Store;
let app: FastifyInstance;
let mnist: number;
let empty: number;
const jobIds: number[] = [];

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

beforeAll(async () => {
  store = await openStore(':memory:');
  const base = {
    user: 'ada',
    proposer: 'random',
    configRaw: { proposer: 'random' },
    workingDir: '/tmp/exp',
    host: { os: 'linux', hostname: 'gpu-box-1' },
    git: {},
    proposerState: { secret: 'proposer internals' },
  };
  const exp = await store.createExperiment({
    ...base,
    name: 'mnist',
    target: 'max',
    nSamples: 6,
    config: { name: 'mnist', n_samples: 6, target: 'max' },
  });
  mnist = exp.id;
  // trial: score (null = no result), final status
  const plan: Array<[number | null, 'finished' | 'failed' | 'running' | 'early_stopped' | 'queued']> = [
    [0.5, 'finished'],
    [0.9, 'finished'],
    [null, 'failed'],
    [0.7, 'early_stopped'],
    [null, 'running'],
    [null, 'queued'],
  ];
  let best: { id: number; score: number } | undefined;
  for (const [trial, [score, status]] of plan.entries()) {
    const job = await store.createJob({ experimentId: mnist, trial, params: { lr: 0.1 * (trial + 1), layers: trial + 1, act: 'relu' } });
    jobIds.push(job.id);
    if (status === 'queued') continue;
    if (status === 'running') {
      await store.updateJob(job.id, { status: 'running', startedAt: T0 + trial * 1000, attempts: 1 });
      continue;
    }
    if (score !== null && (best === undefined || score > best.score)) best = { id: job.id, score };
    await store.completeJob(
      job.id,
      {
        status,
        score,
        metrics: score === null ? {} : { f1: score / 2 },
        attempts: 1,
        startedAt: T0 + trial * 1000,
        endedAt: T0 + trial * 1000 + 500,
      },
      { id: mnist, bestJobId: best?.id ?? null, bestScore: best?.score ?? null },
    );
  }
  await store.updateExperiment(mnist, { status: 'running', startedAt: T0 });
  empty = (await store.createExperiment({ ...base, name: 'later', target: 'min', nSamples: 3, config: {} })).id;
  app = createServer({ store, token: 's3cret' });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

async function get(url: string) {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, headers: res.headers };
}

describe('GET /api/v1/health', () => {
  it('answers ok with the version', async () => {
    expect(await get('/api/v1/health')).toMatchObject({ status: 200, body: { ok: true, version: VERSION, read_only: false } });
  });
});

describe('GET /api/v1/experiments', () => {
  it('lists experiments newest first with progress and best score, and nothing internal', async () => {
    const { status, body } = await get('/api/v1/experiments');
    expect(status).toBe(200);
    const rows = body['experiments'] as Array<Record<string, unknown>>;
    expect(rows.map((r) => r['id'])).toEqual([empty, mnist]);
    expect(rows[1]).toEqual({
      id: mnist,
      name: 'mnist',
      status: 'running',
      proposer: 'random',
      target: 'max',
      n_samples: 6,
      jobs_done: 4,
      jobs_total: 6,
      job_counts: { queued: 1, running: 1, finished: 2, failed: 1, early_stopped: 1, interrupted: 0 },
      best_score: 0.9,
      user: 'ada',
      hostname: 'gpu-box-1',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      started_at: '2025-01-02T03:04:05.000Z',
      ended_at: null,
      imported_from: null,
      stop_reason: null,
    });
    expect(rows[0]).toMatchObject({ name: 'later', jobs_done: 0, best_score: null, started_at: null, hostname: 'gpu-box-1' });
    expect(JSON.stringify(body)).not.toContain('proposer internals');
  });
});

describe('GET /api/v1/experiments/:id', () => {
  it('gives the experiment with its config, best job and job counts', async () => {
    const { status, body } = await get(`/api/v1/experiments/${mnist}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: mnist,
      config: { name: 'mnist', n_samples: 6, target: 'max' },
      error: null,
      best_job: { id: jobIds[1], trial: 1, score: 0.9, params: { lr: 0.2, layers: 2, act: 'relu' } },
      job_counts: { queued: 1, running: 1, finished: 2, failed: 1, early_stopped: 1, interrupted: 0 },
      stop_reason: null,
      warm_start: null,
      hostname: 'gpu-box-1',
      host: { os: 'linux', hostname: 'gpu-box-1' },
      git: {},
    });
    expect(body).not.toHaveProperty('proposerState');
    expect(body).not.toHaveProperty('configRaw');
  });

  it('says why an experiment ended and what its warm start told the proposer, in the detail and the list', async () => {
    const warmStart = { experiments: [{ id: mnist, jobs: 2, skipped: 1 }], jobIds: [jobIds[0]!, jobIds[1]!] };
    await store.updateExperiment(empty, { status: 'finished', stopReason: 'patience', warmStart });
    const { body } = await get(`/api/v1/experiments/${empty}`);
    expect(body).toMatchObject({ stop_reason: 'patience', warm_start: { experiments: [{ id: mnist, jobs: 2, skipped: 1 }], jobs: 2 } });
    // The job ids stay in the store (aup show --json); the API sends the counts.
    expect(JSON.stringify(body['warm_start'])).not.toContain('jobIds');
    const list = (await get('/api/v1/experiments')).body['experiments'] as Array<Record<string, unknown>>;
    expect(list.find((r) => r['id'] === empty)).toMatchObject({ stop_reason: 'patience' });
    expect(list.find((r) => r['id'] === empty)).not.toHaveProperty('warm_start');
  });

  it('answers 404 with the error shape for an unknown id', async () => {
    const { status, body } = await get('/api/v1/experiments/999999');
    expect(status).toBe(404);
    expect(body).toEqual({
      code: 'AUP_ERR_EXPERIMENT_NOT_FOUND',
      message: expect.stringContaining('No experiment has id 999999'),
      details: { id: 999999 },
    });
  });

  it.each(['abc', '0', '-3', '1.5', '9007199254740993'])('answers 400 for the malformed id %s', async (id) => {
    const { status, body } = await get(`/api/v1/experiments/${id}`);
    expect(status).toBe(400);
    expect(body['code']).toBe('AUP_ERR_BAD_REQUEST');
    expect(body['message']).toContain(`Path parameter 'id'`);
    expect(Object.keys(body).sort()).toEqual(['code', 'details', 'message']);
  });
});

describe('GET /api/v1/experiments/:id/jobs', () => {
  it('pages jobs sorted by score, unscored last', async () => {
    const { status, body } = await get(`/api/v1/experiments/${mnist}/jobs?sort=score&order=desc&limit=3`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ total: 6, limit: 3, offset: 0, sort: 'score', order: 'desc' });
    const jobs = body['jobs'] as Array<Record<string, unknown>>;
    expect(jobs.map((j) => j['score'])).toEqual([0.9, 0.7, 0.5]);
    expect(jobs[0]).toEqual({
      id: jobIds[1],
      trial: 1,
      status: 'finished',
      score: 0.9,
      metrics: { f1: 0.45 },
      params: { lr: 0.2, layers: 2, act: 'relu' },
      budget: null,
      attempts: 1,
      started_at: '2025-01-02T03:04:06.000Z',
      ended_at: '2025-01-02T03:04:06.500Z',
    });
    const rest = await get(`/api/v1/experiments/${mnist}/jobs?sort=score&order=desc&limit=3&offset=3`);
    expect((rest.body['jobs'] as Array<Record<string, unknown>>).map((j) => j['score'])).toEqual([null, null, null]);
  });

  it('defaults to id order and a full first page', async () => {
    const { body } = await get(`/api/v1/experiments/${mnist}/jobs`);
    expect((body['jobs'] as Array<Record<string, unknown>>).map((j) => j['id'])).toEqual(jobIds);
    expect(body).toMatchObject({ sort: 'id', order: 'asc', offset: 0, limit: 100 });
  });

  it('refuses a sort column outside the whitelist, naming the allowed ones', async () => {
    const { status, body } = await get(`/api/v1/experiments/${mnist}/jobs?sort=params;drop%20table%20job`);
    expect(status).toBe(400);
    expect(body).toMatchObject({
      code: 'AUP_ERR_BAD_QUERY',
      details: { in: 'querystring', field: 'sort', found: 'params;drop table job' },
    });
    expect(body['message']).toMatch(
      /^Query parameter 'sort': Unknown job column 'params;drop table job'.*expected one of id, trial, status, score/,
    );
    expect((body['details'] as { valid: string[] }).valid).toEqual(expect.arrayContaining(['score', 'param:lr', 'param:act', 'metric:f1']));
    // The table is still there.
    expect((await get(`/api/v1/experiments/${mnist}/jobs`)).body['total']).toBe(6);
  });

  it.each([
    ['order=up', 'order'],
    ['limit=0', 'limit'],
    ['limit=100000', 'limit'],
    ['offset=-1', 'offset'],
    ['limit=ten', 'limit'],
    ['sortt=score', 'sortt'],
  ])('refuses %s', async (query, field) => {
    const { status, body } = await get(`/api/v1/experiments/${mnist}/jobs?${query}`);
    expect(status).toBe(400);
    expect(body['code']).toBe('AUP_ERR_BAD_REQUEST');
    expect(body['details']).toMatchObject({ in: 'querystring', field });
  });

  it('answers 404 for the jobs of an unknown experiment', async () => {
    const { status, body } = await get('/api/v1/experiments/424242/jobs');
    expect(status).toBe(404);
    expect(body['code']).toBe('AUP_ERR_EXPERIMENT_NOT_FOUND');
  });
});

describe('routing, token and faults', () => {
  it('refuses a body over the limit with 413 in the error shape, unread', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/config/validate',
      headers: { authorization: 'Bearer s3cret', 'content-type': 'application/json' },
      payload: `{"a":"${'x'.repeat(BODY_LIMIT_BYTES)}"}`,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'AUP_ERR_BAD_REQUEST', details: { reason: 'FST_ERR_CTP_BODY_TOO_LARGE' } });
  });

  it('answers an unknown path with 404 in the error shape', async () => {
    const { status, body } = await get('/api/v1/nothing-here');
    expect(status).toBe(404);
    expect(body['code']).toBe('AUP_ERR_NOT_FOUND');
  });

  it('checks the token on mutating requests before routing, and lets reads through', async () => {
    const none = await app.inject({ method: 'POST', url: '/api/v1/experiments', payload: {} });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'AUP_ERR_UNAUTHORIZED', details: { given: 'none' } });
    const wrong = await app.inject({ method: 'DELETE', url: `/api/v1/experiments/${mnist}`, headers: { 'x-aup-token': 's3cret!' } });
    expect(wrong.statusCode).toBe(401);
    const right = await app.inject({
      method: 'POST',
      url: '/api/v1/nothing-here',
      headers: { authorization: 'Bearer s3cret' },
      payload: {},
    });
    // Past the token check: no route answers POST /api/v1/nothing-here.
    expect(right.statusCode).toBe(404);
    const unrouted = await app.inject({ method: 'POST', url: '/api/v1/nothing-here', payload: {} });
    expect(unrouted.statusCode).toBe(401);
  });

  it('serves the board page that loads the bundle and the dashboard', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<script type="module" src="/assets/aup-widgets.js"></script>');
    expect(res.body).toMatch(/<aup-board api="\/api\/v1" version="[^"]+"><\/aup-board>/);
  });

  it.each(['package.json', '..%2F..%2Fpackage.json', 'aup-widgets.css', 'aup-widgets.js.map'])('serves no asset named %s', async (name) => {
    const { status, body } = await get(`/assets/${name}`);
    expect(status).toBe(404);
    expect(body['code']).toBe('AUP_ERR_NOT_FOUND');
  });

  it('answers a real fault with 500 and no internals', async () => {
    const broken = await openStore(':memory:');
    const faulty = createServer({ store: broken });
    await broken.close();
    const res = await faulty.inject({ method: 'GET', url: '/api/v1/experiments' });
    await faulty.close();
    expect(res.statusCode).toBe(500);
    const body = res.json() as Record<string, unknown>;
    expect(body).toEqual({ code: 'AUP_ERR_INTERNAL', message: expect.stringContaining('GET /api/v1/experiments'), details: {} });
    expect(res.body).not.toMatch(/\bat\s.+:\d+:\d+/);
  });

  it('answers URLs Fastify cannot decode in the one error shape', async () => {
    const cases: Array<[string, number]> = [
      ['/api/v1/experiments/%FF', 400],
      [`/api/v1/experiments/${'9'.repeat(200)}/jobs`, 414],
      [`/api/v1/experiments/${'a'.repeat(1000)}`, 414],
    ];
    for (const [url, status] of cases) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(status);
      const body = res.json() as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['code', 'details', 'message']);
      expect(body['code']).toBe('AUP_ERR_BAD_REQUEST');
    }
  });

  it('accepts the older x-aup-token header besides Bearer, and prefers Bearer', async () => {
    const body = { script: 'python3 missing.py' };
    const legacy = await app.inject({
      method: 'POST',
      url: '/api/v1/config/validate',
      headers: { 'x-aup-token': 's3cret' },
      payload: body,
    });
    expect(legacy.statusCode).toBe(200);
    const mixed = await app.inject({
      method: 'POST',
      url: '/api/v1/config/validate',
      headers: { 'x-aup-token': 's3cret', authorization: 'Bearer wrong' },
      payload: body,
    });
    expect(mixed.statusCode).toBe(401);
  });

  it('validates a config as aup validate and aup run do: an unknown proposer is a problem', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/config/validate',
      headers: { authorization: 'Bearer s3cret' },
      payload: { script: 'node -e 1', proposer: 'bogus', parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      ok: false,
      problems: [{ path: 'proposer', message: expect.stringMatching(/"bogus" is not a registered proposer/) }],
    });
  });

  it('answers the warnings of a config it accepts, as aup run prints them', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/config/validate',
      headers: { authorization: 'Bearer s3cret' },
      payload: { script: 'node -e 1', n_samples: 2, my_notes: 'kept', parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, warnings: [{ path: 'my_notes', message: expect.stringMatching(/unknown/i) }] });
    const clean = await app.inject({
      method: 'POST',
      url: '/api/v1/config/validate',
      headers: { authorization: 'Bearer s3cret' },
      payload: { script: 'node -e 1', n_samples: 2, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] },
    });
    expect(clean.json()).toMatchObject({ ok: true, warnings: [] });
  });

  it('refuses an empty token rather than silently running without one', () => {
    expect(() => createServer({ store, token: '' })).toThrow(/token is empty/);
  });
});
