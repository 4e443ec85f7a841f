import { readFile } from 'node:fs/promises';

import { AupError, VERSION, validateConfig, type ExperimentRecord, type Store } from '@aup/core';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

import { addJsonDepthLimit } from './api/body-depth.js';
import { addCors } from './api/cors.js';

import { notFoundBody, toErrorReply } from './api/error-reply.js';
import { buildOpenApi, routeEntries, type RouteEntry } from './api/openapi.js';
import { removeJobFiles } from './api/remove-job-files.js';
import { eventsRoutes, type EventStreamOptions } from './api/events-routes.js';
import { controlRoutes } from './api/control-routes.js';
import { exportRoutes } from './api/export-routes.js';
import { jobRoutes } from './api/job-routes.js';
import { workerRoutes } from './api/worker-routes.js';
import { experimentJobCounts, queryRoutes } from './api/query-routes.js';
import {
  ConfigBodySchema,
  ConfigValidationSchema,
  DeleteExperimentQuerySchema,
  DeleteExperimentResultSchema,
  ERROR_RESPONSES,
  ExperimentDetailSchema,
  ExperimentIdParamsSchema,
  HealthSchema,
  type ConfigValidation,
  type DeleteExperimentQuery,
  type DeleteExperimentResult,
  type ExperimentDetail,
  type ExperimentIdParams,
  type Health,
} from './api/schemas.js';
import { toExperimentDetailOf } from './api/to-dto.js';
import { BOARD_PAGE_CSP, boardPage } from './board/board-page.js';
import { BOARD_ASSETS, boardAssetPath, boardAssetType, isBoardAsset } from './board/widgets-bundle.js';
import { addHostCheck } from './host-check.js';
import { addOriginCheck } from './origin-check.js';
import { ACCESS_TOKEN_PARAM, addTokenCheck } from './token-check.js';

export { TOKEN_HEADER } from './token-check.js';

/** Every API route lives under this prefix; a breaking change gets a new version, not a changed route. */
export const API_PREFIX = '/api/v1';

/** Experiment states in which a runner may be writing rows, so the experiment cannot be deleted. */
const LIVE_STATES: ReadonlySet<string> = new Set(['running', 'stopping']);

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
  const configBaseDir = opts.configBaseDir ?? process.cwd();
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
  let openApi: Record<string, unknown> | undefined;

  app.setErrorHandler((error, request, reply) => {
    const view = { method: request.method, url: request.url, params: request.params, query: request.query };
    const out = toErrorReply(error, view, { logged: faultsLogged });
    if (out.fault) {
      request.log.error({ err: error }, 'request failed');
      opts.errorLog?.write(faultLine(request.method, request.url, error));
    }
    return reply.code(out.statusCode).send(out.body);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(notFoundBody({ method: request.method, url: request.url })));

  // In this order, each an onRequest hook ahead of every route: a foreign Host gets nothing (not
  // even CORS headers), then a foreign page's mutation is refused whatever the token, then the token.
  addHostCheck(app, opts.allowedHosts ?? []);
  addCors(app, opts.corsOrigins ?? []);
  addOriginCheck(app, opts.corsOrigins ?? []);
  addTokenCheck(app, { apiPrefix: API_PREFIX, token: opts.token, readOnly, readsNeedToken });
  addJsonDepthLimit(app);

  void app.register(
    async (api) => {
      api.get(
        '/health',
        {
          schema: {
            summary: 'Liveness, version, whether the board is read-only and which requests need the session token',
            response: { 200: HealthSchema, ...ERROR_RESPONSES },
          },
        },
        async (): Promise<Health> => ({
          ok: true,
          version: VERSION,
          read_only: readOnly,
          token_required: opts.token !== undefined && !readOnly,
          read_token_required: readsNeedToken,
        }),
      );

      // The experiment list and job pages are SQL queries (api/query-routes.ts).
      await queryRoutes(api, { store, readOnly, configBaseDir });

      api.get<{ Params: ExperimentIdParams }>(
        '/experiments/:id',
        {
          schema: {
            summary: 'One experiment: normalised config, best job and job counts',
            params: ExperimentIdParamsSchema,
            response: { 200: ExperimentDetailSchema, ...ERROR_RESPONSES },
          },
        },
        async (request): Promise<ExperimentDetail> => {
          const exp = await experimentOr404(store, request.params.id, request);
          // Counts and the best job only: an experiment's jobs are never all read to show it.
          const best = exp.bestJobId === null ? undefined : await store.getJob(exp.bestJobId);
          return toExperimentDetailOf(exp, await experimentJobCounts(store, exp.id), best);
        },
      );

      api.get(
        '/openapi.json',
        {
          schema: {
            summary: 'This OpenAPI 3.1 document, built from the route schemas',
            response: { 200: Type.Unknown(), ...ERROR_RESPONSES },
          },
        },
        async () => {
          openApi ??= buildOpenApi(routes, {
            title: 'aup-board API',
            version: VERSION,
            description: 'The JSON API of aup-board. Errors share one shape: { code, message, details }.',
          });
          return openApi;
        },
      );

      await eventsRoutes(api, { store, readOnly, configBaseDir, streams: opts.streams });
      await jobRoutes(api, { store, readOnly, configBaseDir });
      await exportRoutes(api, { store, readOnly, configBaseDir });
      await workerRoutes(api, { store, readOnly, configBaseDir });

      // Mutating routes are not declared at all in read-only mode, so they answer 404.
      if (readOnly) return;

      api.post<{ Body: unknown }>(
        '/config/validate',
        {
          schema: {
            summary: 'Validate an experiment config without creating anything',
            'x-mutating': true,
            body: ConfigBodySchema,
            response: { 200: ConfigValidationSchema, ...ERROR_RESPONSES },
          },
        },
        async (request): Promise<ConfigValidation> => {
          const result = validateConfig(request.body, { baseDir: configBaseDir });
          return result.ok ? { ok: true, config: result.config } : { ok: false, problems: result.problems };
        },
      );

      api.delete<{ Params: ExperimentIdParams; Querystring: DeleteExperimentQuery }>(
        '/experiments/:id',
        {
          schema: {
            summary: 'Delete an experiment and its rows (and its job files with files=true)',
            'x-mutating': true,
            params: ExperimentIdParamsSchema,
            querystring: DeleteExperimentQuerySchema,
            response: { 200: DeleteExperimentResultSchema, ...ERROR_RESPONSES },
          },
        },
        async (request): Promise<DeleteExperimentResult> => {
          const exp = await experimentOr404(store, request.params.id, request);
          if (LIVE_STATES.has(exp.status)) {
            throw new AupError(
              'AUP_ERR_EXPERIMENT_STATE',
              `Experiment ${exp.id} (${exp.name}) is ${exp.status}: expected a stopped, finished, failed or created experiment; stop it before deleting it`,
              { details: { id: exp.id, status: exp.status } },
            );
          }
          const jobIds = (await store.listJobs(exp.id)).map((j) => j.id);
          await store.deleteExperiment(exp.id);
          const files = request.query.files
            ? await removeJobFiles(exp.workingDir, exp.jobDir, jobIds, { folder: true })
            : { removed: [], skipped: [] };
          return {
            id: exp.id,
            deleted: true,
            jobs_deleted: jobIds.length,
            files_removed: files.removed.length,
            files_skipped: files.skipped,
          };
        },
      );

      await controlRoutes(api, { store, readOnly, configBaseDir, attached: opts.attached ?? false, dbUrl: opts.dbUrl });
    },
    { prefix: API_PREFIX },
  );

  void app.register(async (site) => {
    site.get('/', { schema: { summary: 'The board page (HTML)' } }, async (_request, reply) => {
      return (
        reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-cache')
          .header('content-security-policy', BOARD_PAGE_CSP)
          .header('x-content-type-options', 'nosniff')
          // The page is opened as /?token=...: no link or request it makes may carry that URL along.
          .header('referrer-policy', 'no-referrer')
          .send(boardPage({ apiBase: API_PREFIX, version: VERSION, attached: opts.attached ?? false }))
      );
    });

    site.get<{ Params: { name: string } }>(
      '/assets/:name',
      { schema: { summary: 'The widgets bundle, aup-widgets.js' } },
      async (request, reply) => {
        const { name } = request.params;
        const path = isBoardAsset(name) ? boardAssetPath(name) : undefined;
        if (!isBoardAsset(name) || path === undefined) {
          throw new AupError(
            'AUP_ERR_NOT_FOUND',
            isBoardAsset(name)
              ? `The widgets bundle is not installed: expected the @aup/widgets package with dist/${name} (build it with 'npm run build')`
              : `No board asset is named '${name}': expected ${BOARD_ASSETS.join(', ')}`,
            { details: { asset: name } },
          );
        }
        let body: Buffer;
        try {
          body = await readFile(path);
        } catch (cause) {
          throw new AupError(
            'AUP_ERR_NOT_FOUND',
            `The board asset ${name} cannot be read from ${path}: build the widgets with 'npm run build'`,
            {
              details: { asset: name },
              cause,
            },
          );
        }
        return reply.type(boardAssetType(name)).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(body);
      },
    );
  });

  return app;
}

async function experimentOr404(store: Store, id: number, request: { method: string; url: string }): Promise<ExperimentRecord> {
  const exp = await store.getExperiment(id);
  if (exp === undefined) {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_NOT_FOUND',
      `No experiment has id ${id} (${request.method} ${request.url}); GET ${API_PREFIX}/experiments lists them`,
      {
        details: { id },
      },
    );
  }
  return exp;
}

/** One line (and the stack) for the error log; a token in the query is not written. */
function faultLine(method: string, url: string, error: unknown): string {
  const shown = url.replace(new RegExp(`([?&]${ACCESS_TOKEN_PARAM}=)[^&]*`, 'g'), '$1<hidden>');
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return `${new Date().toISOString()} aup-board: ${method} ${shown} failed: ${detail}\n`;
}
