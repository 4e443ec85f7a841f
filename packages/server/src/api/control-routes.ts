import { isAbsolute, resolve } from 'node:path';

import {
  AupError,
  ConfigSyntaxError,
  createExperiment,
  parseConfigText,
  reportJobResult,
  validateConfig,
  type ConfigProblem,
  type ExperimentRecord,
  type Json,
  type JsonObject,
  type NormalizedConfig,
  type Store,
} from '@aup/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { resetEnvironment, resettableDatabase } from '../environment-reset.js';
import { MAX_BODY_DEPTH, valueDepth } from './body-depth.js';
import { controlRequestRoutes } from './control-request-routes.js';
import { RunnerChildren } from '../runner-children.js';
import { storeHolderOf } from '../swappable-store.js';
import {
  ControlledExperimentSchema,
  CopyExperimentBodySchema,
  CreateExperimentBodySchema,
  EnvironmentResetBodySchema,
  EnvironmentResetResultSchema,
  ReportJobBodySchema,
  ReportJobResultSchema,
  type ControlledExperiment,
  type CopyExperimentBody,
  type CreateExperimentBody,
  type EnvironmentResetBody,
  type EnvironmentResetResult,
  type ReportJobBody,
  type ReportJobResult,
} from './control-schemas.js';
import { JobIdParamsSchema, type JobIdParams } from './job-schemas.js';
import type { RouteContext } from './route-context.js';
import { ERROR_RESPONSES, ExperimentIdParamsSchema, type ExperimentIdParams } from './schemas.js';
import { isDirectory, LIVE_STATES, RUNNER_EXIT_GRACE_MS, startRunner } from './runner-start.js';
import { toExperimentSummary } from './to-dto.js';

export { RUNNER_START_WAIT_MS } from './runner-start.js';

/** What the control routes need beyond the common route context. */
export interface ControlContext extends RouteContext {
  /** Started by `aup run --board`: creating, copying, starting, resuming and resetting are refused. */
  attached: boolean;
  /**
   * The database URL runners the board starts are given (`--db`), password included; default: the
   * store's own URL (enough for a SQLite file).
   */
  dbUrl?: string;
}

/** What the control routes share: the runners this board started and the folder new configs resolve against. */
interface ControlState {
  ctx: ControlContext;
  store: Store;
  runners: RunnerChildren;
  /** Mutable: an environment reset moves the database and the folder new configs resolve against. */
  baseDir: string;
}

/**
 * The board's control routes: create and copy experiments, start and resume them in runner child
 * processes, report passive results, reset the environment. Runners still alive when the server
 * closes are asked to stop (their running jobs become `interrupted`, so they can be resumed).
 */
export async function controlRoutes(api: FastifyInstance, ctx: ControlContext): Promise<void> {
  const state: ControlState = {
    ctx,
    store: ctx.store,
    runners: new RunnerChildren(ctx.dbUrl ?? ctx.store.url),
    baseDir: ctx.configBaseDir,
  };
  api.addHook('onClose', async () => state.runners.stopAll());
  await controlRequestRoutes(api, ctx);
  createRoutes(api, state);
  startRoutes(api, state);
  reportRoute(api, state.store);
  resetRoute(api, state);
}

/** POST /experiments and POST /experiments/:id/copy. */
function createRoutes(api: FastifyInstance, state: ControlState): void {
  const { store } = state;
  api.post<{ Body: CreateExperimentBody }>(
    '/experiments',
    {
      schema: {
        summary: 'Create an experiment from a config (JSON object or YAML text), optionally starting it',
        'x-mutating': true,
        body: CreateExperimentBodySchema,
        response: { 201: ControlledExperimentSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply): Promise<ControlledExperiment> => {
      refuseAttached(state.ctx, 'create experiments');
      const body = request.body;
      const folder = resolve(state.baseDir, body.working_dir ?? '.');
      if (!isDirectory(folder)) {
        throw new AupError(
          'AUP_ERR_BAD_REQUEST',
          `Body field 'working_dir' of POST /api/v1/experiments is ${JSON.stringify(body.working_dir)}: expected an existing directory, found nothing at ${folder}`,
          {
            details: { in: 'body', field: 'working_dir', found: folder },
          },
        );
      }
      const raw = configOf(body);
      if (body.name !== undefined) raw['name'] = body.name;
      // The chosen folder stands for the one `aup run` is run from: a relative workingdir resolves in it.
      const result = validateConfig(raw, { baseDir: folder, cwd: folder });
      if (!result.ok) throw configInvalid(result.problems, body.yaml !== undefined ? 'yaml' : 'config');
      const exp = await createExperiment(store, raw, result.config);
      reply.code(201);
      if (body.start === true) return startRunner(store, state.runners, exp, ['created'], 'start');
      return { experiment: toExperimentSummary(exp, []), runner: null };
    },
  );

  api.post<{ Params: ExperimentIdParams; Body: CopyExperimentBody }>(
    '/experiments/:id/copy',
    {
      schema: {
        summary: 'Create a new experiment with the config of another (name, n_samples, random_seed may change)',
        'x-mutating': true,
        params: ExperimentIdParamsSchema,
        body: CopyExperimentBodySchema,
        response: { 201: ControlledExperimentSchema, ...ERROR_RESPONSES },
      },
      preValidation: emptyBodyIsEmptyObject,
    },
    async (request, reply): Promise<ControlledExperiment> => {
      refuseAttached(state.ctx, 'copy experiments');
      const source = await experimentOr404(store, request.params.id);
      const body = request.body;
      const config = await copyableConfig(store, source);
      const raw = structuredClone(source.configRaw) as JsonObject;
      for (const key of ['name', 'n_samples', 'random_seed'] as const) {
        const value = body[key];
        if (value === undefined) continue;
        (config as unknown as JsonObject)[key] = value;
        raw[key] = value;
      }
      const exp = await createExperiment(store, raw, config);
      reply.code(201);
      if (body.start === true) return startRunner(store, state.runners, exp, ['created'], 'start');
      return { experiment: toExperimentSummary(exp, []), runner: null };
    },
  );
}

/** POST /experiments/:id/start and /resume. */
function startRoutes(api: FastifyInstance, state: ControlState): void {
  const { store } = state;
  api.post<{ Params: ExperimentIdParams }>(
    '/experiments/:id/start',
    {
      schema: {
        summary: 'Start a created experiment: the board runs `aup resume <id>` as a child process',
        'x-mutating': true,
        params: ExperimentIdParamsSchema,
        response: { 200: ControlledExperimentSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<ControlledExperiment> => {
      refuseAttached(state.ctx, 'start experiments');
      return startRunner(store, state.runners, await experimentOr404(store, request.params.id), ['created'], 'start');
    },
  );

  api.post<{ Params: ExperimentIdParams }>(
    '/experiments/:id/resume',
    {
      schema: {
        summary:
          'Resume a stopped or failed experiment, or a running one whose driver is gone, where it stopped, in a runner child process',
        'x-mutating': true,
        params: ExperimentIdParamsSchema,
        response: { 200: ControlledExperimentSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<ControlledExperiment> => {
      refuseAttached(state.ctx, 'resume experiments');
      return startRunner(store, state.runners, await experimentOr404(store, request.params.id), ['stopped', 'failed'], 'resume');
    },
  );
}

/** POST /jobs/:jid/report. */
function reportRoute(api: FastifyInstance, store: Store): void {
  api.post<{ Params: JobIdParams; Body: ReportJobBody }>(
    '/jobs/:jid/report',
    {
      schema: {
        summary: 'Record the result of a passive job a person ran (the waiting runner picks it up)',
        'x-mutating': true,
        params: JobIdParamsSchema,
        body: ReportJobBodySchema,
        response: { 200: ReportJobResultSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<ReportJobResult> => {
      const { score, metrics } = request.body;
      const attempt = await reportJobResult(store, request.params.jid, { score, metrics });
      return { job_id: request.params.jid, attempt: attempt.attempt, score, metrics: metrics ?? {} };
    },
  );
}

/** POST /environment/reset. */
function resetRoute(api: FastifyInstance, state: ControlState): void {
  api.post<{ Body: EnvironmentResetBody }>(
    '/environment/reset',
    {
      schema: {
        summary: 'Back up the SQLite database beside itself and continue on a new empty one',
        'x-mutating': true,
        body: EnvironmentResetBodySchema,
        response: { 200: EnvironmentResetResultSchema, ...ERROR_RESPONSES },
      },
      preValidation: emptyBodyIsEmptyObject,
    },
    async (request): Promise<EnvironmentResetResult> => {
      const { runners } = state;
      refuseAttached(state.ctx, 'reset the environment');
      const holder = storeHolderOf(state.store);
      if (holder === undefined) {
        throw new AupError(
          'AUP_ERR_ENV_RESET',
          'This server was given a store it cannot replace (createServer without a store holder): restart it on a new database instead',
          {
            details: {},
          },
        );
      }
      // PostgreSQL and :memory: are refused whatever runs.
      resettableDatabase(runners.dbUrl, state.baseDir);
      const live = (await state.store.listExperiments()).filter((e) => LIVE_STATES.has(e.status));
      // Runners of experiments that have ended close their store and log within a moment.
      if (live.length === 0 && runners.size > 0) await runners.settle(RUNNER_EXIT_GRACE_MS);
      if (live.length > 0 || runners.size > 0) {
        const ids = live.map((e) => e.id);
        throw new AupError(
          'AUP_ERR_EXPERIMENT_STATE',
          `Cannot reset the environment while experiments are running (${live.map((e) => `${e.id} ${e.status}`).join(', ') || 'a runner this board started'}): stop them first`,
          { details: { running: ids } },
        );
      }
      const result = await resetEnvironment(holder, runners.dbUrl, state.baseDir, request.body.working_dir);
      runners.dbUrl = result.database;
      state.baseDir = result.workingDir;
      return { database: result.database, backup: result.backup, working_dir: result.workingDir };
    },
  );
}

function refuseAttached(ctx: ControlContext, what: string): void {
  if (!ctx.attached) return;
  throw new AupError(
    'AUP_ERR_BOARD_ATTACHED',
    `This board was started by 'aup run --board' beside one running experiment, so it does not ${what}; stop, kill, report, enqueue and changing n_parallel/n_samples work. Run 'aup-board --db <url>' for a board that does.`,
    { details: { attached: true } },
  );
}

/** The config of a create request: the `config` object, or the `yaml` text parsed (errors 400 with line and column). */
function configOf(body: CreateExperimentBody): JsonObject {
  if ((body.config === undefined) === (body.yaml === undefined)) {
    throw new AupError(
      'AUP_ERR_BAD_REQUEST',
      `The body of POST /api/v1/experiments has ${body.config === undefined ? 'neither' : 'both'} 'config' and 'yaml': expected exactly one (the config as a JSON object, or as YAML text)`,
      { details: { in: 'body', field: 'config' } },
    );
  }
  let value: unknown = body.config;
  if (body.yaml !== undefined) {
    try {
      value = parseConfigText(body.yaml, 'yaml');
    } catch (e) {
      if (!(e instanceof ConfigSyntaxError)) throw e;
      throw new AupError('AUP_ERR_CONFIG_PARSE', `Body field 'yaml':${e.line}:${e.column}: not valid YAML: ${e.message}`, {
        details: { in: 'body', field: 'yaml', line: e.line, column: e.column },
        cause: e,
      });
    }
  }
  // YAML aliases can nest a value deeper than its text shows; the JSON body was measured already.
  if (body.yaml !== undefined && valueDepth(value) > MAX_BODY_DEPTH) {
    throw new AupError(
      'AUP_ERR_CONFIG_PARSE',
      `Body field 'yaml': its aliases (*name) expand to a value nested deeper than ${MAX_BODY_DEPTH} levels: expected a config, which is a few levels deep`,
      {
        details: { in: 'body', field: 'yaml', reason: 'too deep', limit: MAX_BODY_DEPTH },
      },
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const field = body.yaml !== undefined ? 'yaml' : 'config';
    throw configInvalid(
      [{ path: '', message: 'the config is not an object', expected: 'an object of config keys', found: JSON.stringify(value) }],
      field,
    );
  }
  return structuredClone(value as Json) as JsonObject;
}

/** Every problem on one line with its JSON path; the list itself in `details.problems`. */
function configInvalid(problems: readonly ConfigProblem[], field: string): AupError {
  const lines = problems.map((p) => `  ${p.path === '' ? '(the whole config)' : p.path}: ${p.message}`);
  return new AupError(
    'AUP_ERR_CONFIG_INVALID',
    `The config in body field '${field}' has ${problems.length} problem(s):\n${lines.join('\n')}`,
    {
      details: { field, problems },
    },
  );
}

/**
 * The normalised config a copy of `source` runs: its own, whose paths are absolute (the raw config's
 * relative paths resolved against a folder the row does not record). An imported experiment's
 * (docs/decisions/0029-imports.md) was never checked for a run, so its stored config is checked here
 * as `aup run` would check it, from the folder its tool ran in; 400 naming each problem if it cannot run.
 */
async function copyableConfig(store: Store, source: ExperimentRecord): Promise<NormalizedConfig> {
  const imported = await store.getImport(source.id);
  if (imported === undefined) return structuredClone(source.config) as unknown as NormalizedConfig;
  const raw = source.configRaw;
  const given = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw['cwd'] : undefined;
  const cwd = typeof given === 'string' && isAbsolute(given) ? given : source.workingDir;
  const result = validateConfig(raw, { baseDir: cwd, cwd });
  if (result.ok) return { ...result.config, name: source.name };
  const lines = result.problems.map((p) => `  ${p.path === '' ? '(the whole config)' : p.path}: ${p.message}`);
  throw new AupError(
    'AUP_ERR_CONFIG_INVALID',
    `Experiment ${source.id} (${source.name}) was imported from ${imported.tool}, and its config cannot run here (${result.problems.length} problem(s)):\n${lines.join('\n')}`,
    { details: { id: source.id, imported: { tool: imported.tool, sourceKey: imported.sourceKey }, problems: result.problems } },
  );
}

async function experimentOr404(store: Store, id: number): Promise<ExperimentRecord> {
  const exp = await store.getExperiment(id);
  if (exp === undefined) {
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `No experiment has id ${id}; GET /api/v1/experiments lists them`, {
      details: { id },
    });
  }
  return exp;
}

/** Lets a POST whose body fields are all optional be sent with no body at all. */
async function emptyBodyIsEmptyObject(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}
