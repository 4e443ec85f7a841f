/**
 * The worker table behind Store.registerWorker and Store.listWorkers (KyselyStore delegates here):
 * `aup worker` processes record themselves and their heartbeat; the board lists them.
 */
import type { Selectable } from 'kysely';

import type { WorkerTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import type { NewWorker, WorkerRecord } from './store-types.js';

/** Inserts a worker row whose start and heartbeat are now. */
export async function insertWorker(ctx: StoreContext, input: NewWorker, now: number = Date.now()): Promise<WorkerRecord> {
  const row = await ctx.write((trx) =>
    trx
      .insertInto('worker')
      .values({
        host: input.host,
        pid: input.pid ?? null,
        slots: input.slots,
        resource: input.resource,
        tags: JSON.stringify(input.tags ?? []),
        started_at: now,
        heartbeat_at: now,
        status: input.status ?? 'running',
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return toWorker(row, []);
}

/** Every worker in id order, each with the jobs of its running attempts. */
export async function listWorkers(ctx: StoreContext): Promise<WorkerRecord[]> {
  const db = ctx.db;
  const rows = await db.selectFrom('worker').selectAll().orderBy('id').execute();
  if (rows.length === 0) return [];
  const running = await db
    .selectFrom('job_attempt')
    .select(['worker_id', 'job_id'])
    .where('status', '=', 'running')
    .where('worker_id', 'is not', null)
    .orderBy('job_id')
    .execute();
  const jobs = new Map<number, number[]>();
  for (const r of running) {
    const list = jobs.get(Number(r.worker_id)) ?? [];
    list.push(Number(r.job_id));
    jobs.set(Number(r.worker_id), list);
  }
  return rows.map((r) => toWorker(r, jobs.get(Number(r.id)) ?? []));
}

function toWorker(r: Selectable<WorkerTable>, currentJobs: number[]): WorkerRecord {
  // The column is json in PostgreSQL and text in SQLite: parse whichever arrives.
  const raw: unknown = typeof r.tags === 'string' ? JSON.parse(r.tags) : r.tags;
  return {
    id: Number(r.id),
    host: r.host,
    pid: r.pid === null ? null : Number(r.pid),
    slots: Number(r.slots),
    resource: r.resource,
    tags: Array.isArray(raw) ? raw.map(String) : [],
    startedAt: Number(r.started_at),
    heartbeatAt: Number(r.heartbeat_at),
    status: r.status,
    currentJobs,
  };
}
