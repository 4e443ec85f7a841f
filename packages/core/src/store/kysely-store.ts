import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';

import { AupError } from '../errors.js';
import type { ExperimentStatus, Json, JobStatus, Params } from '../types.js';
import type { DialectCaps } from './dialect-caps.js';
import type { AupDatabase, ExperimentTable, JobAttemptTable, JobTable } from './schema.js';
import type {
  ArtifactRecord,
  AttemptPatch,
  AttemptRecord,
  ChangeRecord,
  ControlRequest,
  NewControlRequest,
  NewWorker,
  WorkerRecord,
  AttemptFence,
  ClaimRequest,
  ClaimedJob,
  DriverLease,
  DriverLeaseAcquisition,
  DriverLeaseRequest,
  HeldAttempt,
  ReportedAttempt,
  RequeuedAttempt,
  StopRequest,
  WorkerAttemptOutcome,
  ExperimentPatch,
  ExperimentRecord,
  IntermediateRecord,
  JobPatch,
  JobRecord,
  NewAttempt,
  NewExperiment,
  NewJob,
  Store,
  TextRecord,
} from './store-types.js';
import type { WriteLock } from './write-lock.js';
import * as control from './control-requests.js';
import * as workers from './workers.js';
import * as jobQuery from './job-query.js';
import * as feed from './change-feed.js';
import * as leases from './job-leases.js';
import * as driverLeases from './driver-leases.js';

/** Everything a KyselyStore needs from `openStore`: the query builder, the dialect's capabilities and handles. */
export interface StoreBackend {
  db: Kysely<AupDatabase>;
  caps: DialectCaps;
  /** Printable URL (password hidden). */
  url: string;
  /** The raw better-sqlite3 handle under Kysely's SqliteDialect, for the hot batch insert (SQLite only). */
  sqlite?: BetterSqlite3.Database;
  /** Serialises this process's writers on one SQLite file (see write-lock.ts). */
  lock?: WriteLock;
  /** Called once after the database is closed. */
  onClose?: () => void;
}

// Rows per statement of the SQLite intermediate insert. Measured (docs/decisions/0002): a prepared
// 64-row statement ran about twice as fast as a one-row statement in a loop and 2-3.5x as fast as
// Kysely's multi-row insert; larger statements gained nothing consistent.
const SQLITE_INSERT_BATCH = 64;
// PostgreSQL batch inserts send one array per column through unnest(): five parameters for any
// number of rows. Chunks bound the size of one message and of the server's memory per statement.
const PG_UNNEST_CHUNK = 20_000;

// Three parameters a row: 10,000 rows stay under both dialects' limits (SQLite's 32,766 is lower).
const METRIC_ROWS_PER_STATEMENT = 10_000;

const INTERMEDIATE_COLUMNS = ['job_id', 'label', 'step', 'value', 'time'] as const;

/** The Store over Kysely: one implementation for SQLite and PostgreSQL (docs/architecture.md §3). */
export class KyselyStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly url: string;
  readonly #db: Kysely<AupDatabase>;
  readonly #caps: DialectCaps;
  readonly #sqlite: BetterSqlite3.Database | undefined;
  readonly #lock: WriteLock | undefined;
  readonly #onClose: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  #insertBatch: BetterSqlite3.Statement | undefined;
  #insertOne: BetterSqlite3.Statement | undefined;

  constructor(backend: StoreBackend) {
    this.#db = backend.db;
    this.#caps = backend.caps;
    this.dialect = backend.caps.dialect;
    this.url = backend.url;
    this.#sqlite = backend.sqlite;
    this.#lock = backend.lock;
    this.#onClose = backend.onClose;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Wait for writes already queued on the lock, so that close never cuts a transaction short.
      if (this.#lock !== undefined) await this.#lock.run(() => undefined);
      await this.#db.destroy();
      this.#onClose?.();
    })();
    return this.#closing;
  }

  // -------------------------------------------------------------------------------------------
  // Experiments

  async createExperiment(input: NewExperiment): Promise<ExperimentRecord> {
    const row: Insertable<ExperimentTable> = {
      name: input.name,
      user_name: input.user,
      proposer: input.proposer,
      target: input.target,
      n_samples: input.nSamples,
      status: 'created',
      config_raw: toJson(input.configRaw),
      config: toJson(input.config),
      working_dir: input.workingDir,
      host: toJson(input.host),
      git: toJson(input.git),
      proposer_state: toJson(input.proposerState ?? null),
      created_at: Date.now(),
      workers: input.workers ? input.workers.mode : null,
      worker_tags: JSON.stringify(input.workers?.tags ?? []),
    };
    const created = await this.#write(async (trx) => {
      const exp = await trx.insertInto('experiment').values(row).returningAll().executeTakeFirstOrThrow();
      await feed.recordExperimentChange(trx, this.#caps, exp.id, 'experiment');
      return exp;
    });
    return toExperiment(created);
  }

  async getExperiment(id: number): Promise<ExperimentRecord | undefined> {
    const row = await this.#db.selectFrom('experiment').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toExperiment(row);
  }

  async listExperiments(): Promise<ExperimentRecord[]> {
    const rows = await this.#db.selectFrom('experiment').selectAll().orderBy('id').execute();
    return rows.map(toExperiment);
  }

  async updateExperiment(id: number, patch: ExperimentPatch): Promise<void> {
    await this.#write(async (trx) => {
      await patchExperiment(trx, id, experimentSet(patch));
      await feed.recordExperimentChange(trx, this.#caps, id, 'experiment');
    });
  }

  async deleteExperiment(id: number): Promise<void> {
    await this.#write(async (trx) => {
      const res = await trx.deleteFrom('experiment').where('id', '=', id).executeTakeFirst();
      if (res.numDeletedRows === 0n) throw experimentNotFound(id);
      await feed.recordExperimentChange(trx, this.#caps, id, 'experiment_deleted');
    });
  }

  // -------------------------------------------------------------------------------------------
  // Jobs

  async createJob(input: NewJob, proposerState?: Json): Promise<JobRecord> {
    const created = await this.#write(async (trx) => {
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
      await jobQuery.insertJobParams(trx, job.id, input.experimentId, input.params);
      if (proposerState !== undefined) {
        await patchExperiment(trx, input.experimentId, { proposer_state: toJson(proposerState) });
      }
      await feed.recordJobChanges(trx, this.#caps, [job.id], 'job');
      return job;
    });
    return toJob(created, {});
  }

  async getJob(id: number): Promise<JobRecord | undefined> {
    const row = await this.#db.selectFrom('job').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    const metrics = await this.#db
      .selectFrom('multiple_result')
      .select(['label', 'value'])
      .where('job_id', '=', id)
      .orderBy('label')
      .execute();
    return toJob(row, Object.fromEntries(metrics.map((m) => [m.label, m.value])));
  }

  async listJobs(experimentId: number): Promise<JobRecord[]> {
    const rows = await this.#db.selectFrom('job').selectAll().where('experiment_id', '=', experimentId).orderBy('id').execute();
    const metrics = await this.#db
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

  async deleteJob(id: number): Promise<void> {
    await this.#write(async (trx) => {
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
      await feed.recordDeletedJobChange(trx, this.#caps, experimentId, id);
    });
  }

  async updateJob(id: number, patch: JobPatch): Promise<void> {
    await this.#write(async (trx) => {
      await patchJob(trx, id, patch);
      await feed.recordJobChanges(trx, this.#caps, [id], 'job');
    });
  }

  async completeJob(
    id: number,
    patch: JobPatch & { status: JobStatus },
    experiment: { id: number; proposerState?: Json; bestJobId?: number | null; bestScore?: number | null },
    attempt?: { id: number; patch: AttemptPatch },
  ): Promise<void> {
    await this.#write(async (trx) => {
      if (attempt !== undefined) await patchAttempt(trx, attempt.id, attempt.patch);
      await patchJob(trx, id, { ...patch, endedAt: patch.endedAt === undefined ? Date.now() : patch.endedAt });
      await patchExperiment(
        trx,
        experiment.id,
        experimentSet({
          proposerState: experiment.proposerState,
          bestJobId: experiment.bestJobId,
          bestScore: experiment.bestScore,
        }),
      );
      await feed.recordJobChanges(trx, this.#caps, [id], 'job');
    });
  }

  // -------------------------------------------------------------------------------------------
  // Attempts

  async startAttempt(input: NewAttempt): Promise<AttemptRecord> {
    const created = await this.#write(async (trx) => {
      const row = await trx
        .insertInto('job_attempt')
        .values({
          job_id: input.jobId,
          attempt: input.attempt,
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
          if (isForeignKeyViolation(e)) {
            throw input.workerId != null
              ? new AupError(
                  'AUP_ERR_INTERNAL',
                  `Cannot start attempt ${input.attempt} of job ${input.jobId}: job or worker ${input.workerId} does not exist`,
                  { cause: e },
                )
              : jobNotFound(input.jobId, e);
          }
          if (isUniqueViolation(e)) {
            throw new AupError(
              'AUP_ERR_INTERNAL',
              `Job ${input.jobId} already has an attempt ${input.attempt}: expected a new attempt number`,
              {
                details: { jobId: input.jobId, attempt: input.attempt },
                cause: e,
              },
            );
          }
          throw e;
        });
      // JobRecord.attempts counts attempts started; keep it true without a second call.
      await trx
        .updateTable('job')
        .set({ attempts: input.attempt })
        .where('id', '=', input.jobId)
        .where('attempts', '<', input.attempt)
        .execute();
      if (input.job !== undefined) await patchJob(trx, input.jobId, input.job);
      await feed.recordJobChanges(trx, this.#caps, [input.jobId], 'job');
      return row;
    });
    return toAttempt(created);
  }

  async updateAttempt(id: number, patch: AttemptPatch): Promise<void> {
    await this.#write(async (trx) => {
      const jobId = await patchAttempt(trx, id, patch);
      await feed.recordJobChanges(trx, this.#caps, [jobId], 'job');
    });
  }

  async listAttempts(jobId: number): Promise<AttemptRecord[]> {
    const rows = await this.#db.selectFrom('job_attempt').selectAll().where('job_id', '=', jobId).orderBy('attempt').execute();
    return rows.map(toAttempt);
  }

  // -------------------------------------------------------------------------------------------
  // Results

  async addIntermediate(rows: IntermediateRecord[], fence?: AttemptFence): Promise<void> {
    if (rows.length === 0) return;
    const raw = this.#sqlite;
    if (raw !== undefined) {
      await this.#lockedSync(() => {
        try {
          raw
            .transaction(() => {
              if (fence !== undefined) leases.sqliteCheckFence(raw, fence);
              this.#sqliteInsertIntermediate(raw, rows);
              feed.sqliteRecordJobChanges(
                raw,
                rows.map((r) => r.jobId),
                'intermediate',
              );
            })
            .immediate();
        } catch (e) {
          throw isForeignKeyViolation(e)
            ? missingJobIn(
                rows.map((r) => r.jobId),
                e,
              )
            : e;
        }
      });
      return;
    }
    await this.#write(async (trx) => {
      if (fence !== undefined) await leases.checkFence(trx, this.#caps, fence);
      for (let start = 0; start < rows.length; start += PG_UNNEST_CHUNK) {
        const chunk = rows.slice(start, start + PG_UNNEST_CHUNK);
        await sql`insert into intermediate_result (job_id, label, step, value, time)
          select * from unnest(${chunk.map((r) => r.jobId)}::bigint[], ${chunk.map((r) => r.label)}::text[],
            ${chunk.map((r) => r.step)}::float8[], ${chunk.map((r) => r.value)}::float8[], ${chunk.map((r) => r.time)}::bigint[])`
          .execute(trx)
          .catch((e: unknown) => {
            throw isForeignKeyViolation(e)
              ? missingJobIn(
                  chunk.map((r) => r.jobId),
                  e,
                )
              : e;
          });
      }
      await feed.recordJobChanges(
        trx,
        this.#caps,
        rows.map((r) => r.jobId),
        'intermediate',
      );
    });
  }

  async listIntermediate(jobId: number, label?: string): Promise<IntermediateRecord[]> {
    let q = this.#db.selectFrom('intermediate_result').select(['job_id', 'label', 'step', 'value', 'time']).where('job_id', '=', jobId);
    if (label !== undefined) q = q.where('label', '=', label);
    const rows = await q.orderBy('label').orderBy('step').orderBy('id').execute();
    return rows.map((r) => ({ jobId: r.job_id, label: r.label, step: r.step, value: r.value, time: r.time }));
  }

  async setMultipleResults(jobId: number, values: Record<string, number>): Promise<void> {
    await this.#write(async (trx) => {
      await replaceMetrics(trx, jobId, values);
      await feed.recordJobChanges(trx, this.#caps, [jobId], 'job');
    });
  }

  async addTextRecords(rows: TextRecord[], fence?: AttemptFence): Promise<void> {
    const values = rows.map((r) => ({
      job_id: r.jobId,
      kind: r.kind,
      name: r.name,
      step: r.step,
      payload: toJson(r.payload),
      time: r.time,
    }));
    await this.#write(async (trx) => {
      if (fence !== undefined) await leases.checkFence(trx, this.#caps, fence);
      for (const chunk of chunks(values, this.#rowsPerStatement(6))) {
        await trx
          .insertInto('text_record')
          .values(chunk)
          .execute()
          .catch((e: unknown) => {
            throw isForeignKeyViolation(e)
              ? missingJobIn(
                  chunk.map((r) => r.job_id),
                  e,
                )
              : e;
          });
      }
      await feed.recordJobChanges(
        trx,
        this.#caps,
        values.map((r) => r.job_id),
        'records',
      );
    });
  }

  async listTextRecords(jobId: number): Promise<TextRecord[]> {
    const rows = await this.#db.selectFrom('text_record').selectAll().where('job_id', '=', jobId).orderBy('id').execute();
    return rows.map((r) => ({
      jobId: r.job_id,
      kind: r.kind as TextRecord['kind'],
      name: r.name,
      step: r.step,
      payload: fromJson(r.payload),
      time: r.time,
    }));
  }

  async addArtifacts(rows: ArtifactRecord[], fence?: AttemptFence): Promise<void> {
    const values = rows.map((r) => ({ job_id: r.jobId, path: r.path, time: r.time }));
    await this.#write(async (trx) => {
      if (fence !== undefined) await leases.checkFence(trx, this.#caps, fence);
      for (const chunk of chunks(values, this.#rowsPerStatement(3))) {
        await trx
          .insertInto('artifact')
          .values(chunk)
          .execute()
          .catch((e: unknown) => {
            throw isForeignKeyViolation(e)
              ? missingJobIn(
                  chunk.map((r) => r.job_id),
                  e,
                )
              : e;
          });
      }
      await feed.recordJobChanges(
        trx,
        this.#caps,
        values.map((r) => r.job_id),
        'records',
      );
    });
  }

  async listArtifacts(jobId: number): Promise<ArtifactRecord[]> {
    const rows = await this.#db
      .selectFrom('artifact')
      .select(['job_id', 'path', 'time'])
      .where('job_id', '=', jobId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ jobId: r.job_id, path: r.path, time: r.time }));
  }

  // -------------------------------------------------------------------------------------------
  // Control requests (control-requests.ts)

  requestControl(input: NewControlRequest): Promise<ControlRequest> {
    return control.insertControlRequest((fn) => this.#write(fn), input);
  }

  takeControlRequests(experimentId: number): Promise<ControlRequest[]> {
    return control.takeControlRequests(this.#db, (fn) => this.#write(fn), experimentId);
  }

  finishControlRequest(id: number, result: Json): Promise<void> {
    return control.finishControlRequest((fn) => this.#write(fn), id, result);
  }

  getControlRequest(id: number): Promise<ControlRequest | undefined> {
    return control.getControlRequest(this.#db, id);
  }

  // -------------------------------------------------------------------------------------------
  // Workers (workers.ts)

  registerWorker(input: NewWorker): Promise<WorkerRecord> {
    return workers.insertWorker((fn) => this.#write(fn), input);
  }

  listWorkers(): Promise<WorkerRecord[]> {
    return workers.listWorkers(this.#db);
  }

  // -------------------------------------------------------------------------------------------
  // Worker mode: claims, leases, requeue (job-leases.ts)

  claimJobs(request: ClaimRequest): Promise<ClaimedJob[]> {
    return leases.claimJobs(this.#db, this.#caps, (fn) => this.#write(fn), request);
  }

  renewLeases(workerId: number, leaseMs: number): Promise<HeldAttempt[]> {
    return leases.renewLeases((fn) => this.#write(fn), this.#caps, workerId, leaseMs);
  }

  finishAttempt(fence: AttemptFence, outcome: WorkerAttemptOutcome): Promise<boolean> {
    return leases.finishAttempt((fn) => this.#write(fn), this.#caps, fence, outcome);
  }

  requeueExpired(): Promise<RequeuedAttempt[]> {
    return leases.requeueExpired(this.#db, this.#caps, (fn) => this.#write(fn));
  }

  listReportedAttempts(experimentId: number): Promise<ReportedAttempt[]> {
    return leases.listReportedAttempts(this.#db, experimentId);
  }

  setAttemptPid(fence: AttemptFence, pid: number): Promise<boolean> {
    return leases.setAttemptPid((fn) => this.#write(fn), fence, pid);
  }

  requestJobStop(jobId: number, request: StopRequest): Promise<boolean> {
    return leases.requestJobStop((fn) => this.#write(fn), jobId, request);
  }

  withdrawQueuedJob(jobId: number): Promise<boolean> {
    return leases.withdrawQueuedJob((fn) => this.#write(fn), this.#caps, jobId);
  }

  setWorkerStatus(workerId: number, status: string): Promise<void> {
    return leases.setWorkerStatus((fn) => this.#write(fn), this.#caps, workerId, status);
  }

  // -------------------------------------------------------------------------------------------
  // The driver lease (driver-leases.ts)

  acquireDriverLease(request: DriverLeaseRequest): Promise<DriverLeaseAcquisition> {
    return driverLeases.acquireDriverLease((fn) => this.#write(fn), this.#caps, request);
  }

  renewDriverLease(experimentId: number, token: string, leaseMs: number): Promise<boolean> {
    return driverLeases.renewDriverLease((fn) => this.#write(fn), this.#caps, experimentId, token, leaseMs);
  }

  releaseDriverLease(experimentId: number, token: string): Promise<boolean> {
    return driverLeases.releaseDriverLease((fn) => this.#write(fn), experimentId, token);
  }

  getDriverLease(experimentId: number): Promise<DriverLease | undefined> {
    return driverLeases.getDriverLease(this.#db, this.#caps, experimentId);
  }

  // -------------------------------------------------------------------------------------------
  // Change feed (change-feed.ts)

  listChanges(after: number, opts?: { experimentId?: number; limit?: number }): Promise<ChangeRecord[]> {
    return feed.listChanges(this.#db, after, opts);
  }

  lastChangeId(): Promise<number> {
    return feed.lastChangeId(this.#db);
  }

  // -------------------------------------------------------------------------------------------
  // Queries for the board (job-query.ts)

  queryJobs(q: jobQuery.JobQuery): Promise<jobQuery.JobQueryResult> {
    return jobQuery.queryJobs(this.#db, this.dialect, q);
  }

  experimentSummaries(): Promise<jobQuery.ExperimentSummaryRecord[]> {
    return jobQuery.experimentSummaries(this.#db);
  }

  intermediateSeries(q: jobQuery.SeriesQuery): Promise<jobQuery.IntermediateSeries[]> {
    return jobQuery.intermediateSeries(this.#db, this.dialect, q);
  }

  bestSoFar(experimentIds: number[], opts: { x: jobQuery.BestSoFarX }): Promise<jobQuery.BestSoFarSeries[]> {
    return jobQuery.bestSoFar(this.#db, experimentIds, opts);
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  /**
   * Runs `fn` as one write transaction. SQLite: `BEGIN IMMEDIATE` (takes the write lock up front,
   * so busy_timeout applies and a read-then-write never fails with SQLITE_BUSY_SNAPSHOT), behind
   * the process-wide lock of the file. PostgreSQL: an ordinary transaction from the pool.
   */
  #write<T>(fn: (trx: Kysely<AupDatabase>) => Promise<T>): Promise<T> {
    const lock = this.#lock;
    if (lock === undefined) return this.#db.transaction().execute(fn);
    return lock.run(() => immediateTransaction(this.#db, fn));
  }

  #lockedSync(fn: () => void): Promise<void> {
    if (this.#lock === undefined) return Promise.resolve().then(fn);
    return this.#lock.run(fn);
  }

  #rowsPerStatement(columns: number): number {
    return Math.floor(this.#caps.maxParameters / columns);
  }

  #sqliteInsertIntermediate(raw: BetterSqlite3.Database, rows: IntermediateRecord[]): void {
    const head = `insert into intermediate_result (${INTERMEDIATE_COLUMNS.join(', ')}) values `;
    this.#insertBatch ??= raw.prepare(head + Array(SQLITE_INSERT_BATCH).fill('(?, ?, ?, ?, ?)').join(', '));
    this.#insertOne ??= raw.prepare(head + '(?, ?, ?, ?, ?)');
    const batch = this.#insertBatch;
    const params: (number | string)[] = new Array<number | string>(SQLITE_INSERT_BATCH * INTERMEDIATE_COLUMNS.length);
    let i = 0;
    for (; i + SQLITE_INSERT_BATCH <= rows.length; i += SQLITE_INSERT_BATCH) {
      let p = 0;
      for (let k = i; k < i + SQLITE_INSERT_BATCH; k++) {
        const r = rows[k]!;
        params[p++] = r.jobId;
        params[p++] = r.label;
        params[p++] = r.step;
        params[p++] = r.value;
        params[p++] = r.time;
      }
      batch.run(params);
    }
    for (; i < rows.length; i++) {
      const r = rows[i]!;
      this.#insertOne.run(r.jobId, r.label, r.step, r.value, r.time);
    }
  }
}

/** `BEGIN IMMEDIATE ... COMMIT` on one reserved connection (SQLite only). */
export async function immediateTransaction<T>(db: Kysely<AupDatabase>, fn: (trx: Kysely<AupDatabase>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (e) {
      // Some errors (SQLITE_FULL, SQLITE_IOERR) roll back on their own; a second rollback then fails.
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw e;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Writes shared by several methods

async function patchExperiment(trx: Kysely<AupDatabase>, id: number, set: Updateable<ExperimentTable>): Promise<void> {
  const found =
    Object.keys(set).length === 0
      ? (await trx.selectFrom('experiment').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
      : (await trx.updateTable('experiment').set(set).where('id', '=', id).executeTakeFirst()).numUpdatedRows > 0n;
  if (!found) throw experimentNotFound(id);
}

function experimentSet(patch: ExperimentPatch): Updateable<ExperimentTable> {
  const set: Updateable<ExperimentTable> = {};
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.proposerState !== undefined) set.proposer_state = toJson(patch.proposerState);
  if (patch.config !== undefined) set.config = toJson(patch.config);
  if (patch.bestJobId !== undefined) set.best_job_id = patch.bestJobId;
  if (patch.bestScore !== undefined) set.best_score = patch.bestScore;
  if (patch.error !== undefined) set.error = patch.error;
  if (patch.nSamples !== undefined) set.n_samples = patch.nSamples;
  if (patch.startedAt !== undefined) set.started_at = patch.startedAt;
  if (patch.endedAt !== undefined) set.ended_at = patch.endedAt;
  if (patch.host !== undefined) set.host = toJson(patch.host);
  if (patch.jobDir !== undefined) set.job_dir = patch.jobDir;
  return set;
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

async function replaceMetrics(trx: Kysely<AupDatabase>, jobId: number, values: Record<string, number>): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// Rows to records

function toExperiment(r: Selectable<ExperimentTable>): ExperimentRecord {
  return {
    id: r.id,
    name: r.name,
    user: r.user_name,
    proposer: r.proposer,
    target: r.target as 'min' | 'max',
    nSamples: r.n_samples,
    status: r.status as ExperimentStatus,
    configRaw: fromJson(r.config_raw),
    config: fromJson(r.config),
    workingDir: r.working_dir,
    host: fromJson(r.host),
    git: fromJson(r.git),
    proposerState: fromJson(r.proposer_state),
    bestJobId: r.best_job_id,
    bestScore: r.best_score,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    workers: leases.toExperimentWorkers(r.workers, r.worker_tags),
    jobDir: r.job_dir,
  };
}

/** A job row and its metrics as a JobRecord (also used by job-query.ts). */
export function toJob(r: Selectable<JobTable>, metrics: Record<string, number>): JobRecord {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    trial: r.trial,
    status: r.status as JobStatus,
    params: fromJson(r.params) as Params,
    budget: r.budget,
    extra: fromJson(r.extra),
    score: r.score,
    metrics,
    attempts: r.attempts,
    warnings: fromJson(r.warnings) as string[],
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

/** An attempt row as an AttemptRecord (also used by job-leases.ts). */
export function toAttempt(r: Selectable<JobAttemptTable>): AttemptRecord {
  return {
    id: r.id,
    jobId: r.job_id,
    attempt: r.attempt,
    status: r.status as JobStatus,
    host: r.host,
    pid: r.pid,
    workerId: r.worker_id,
    slot: r.slot,
    exitCode: r.exit_code,
    score: r.score,
    error: r.error,
    logPath: r.log_path,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    leaseExpiresAt: r.lease_expires_at,
    stopRequest: (r.stop_request ?? null) as AttemptRecord['stopRequest'],
  };
}

function toJson(value: Json): string {
  // JSON.stringify(undefined) is undefined; a missing value is stored as JSON null.
  return JSON.stringify(value) ?? 'null';
}

function fromJson(text: string): Json {
  return JSON.parse(text) as Json;
}

function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors

function isForeignKeyViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

function experimentNotFound(id: number, cause?: unknown): AupError {
  return new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `No experiment has id ${id}`, { details: { experimentId: id }, cause });
}

function jobNotFound(id: number, cause?: unknown): AupError {
  return new AupError('AUP_ERR_JOB_NOT_FOUND', `No job has id ${id}`, { details: { jobId: id }, cause });
}

function missingJobIn(jobIds: number[], cause: unknown): AupError {
  const ids = [...new Set(jobIds)];
  const shown = ids.slice(0, 10).join(', ') + (ids.length > 10 ? ', ...' : '');
  return new AupError('AUP_ERR_JOB_NOT_FOUND', `A batch of records names a job that does not exist (job ids in the batch: ${shown})`, {
    details: { jobIds: ids },
    cause,
  });
}
