import { openStore, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from './create-server.js';

// The Origin check through Fastify's pipeline: a page of another site cannot send a mutating
// request the board accepts, with or without a token, while the board's own page and clients that
// are not browsers (no Origin, no Sec-Fetch-Site) can.

const TOKEN = 'origin-test-token';
const CONFIG = { script: 'python3 train.py', n_samples: 1, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] };

let store: Store;
let open: FastifyInstance;
let tokened: FastifyInstance;
let cors: FastifyInstance;
beforeAll(async () => {
  store = await openStore(':memory:');
  open = createServer({ store });
  tokened = createServer({ store, token: TOKEN });
  cors = createServer({ store, token: TOKEN, corsOrigins: ['https://widgets.example'] });
});
afterAll(async () => {
  await Promise.all([open.close(), tokened.close(), cors.close()]);
  await store.close();
});

function validate(app: FastifyInstance, headers: Record<string, string>, token?: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/config/validate',
    headers: {
      host: '127.0.0.1:8080',
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    payload: JSON.stringify(CONFIG),
  });
}

describe('the Origin check on mutating routes', () => {
  const foreign: Array<Record<string, string>> = [
    { origin: 'http://127.0.0.1:3000' },
    { origin: 'http://localhost:8080' },
    { origin: 'http://127.0.0.1' },
    { origin: 'https://evil.example' },
    { origin: 'null' },
    { origin: 'file://' },
    { origin: 'http://127.0.0.1:8080.evil.example' },
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site' },
    { origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-site' },
  ];

  it.each(foreign)('refuses %j with 403, with --no-token and with the right token', async (headers) => {
    for (const [app, token] of [
      [open, undefined],
      [tokened, TOKEN],
    ] as const) {
      const res = await validate(app, headers, token);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'AUP_ERR_ORIGIN_FORBIDDEN' });
      expect(res.json().message).toContain('POST /api/v1/config/validate');
    }
  });

  it('refuses a body-less cross-origin POST (a form, fetch no-cors) before reading anything', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await open.inject({
        method: 'POST',
        url: '/api/v1/experiments/1/start',
        headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:3000', 'content-type': type },
        payload: '',
      });
      expect(res.statusCode).toBe(403);
    }
  });

  it("accepts the board's own page, and clients that are not browsers", async () => {
    const allowed: Array<Record<string, string>> = [
      {},
      { origin: 'http://127.0.0.1:8080' },
      { origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
    ];
    for (const headers of allowed) {
      expect((await validate(open, headers)).statusCode, JSON.stringify(headers)).toBe(200);
      expect((await validate(tokened, headers, TOKEN)).statusCode, JSON.stringify(headers)).toBe(200);
    }
  });

  it('compares host and port, not the scheme: a board behind a TLS proxy accepts its https page', async () => {
    const res = await open.inject({
      method: 'POST',
      url: '/api/v1/config/validate',
      headers: { host: 'localhost', origin: 'https://localhost', 'content-type': 'application/json' },
      payload: JSON.stringify(CONFIG),
    });
    expect(res.statusCode).toBe(200);
    const other = await open.inject({
      method: 'POST',
      url: '/api/v1/config/validate',
      headers: { host: 'localhost', origin: 'https://localhost:8443', 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(other.statusCode).toBe(403);
  });

  it('accepts a --cors origin, which still needs the token', async () => {
    expect((await validate(cors, { origin: 'https://widgets.example' }, TOKEN)).statusCode).toBe(200);
    expect((await validate(cors, { origin: 'https://widgets.example' })).statusCode).toBe(401);
    expect((await validate(cors, { origin: 'https://other.example' }, TOKEN)).statusCode).toBe(403);
  });

  it('leaves reads alone: CORS decides what a page may read', async () => {
    const res = await open.inject({
      method: 'GET',
      url: '/api/v1/experiments',
      headers: { host: '127.0.0.1:8080', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
