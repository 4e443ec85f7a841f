import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import { AupError } from '@aup/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * The older header a client may send the session token in; the contract is
 * `authorization: Bearer <token>`, which every client should use.
 */
export const TOKEN_HEADER = 'x-aup-token';

/**
 * The query parameter a read may carry the token in, when reads need it, on the routes a browser
 * opens by URL and so cannot give a header: the event stream (EventSource), image and artifact
 * downloads, exports (docs/decisions/0018-reads-behind-the-token.md). Never accepted on a
 * mutating request, so a token in a URL cannot change anything.
 */
export const ACCESS_TOKEN_PARAM = 'access_token';

/** Paths (under the API prefix) that accept `access_token`: opened as URLs by the board page. */
const URL_OPENED_PATHS: readonly RegExp[] = [
  /^\/events$/,
  /^\/experiments\/[^/]+\/export$/,
  /^\/jobs\/[^/]+\/(?:images|artifacts)\/[^/]+$/,
];

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface TokenRules {
  /** The API prefix (`/api/v1`): reads outside it (the page, the widgets bundle) never need the token. */
  apiPrefix: string;
  /** The session token; undefined: nothing needs one. */
  token: string | undefined;
  /** Mutating routes are not served at all (they answer 404), so they need no token. */
  readOnly: boolean;
  /** Reads under the API prefix need the token too, except GET /health (an exposed board). */
  readsNeedToken: boolean;
}

/**
 * Refuses (401) a request that needs the session token and lacks it or carries a wrong one. The
 * token is compared in constant time (digests of equal length). Mutations always need it when
 * there is one; reads only when `readsNeedToken`, and then `GET /health` stays open, because it
 * is how the page learns that it needs a token.
 */
export function addTokenCheck(app: FastifyInstance, rules: TokenRules): void {
  if (rules.token === undefined) return;
  const expected = digest(rules.token);
  const health = `${rules.apiPrefix}/health`;
  app.addHook('onRequest', async (request) => {
    const safe = SAFE_METHODS.has(request.method);
    // The route's declared path, not the URL as sent: an encoded or odd spelling of a path cannot
    // slip past the check while still reaching the route. No route (a 404) protects nothing.
    const route = request.routeOptions.url ?? pathOf(request.url);
    const path = pathOf(request.url);
    // A query-string token is taken off the request in every case, so it never reaches a route's
    // query validation (a 400 naming it would echo nothing, but would confuse the reader).
    const fromQuery = takeQueryToken(request);
    if (safe) {
      if (!rules.readsNeedToken || request.method === 'OPTIONS') return;
      if (!route.startsWith(`${rules.apiPrefix}/`) || route === health) return;
    } else if (rules.readOnly) {
      return;
    }
    const urlOpened = safe && URL_OPENED_PATHS.some((re) => re.test(route.slice(rules.apiPrefix.length)));
    const given = tokenOf(request.headers) ?? (urlOpened ? fromQuery : undefined);
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    const what = safe
      ? `${request.method} ${path} reads data of a board that serves its reads to holders of the session token only`
      : `${request.method} ${path} changes data and needs the session token`;
    const how = urlOpened ? ` as 'authorization: Bearer <token>' or ?${ACCESS_TOKEN_PARAM}=<token>` : " as 'authorization: Bearer <token>'";
    throw new AupError('AUP_ERR_UNAUTHORIZED', `${what} (printed by aup-board at start)${how}`, {
      details: { header: 'authorization', given: given === undefined ? 'none' : 'wrong token' },
    });
  });
}

/** Removes `access_token` from the parsed query and answers its value (the last one given). */
function takeQueryToken(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  if (query === undefined || query === null || typeof query !== 'object' || !(ACCESS_TOKEN_PARAM in query)) return undefined;
  const value = query[ACCESS_TOKEN_PARAM];
  delete query[ACCESS_TOKEN_PARAM];
  const last = Array.isArray(value) ? value.at(-1) : value;
  return typeof last === 'string' && last !== '' ? last : undefined;
}

/** Fixed-length digests, so the comparison takes the same time whatever the given token's length. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function tokenOf(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  const match = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (match) return match[1];
  const direct = headers[TOKEN_HEADER];
  return typeof direct === 'string' ? direct : undefined;
}

/** The URL's path, without the query, for messages and route matching. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
