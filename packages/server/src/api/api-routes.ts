import { AupError, VERSION, validateConfig, type ExperimentRecord, type Store } from '@aup/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

import { controlRoutes } from './control-routes.js';
import { LIVE_STATES } from './runner-start.js';
import { eventsRoutes, type EventStreamOptions } from './events-routes.js';
import { exportRoutes } from './export-routes.js';
import { jobRoutes } from './job-routes.js';
import { buildOpenApi, type RouteEntry } from './openapi.js';
import { experimentJobCounts, queryRoutes } from './query-routes.js';
import { removeJobFiles } from './remove-job-files.js';
import { API_PREFIX, type RouteContext } from './route-context.js';
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
} from './schemas.js';
import { toExperimentDetailOf } from './to-dto.js';
import { workerRoutes } from './worker-routes.js';

/** Experiment states in which a runner may be writing rows, so the experiment cannot be deleted. */

/** What the API's routes need from createServer's options. */
export interface ApiContext extends RouteContext {
  token: string | undefined;
  readsNeedToken: boolean;
  attached: boolean;
  dbUrl: string | undefined;
  streams: EventStreamOptions | undefined;
  /** Every route declared so far, collected by createServer's onRoute hook, for the OpenAPI document. */
  routes: readonly RouteEntry[];
}

/**
 * Every route under the API prefix, in the order the OpenAPI document lists them. Mutating routes
 * are not declared at all in read-only mode, so they answer 404.
 */
export async function apiRoutes(api: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, readOnly, configBaseDir } = ctx;
  healthRoute(api, ctx);
  // The experiment list and job pages are SQL queries (api/query-routes.ts).
  await queryRoutes(api, { store, readOnly, configBaseDir });
  experimentRoute(api, ctx);
  openApiRoute(api, ctx);
  await eventsRoutes(api, { store, readOnly, configBaseDir, streams: ctx.streams });
  await jobRoutes(api, { store, readOnly, configBaseDir });
  await exportRoutes(api, { store, readOnly, configBaseDir });
  await workerRoutes(api, { store, readOnly, configBaseDir });
  if (readOnly) return;
  validateRoute(api, ctx);
  deleteExperimentRoute(api, ctx);
  await controlRoutes(api, { store, readOnly, configBaseDir, attached: ctx.attached, dbUrl: ctx.dbUrl });
}

function healthRoute(api: FastifyInstance, ctx: ApiContext): void {
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
      read_only: ctx.readOnly,
      token_required: ctx.token !== undefined && !ctx.readOnly,
      read_token_required: ctx.readsNeedToken,
    }),
  );
}

function experimentRoute(api: FastifyInstance, ctx: ApiContext): void {
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
      const exp = await experimentOr404(ctx.store, request.params.id, request);
      // Counts and the best job only: an experiment's jobs are never all read to show it.
      const best = exp.bestJobId === null ? undefined : await ctx.store.getJob(exp.bestJobId);
      return toExperimentDetailOf(exp, await experimentJobCounts(ctx.store, exp.id), best);
    },
  );
}

function openApiRoute(api: FastifyInstance, ctx: ApiContext): void {
  let openApi: Record<string, unknown> | undefined;
  api.get(
    '/openapi.json',
    {
      schema: {
        summary: 'This OpenAPI 3.1 document, built from the route schemas',
        response: { 200: Type.Unknown(), ...ERROR_RESPONSES },
      },
    },
    async () => {
      openApi ??= buildOpenApi(ctx.routes, {
        title: 'aup-board API',
        version: VERSION,
        description: 'The JSON API of aup-board. Errors share one shape: { code, message, details }.',
      });
      return openApi;
    },
  );
}

function validateRoute(api: FastifyInstance, ctx: ApiContext): void {
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
      // As when the board creates the experiment (control-routes.ts): a relative workingdir resolves in the base folder.
      const result = validateConfig(request.body, { baseDir: ctx.configBaseDir, cwd: ctx.configBaseDir });
      return result.ok
        ? { ok: true, config: result.config, warnings: result.warnings }
        : { ok: false, problems: result.problems, warnings: result.warnings };
    },
  );
}

function deleteExperimentRoute(api: FastifyInstance, ctx: ApiContext): void {
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
      const exp = await experimentOr404(ctx.store, request.params.id, request);
      if (LIVE_STATES.has(exp.status)) {
        throw new AupError(
          'AUP_ERR_EXPERIMENT_STATE',
          `Experiment ${exp.id} (${exp.name}) is ${exp.status}: expected a stopped, finished, failed or created experiment; stop it before deleting it`,
          { details: { id: exp.id, status: exp.status } },
        );
      }
      const jobIds = (await ctx.store.listJobs(exp.id)).map((j) => j.id);
      await ctx.store.deleteExperiment(exp.id);
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
