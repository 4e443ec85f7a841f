/**
 * Experiments brought in from other tools' stores, behind Store's ImportStore role (KyselyStore
 * delegates here; docs/decisions/0029-imports.md). A reader (packages/core/src/import/) turns a
 * source into an ImportedExperiment; this module writes it so that the same input twice changes
 * nothing, a trial changed in the source is replaced whole, and a sync cut short leaves whole trials.
 */
import { createHash } from 'node:crypto';

import type { Insertable, Kysely } from 'kysely';

import { AupError } from '../errors.js';
import * as feed from './change-feed.js';
import { patchExperiment } from './experiments.js';
import { paramRows } from './job-params.js';
import { chunks, fromJson, toJson } from './rows.js';
import type { AupDatabase, ExperimentTable, ImportSourceTable } from './schema.js';
import type { StoreContext } from './store-context.js';
import { isUniqueViolation } from './store-errors.js';
import type { ImportedExperiment, ImportedJob, ImportRecord, ImportSyncResult } from './store-types.js';

/**
 * Trials per write transaction: large enough that a 100,000-trial study is a few dozen commits,
 * small enough that a board or a driver sharing the database waits a moment, not the whole import.
 */
const JOBS_PER_TRANSACTION = 2_000;

// The tables whose rows belong to one imported trial, replaced whole when the trial changed.
const TRIAL_TABLES = ['job_param', 'multiple_result', 'intermediate_result', 'text_record', 'job_attempt'] as const;

export async function findImport(ctx: StoreContext, sourceKey: string): Promise<ImportRecord | undefined> {
  const row = await ctx.db.selectFrom('import_source').selectAll().where('source_key', '=', sourceKey).executeTakeFirst();
  return row === undefined ? undefined : toImport(row);
}

export async function getImport(ctx: StoreContext, experimentId: number): Promise<ImportRecord | undefined> {
  const row = await ctx.db.selectFrom('import_source').selectAll().where('experiment_id', '=', experimentId).executeTakeFirst();
  return row === undefined ? undefined : toImport(row);
}

export async function syncImport(ctx: StoreContext, input: ImportedExperiment): Promise<ImportSyncResult> {
  checkTrialKeys(input);
  const { experimentId, created } = await findOrCreateExperiment(ctx, input);
  const known = created ? new Map<string, KnownJob>() : await knownJobs(ctx, experimentId, input.jobs);

  const added: Fingerprinted[] = [];
  const changed: (Fingerprinted & { jobId: number })[] = [];
  let unchanged = 0;
  for (const job of input.jobs) {
    const fingerprint = fingerprintOf(job);
    const before = known.get(job.sourceKey);
    if (before === undefined) added.push({ job, fingerprint });
    else if (before.fingerprint !== fingerprint) changed.push({ job, fingerprint, jobId: before.jobId });
    else unchanged++;
  }
  for (const part of chunks(changed, JOBS_PER_TRANSACTION)) {
    await ctx.write((trx) => replaceJobs(ctx, trx, experimentId, part));
  }
  for (const part of chunks(added, JOBS_PER_TRANSACTION)) {
    await ctx.write((trx) => addJobs(ctx, trx, experimentId, part));
  }
  await ctx.write(async (trx) => {
    await patchExperiment(trx, experimentId, await experimentColumns(trx, experimentId, input));
    await trx
      .updateTable('import_source')
      .set({ cursor: toJson(input.cursor), synced_at: Date.now() })
      .where('experiment_id', '=', experimentId)
      .execute();
    await feed.recordExperimentChange(trx, ctx.dialect, experimentId, 'experiment');
  });
  return { experimentId, created, jobsAdded: added.length, jobsUpdated: changed.length, jobsUnchanged: unchanged };
}

interface KnownJob {
  jobId: number;
  fingerprint: string;
}

/**
 * The jobs already made from these trials, by source key: only the trials of this call are looked
 * up (by the unique index), so a follow round of a few trials costs the same at 100,000 as at 100.
 */
async function knownJobs(ctx: StoreContext, experimentId: number, jobs: ImportedJob[]): Promise<Map<string, KnownJob>> {
  const known = new Map<string, KnownJob>();
  for (const keys of chunks(
    jobs.map((j) => j.sourceKey),
    ctx.dialect.maxParameters - 1,
  )) {
    const rows = await ctx.db
      .selectFrom('import_job')
      .select(['source_key', 'job_id', 'fingerprint'])
      .where('experiment_id', '=', experimentId)
      .where('source_key', 'in', keys)
      .execute();
    for (const r of rows) known.set(r.source_key, { jobId: Number(r.job_id), fingerprint: r.fingerprint });
  }
  return known;
}

interface Fingerprinted {
  job: ImportedJob;
  fingerprint: string;
}

function toImport(row: ImportSourceTable): ImportRecord {
  return {
    experimentId: Number(row.experiment_id),
    tool: row.tool,
    sourceKey: row.source_key,
    cursor: fromJson(row.cursor),
    syncedAt: Number(row.synced_at),
  };
}

/** A reader's mistake, caught before anything is written: one trial twice, or two trials at one position. */
function checkTrialKeys(input: ImportedExperiment): void {
  const keys = new Set<string>();
  const trials = new Set<number>();
  for (const job of input.jobs) {
    if (keys.has(job.sourceKey) || trials.has(job.trial)) {
      throw new AupError(
        'AUP_ERR_INTERNAL',
        `Import ${input.sourceKey}: trial ${job.sourceKey} (position ${job.trial}) appears twice; expected each trial once per sync`,
        { details: { sourceKey: input.sourceKey, trial: job.sourceKey } },
      );
    }
    keys.add(job.sourceKey);
    trials.add(job.trial);
  }
}

/** What a trial's rows are made from, as one string: equal for equal inputs, whatever the run. */
function fingerprintOf(job: ImportedJob): string {
  return createHash('sha256').update(JSON.stringify(job)).digest('base64url');
}

async function findOrCreateExperiment(ctx: StoreContext, input: ImportedExperiment): Promise<{ experimentId: number; created: boolean }> {
  const existing = await findImport(ctx, input.sourceKey);
  if (existing !== undefined) return { experimentId: existing.experimentId, created: false };
  const e = input.experiment;
  const row: Insertable<ExperimentTable> = {
    name: e.name,
    user_name: e.user,
    proposer: e.proposer,
    target: e.target,
    n_samples: e.nSamples,
    status: e.status,
    config_raw: toJson(e.configRaw),
    config: toJson(e.config),
    working_dir: e.workingDir,
    host: toJson(e.host),
    git: toJson(e.git),
    proposer_state: toJson(e.proposerState ?? null),
    error: e.error ?? null,
    created_at: e.createdAt,
    started_at: e.startedAt,
    ended_at: e.endedAt,
    imported_from: input.tool,
  };
  try {
    const experimentId = await ctx.write(async (trx) => {
      const exp = await trx.insertInto('experiment').values(row).returning('id').executeTakeFirstOrThrow();
      const id = Number(exp.id);
      await trx
        .insertInto('import_source')
        .values({ experiment_id: id, tool: input.tool, source_key: input.sourceKey, cursor: toJson(null), synced_at: Date.now() })
        .execute();
      await feed.recordExperimentChange(trx, ctx.dialect, id, 'experiment');
      return id;
    });
    return { experimentId, created: true };
  } catch (e) {
    // Another import of the same source made it first: use theirs.
    if (!isUniqueViolation(e)) throw e;
    const theirs = await findImport(ctx, input.sourceKey);
    if (theirs === undefined) throw e;
    return { experimentId: theirs.experimentId, created: false };
  }
}

async function addJobs(ctx: StoreContext, trx: Kysely<AupDatabase>, experimentId: number, part: Fingerprinted[]): Promise<void> {
  const columns = 11;
  const ids = new Map<number, number>();
  for (const rows of chunks(part, Math.floor(ctx.dialect.maxParameters / columns))) {
    const inserted = await trx
      .insertInto('job')
      .values(
        rows.map(({ job }) => ({
          experiment_id: experimentId,
          trial: job.trial,
          status: job.status,
          params: toJson(job.params),
          budget: job.budget ?? null,
          extra: toJson(job.extra ?? {}),
          score: job.score,
          attempts: job.startedAt === null ? 0 : 1,
          created_at: job.createdAt,
          started_at: job.startedAt,
          ended_at: job.endedAt,
        })),
      )
      .returning(['id', 'trial'])
      .execute();
    // RETURNING's row order is not promised (SQLite): match by trial, unique within a sync.
    for (const r of inserted) ids.set(Number(r.trial), Number(r.id));
  }
  const jobs = part.map(({ job, fingerprint }) => ({ job, fingerprint, jobId: ids.get(job.trial)! }));
  await insertRows(
    ctx,
    trx,
    'import_job',
    jobs.map(({ job, fingerprint, jobId }) => ({ job_id: jobId, experiment_id: experimentId, source_key: job.sourceKey, fingerprint })),
  );
  await insertTrialRows(ctx, trx, experimentId, jobs);
  await feed.recordJobChanges(
    trx,
    ctx.dialect,
    jobs.map((j) => j.jobId),
    'job',
  );
}

async function replaceJobs(
  ctx: StoreContext,
  trx: Kysely<AupDatabase>,
  experimentId: number,
  part: (Fingerprinted & { jobId: number })[],
): Promise<void> {
  const jobIds = part.map((j) => j.jobId);
  for (const table of TRIAL_TABLES) await trx.deleteFrom(table).where('job_id', 'in', jobIds).execute();
  for (const { job, fingerprint, jobId } of part) {
    await trx
      .updateTable('job')
      .set({
        trial: job.trial,
        status: job.status,
        params: toJson(job.params),
        budget: job.budget ?? null,
        extra: toJson(job.extra ?? {}),
        score: job.score,
        attempts: job.startedAt === null ? 0 : 1,
        created_at: job.createdAt,
        started_at: job.startedAt,
        ended_at: job.endedAt,
      })
      .where('id', '=', jobId)
      .execute();
    await trx.updateTable('import_job').set({ fingerprint }).where('job_id', '=', jobId).execute();
  }
  await insertTrialRows(ctx, trx, experimentId, part);
  await feed.recordJobChanges(trx, ctx.dialect, jobIds, 'job');
}

/** A trial's parameters, its one attempt, results and records (the rows TRIAL_TABLES names). */
async function insertTrialRows(
  ctx: StoreContext,
  trx: Kysely<AupDatabase>,
  experimentId: number,
  jobs: { job: ImportedJob; jobId: number }[],
): Promise<void> {
  await insertRows(
    ctx,
    trx,
    'job_param',
    jobs.flatMap(({ job, jobId }) => paramRows(jobId, experimentId, job.params)),
  );
  await insertRows(
    ctx,
    trx,
    'job_attempt',
    jobs
      .filter(({ job }) => job.startedAt !== null)
      .map(({ job, jobId }) => ({
        job_id: jobId,
        attempt: 1,
        status: job.status,
        host: job.host ?? null,
        score: job.score,
        started_at: job.startedAt!,
        ended_at: job.endedAt,
      })),
  );
  await insertRows(
    ctx,
    trx,
    'multiple_result',
    jobs.flatMap(({ job, jobId }) => Object.entries(job.metrics ?? {}).map(([label, value]) => ({ job_id: jobId, label, value }))),
  );
  await insertRows(
    ctx,
    trx,
    'intermediate_result',
    jobs.flatMap(({ job, jobId }) =>
      (job.intermediate ?? []).map((r) => ({ job_id: jobId, label: r.label, step: r.step, value: r.value, time: r.time })),
    ),
  );
  await insertRows(
    ctx,
    trx,
    'text_record',
    jobs.flatMap(({ job, jobId }) =>
      (job.records ?? []).map((r) => ({
        job_id: jobId,
        kind: r.kind,
        name: r.name,
        step: r.step,
        payload: toJson(r.payload),
        time: r.time,
      })),
    ),
  );
}

/** Inserts rows in statements of as many as the dialect binds. */
async function insertRows<T extends keyof AupDatabase>(
  ctx: StoreContext,
  trx: Kysely<AupDatabase>,
  table: T,
  rows: Insertable<AupDatabase[T]>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).length;
  for (const chunk of chunks(rows, Math.floor(ctx.dialect.maxParameters / columns))) {
    await trx
      .insertInto(table)
      .values(chunk as never)
      .execute();
  }
}

/** The experiment's changeable columns after a sync: the source's view of it, and its best job by the runner's rule. */
async function experimentColumns(trx: Kysely<AupDatabase>, experimentId: number, input: ImportedExperiment) {
  const e = input.experiment;
  const best = await trx
    .selectFrom('job')
    .select(['id', 'score'])
    .where('experiment_id', '=', experimentId)
    .where('status', '=', 'finished')
    .where('score', '>', -Number.MAX_VALUE)
    .where('score', '<', Number.MAX_VALUE)
    .orderBy('score', e.target === 'max' ? 'desc' : 'asc')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return {
    name: e.name,
    status: e.status,
    n_samples: e.nSamples,
    config_raw: toJson(e.configRaw),
    config: toJson(e.config),
    error: e.error ?? null,
    started_at: e.startedAt,
    ended_at: e.endedAt,
    best_job_id: best === undefined ? null : Number(best.id),
    best_score: best === undefined ? null : best.score,
  };
}
