import { AupError } from '@aup/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { hostOf } from './host-check.js';

/** Methods that never change data; every other method is checked. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `Sec-Fetch-Site` values that show a page of another origin sent the request. `same-site` counts:
 * a page on http://localhost:3000 is the same site as a board on http://localhost:8080.
 */
const FOREIGN_FETCH_SITES: ReadonlySet<string> = new Set(['cross-site', 'same-site']);

/**
 * Refuses (403) a request that may change data when a browser says a page of another origin sent
 * it: an `Origin` that is neither the board's own (the scheme-less host and port of the request's
 * `Host`) nor one of `corsOrigins`, or, without `Origin`, a `Sec-Fetch-Site` of `cross-site` or
 * `same-site`. Whatever the token mode: with `--no-token` this is what keeps other pages (forms,
 * `fetch` with `mode: 'no-cors'`, which need no preflight) from starting commands. Requests
 * without either header (curl, the CLI, scripts) pass: they are not sent by a page.
 */
export function addOriginCheck(app: FastifyInstance, corsOrigins: readonly string[]): void {
  const listed = new Set(corsOrigins);
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    const refusal = foreignSender(request, listed);
    if (refusal === undefined) return;
    throw new AupError(
      'AUP_ERR_ORIGIN_FORBIDDEN',
      `${request.method} ${pathOf(request.url)} changes data and was sent by a page of another site (${refusal}): only the board's own page, ` +
        `the origins given with --cors, and clients that are not browsers (curl, scripts) may send it`,
      { details: { origin: request.headers.origin ?? null, 'sec-fetch-site': request.headers['sec-fetch-site'] ?? null } },
    );
  });
}

/** Why the request comes from another site, or undefined when it does not. */
function foreignSender(request: FastifyRequest, listed: ReadonlySet<string>): string | undefined {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (listed.has(origin)) return undefined;
    if (isOwnOrigin(origin, request.headers.host)) return undefined;
    return `Origin ${origin}`;
  }
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && FOREIGN_FETCH_SITES.has(site.toLowerCase())) return `Sec-Fetch-Site ${site}, no Origin`;
  return undefined;
}

/**
 * Whether `origin` is the board's own: an http(s) origin whose host and port are those of the
 * request's `Host`. The scheme is not compared: behind a TLS proxy the page is https while the
 * board sees plain HTTP, and one host and port serve one board either way.
 */
function isOwnOrigin(origin: string, hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.replace(/\/$/, '')) return false;
  const mine = hostOf(hostHeader);
  const theirs = hostOf(url.host);
  if (mine === undefined || theirs === undefined) return false;
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  return mine.name === theirs.name && (mine.port || defaultPort) === (theirs.port || defaultPort);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
