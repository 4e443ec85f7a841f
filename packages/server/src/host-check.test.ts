import { openStore, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from './create-server.js';
import { boardHostNames, canonicalHostName, hostOf, parseAllowedHost } from './host-check.js';

describe('hostOf', () => {
  it.each([
    ['localhost:8080', 'localhost', '8080'],
    ['LOCALHOST', 'localhost', ''],
    ['localhost.:8080', 'localhost', '8080'],
    ['127.0.0.1:1', '127.0.0.1', '1'],
    ['[::1]:8080', '::1', '8080'],
    ['[0:0:0:0:0:0:0:1]', '::1', ''],
    ['Board.Example.Org.', 'board.example.org', ''],
  ])('reads %j as %s port %j', (header, name, port) => {
    expect(hostOf(header)).toEqual({ name, port });
  });

  it.each(['evil@localhost', 'localhost/x', 'local host', '', '[::1', 'localhost:', 'localhost:123456', '[zz::1]:80'])(
    'refuses %j',
    (header) => {
      expect(hostOf(header)).toBeUndefined();
    },
  );
});

describe('boardHostNames', () => {
  const machine = { addresses: ['127.0.0.1', '::1', '192.0.2.2', 'fd00::2', 'fe80::1'], hostname: 'Lab-Box' };

  it('serves a named bind host and each allowed host (loopback names are implied)', () => {
    expect(boardHostNames('127.0.0.1', [], machine)).toEqual([]);
    expect(boardHostNames('192.0.2.2', ['board.example.org'], machine)).toEqual(['192.0.2.2', 'board.example.org']);
    expect(boardHostNames('localhost', ['[FD00::2]'], machine)).toEqual(['fd00::2']);
  });

  it('serves the interface addresses and host name for a wildcard bind, never every name', () => {
    for (const wildcard of ['0.0.0.0', '::', '[::]']) {
      expect(boardHostNames(wildcard, [], machine)).toEqual(['192.0.2.2', 'fd00::2', 'fe80::1', 'lab-box']);
    }
  });
});

describe('parseAllowedHost', () => {
  it('keeps names and addresses in canonical form', () => {
    expect(parseAllowedHost('Board.Example.org')).toBe('board.example.org');
    expect(parseAllowedHost('[fd00::2]')).toBe('fd00::2');
    expect(canonicalHostName('fd00:0::2')).toBe('fd00::2');
  });

  it.each(['https://board.example.org', 'board.example.org:443', '*.example.org', '0.0.0.0', '::', '', 'a/b'])(
    'refuses %j naming the flag',
    (text) => {
      expect(() => parseAllowedHost(text)).toThrow(/--allowed-host/);
    },
  );
});

describe('the Host check on every route', () => {
  let store: Store;
  let app: FastifyInstance;
  let proxied: FastifyInstance;
  beforeAll(async () => {
    store = await openStore(':memory:');
    app = createServer({ store });
    proxied = createServer({ store, allowedHosts: ['board.example.org', 'fd00::2'] });
  });
  afterAll(async () => {
    await app.close();
    await proxied.close();
    await store.close();
  });

  const routes: Array<[string, string]> = [
    ['GET', '/'],
    ['GET', '/assets/aup-widgets.js'],
    ['GET', '/api/v1/health'],
    ['GET', '/api/v1/experiments'],
    ['GET', '/api/v1/events?after=0'],
    ['GET', '/api/v1/openapi.json'],
    ['POST', '/api/v1/config/validate'],
    ['DELETE', '/api/v1/experiments/1'],
    ['GET', '/no/such/route'],
    ['OPTIONS', '/api/v1/experiments'],
  ];

  it.each(routes)('answers %s %s with 421 for a foreign Host', async (method, url) => {
    for (const host of [
      'attacker.test',
      'attacker.test:80',
      'localhost.attacker.test',
      '127.0.0.1.nip.io',
      '0.0.0.0',
      '[::2]',
      'board.example.org',
    ]) {
      const res = await app.inject({ method: method as 'GET', url, headers: { host } });
      expect(res.statusCode, `${method} ${url} Host ${host}`).toBe(421);
      expect(res.json()).toMatchObject({ code: 'AUP_ERR_HOST_NOT_ALLOWED', details: { host } });
      expect(res.json().message).toContain(JSON.stringify(host));
      expect(res.json().message).toContain('--allowed-host');
    }
  });

  it('answers the loopback names, whatever their case, port or trailing dot', async () => {
    for (const host of [
      'localhost',
      'localhost:80',
      'LOCALHOST:8080',
      'localhost.:8080',
      '127.0.0.1:9',
      '127.3.2.1',
      '[::1]:8080',
      '[0::1]',
    ]) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/health', headers: { host } });
      expect(res.statusCode, host).toBe(200);
    }
  });

  it('answers the allowed hosts given to createServer', async () => {
    for (const host of ['board.example.org', 'BOARD.example.org.:443', '[fd00::2]:8080', 'localhost']) {
      expect((await proxied.inject({ method: 'GET', url: '/api/v1/health', headers: { host } })).statusCode, host).toBe(200);
    }
    expect((await proxied.inject({ method: 'GET', url: '/api/v1/health', headers: { host: 'attacker.test' } })).statusCode).toBe(421);
  });
});
