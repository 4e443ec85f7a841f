import { AupError, MAX_QUERY_JOB_IDS, type JobRecord, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';

import { csvStream, experimentExportTable, exportTable, jsonStream, xlsxBuffer } from './export-jobs.js';
import { contentDisposition } from './job-file-routes.js';
import { ExportQuerySchema, FileBodySchema, type ExportFormat, type ExportQuery } from './job-schemas.js';
import type { RouteContext } from './route-context.js';
import { ERROR_RESPONSES, ExperimentIdParamsSchema, type ExperimentIdParams } from './schemas.js';

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
/** Longest file name stem kept from an experiment's name. */
const MAX_NAME_LENGTH = 100;

/** `GET /experiments/:id/export`: the jobs of an experiment (or a selection) as csv, xlsx or json. */
export async function exportRoutes(api: FastifyInstance, ctx: RouteContext): Promise<void> {
  api.get<{ Params: ExperimentIdParams; Querystring: ExportQuery }>(
    '/experiments/:id/export',
    {
      schema: {
        summary: 'Export the jobs of an experiment (or a selection) as csv, xlsx or json, one row per job',
        params: ExperimentIdParamsSchema,
        querystring: ExportQuerySchema,
        response: { 200: FileBodySchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const store = ctx.store;
      const { id } = request.params;
      const exp = await store.getExperiment(id);
      if (exp === undefined) {
        throw new AupError(
          'AUP_ERR_EXPERIMENT_NOT_FOUND',
          `No experiment has id ${id} (${request.method} ${request.url}); GET /api/v1/experiments lists them`,
          {
            details: { id },
          },
        );
      }
      const selection = request.query.jobs;
      const table =
        selection === undefined ? await experimentExportTable(store, exp.id) : exportTable(await selectJobs(store, selection, exp.id));
      const format = request.query.format;
      void reply
        .type(CONTENT_TYPES[format])
        .header('content-disposition', contentDisposition('attachment', exportFileName(exp.name, exp.id, format)))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache');
      if (format === 'xlsx') return reply.send(await xlsxBuffer(table));
      return reply.send(format === 'csv' ? csvStream(table) : jsonStream(table));
    },
  );
}

/** `<name>-jobs.<ext>` with the name reduced to letters, digits, `.`, `_` and `-`. */
export function exportFileName(name: string, id: number, format: ExportFormat): string {
  const stem = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, MAX_NAME_LENGTH);
  return `${stem === '' ? `experiment-${id}` : stem}-jobs.${format}`;
}

async function selectJobs(store: Store, selection: string, experimentId: number): Promise<JobRecord[]> {
  const wanted = selection.split(',').map(Number);
  // Ids no job can have are simply missing; only the others are looked up, a bounded batch at a time.
  const ids = [...new Set(wanted)].filter((jid) => Number.isSafeInteger(jid));
  const byId = new Map<number, JobRecord>();
  for (let i = 0; i < ids.length; i += MAX_QUERY_JOB_IDS) {
    const chunk = ids.slice(i, i + MAX_QUERY_JOB_IDS);
    for (const job of (await store.queryJobs({ experimentId, jobIds: chunk, offset: 0, limit: chunk.length })).jobs) byId.set(job.id, job);
  }
  const missing = wanted.filter((jid) => !byId.has(jid));
  if (missing.length > 0) {
    throw new AupError(
      'AUP_ERR_JOB_NOT_FOUND',
      `Query parameter jobs names ${missing.length === 1 ? 'job' : 'jobs'} ${missing.join(', ')}, not in experiment ${experimentId}: expected ids of its jobs`,
      { details: { in: 'querystring', field: 'jobs', missing } },
    );
  }
  // Selection order is the user's; a job named twice is exported once.
  return [...new Set(wanted)].map((jid) => byId.get(jid)!);
}
