import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openStore, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from '../create-server.js';
import { MAX_BODY_DEPTH, jsonTooDeep, valueDepth } from './body-depth.js';

// Bodies built to exhaust the server: nesting deep enough to overflow the stack of whatever walks
// it, and YAML whose aliases expand a few lines into millions of values. Each is a 400 naming the
// reason, never a 500 and never a crash.

describe('jsonTooDeep', () => {
  it('finds the first level past the limit, ignoring brackets in strings', () => {
    expect(jsonTooDeep('{"a":[1,{"b":2}]}', 3)).toBeUndefined();
    expect(jsonTooDeep('{"a":[1,{"b":[2]}]}', 3)).toEqual({ line: 1, column: 14 });
    expect(jsonTooDeep(`{"a":"${'['.repeat(100)}\\"["}`, 2)).toBeUndefined();
    expect(jsonTooDeep(`[\n [\n  [`, 2)).toEqual({ line: 3, column: 3 });
  });
});

describe('valueDepth', () => {
  it('measures without recursion', () => {
    expect(valueDepth(1)).toBe(0);
    expect(valueDepth({ a: [1, { b: 2 }] })).toBe(3);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(valueDepth(deep)).toBe(MAX_BODY_DEPTH + 1);
  });
});

describe('deep and explosive bodies', () => {
  let store: Store;
  let app: FastifyInstance;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aup-body-depth-'));
    store = await openStore(':memory:');
    app = createServer({ store, configBaseDir: dir });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (url: string, payload: string) =>
    app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

  it.each([
    ['an array', (n: number) => '['.repeat(n) + ']'.repeat(n)],
    ['an object', (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)],
    ['a config field', (n: number) => `{"config":{"script":"x","parameter_config":${'['.repeat(n)}${']'.repeat(n)}}}`],
  ])('refuses JSON nested in %s 10,000 levels deep with 400 and the reason', async (_what, build) => {
    for (const url of ['/api/v1/config/validate', '/api/v1/experiments']) {
      const res = await post(url, build(10_000));
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toMatchObject({ code: 'AUP_ERR_BAD_REQUEST', details: { reason: 'too deep', limit: MAX_BODY_DEPTH } });
      expect(res.json().message).toContain(`deeper than ${MAX_BODY_DEPTH} levels`);
    }
  });

  it('still takes JSON that nests as deep as the limit', async () => {
    const res = await post('/api/v1/config/validate', '['.repeat(MAX_BODY_DEPTH) + ']'.repeat(MAX_BODY_DEPTH));
    expect(res.statusCode).toBe(200);
    expect(res.json().ok).toBe(false);
  });

  it('refuses a YAML alias bomb with 400 and the reason', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const prev = String.fromCharCode('a'.charCodeAt(0) + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const res = await post('/api/v1/experiments', JSON.stringify({ yaml: levels.join('\n') }));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('AUP_ERR_CONFIG_PARSE');
    expect(res.json().message).toMatch(/aliases .* too large/);
    expect(await store.listExperiments()).toEqual([]);
  });

  it.each([1_000, 5_000, 100_000])('refuses YAML nested %i levels deep with 400 (it once aborted the process)', async (n) => {
    const res = await post('/api/v1/experiments', JSON.stringify({ yaml: `script: x\na: ${'['.repeat(n)}${']'.repeat(n)}` }));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('AUP_ERR_CONFIG_PARSE');
    expect(res.json().message).toMatch(/line 2|:2:/);
    expect(res.json().message).toContain('deeper than');
  });

  it('refuses YAML whose aliases nest deeper than the limit', async () => {
    const d = 40;
    const yaml = [`a: &a ${'['.repeat(d)}1${']'.repeat(d)}`, `b: &b ${'['.repeat(d)}*a${']'.repeat(d)}`, `script: x`, `c: *b`].join('\n');
    const res = await post('/api/v1/experiments', JSON.stringify({ yaml }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'AUP_ERR_CONFIG_PARSE', details: { reason: 'too deep' } });
  });
});
