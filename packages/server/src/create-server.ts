import { AupError, type Store } from '@aup/core';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

import { apiRoutes } from './api/api-routes.js';
import { addJsonDepthLimit } from './api/body-depth.js';
import { addCors } from './api/cors.js';
import { notFoundBody, toErrorReply } from './api/error-reply.js';
import type { EventStreamOptions } from './api/events-routes.js';
import { routeEntries, type RouteEntry } from './api/openapi.js';
import { API_PREFIX } from './api/route-context.js';
import { siteRoutes } from './board/site-routes.js';
import { addHostCheck } from './host-check.js';
import { addOriginCheck } from './origin-check.js';
import { ACCESS_TOKEN_PARAM, addTokenCheck } from './token-check.js';

export { TOKEN_HEADER } from './token-check.js';
/** Every API route lives under this prefix; a breaking change gets a new version, not a changed route. */
export { API_PREFIX };

/**
 * The largest request body the API reads. A config is a few kilobytes; a JSON body bigger than
 * this is refused with 413 and, as Node's HTTP server does, the connection is closed without
 * reading the rest (a client still sending may see EPIPE).
 */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface CreateServerOptions {
  /** The store the API reads; the caller opens it and closes it after the server. */
  store: Store;
  /** Serve no mutating route at all (they answer 404); reported by GET /health. */
  readOnly?: boolean;
  /** When set, every request other than GET/HEAD/OPTIONS needs `authorization: Bearer <token>`. */
  token?: string;
  /**
   * Reads under `/api/v1` (all but GET /health) need the token too: a board others can reach.
   * Needs `token`. Default false.
   */
  readsNeedToken?: boolean;
  /**
   * Host names (or addresses) the board answers to besides the loopback ones (`localhost`,
   * 127.0.0.0/8, `[::1]`), which it always answers to; any other `Host` gets 421, so a page that
   * reaches the board through DNS rebinding gets nothing. Default: none (loopback only), which is
   * what `inject()` sends (`localhost:80`). aup-board passes its `--host` and `--allowed-host` names.
   */
  allowedHosts?: readonly string[];
  /** Origins (`https://host[:port]`) whose pages may read the API cross-origin; none: no CORS headers. */
  corsOrigins?: readonly string[];
  /** Folder relative paths of a validated config resolve against (default: the process's cwd). */
  configBaseDir?: string;
  /** Fastify's request log on stdout (pino); off by default. */
  logger?: boolean;
  /**
   * Where faults (the requests answered 500) are written, with their stack; aup-board passes its
   * stderr. Default: nowhere (unless `logger`), and then a 500 does not point to a log.
   */
  errorLog?: NodeJS.WritableStream;
  /** Started by `aup run --board`: no creating, copying, starting, resuming or resetting (409). */
  attached?: boolean;
  /** The database URL (password included) for the runners the board starts; default: `store.url`. */
  dbUrl?: string;
  /** Limits of `GET /api/v1/events` (streams in all and per address, unread bytes per client); defaults in stream-slots.ts and change-hub.ts. */
  streams?: EventStreamOptions;
}

/**
 * The board server: the JSON API under `/api/v1`, the board page at `/` and the widgets bundle.
 * Not yet listening: call `listen()` (or `inject()` in tests).
 * @example
 * const app = createServer({ store: await openStore('experiments.db', { create: false }) });
 * await app.listen({ port: 8080, host: '127.0.0.1' });
 */
export function createServer(opts: CreateServerOptions): FastifyInstance {
  const { store } = opts;
  const readOnly = opts.readOnly ?? false;
  const readsNeedToken = checkTokenOptions(opts);
  const faultsLogged = opts.logger === true || opts.errorLog !== undefined;

  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Unknown query keys are errors rather than silently dropped, so a typo (`sortt=score`) is noticed.
    ajv: { customOptions: { removeAdditional: false } },
    // Errors Fastify meets before routing (a URL that does not decode, an over-long path
    // parameter) would otherwise bypass the error handler and leave the one error shape.
    frameworkErrors: (error, request, reply) => {
      const out = toErrorReply(error, { method: request.method, url: request.url }, { logged: faultsLogged });
      void (reply as FastifyReply).code(out.statusCode).send(out.body);
    },
  });

  // Every route is declared inside plugins below, so a hook added here (or by a caller before
  // ready()) sees them all: the OpenAPI document is built from exactly what is served.
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(...routeEntries(route));
  });
  addErrorHandlers(app, faultsLogged, opts.errorLog);

  // In this order, each an onRequest hook ahead of every route: a foreign Host gets nothing (not
  // even CORS headers), then a foreign page's mutation is refused whatever the token, then the token.
  addHostCheck(app, opts.allowedHosts ?? []);
  addCors(app, opts.corsOrigins ?? []);
  addOriginCheck(app, opts.corsOrigins ?? []);
  addTokenCheck(app, { apiPrefix: API_PREFIX, token: opts.token, readOnly, readsNeedToken });
  addJsonDepthLimit(app);

  const attached = opts.attached ?? false;
  const api = {
    store,
    readOnly,
    configBaseDir: opts.configBaseDir ?? process.cwd(),
    token: opts.token,
    readsNeedToken,
    attached,
    dbUrl: opts.dbUrl,
    streams: opts.streams,
    routes,
  };
  void app.register(async (scope) => apiRoutes(scope, api), { prefix: API_PREFIX });
  void app.register(async (site) => siteRoutes(site, attached));
  return app;
}

/** Refuses an empty token, and reads that need a token without one; answers `readsNeedToken`. */
function checkTokenOptions(opts: CreateServerOptions): boolean {
  if (opts.token === '') {
    throw new AupError('AUP_ERR_CLI_USAGE', 'createServer: the session token is empty: expected a non-empty string, or no token at all');
  }
  const readsNeedToken = opts.readsNeedToken ?? false;
  if (readsNeedToken && opts.token === undefined) {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      'createServer: readsNeedToken is true but there is no token: expected a token for the reads to need',
    );
  }
  return readsNeedToken;
}

/** The one error shape for every failure and for unknown routes; faults go to the log with their stack. */
function addErrorHandlers(app: FastifyInstance, faultsLogged: boolean, errorLog: NodeJS.WritableStream | undefined): void {
  app.setErrorHandler((error, request, reply) => {
    const view = { method: request.method, url: request.url, params: request.params, query: request.query };
    const out = toErrorReply(error, view, { logged: faultsLogged });
    if (out.fault) {
      request.log.error({ err: error }, 'request failed');
      errorLog?.write(faultLine(request.method, request.url, error));
    }
    return reply.code(out.statusCode).send(out.body);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(notFoundBody({ method: request.method, url: request.url })));
}

/** One line (and the stack) for the error log; a token in the query is not written. */
function faultLine(method: string, url: string, error: unknown): string {
  const shown = url.replace(new RegExp(`([?&]${ACCESS_TOKEN_PARAM}=)[^&]*`, 'g'), '$1<hidden>');
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return `${new Date().toISOString()} aup-board: ${method} ${shown} failed: ${detail}\n`;
}
