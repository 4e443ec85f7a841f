import { PassThrough } from 'node:stream';

import { VERSION, openStore, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from './create-server.js';

// Which requests need the session token: mutations whenever there is one, reads too on a board
// that others can reach (readsNeedToken), where /health stays open and the routes a browser opens
// by URL also take ?access_token=.

const TOKEN = 'token-test-token';
let store: Store;
let exposed: FastifyInstance;
let local: FastifyInstance;
let readOnly: FastifyInstance;
let experimentId: number;

beforeAll(async () => {
  store = await openStore(':memory:');
  const exp = await store.createExperiment({
    name: 'secret-run',
    user: 'ada',
    proposer: 'random',
    target: 'max',
    nSamples: 1,
    configRaw: { script: 'TOKEN=hunter2 python3 train.py' },
    config: { name: 'secret-run' },
    workingDir: '/tmp/none',
    host: {},
    git: {},
  });
  experimentId = exp.id;
  exposed = createServer({ store, token: TOKEN, readsNeedToken: true });
  local = createServer({ store, token: TOKEN });
  readOnly = createServer({ store, readOnly: true, token: TOKEN, readsNeedToken: true });
});
afterAll(async () => {
  await Promise.all([exposed.close(), local.close(), readOnly.close()]);
  await store.close();
});

describe('GET /health', () => {
  it('says which requests need the token', async () => {
    const health = async (app: FastifyInstance) => (await app.inject({ method: 'GET', url: '/api/v1/health' })).json();
    expect(await health(exposed)).toEqual({
      ok: true,
      version: VERSION,
      read_only: false,
      token_required: true,
      read_token_required: true,
    });
    expect(await health(local)).toEqual({ ok: true, version: VERSION, read_only: false, token_required: true, read_token_required: false });
    expect(await health(readOnly)).toEqual({
      ok: true,
      version: VERSION,
      read_only: true,
      token_required: false,
      read_token_required: true,
    });
    const none = createServer({ store });
    expect(await health(none)).toEqual({ ok: true, version: VERSION, read_only: false, token_required: false, read_token_required: false });
    await none.close();
  });
});

describe('reads on a board others can reach', () => {
  const reads = () => [
    `/api/v1/experiments`,
    `/api/v1/experiments/${experimentId}`,
    `/api/v1/experiments/${experimentId}/jobs`,
    `/api/v1/openapi.json`,
    `/api/v1/workers`,
    `/api/v1/jobs/1`,
    `/api/v1/experiments/${experimentId}/export?format=csv`,
  ];

  it('need the token (401 without, 401 wrong) on every API read but /health', async () => {
    for (const app of [exposed, readOnly]) {
      for (const url of reads()) {
        for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }]) {
          const res = await app.inject({ method: 'GET', url, headers });
          expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
          expect(res.json().code).toBe('AUP_ERR_UNAUTHORIZED');
          expect(res.body).not.toContain('hunter2');
        }
      }
      expect((await app.inject({ method: 'HEAD', url: '/api/v1/experiments' })).statusCode).toBe(401);
    }
  });

  it('answer with the token in the header', async () => {
    const res = await exposed.inject({
      method: 'GET',
      url: `/api/v1/experiments/${experimentId}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe('secret-run');
  });

  it('take ?access_token= only on the routes a browser opens by URL, never on other reads or mutations', async () => {
    const q = `access_token=${TOKEN}`;
    const csv = await exposed.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/export?format=csv&${q}` });
    expect(csv.statusCode).toBe(200);
    const missing = await exposed.inject({ method: 'GET', url: `/api/v1/jobs/999/artifacts/0?${q}` });
    expect(missing.statusCode).toBe(404);
    const wrong = await exposed.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/export?format=csv&access_token=nope` });
    expect(wrong.statusCode).toBe(401);
    expect((await exposed.inject({ method: 'GET', url: `/api/v1/experiments?${q}` })).statusCode).toBe(401);
    expect((await exposed.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}?${q}` })).statusCode).toBe(401);
    const mutation = await exposed.inject({ method: 'DELETE', url: `/api/v1/experiments/${experimentId}?${q}` });
    expect(mutation.statusCode).toBe(401);
    expect(await store.getExperiment(experimentId)).toBeDefined();
  });

  it('leave /health, the page and the widgets bundle open: the page must load to learn it needs a token', async () => {
    expect((await exposed.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    const page = await exposed.inject({ method: 'GET', url: '/?token=x' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.body).not.toContain(TOKEN);
  });

  it('stay open on a loopback board', async () => {
    expect((await local.inject({ method: 'GET', url: '/api/v1/experiments' })).statusCode).toBe(200);
  });

  it('is refused without a token to need', () => {
    expect(() => createServer({ store, readsNeedToken: true })).toThrow(/readsNeedToken/);
  });
});

describe('faults', () => {
  it('are written to the error log, and the 500 says so; without a log the 500 does not pretend', async () => {
    const log = new PassThrough();
    let written = '';
    log.on('data', (d: Buffer) => (written += d.toString()));
    const logged = createServer({ store, errorLog: log });
    const quiet = createServer({ store });
    for (const app of [logged, quiet]) {
      app.get('/api/v1/boom', async () => {
        throw new TypeError('disk on fire');
      });
    }
    const a = await logged.inject({ method: 'GET', url: '/api/v1/boom?access_token=secret' });
    expect(a.statusCode).toBe(500);
    expect(a.json().message).toContain('the server log has the details');
    expect(a.body).not.toContain('disk on fire');
    expect(written).toContain('GET /api/v1/boom?access_token=<hidden> failed: TypeError: disk on fire');
    expect(written).not.toContain('secret');
    const b = await quiet.inject({ method: 'GET', url: '/api/v1/boom' });
    expect(b.statusCode).toBe(500);
    expect(b.json().message).not.toContain('server log has');
    expect(b.json().message).toContain('errorLog');
    await Promise.all([logged.close(), quiet.close()]);
  });
});
