import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { openStore, type Store } from '@aup/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from '../create-server.js';
import { buildOpenApi, openApiPath, routeEntries } from './openapi.js';

const HTTP_API_DOC = fileURLToPath(new URL('../../../../docs/reference/http-api.md', import.meta.url));

let store: Store;
beforeAll(async () => {
  store = await openStore(':memory:');
});
afterAll(async () => {
  await store?.close();
});

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>> };

/** The routes a server really serves (collected by a hook of our own) and the document it answers. */
async function servedAndDocumented(readOnly: boolean): Promise<{ served: string[]; documented: string[]; doc: Doc }> {
  const app = createServer({ store, readOnly, token: 't' });
  const served: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const e of routeEntries(route)) served.push(`${e.method} ${openApiPath(e.url)}`);
  });
  await app.ready();
  const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  await app.close();
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const doc = res.json() as Doc;
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  return { served: served.sort(), documented: documented.sort(), doc };
}

describe('GET /api/v1/openapi.json', () => {
  it('lists exactly the routes the server serves, mutating ones with the bearer scheme', async () => {
    const { served, documented, doc } = await servedAndDocumented(false);
    expect(served).toContain('POST /api/v1/config/validate');
    expect(served).toContain('DELETE /api/v1/experiments/{id}');
    expect(served).toContain('GET /api/v1/openapi.json');
    expect(documented).toEqual(served);
    const del = doc.paths['/api/v1/experiments/{id}']!['delete']!;
    expect(del['security']).toEqual([{ sessionToken: [] }]);
    expect(del['parameters']).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true, schema: expect.objectContaining({ type: 'integer', minimum: 1 }) }),
      expect.objectContaining({
        name: 'files',
        in: 'query',
        required: false,
        schema: expect.objectContaining({ type: 'boolean', default: false }),
      }),
    ]);
    expect(Object.keys(del['responses'] as object).sort()).toEqual(['200', '4XX', '5XX']);
    expect(doc.paths['/api/v1/experiments']!['get']!['security']).toBeUndefined();
  });

  it('leaves the mutating routes out in read-only mode, as the server does', async () => {
    const { served, documented } = await servedAndDocumented(true);
    expect(documented).toEqual(served);
    expect(documented).not.toContain('POST /api/v1/config/validate');
    expect(documented).not.toContain('DELETE /api/v1/experiments/{id}');
  });

  it('is documented route by route in docs/reference/http-api.md', async () => {
    const { documented } = await servedAndDocumented(false);
    const text = readFileSync(HTTP_API_DOC, 'utf8');
    const missing = documented.filter((route) => !text.includes(`\`${route}\``));
    expect(missing).toEqual([]);
    // And nothing documented that is not served.
    const headings = [...text.matchAll(/^### `([A-Z]+ \/\S*)`/gm)].map((m) => m[1]!).sort();
    expect(headings).toEqual(documented);
  });
});

describe('buildOpenApi', () => {
  it('turns path, query, body and response schemas into an OpenAPI 3.1 operation', () => {
    const doc = buildOpenApi(
      [
        {
          method: 'POST',
          url: '/x/:name/y',
          schema: {
            summary: 'S',
            'x-mutating': true,
            params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
            querystring: { type: 'object', properties: { q: { type: 'integer' } }, required: ['q'] },
            body: { type: 'object' },
            response: { 201: { type: 'object' }, '4xx': { type: 'object' } },
          },
        },
      ],
      { title: 'T', version: '1' },
    ) as Doc & { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/x/{name}/y']!['post']).toEqual({
      operationId: 'post-x-by-name-y',
      summary: 'S',
      parameters: [
        { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'q', in: 'query', required: true, schema: { type: 'integer' } },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
      responses: {
        '201': { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
        '4XX': {
          description: expect.stringContaining('{ code, message, details }'),
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
      security: [{ sessionToken: [] }],
      'x-mutating': true,
    });
  });
});
