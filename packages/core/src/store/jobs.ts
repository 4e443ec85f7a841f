/** The job and attempt rows behind Store's JobStore role (KyselyStore delegates here). */
import type { Kysely, Updateable } from 'kysely';

import { AupError } from '../errors.js';
import type { Json, JobStatus } from '../types.js';
import * as feed from './change-feed.js';
import { experimentSet, patchExperiment } from './experiments.js';
import { insertJobParams } from './job-params.js';
import { chunks, toAttempt, toJob, toJson } from './rows.js';
import type { AupDatabase, JobAttemptTable, JobTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { experimentNotFound, isForeignKeyViolation, isUniqueViolation, jobNotFound } from './store-errors.js';
import type { AttemptPatch, AttemptRecord, JobPatch, JobRecord, NewAttempt, NewJob } from './store-types.js';

// Three parameters a row: 10,000 rows stay under both dialects' limits (SQLite's 32,766 is lower).
const METRIC_ROWS_PER_STATEMENT = 10_000;

/** What completeJob writes on the experiment in the same transaction (Store.completeJob). */
export interface CompletedExperiment {
  id: number;
  proposerState?: Json;
  bestJobId?: number | null;
  bestScore?: number | null;
  /** Driving time counted against stop.time_budget_s so far. */
  budgetUsedMs?: number;
}

export async function createJob(ctx: StoreContext, input: NewJob, proposerState?: Json): Promise<JobRecord> {
  const created = await ctx.write(async (trx) => {
    const job = await trx
      .insertInto('job')
      .values({
        experiment_id: input.experimentId,
        trial: input.trial,
        status: 'queued',
        params: toJson(input.params),
        budget: input.budget ?? null,
        extra: toJson(input.extra ?? {}),
        created_at: Date.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((e: unknown) => {
        throw isForeignKeyViolation(e) ? experimentNotFound(input.experimentId, e) : e;
      });
    await insertJobParams(trx, job.id, input.experimentId, input.params);
    if (proposerState !== undefined) {
      await patchExperiment(trx, input.experimentId, { proposer_state: toJson(proposerState) });
    }
    await feed.recordJobChanges(trx, ctx.dialect, [job.id], 'job');
    return job;
  });
  return toJob(created, {});
}

export async function getJob(ctx: StoreContext, id: number): Promise<JobRecord | undefined> {
  const row = await ctx.db.selectFrom('job').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) return undefined;
  const metrics = await ctx.db.selectFrom('multiple_result').select(['label', 'value']).where('job_id', '=', id).orderBy('label').execute();
  return toJob(row, Object.fromEntries(metrics.map((m) => [m.label, m.value])));
}

export async function listJobs(ctx: StoreContext, experimentId: number): Promise<JobRecord[]> {
  const rows = await ctx.db.selectFrom('job').selectAll().where('experiment_id', '=', experimentId).orderBy('id').execute();
  const metrics = await ctx.db
    .selectFrom('multiple_result')
    .innerJoin('job', 'job.id', 'multiple_result.job_id')
    .select(['multiple_result.job_id', 'multiple_result.label', 'multiple_result.value'])
    .where('job.experiment_id', '=', experimentId)
    .orderBy('multiple_result.label')
    .execute();
  const byJob = new Map<number, Record<string, number>>();
  for (const m of metrics) {
    let rec = byJob.get(m.job_id);
    if (rec === undefined) byJob.set(m.job_id, (rec = {}));
    rec[m.label] = m.value;
  }
  return rows.map((r) => toJob(r, byJob.get(r.id) ?? {}));
}

export async function deleteJob(ctx: StoreContext, id: number): Promise<void> {
  await ctx.write(async (trx) => {
    const job = await trx.selectFrom('job').select('experiment_id').where('id', '=', id).executeTakeFirst();
    if (job === undefined) throw jobNotFound(id);
    const experimentId = Number(job.experiment_id);
    // Attempts, parameters, results and records go with it (foreign keys with on delete cascade).
    await trx.deleteFrom('job').where('id', '=', id).execute();
    const exp = await trx.selectFrom('experiment').select(['best_job_id', 'target']).where('id', '=', experimentId).executeTakeFirst();
    if (exp !== undefined && exp.best_job_id !== null && Number(exp.best_job_id) === id) {
      // The runner's rule for a best job: finished, with a finite score.
      const best = await trx
        .selectFrom('job')
        .select(['id', 'score'])
        .where('experiment_id', '=', experimentId)
        .where('status', '=', 'finished')
        .where('score', '>', -Number.MAX_VALUE)
        .where('score', '<', Number.MAX_VALUE)
        .orderBy('score', exp.target === 'max' ? 'desc' : 'asc')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      await patchExperiment(trx, experimentId, { best_job_id: best === undefined ? null : best.id, best_score: best?.score ?? null });
    }
    await feed.recordDeletedJobChange(trx, ctx.dialect, experimentId, id);
  });
}

export async function updateJob(ctx: StoreContext, id: number, patch: JobPatch): Promise<void> {
  await ctx.write(async (trx) => {
    await patchJob(trx, id, patch);
    await feed.recordJobChanges(trx, ctx.dialect, [id], 'job');
  });
}

export async function completeJob(
  ctx: StoreContext,
  id: number,
  patch: JobPatch & { status: JobStatus },
  experiment: CompletedExperiment,
  attempt?: { id: number; patch: AttemptPatch },
): Promise<void> {
  await ctx.write(async (trx) => {
    if (attempt !== undefined) await patchAttempt(trx, attempt.id, attempt.patch);
    await patchJob(trx, id, { ...patch, endedAt: patch.endedAt === undefined ? Date.now() : patch.endedAt });
    await patchExperiment(
      trx,
      experiment.id,
      experimentSet({
        proposerState: experiment.proposerState,
        bestJobId: experiment.bestJobId,
        bestScore: experiment.bestScore,
        budgetUsedMs: experiment.budgetUsedMs,
      }),
    );
    await feed.recordJobChanges(trx, ctx.dialect, [id], 'job');
  });
}

export async function startAttempt(ctx: StoreContext, input: NewAttempt): Promise<AttemptRecord> {
  const created = await ctx.write(async (trx) => {
    const row = await trx
      .insertInto('job_attempt')
      .values({
        job_id: input.jobId,
        attempt: input.attempt,
        kind: input.kind ?? 'trial',
        status: 'running',
        host: input.host ?? null,
        pid: input.pid ?? null,
        worker_id: input.workerId ?? null,
        slot: input.slot ?? null,
        log_path: input.logPath ?? null,
        started_at: Date.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((e: unknown) => {
        throw attemptInsertError(input, e);
      });
    // JobRecord.attempts counts attempts started; keep it true without a second call.
    await trx
      .updateTable('job')
      .set({ attempts: input.attempt })
      .where('id', '=', input.jobId)
      .where('attempts', '<', input.attempt)
      .execute();
    if (input.job !== undefined) await patchJob(trx, input.jobId, input.job);
    await feed.recordJobChanges(trx, ctx.dialect, [input.jobId], 'job');
    return row;
  });
  return toAttempt(created);
}

function attemptInsertError(input: NewAttempt, e: unknown): unknown {
  if (isForeignKeyViolation(e)) {
    return input.workerId != null
      ? new AupError(
          'AUP_ERR_INTERNAL',
          `Cannot start attempt ${input.attempt} of job ${input.jobId}: job or worker ${input.workerId} does not exist`,
          { cause: e },
        )
      : jobNotFound(input.jobId, e);
  }
  if (isUniqueViolation(e)) {
    return new AupError('AUP_ERR_INTERNAL', `Job ${input.jobId} already has an attempt ${input.attempt}: expected a new attempt number`, {
      details: { jobId: input.jobId, attempt: input.attempt },
      cause: e,
    });
  }
  return e;
}

export async function updateAttempt(ctx: StoreContext, id: number, patch: AttemptPatch): Promise<void> {
  await ctx.write(async (trx) => {
    const jobId = await patchAttempt(trx, id, patch);
    await feed.recordJobChanges(trx, ctx.dialect, [jobId], 'job');
  });
}

export async function listAttempts(ctx: StoreContext, jobId: number): Promise<AttemptRecord[]> {
  const rows = await ctx.db.selectFrom('job_attempt').selectAll().where('job_id', '=', jobId).orderBy('attempt').execute();
  return rows.map(toAttempt);
}

/** Applies an attempt patch; resolves with the attempt's job id. */
async function patchAttempt(trx: Kysely<AupDatabase>, id: number, patch: AttemptPatch): Promise<number> {
  const set: Updateable<JobAttemptTable> = {};
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.pid !== undefined) set.pid = patch.pid;
  if (patch.exitCode !== undefined) set.exit_code = patch.exitCode;
  if (patch.score !== undefined) set.score = patch.score;
  if (patch.error !== undefined) set.error = patch.error;
  if (patch.endedAt !== undefined) set.ended_at = patch.endedAt;
  const row =
    Object.keys(set).length === 0
      ? await trx.selectFrom('job_attempt').select('job_id').where('id', '=', id).executeTakeFirst()
      : await trx.updateTable('job_attempt').set(set).where('id', '=', id).returning('job_id').executeTakeFirst();
  if (row === undefined) {
    throw new AupError('AUP_ERR_INTERNAL', `No job attempt has id ${id}: expected an id returned by startAttempt`, {
      details: { attemptId: id },
    });
  }
  return row.job_id;
}

async function patchJob(trx: Kysely<AupDatabase>, id: number, patch: JobPatch): Promise<void> {
  const set: Updateable<JobTable> = {};
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.score !== undefined) set.score = patch.score;
  if (patch.attempts !== undefined) set.attempts = patch.attempts;
  if (patch.warnings !== undefined) set.warnings = toJson(patch.warnings);
  if (patch.startedAt !== undefined) set.started_at = patch.startedAt;
  if (patch.endedAt !== undefined) set.ended_at = patch.endedAt;
  const found =
    Object.keys(set).length === 0
      ? (await trx.selectFrom('job').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
      : (await trx.updateTable('job').set(set).where('id', '=', id).executeTakeFirst()).numUpdatedRows > 0n;
  if (!found) throw jobNotFound(id);
  if (patch.metrics !== undefined) await replaceMetrics(trx, id, patch.metrics);
}

/** Replaces a job's multiple results (JobRecord.metrics) inside a transaction. */
export async function replaceMetrics(trx: Kysely<AupDatabase>, jobId: number, values: Record<string, number>): Promise<void> {
  await trx.deleteFrom('multiple_result').where('job_id', '=', jobId).execute();
  const rows = Object.entries(values).map(([label, value]) => ({ job_id: jobId, label, value }));
  for (const chunk of chunks(rows, METRIC_ROWS_PER_STATEMENT)) {
    await trx
      .insertInto('multiple_result')
      .values(chunk)
      .execute()
      .catch((e: unknown) => {
        throw isForeignKeyViolation(e) ? jobNotFound(jobId, e) : e;
      });
  }
}
