import { AupError } from '@aup/core';
import type { FastifyInstance } from 'fastify';

/** Methods a listed origin may use: reads only; mutating routes stay same-origin (and need the token). */
export const CORS_METHODS = 'GET, HEAD';
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * Headers a cross-origin read may send: Last-Event-ID lets an SSE client resume, Authorization
 * carries the token where reads need it (a page given the token by its author).
 */
export const CORS_HEADERS = 'Accept, Authorization, Last-Event-ID';
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_S = 600;

/**
 * Parses `--cors ORIGIN[,ORIGIN...]` into exact origins (`scheme://host[:port]`); anything else
 * (a path, a wildcard, a bare host) is an AUP_ERR_CLI_USAGE error naming the bad entry.
 */
export function parseCorsOrigins(text: string): string[] {
  const entries = text.split(',').map((s) => s.trim());
  return entries.map((entry, i) => {
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === entry.replace(/\/$/, '')) origin = url.origin;
    } catch {
      origin = undefined;
    }
    if (origin === undefined) {
      throw new AupError(
        'AUP_ERR_CLI_USAGE',
        `--cors entry ${i + 1} is ${JSON.stringify(entry)}: expected an origin such as https://example.org or http://localhost:3000 (scheme, host and port only; no wildcard, no path)`,
        { details: { option: '--cors', index: i, found: entry } },
      );
    }
    return origin;
  });
}

/**
 * Lets pages on `origins` read the API: `Access-Control-Allow-Origin` for a listed origin only,
 * `Vary: Origin` on every response, and preflights for GET/HEAD answered with 204. No origins: no hook.
 */
export function addCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request, reply) => {
    // The answer depends on Origin, so caches must key on it, listed or not.
    void reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !allowed.has(origin)) return undefined;
    const wanted = request.headers['access-control-request-method'];
    if (request.method === 'OPTIONS' && typeof wanted === 'string') {
      // A preflight for a mutating method gets no CORS headers, so the browser refuses the request.
      if (!READ_METHODS.has(wanted.toUpperCase())) return reply.code(204).send();
      return reply
        .code(204)
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-methods', CORS_METHODS)
        .header('access-control-allow-headers', CORS_HEADERS)
        .header('access-control-max-age', String(CORS_MAX_AGE_S))
        .send();
    }
    if (READ_METHODS.has(request.method)) void reply.header('access-control-allow-origin', origin);
    return undefined;
  });
}
