import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';

import { AupError, VERSION, type ExperimentRecord, type Store } from '@aup/core';
import Fastify, { type FastifyInstance } from 'fastify';

import { notFoundBody, toErrorReply } from './api/error-reply.js';
import { pageJobs } from './api/job-page.js';
import {
  ERROR_RESPONSES,
  ExperimentDetailSchema,
  ExperimentIdParamsSchema,
  ExperimentListSchema,
  HealthSchema,
  JobPageQuerySchema,
  JobPageSchema,
  type ExperimentDetail,
  type ExperimentIdParams,
  type ExperimentList,
  type Health,
  type JobPage,
  type JobPageQuery,
} from './api/schemas.js';
import { toExperimentDetail, toExperimentSummary, toJobSummary } from './api/to-dto.js';
import { BOARD_PAGE_CSP, boardPage } from './board/board-page.js';
import { boardAssetPath, boardAssetType, isBoardAsset } from './board/widgets-bundle.js';

/** Every API route lives under this prefix; a breaking change gets a new version, not a changed route. */
export const API_PREFIX = '/api/v1';

/** The header a client sends the session token in (`authorization: Bearer <token>` works too). */
export const TOKEN_HEADER = 'x-aup-token';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CreateServerOptions {
  /** The store the API reads; the caller opens it and closes it after the server. */
  store: Store;
  /** Refuse every mutating route (none exist yet; reported by GET /health). */
  readOnly?: boolean;
  /** When set, every request other than GET/HEAD/OPTIONS needs this token in the `x-aup-token` header. */
  token?: string;
  /** Fastify's request log on stdout (pino); off by default. */
  logger?: boolean;
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
  if (opts.token === '') {
    throw new AupError('AUP_ERR_CLI_USAGE', 'createServer: the session token is empty: expected a non-empty string, or no token at all');
  }

  const app = Fastify({
    logger: opts.logger ?? false,
    // Unknown query keys are errors rather than silently dropped, so a typo (`sortt=score`) is noticed.
    ajv: { customOptions: { removeAdditional: false } },
  });

  app.setErrorHandler((error, request, reply) => {
    const view = { method: request.method, url: request.url, params: request.params, query: request.query };
    const out = toErrorReply(error, view);
    if (out.fault) request.log.error({ err: error }, 'request failed');
    return reply.code(out.statusCode).send(out.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(notFoundBody({ method: request.method, url: request.url })),
  );

  if (opts.token !== undefined) {
    const expected = digest(opts.token);
    app.addHook('onRequest', async (request) => {
      if (SAFE_METHODS.has(request.method)) return;
      const given = tokenOf(request.headers);
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        throw new AupError(
          'AUP_ERR_UNAUTHORIZED',
          `${request.method} ${request.url} changes data and needs the session token (printed by aup-board at start) in the '${TOKEN_HEADER}' header or as 'authorization: Bearer <token>'`,
          { details: { header: TOKEN_HEADER, given: given === undefined ? 'none' : 'wrong token' } },
        );
      }
    });
  }

  void app.register(
    async (api) => {
      api.get('/health', { schema: { response: { 200: HealthSchema, ...ERROR_RESPONSES } } }, async (): Promise<Health> => ({
        ok: true,
        version: VERSION,
        read_only: readOnly,
      }));

      api.get(
        '/experiments',
        { schema: { response: { 200: ExperimentListSchema, ...ERROR_RESPONSES } } },
        async (): Promise<ExperimentList> => {
          const experiments = await store.listExperiments();
          // Newest first: the experiment a user just started is the one they look for.
          experiments.sort((a, b) => b.id - a.id);
          const rows = await Promise.all(experiments.map(async (e) => toExperimentSummary(e, await store.listJobs(e.id))));
          return { experiments: rows };
        },
      );

      api.get<{ Params: ExperimentIdParams }>(
        '/experiments/:id',
        { schema: { params: ExperimentIdParamsSchema, response: { 200: ExperimentDetailSchema, ...ERROR_RESPONSES } } },
        async (request): Promise<ExperimentDetail> => {
          const exp = await experimentOr404(store, request.params.id, request.url);
          return toExperimentDetail(exp, await store.listJobs(exp.id));
        },
      );

      api.get<{ Params: ExperimentIdParams; Querystring: JobPageQuery }>(
        '/experiments/:id/jobs',
        {
          schema: {
            params: ExperimentIdParamsSchema,
            querystring: JobPageQuerySchema,
            response: { 200: JobPageSchema, ...ERROR_RESPONSES },
          },
        },
        async (request): Promise<JobPage> => {
          const exp = await experimentOr404(store, request.params.id, request.url);
          const { sort, order, limit, offset } = request.query;
          const page = pageJobs(await store.listJobs(exp.id), { sort, order, limit, offset });
          return { total: page.total, limit, offset, sort, order, jobs: page.jobs.map(toJobSummary) };
        },
      );
    },
    { prefix: API_PREFIX },
  );

  app.get('/', async (_request, reply) => {
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', BOARD_PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .send(boardPage({ apiBase: API_PREFIX, version: VERSION }));
  });

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const { name } = request.params;
    const path = isBoardAsset(name) ? boardAssetPath(name) : undefined;
    if (!isBoardAsset(name) || path === undefined) {
      throw new AupError(
        'AUP_ERR_NOT_FOUND',
        isBoardAsset(name)
          ? `The widgets bundle is not installed: expected the @aup/widgets package with dist/${name} (build it with 'npm run build')`
          : `No board asset is named '${name}': expected one of aup-widgets.js, aup-widgets.js.map`,
        { details: { asset: name } },
      );
    }
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch (cause) {
      throw new AupError('AUP_ERR_NOT_FOUND', `The board asset ${name} cannot be read from ${path}: build the widgets with 'npm run build'`, {
        details: { asset: name },
        cause,
      });
    }
    return reply
      .type(boardAssetType(name))
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });

  return app;
}

async function experimentOr404(store: Store, id: number, url: string): Promise<ExperimentRecord> {
  const exp = await store.getExperiment(id);
  if (exp === undefined) {
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `No experiment has id ${id} (GET ${url}); GET ${API_PREFIX}/experiments lists them`, {
      details: { id },
    });
  }
  return exp;
}

/** Fixed-length digests, so the comparison takes the same time whatever the given token's length. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function tokenOf(headers: IncomingHttpHeaders): string | undefined {
  const direct = headers[TOKEN_HEADER];
  if (typeof direct === 'string') return direct;
  const auth = headers.authorization;
  const match = auth === undefined ? null : /^Bearer\s+(.+)$/i.exec(auth);
  return match?.[1];
}
