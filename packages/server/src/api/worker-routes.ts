import type { WorkerRecord } from '@aup/core';
import type { FastifyInstance } from 'fastify';

import { WorkerListSchema, type WorkerList } from './job-schemas.js';
import type { RouteContext } from './route-context.js';
import { ERROR_RESPONSES } from './schemas.js';

/**
 * A worker whose last heartbeat is older than this, and which has not said it stopped, is shown as
 * stale: it has most likely died. Generous against the workers' heartbeat interval, so one slow
 * beat on a busy machine does not flag a live worker.
 */
export const WORKER_STALE_AFTER_MS = 60_000;

/** Statuses in which a worker is not expected to beat any more. */
const ENDED_STATUSES: ReadonlySet<string> = new Set(['stopped', 'dead', 'exited']);

/** `GET /workers`: the `aup worker` processes, their host, slots and current jobs. */
export async function workerRoutes(api: FastifyInstance, ctx: RouteContext): Promise<void> {
  api.get(
    '/workers',
    {
      schema: {
        summary: 'The aup worker processes: host, pid, slots, resource, tags, heartbeat, status and current jobs',
        response: { 200: WorkerListSchema, ...ERROR_RESPONSES },
      },
    },
    async (): Promise<WorkerList> => {
      const now = Date.now();
      return { workers: (await ctx.store.listWorkers()).map((w) => toWorker(w, now)) };
    },
  );
}

/** The wire shape of one worker; `stale` is judged against `now`. */
export function toWorker(w: WorkerRecord, now: number): WorkerList['workers'][number] {
  return {
    id: w.id,
    host: w.host,
    pid: w.pid,
    slots: w.slots,
    resource: w.resource,
    tags: w.tags,
    status: w.status,
    started_at: new Date(w.startedAt).toISOString(),
    heartbeat_at: new Date(w.heartbeatAt).toISOString(),
    stale: !ENDED_STATUSES.has(w.status) && now - w.heartbeatAt > WORKER_STALE_AFTER_MS,
    current_jobs: w.currentJobs,
  };
}
