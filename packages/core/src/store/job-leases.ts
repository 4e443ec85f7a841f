/**
 * Worker mode in the store (KyselyStore delegates here; docs/decisions/0010-worker-leases.md): the
 * queue of jobs that `aup worker` processes claim, the leases they hold on their attempts, the
 * requeue of attempts whose worker went silent, and the driver's view of the results.
 *
 * Lock order, kept by every transaction below so that PostgreSQL never deadlocks them: attempt
 * rows before job rows before worker rows, and the change feed's lock last (change-feed.ts).
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';

import { AupError } from '../errors.js';
import * as feed from './change-feed.js';
import type { Dialect } from './dialect/dialect.js';
import { parseJson, toAttempt, toExperimentWorkers, toJob } from './rows.js';
import type { AupDatabase } from './schema.js';
import type { StoreContext } from './store-context.js';
import { leaseLost } from './store-errors.js';
import type {
  AttemptFence,
  ClaimRequest,
  ClaimedJob,
  HeldAttempt,
  ReportedAttempt,
  RequeuedAttempt,
  StopRequest,
  WorkerAttemptOutcome,
} from './store-types.js';

/** What the requeue writes on an attempt whose lease ran out. */
export const LEASE_EXPIRED_ERROR =
  'lease expired: its worker stopped renewing it (died, or lost the database); the job went back to the queue';

const STOP_REQUESTS: ReadonlySet<string> = new Set<StopRequest>(['interrupted', 'killed', 'early_stopped']);

/** Ids of the running worker-mode experiments this worker may claim from. */
async function eligibleExperiments(db: Kysely<AupDatabase>, request: ClaimRequest): Promise<number[]> {
  let q = db.selectFrom('experiment').select(['id', 'worker_tags']).where('status', '=', 'running').where('workers', '=', 'external');
  if (request.experimentId !== undefined) q = q.where('id', '=', request.experimentId);
  const have = new Set(request.tags ?? []);
  // Tags are matched here rather than in SQL: there are few running experiments, and JSON arrays
  // are queried differently by the two dialects.
  return (await q.execute())
    .filter((e) => (toExperimentWorkers('external', e.worker_tags)?.tags ?? []).every((t) => have.has(t)))
    .map((e) => Number(e.id));
}

export async function claimJobs(ctx: StoreContext, request: ClaimRequest): Promise<ClaimedJob[]> {
  if (request.slots.length === 0) return [];
  const { db, dialect } = ctx;
  const experiments = await eligibleExperiments(db, request);
  if (experiments.length === 0) return [];
  // A read first: an idle worker polls, and an empty queue should not cost a write transaction
  // (on SQLite, the file's write lock).
  const waiting = await db
    .selectFrom('job')
    .select('id')
    .where('status', '=', 'queued')
    .where('experiment_id', 'in', experiments)
    .limit(1)
    .executeTakeFirst();
  if (waiting === undefined) return [];
  return ctx.write(async (trx) => {
    let pick: SelectQueryBuilder<AupDatabase, 'job', { id: number }> = trx
      .selectFrom('job')
      .select('id')
      .where('status', '=', 'queued')
      .where('experiment_id', 'in', experiments)
      .orderBy('id')
      .limit(request.slots.length);
    // Rows another worker's claim has locked are passed over, not waited for. Without row locks
    // (SQLite), BEGIN IMMEDIATE already lets one writer at a time read and update the queue.
    if (dialect.rowLocks) pick = pick.forUpdate().skipLocked();
    const ids = (await pick.execute()).map((r) => Number(r.id));
    if (ids.length === 0) return [];
    const now = Date.now();
    const jobs = (
      await trx
        .updateTable('job')
        .set((eb) => ({
          status: 'running',
          attempts: eb('attempts', '+', 1),
          started_at: eb.fn.coalesce('started_at', sql<number>`cast(${now} as bigint)`),
          ended_at: null,
        }))
        .where('id', 'in', ids)
        .returningAll()
        .execute()
    ).sort((a, b) => a.id - b.id);
    const lease = dialect.later(request.leaseMs);
    const attempts = await trx
      .insertInto('job_attempt')
      .values(
        jobs.map((j, i) => ({
          job_id: j.id,
          attempt: j.attempts,
          status: 'running',
          host: request.host,
          worker_id: request.workerId,
          slot: request.slots[i] ?? null,
          started_at: now,
          lease_expires_at: lease,
        })),
      )
      .returningAll()
      .execute();
    const metrics = await trx
      .selectFrom('multiple_result')
      .select(['job_id', 'label', 'value'])
      .where('job_id', 'in', ids)
      .orderBy('label')
      .execute();
    await feed.recordJobChanges(trx, dialect, ids, 'job');
    const byJob = new Map(attempts.map((a) => [Number(a.job_id), a]));
    return jobs.map((j) => ({
      job: toJob(j, Object.fromEntries(metrics.filter((m) => Number(m.job_id) === j.id).map((m) => [m.label, m.value]))),
      attempt: toAttempt(byJob.get(j.id)!),
    }));
  });
}

export async function renewLeases(ctx: StoreContext, workerId: number, leaseMs: number): Promise<HeldAttempt[]> {
  const dialect = ctx.dialect;
  return ctx.write(async (trx) => {
    // Attempts before the worker row (the lock order above). No change-feed row: a lease is not
    // something the board shows, and a heartbeat every few seconds per worker would flood it.
    const held = await trx
      .updateTable('job_attempt')
      .set({ lease_expires_at: dialect.later(leaseMs) })
      .where('worker_id', '=', workerId)
      .where('status', '=', 'running')
      .returning(['id', 'job_id', 'stop_request'])
      .execute();
    await trx
      .updateTable('worker')
      .set({ heartbeat_at: dialect.now(), expires_at: dialect.later(leaseMs), status: 'running' })
      .where('id', '=', workerId)
      .execute();
    return held
      .map((r) => ({
        attemptId: Number(r.id),
        jobId: Number(r.job_id),
        stopRequest: r.stop_request !== null && STOP_REQUESTS.has(r.stop_request) ? (r.stop_request as StopRequest) : null,
      }))
      .sort((a, b) => a.attemptId - b.attemptId);
  });
}

export async function finishAttempt(ctx: StoreContext, fence: AttemptFence, outcome: WorkerAttemptOutcome): Promise<boolean> {
  return ctx.write(async (trx) => {
    // The fence: only a running attempt of this worker takes a result. A requeue has already made
    // a lost attempt `interrupted`, and PostgreSQL re-checks the condition against a concurrent
    // requeue's committed row, so of the two writes exactly one wins.
    const row = await trx
      .updateTable('job_attempt')
      .set({
        status: outcome.status,
        exit_code: outcome.exitCode,
        score: outcome.score,
        error: outcome.error,
        ended_at: outcome.endedAt,
        metrics: JSON.stringify(outcome.metrics),
        warnings: JSON.stringify(outcome.warnings),
      })
      .where('id', '=', fence.attemptId)
      .where('worker_id', '=', fence.workerId)
      .where('status', '=', 'running')
      .returning('job_id')
      .executeTakeFirst();
    if (row === undefined) return false;
    const jobId = Number(row.job_id);
    if (outcome.requeue === true) {
      await trx.updateTable('job').set({ status: 'queued' }).where('id', '=', jobId).where('status', '=', 'running').execute();
      await feed.recordJobChanges(trx, ctx.dialect, [jobId], 'job');
    }
    // Otherwise no change-feed row: the driver completes the job within a poll and writes one
    // then. Each feed row serialises its transaction's commit behind the feed's lock (0005), so
    // it is the one write per job a busy queue can spare.
    return true;
  });
}

export async function requeueExpired(ctx: StoreContext): Promise<RequeuedAttempt[]> {
  const { db, dialect } = ctx;
  // Reads first: both the driver and every worker call this on each poll, and nearly always
  // nothing has expired.
  const expired = await db
    .selectFrom('job_attempt')
    .select('id')
    .where('status', '=', 'running')
    .where('lease_expires_at', '<', dialect.now())
    .limit(1)
    .executeTakeFirst();
  const silent = await db
    .selectFrom('worker')
    .select('id')
    .where('status', '=', 'running')
    .where('expires_at', '<', dialect.now())
    .limit(1)
    .executeTakeFirst();
  if (expired === undefined && silent === undefined) return [];
  return ctx.write(async (trx) => {
    // Rows a stuck session has locked (a worker frozen mid-heartbeat) are passed over rather than
    // waited for; PostgreSQL ends that session (idle_in_transaction_session_timeout, open-postgres.ts)
    // and a later requeue takes them.
    let pick: SelectQueryBuilder<AupDatabase, 'job_attempt', { id: number }> = trx
      .selectFrom('job_attempt')
      .select('id')
      .where('status', '=', 'running')
      .where('lease_expires_at', '<', dialect.now());
    if (dialect.rowLocks) pick = pick.forUpdate().skipLocked();
    const expiredIds = (await pick.execute()).map((r) => Number(r.id));
    const lost =
      expiredIds.length === 0
        ? []
        : await trx
            .updateTable('job_attempt')
            .set({ status: 'interrupted', error: LEASE_EXPIRED_ERROR, ended_at: Date.now() })
            .where('id', 'in', expiredIds)
            .where('status', '=', 'running')
            .returning(['id', 'job_id', 'worker_id'])
            .execute();
    const jobIds = lost.map((r) => Number(r.job_id));
    if (jobIds.length > 0) {
      // A new claim makes the next attempt; the lost one stays on record as interrupted.
      await trx.updateTable('job').set({ status: 'queued' }).where('id', 'in', jobIds).where('status', '=', 'running').execute();
    }
    let silentWorkers: SelectQueryBuilder<AupDatabase, 'worker', { id: number }> = trx
      .selectFrom('worker')
      .select('id')
      .where('status', '=', 'running')
      .where('expires_at', '<', dialect.now());
    if (dialect.rowLocks) silentWorkers = silentWorkers.forUpdate().skipLocked();
    const deadIds = (await silentWorkers.execute()).map((r) => Number(r.id));
    if (deadIds.length > 0) await trx.updateTable('worker').set({ status: 'dead' }).where('id', 'in', deadIds).execute();
    await feed.recordJobChanges(trx, dialect, jobIds, 'job');
    return lost
      .map((r) => ({ attemptId: Number(r.id), jobId: Number(r.job_id), workerId: r.worker_id === null ? null : Number(r.worker_id) }))
      .sort((a, b) => a.attemptId - b.attemptId);
  });
}

export async function listReportedAttempts(ctx: StoreContext, experimentId: number): Promise<ReportedAttempt[]> {
  const rows = await ctx.db
    .selectFrom('job')
    .innerJoin('job_attempt', (join) => join.onRef('job_attempt.job_id', '=', 'job.id').onRef('job_attempt.attempt', '=', 'job.attempts'))
    .selectAll('job_attempt')
    .where('job.experiment_id', '=', experimentId)
    .where('job.status', '=', 'running')
    .orderBy('job.id')
    .execute();
  return rows.map((r) => {
    const metrics = parseJson(r.metrics);
    const warnings = parseJson(r.warnings);
    return {
      attempt: toAttempt(r),
      metrics: metrics !== null && typeof metrics === 'object' && !Array.isArray(metrics) ? (metrics as Record<string, number>) : {},
      warnings: Array.isArray(warnings) ? warnings.map(String) : [],
    };
  });
}

export async function setAttemptPid(ctx: StoreContext, fence: AttemptFence, pid: number): Promise<boolean> {
  // No change-feed row (see finishAttempt): the pid matters to whoever stops the job, not to the live view.
  const res = await ctx.write((trx) =>
    trx
      .updateTable('job_attempt')
      .set({ pid })
      .where('id', '=', fence.attemptId)
      .where('worker_id', '=', fence.workerId)
      .where('status', '=', 'running')
      .executeTakeFirst(),
  );
  return res.numUpdatedRows > 0n;
}

export async function requestJobStop(ctx: StoreContext, jobId: number, request: StopRequest): Promise<boolean> {
  if (!STOP_REQUESTS.has(request))
    throw new AupError('AUP_ERR_INTERNAL', `stop request: expected interrupted, killed or early_stopped, found ${JSON.stringify(request)}`);
  const res = await ctx.write((trx) =>
    trx
      .updateTable('job_attempt')
      .set({ stop_request: request })
      .where('job_id', '=', jobId)
      .where('status', '=', 'running')
      .executeTakeFirst(),
  );
  return res.numUpdatedRows > 0n;
}

export async function withdrawQueuedJob(ctx: StoreContext, jobId: number): Promise<boolean> {
  return ctx.write(async (trx) => {
    const res = await trx
      .updateTable('job')
      .set({ status: 'interrupted' })
      .where('id', '=', jobId)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) return false;
    await feed.recordJobChanges(trx, ctx.dialect, [jobId], 'job');
    return true;
  });
}

export async function setWorkerStatus(ctx: StoreContext, workerId: number, status: string): Promise<void> {
  await ctx.write(async (trx) => {
    const res = await trx
      .updateTable('worker')
      .set({ status, heartbeat_at: ctx.dialect.now() })
      .where('id', '=', workerId)
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n)
      throw new AupError('AUP_ERR_INTERNAL', `No worker has id ${workerId}: expected an id returned by registerWorker`, {
        details: { workerId },
      });
  });
}

/**
 * Inside a transaction that writes an attempt's records: throws AUP_ERR_LEASE_LOST unless the
 * attempt is running and held by the fence's worker. On PostgreSQL the attempt row is share-locked
 * until commit, so a requeue cannot slip in between this check and the records' insert.
 */
export async function checkFence(trx: Kysely<AupDatabase>, dialect: Dialect, fence: AttemptFence): Promise<void> {
  let q = trx.selectFrom('job_attempt').select(['status', 'worker_id']).where('id', '=', fence.attemptId);
  if (dialect.rowLocks) q = q.forShare();
  const row = await q.executeTakeFirst();
  if (row === undefined || row.status !== 'running' || Number(row.worker_id) !== fence.workerId) throw leaseLost(fence);
}
