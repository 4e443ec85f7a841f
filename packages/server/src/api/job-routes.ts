import { AupError, type ArtifactRecord, type AttemptRecord, type JobRecord, type TextRecord } from '@aup/core';
import type { FastifyInstance } from 'fastify';

import { resolveConfined } from './confined-path.js';
import { jobFileRoutes } from './job-file-routes.js';
import { experimentOf, jobOr404, pathOf, textOf, valuesOf } from './job-lookup.js';
import { jobColumnsRoutes } from './job-columns-routes.js';
import { LIVE_STATES } from './runner-start.js';
import {
  AttemptParamsSchema,
  DeleteJobQuerySchema,
  DeleteJobResultSchema,
  JobDetailSchema,
  JobIdParamsSchema,
  JobRecordsSchema,
  LogQuerySchema,
  LogSliceSchema,
  RecordsQuerySchema,
  type AttemptParams,
  type DeleteJobQuery,
  type DeleteJobResult,
  type JobDetail,
  type JobIdParams,
  type JobRecords,
  type LogQuery,
  type LogSlice,
  type RecordsQuery,
} from './job-schemas.js';
import { readLogSlice } from './read-log-slice.js';
import { removeJobFiles } from './remove-job-files.js';
import type { RouteContext } from './route-context.js';
import { ERROR_RESPONSES } from './schemas.js';
import { finiteOrNull, isoTime } from './to-dto.js';

/** Job states in which a runner owns the job (running it, or about to): it cannot be deleted then. */
const OWNED_JOB_STATES: ReadonlySet<string> = new Set(['running', 'queued']);
/** Experiment states in which a runner may be writing rows (and holds its best job in memory). */

/**
 * Routes for one job in full: `GET /jobs/:jid`, its attempt logs, records, images and artifacts.
 * Files are served only from inside the experiment's working directory (confined-path.ts).
 */
export async function jobRoutes(api: FastifyInstance, ctx: RouteContext): Promise<void> {
  // The jobs of an experiment as columns, for views that draw them all (job-columns-routes.ts).
  await jobColumnsRoutes(api, ctx);
  jobDetailRoutes(api, ctx);
  jobFileRoutes(api, ctx);
  // Mutating: not declared at all in read-only mode (404), as the other control routes.
  if (!ctx.readOnly) jobDeleteRoute(api, ctx);
}

/** `GET /jobs/:jid`, its attempt logs and its records. */
function jobDetailRoutes(api: FastifyInstance, ctx: RouteContext): void {
  api.get<{ Params: JobIdParams }>(
    '/jobs/:jid',
    {
      schema: {
        summary: 'One job in full: params, attempts, metrics, text records, images, artifacts, warnings',
        params: JobIdParamsSchema,
        response: { 200: JobDetailSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<JobDetail> => {
      const store = ctx.store;
      const job = await jobOr404(store, request.params.jid);
      const [attempts, records, artifacts] = await Promise.all([
        store.listAttempts(job.id),
        store.listTextRecords(job.id),
        store.listArtifacts(job.id),
      ]);
      return toJobDetail(job, attempts, records, artifacts);
    },
  );

  api.get<{ Params: AttemptParams; Querystring: LogQuery }>(
    '/jobs/:jid/attempts/:k/log',
    {
      schema: {
        summary: 'A slice of the log of one attempt of a job: the last bytes (tail) or a byte range',
        params: AttemptParamsSchema,
        querystring: LogQuerySchema,
        response: { 200: LogSliceSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<LogSlice> => {
      const store = ctx.store;
      const { jid, k } = request.params;
      const job = await jobOr404(store, jid);
      const attempt = (await store.listAttempts(job.id)).find((a) => a.attempt === k);
      if (attempt === undefined) {
        throw new AupError(
          'AUP_ERR_FILE_NOT_FOUND',
          `Job ${job.id} has no attempt ${k}: it has ${job.attempts} attempt(s) (GET /api/v1/jobs/${job.id} lists them)`,
          {
            details: { job_id: job.id, attempt: k, attempts: job.attempts },
          },
        );
      }
      const exp = await experimentOf(store, job);
      // The runner writes <job folder>/<jid>.<k>.out (docs/decisions/0021-job-file-layout.md) and may record another path on the attempt.
      const recorded = attempt.logPath ?? (exp.jobDir === null ? undefined : `${exp.jobDir}/${job.id}.${k}.out`);
      if (recorded === undefined) {
        throw new AupError(
          'AUP_ERR_FILE_NOT_FOUND',
          `Job ${job.id} attempt ${k} has no log: experiment ${exp.id} wrote no job files (its jobs ran in-process)`,
          {
            details: { job_id: job.id, attempt: k },
          },
        );
      }
      const file = await resolveConfined(exp.workingDir, recorded, `log of job ${job.id} attempt ${k}`);
      const slice = await readLogSlice(file.path, file.size, request.query);
      return { job_id: job.id, attempt: k, size: file.size, ...slice };
    },
  );

  api.get<{ Params: JobIdParams; Querystring: RecordsQuery }>(
    '/jobs/:jid/records',
    {
      schema: {
        summary: 'The text, histogram and image records of a job, with their values, by kind and name',
        params: JobIdParamsSchema,
        querystring: RecordsQuerySchema,
        response: { 200: JobRecordsSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<JobRecords> => {
      const store = ctx.store;
      const job = await jobOr404(store, request.params.jid);
      const { kind, name } = request.query;
      const out: JobRecords['records'] = [];
      let imageIndex = 0;
      for (const r of await store.listTextRecords(job.id)) {
        const index = r.kind === 'image' ? imageIndex++ : -1;
        if ((kind !== undefined && r.kind !== kind) || (name !== undefined && r.name !== name)) continue;
        const base = { kind: r.kind, name: r.name, step: r.step, time: new Date(r.time).toISOString() };
        if (r.kind === 'text') out.push({ ...base, text: textOf(r) });
        else if (r.kind === 'histogram') out.push({ ...base, values: valuesOf(r).map(finiteOrNull) });
        else out.push({ ...base, image_index: index, path: pathOf(r) });
      }
      return { job_id: job.id, records: out };
    },
  );
}

/** `DELETE /jobs/:jid`. */
function jobDeleteRoute(api: FastifyInstance, ctx: RouteContext): void {
  api.delete<{ Params: JobIdParams; Querystring: DeleteJobQuery }>(
    '/jobs/:jid',
    {
      schema: {
        summary: 'Delete one job with its attempts, results and records (and its job files with files=true)',
        'x-mutating': true,
        params: JobIdParamsSchema,
        querystring: DeleteJobQuerySchema,
        response: { 200: DeleteJobResultSchema, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<DeleteJobResult> => {
      const store = ctx.store;
      const job = await jobOr404(store, request.params.jid);
      if (OWNED_JOB_STATES.has(job.status)) {
        throw new AupError(
          'AUP_ERR_EXPERIMENT_STATE',
          `Job ${job.id} is ${job.status}: expected a job that ended (finished, failed, early_stopped or interrupted); ${job.status === 'running' ? `kill it first (POST /api/v1/jobs/${job.id}/kill)` : 'stop its experiment first'}`,
          { details: { id: job.id, status: job.status } },
        );
      }
      const exp = await store.getExperiment(job.experimentId);
      // A running runner keeps its best job in memory and would write the deleted id back.
      if (exp !== undefined && exp.bestJobId === job.id && LIVE_STATES.has(exp.status)) {
        throw new AupError(
          'AUP_ERR_EXPERIMENT_STATE',
          `Job ${job.id} is the best job of experiment ${exp.id}, which is ${exp.status}: stop the experiment before deleting its best job`,
          { details: { id: job.id, status: job.status, experiment_id: exp.id, experiment_status: exp.status } },
        );
      }
      await store.deleteJob(job.id);
      const files =
        request.query.files && exp !== undefined
          ? await removeJobFiles(exp.workingDir, exp.jobDir, [job.id])
          : { removed: [], skipped: [] };
      return {
        id: job.id,
        experiment_id: job.experimentId,
        deleted: true,
        files_removed: files.removed.length,
        files_skipped: files.skipped,
      };
    },
  );
}

/** The JSON of one job in full, with nothing of the server's own (working directory, log paths). */
export function toJobDetail(job: JobRecord, attempts: AttemptRecord[], records: TextRecord[], artifacts: ArtifactRecord[]): JobDetail {
  const grouped: JobDetail['records'] = { text: [], histogram: [], image: [] };
  for (const r of records) {
    const time = new Date(r.time).toISOString();
    if (r.kind === 'text') grouped.text.push({ name: r.name, step: r.step, text: textOf(r), time });
    else if (r.kind === 'histogram') grouped.histogram.push({ name: r.name, step: r.step, count: valuesOf(r).length, time });
    else grouped.image.push({ index: grouped.image.length, name: r.name, step: r.step, path: pathOf(r), time });
  }
  return {
    id: job.id,
    experiment_id: job.experimentId,
    trial: job.trial,
    status: job.status,
    params: job.params,
    budget: job.budget,
    score: finiteOrNull(job.score),
    metrics: Object.fromEntries(Object.entries(job.metrics).filter(([, v]) => Number.isFinite(v))),
    warnings: job.warnings,
    created_at: new Date(job.createdAt).toISOString(),
    started_at: isoTime(job.startedAt),
    ended_at: isoTime(job.endedAt),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      kind: a.kind,
      status: a.status,
      host: a.host,
      slot: a.slot,
      worker_id: a.workerId,
      exit_code: a.exitCode,
      score: finiteOrNull(a.score),
      error: a.error,
      started_at: new Date(a.startedAt).toISOString(),
      ended_at: isoTime(a.endedAt),
      duration_ms: a.endedAt === null ? null : a.endedAt - a.startedAt,
    })),
    records: grouped,
    artifacts: artifacts.map((a, index) => ({ index, path: a.path, time: new Date(a.time).toISOString() })),
  };
}
