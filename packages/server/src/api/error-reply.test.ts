import { AupError } from '@aup/core';
import { describe, expect, it } from 'vitest';

import { notFoundBody, toErrorReply } from './error-reply.js';

const req = { method: 'GET', url: '/api/v1/experiments/1/jobs?sort=bogus', params: { id: 1 }, query: { sort: 'bogus' } };

describe('toErrorReply', () => {
  it('keeps an AupError’s code, message and details and maps the code to a status', () => {
    const out = toErrorReply(new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', 'No experiment has id 9', { details: { id: 9 } }), req);
    expect(out).toEqual({
      statusCode: 404,
      body: { code: 'AUP_ERR_EXPERIMENT_NOT_FOUND', message: 'No experiment has id 9', details: { id: 9 } },
      fault: false,
    });
  });

  it('treats an AupError whose code is not about the request as a server fault', () => {
    const out = toErrorReply(new AupError('AUP_ERR_DB_OPEN', 'database is gone'), req);
    expect(out.statusCode).toBe(500);
    expect(out.fault).toBe(true);
    expect(out.body.code).toBe('AUP_ERR_DB_OPEN');
  });

  it('turns a schema enum failure into a message naming the field, the value and the allowed values', () => {
    const validationError = Object.assign(new Error('querystring/sort must be equal to one of the allowed values'), {
      statusCode: 400,
      validationContext: 'querystring',
      validation: [
        { keyword: 'enum', instancePath: '/sort', schemaPath: '#/properties/sort/enum', params: { allowedValues: ['id', 'score'] } },
      ],
    });
    const out = toErrorReply(validationError, req);
    expect(out.statusCode).toBe(400);
    expect(out.body.code).toBe('AUP_ERR_BAD_REQUEST');
    expect(out.body.message).toBe(`Query parameter 'sort' of GET /api/v1/experiments/1/jobs is "bogus": expected one of id, score`);
    expect(out.body.details).toEqual({ in: 'querystring', field: 'sort', expected: 'one of id, score', found: 'bogus' });
  });

  it('names an unknown query key', () => {
    const validationError = Object.assign(new Error('must NOT have additional properties'), {
      statusCode: 400,
      validationContext: 'querystring',
      validation: [
        {
          keyword: 'additionalProperties',
          instancePath: '',
          schemaPath: '#/additionalProperties',
          params: { additionalProperty: 'sortt' },
        },
      ],
    });
    const out = toErrorReply(validationError, { ...req, query: { sortt: 'score' } });
    expect(out.body.message).toBe(`Query parameter 'sortt' is not accepted by GET /api/v1/experiments/1/jobs`);
    expect(out.body.details).toEqual({ in: 'querystring', field: 'sortt', expected: 'only the documented keys' });
  });

  it('keeps a framework 4xx status under the bad-request code', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    const out = toErrorReply(tooLarge, { method: 'POST', url: '/api/v1/x' });
    expect(out).toEqual({
      statusCode: 413,
      body: {
        code: 'AUP_ERR_BAD_REQUEST',
        message: 'POST /api/v1/x: Request body is too large',
        details: { reason: 'FST_ERR_CTP_BODY_TOO_LARGE' },
      },
      fault: false,
    });
  });

  it('hides the message and stack of an unexpected error', () => {
    const out = toErrorReply(new TypeError('secret internals at /home/me/x.js'), req);
    expect(out.statusCode).toBe(500);
    expect(out.fault).toBe(true);
    expect(out.body.code).toBe('AUP_ERR_INTERNAL');
    expect(JSON.stringify(out.body)).not.toContain('secret');
    expect(out.body.details).toEqual({});
  });
});

describe('notFoundBody', () => {
  it('names the method and path and points at the API', () => {
    const body = notFoundBody({ method: 'GET', url: '/nope' });
    expect(body.code).toBe('AUP_ERR_NOT_FOUND');
    expect(body.message).toContain('GET /nope');
    expect(body.message).toContain('/api/v1');
  });
});
