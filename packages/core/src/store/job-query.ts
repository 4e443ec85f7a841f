import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';

import { AupError } from '../errors.js';
import type { JobStatus } from '../types.js';
import { toJob } from './kysely-store.js';
import type { AupDatabase, JobParamTable, JobTable } from './schema.js';
import type { JobRecord } from './store-types.js';

// Server-side job queries, the experiment list's counts, downsampled intermediate series and
// best-so-far curves (docs/decisions/0006-job-queries.md). Column names from a request are only
// ever looked up in the whitelist below (or matched against stored parameter and metric names,
// which then travel as bound values); every value is a bound parameter.

/** Job columns a query may sort or filter by, besides `param:<name>` and `metric:<label>`. */
export const JOB_QUERY_COLUMNS = [
  'id',
  'trial',
  'status',
  'score',
  'budget',
  'attempts',
  'created_at',
  'started_at',
  'ended_at',
  'duration',
] as const;
export type JobQueryColumn = (typeof JOB_QUERY_COLUMNS)[number];

/** Comparators of a job filter. */
export const JOB_FILTER_OPS = ['=', '!=', '<', '<=', '>', '>=', 'contains'] as const;
export type JobFilterOp = (typeof JOB_FILTER_OPS)[number];

export interface JobFilter {
  /** A JOB_QUERY_COLUMNS name, `param:<name>` or `metric:<label>`. */
  column: string;
  op: JobFilterOp;
  value: string | number;
}

export interface JobQuery {
  experimentId: number;
  sort?: { column: string; order: 'asc' | 'desc' };
  /** All must hold (AND). A filter matches only jobs where the column has a value. */
  filters?: JobFilter[];
  /** Case-insensitive substring of the job's id, status or params JSON (names and values). */
  search?: string;
  offset: number;
  limit: number;
  /** Only these jobs (still within the experiment). */
  jobIds?: number[];
}

export interface JobQueryResult {
  /** Jobs matching the filters, search and jobIds, regardless of the page. */
  total: number;
  jobs: JobRecord[];
}

/** One experiment's list row: the light columns of the experiment and its job counts. */
export interface ExperimentSummaryRecord {
  id: number;
  name: string;
  user: string;
  proposer: string;
  target: 'min' | 'max';
  nSamples: number;
  status: string;
  bestJobId: number | null;
  bestScore: number | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Jobs per status, every status present. */
  jobCounts: Record<JobStatus, number>;
  jobsTotal: number;
}

export interface SeriesQuery {
  jobIds: number[];
  /** Only these labels; all labels when omitted. */
  labels?: string[];
  /** Most points returned across all series together. */
  points: number;
}

/** One job's values of one label, in step order, possibly downsampled. */
export interface IntermediateSeries {
  jobId: number;
  label: string;
  steps: number[];
  values: number[];
  /** Values stored for this series (more than `steps.length` when downsampled). */
  count: number;
}

export type BestSoFarX = 'index' | 'time';

/** An experiment's best score so far, one point per improvement. */
export interface BestSoFarSeries {
  experimentId: number;
  target: 'min' | 'max';
  /** `index`: the job's trial number (0-based); `time`: the job's end, epoch ms. */
  x: number[];
  best: number[];
  /** The job that set each new best. */
  jobIds: number[];
}

/** Two points a series at least: its minimum and its maximum. */
export const MIN_POINTS_PER_SERIES = 2;
/** Most job ids one series or query request may name (bound parameters stay under SQLite's limit). */
export const MAX_QUERY_JOB_IDS = 5_000;
// Names listed in an unknown-column error; an experiment may have thousands of parameters.
const LISTED_NAMES = 50;
// Finite doubles only: SQLite turns NaN into NULL, PostgreSQL sorts NaN above every number.
const FINITE_BOUND = 1e308;
const JOB_STATUS_LIST: readonly JobStatus[] = ['queued', 'running', 'finished', 'failed', 'early_stopped', 'interrupted'];
const TIME_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'started_at', 'ended_at']);
const SQL_OPS: Record<Exclude<JobFilterOp, 'contains'>, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

type Db = Kysely<AupDatabase>;
type Dialect = 'sqlite' | 'postgres';

type Resolved =
  | { kind: 'job'; name: JobQueryColumn }
  | { kind: 'param'; name: string }
  | { kind: 'metric'; name: string };

/** The job_param rows of one job's params (numbers typed, everything else as text). */
export function paramRows(jobId: number, experimentId: number, params: Record<string, unknown>): JobParamTable[] {
  return Object.entries(params).map(([name, v]) => ({
    job_id: jobId,
    experiment_id: experimentId,
    name,
    num_value: typeof v === 'number' && Number.isFinite(v) ? v : null,
    text_value: typeof v === 'number' && Number.isFinite(v) ? null : typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null'),
  }));
}

/** Inserts a new job's parameter rows (inside createJob's transaction). */
export async function insertJobParams(trx: Db, jobId: number, experimentId: number, params: Record<string, unknown>): Promise<void> {
  const rows = paramRows(jobId, experimentId, params);
  if (rows.length > 0) await trx.insertInto('job_param').values(rows).execute();
}

/** A page of an experiment's jobs, sorted, filtered and searched in SQL. */
export async function queryJobs(db: Db, dialect: Dialect, q: JobQuery): Promise<JobQueryResult> {
  checkPage(q);
  const columns = await resolveColumns(db, q);
  const where: RawBuilder<unknown>[] = [sql`job.experiment_id = ${q.experimentId}`];
  const filterJoins: RawBuilder<unknown>[] = [];
  (q.filters ?? []).forEach((f, i) => {
    const col = columns.get(f.column)!;
    const alias = `f${i}`;
    if (col.kind !== 'job') filterJoins.push(joinFor(col, alias, 'inner'));
    where.push(filterCondition(col, alias, f, dialect));
  });
  if (q.search !== undefined && q.search !== '') {
    const pattern = likePattern(q.search);
    where.push(sql`(lower(cast(job.params as text)) like ${pattern} escape '\\' or job.status like ${pattern} escape '\\' or cast(job.id as text) = ${q.search.trim()})`);
  }
  if (q.jobIds !== undefined) {
    if (q.jobIds.length === 0) return { total: 0, jobs: [] };
    where.push(sql`job.id in (${sql.join(q.jobIds)})`);
  }
  const whereSql = sql.join(where, sql` and `);
  const joinSql = sql.join(filterJoins, sql` `);

  const countRow = await sql<{ n: number }>`select count(*) as n from job ${joinSql} where ${whereSql}`.execute(db);
  const total = Number(countRow.rows[0]?.n ?? 0);
  if (total === 0 || q.limit === 0 || q.offset >= total) return { total, jobs: [] };

  const order = q.sort?.order === 'desc' ? sql.raw('desc') : sql.raw('asc');
  const sortCol = q.sort === undefined ? ({ kind: 'job', name: 'id' } as const) : columns.get(q.sort.column)!;
  const sortJoin = sortCol.kind === 'job' ? sql`` : joinFor(sortCol, 's', 'left');
  const orderSql = orderBy(sortCol, order);
  const page = await sql<Selectable<JobTable>>`select job.* from job ${joinSql} ${sortJoin} where ${whereSql}
    order by ${orderSql} limit ${q.limit} offset ${q.offset}`.execute(db);
  const rows = page.rows.map(numericJobRow);
  const metrics = await metricsOf(db, rows.map((r) => r.id));
  return { total, jobs: rows.map((r) => toJob(r, metrics.get(r.id) ?? {})) };
}

/** Every experiment (newest first) with its job counts per status, in two grouped queries. */
export async function experimentSummaries(db: Db): Promise<ExperimentSummaryRecord[]> {
  const exps = await db
    .selectFrom('experiment')
    .select(['id', 'name', 'user_name', 'proposer', 'target', 'n_samples', 'status', 'best_job_id', 'best_score', 'error', 'created_at', 'started_at', 'ended_at'])
    .orderBy('id', 'desc')
    .execute();
  const counts = await db
    .selectFrom('job')
    .select(['experiment_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['experiment_id', 'status'])
    .execute();
  const byExp = new Map<number, Record<JobStatus, number>>();
  for (const c of counts) {
    const id = Number(c.experiment_id);
    let rec = byExp.get(id);
    if (rec === undefined) byExp.set(id, (rec = emptyCounts()));
    // A status this version does not know still counts toward the total.
    rec[c.status as JobStatus] = (rec[c.status as JobStatus] ?? 0) + Number(c.n);
  }
  return exps.map((e) => {
    const jobCounts = byExp.get(Number(e.id)) ?? emptyCounts();
    return {
      id: Number(e.id),
      name: e.name,
      user: e.user_name,
      proposer: e.proposer,
      target: e.target as 'min' | 'max',
      nSamples: e.n_samples,
      status: e.status,
      bestJobId: e.best_job_id === null ? null : Number(e.best_job_id),
      bestScore: e.best_score,
      error: e.error,
      createdAt: Number(e.created_at),
      startedAt: e.started_at === null ? null : Number(e.started_at),
      endedAt: e.ended_at === null ? null : Number(e.ended_at),
      jobCounts,
      jobsTotal: Object.values(jobCounts).reduce((a, b) => a + b, 0),
    };
  });
}

/**
 * Intermediate series of the given jobs, at most `points` values in all. A series that does not fit
 * its share is cut into step buckets, and each bucket keeps its lowest and highest value, so every
 * series keeps its minimum and maximum; the bucketing runs in SQL, so only kept rows leave the database.
 */
export async function intermediateSeries(db: Db, dialect: Dialect, q: SeriesQuery): Promise<IntermediateSeries[]> {
  if (q.jobIds.length === 0) return [];
  if (q.jobIds.length > MAX_QUERY_JOB_IDS) {
    throw badQuery(`A series request names ${q.jobIds.length} jobs: expected at most ${MAX_QUERY_JOB_IDS}`, { field: 'jobs', found: q.jobIds.length });
  }
  if (!Number.isInteger(q.points) || q.points < 1) {
    throw badQuery(`Series points must be a positive integer: found ${q.points}`, { field: 'points', found: q.points });
  }
  const labels = q.labels !== undefined && q.labels.length > 0 ? q.labels : undefined;
  const labelCond = labels === undefined ? sql`` : sql`and label in (${sql.join(labels)})`;
  const stats = await sql<{ job_id: number; label: string; n: number; mn: number; mx: number }>`
    select job_id, label, count(*) as n, min(step) as mn, max(step) as mx from intermediate_result
    where job_id in (${sql.join(q.jobIds)}) ${labelCond} group by job_id, label`.execute(db);
  const series = stats.rows.map((r) => ({ jobId: Number(r.job_id), label: r.label, n: Number(r.n), mn: Number(r.mn), mx: Number(r.mx) }));
  if (series.length === 0) return [];
  const need = series.reduce((a, s) => a + Math.min(s.n, MIN_POINTS_PER_SERIES), 0);
  if (q.points < need) {
    throw badQuery(
      `${q.points} points are too few for ${series.length} series: expected at least ${need} (each series keeps its minimum and maximum)`,
      { field: 'points', found: q.points, expected: need },
    );
  }
  const budget = allocate(series.map((s) => s.n), q.points);
  const plan = series.map((s, i) => ({ ...s, keep: budget[i]! >= s.n, buckets: Math.max(1, Math.floor(budget[i]! / MIN_POINTS_PER_SERIES)) }));
  const out = new Map<string, IntermediateSeries>();
  for (const s of plan) out.set(`${s.jobId}\u0000${s.label}`, { jobId: s.jobId, label: s.label, steps: [], values: [], count: s.n });

  const whole = plan.filter((s) => s.keep);
  const cut = plan.filter((s) => !s.keep);
  const add = (rows: { job_id: number; label: string; step: number; value: number }[]): void => {
    for (const r of rows) {
      const entry = out.get(`${Number(r.job_id)}\u0000${r.label}`)!;
      entry.steps.push(Number(r.step));
      entry.values.push(Number(r.value));
    }
  };
  if (whole.length > 0) {
    const pairs = sql.join(whole.map((s) => sql`(job_id = ${s.jobId} and label = ${s.label})`), sql` or `);
    const rows = await sql<{ job_id: number; label: string; step: number; value: number }>`
      select job_id, label, step, value from intermediate_result where ${pairs} order by job_id, label, step, id`.execute(db);
    add(rows.rows);
  }
  if (cut.length > 0) {
    const castInt = dialect === 'postgres' ? sql.raw('bigint') : sql.raw('integer');
    const castReal = dialect === 'postgres' ? sql.raw('double precision') : sql.raw('real');
    const values = sql.join(
      cut.map((s) => sql`(cast(${s.jobId} as ${castInt}), cast(${s.label} as text), cast(${s.buckets} as ${castInt}), cast(${s.mn} as ${castReal}), cast(${s.mx} as ${castReal}))`),
    );
    const bucket =
      dialect === 'postgres'
        ? sql`floor((r.step - b.mn) * b.nb / (b.mx - b.mn))`
        : sql`cast((r.step - b.mn) * b.nb / (b.mx - b.mn) as integer)`;
    const rows = await sql<{ job_id: number; label: string; step: number; value: number }>`
      with b(job_id, label, nb, mn, mx) as (values ${values}),
      s as (
        select r.job_id, r.label, r.step, r.value, r.id,
          case when b.mx <= b.mn or r.step >= b.mx then b.nb - 1 else ${bucket} end as k
        from intermediate_result r join b on r.job_id = b.job_id and r.label = b.label
      ),
      w as (
        select s.*,
          row_number() over (partition by job_id, label, k order by value asc, step asc, id asc) as lo,
          row_number() over (partition by job_id, label, k order by value desc, step asc, id asc) as hi
        from s
      )
      select job_id, label, step, value from w where lo = 1 or hi = 1 order by job_id, label, step, id`.execute(db);
    add(rows.rows);
  }
  return [...out.values()].sort((a, b) => a.jobId - b.jobId || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

/** Each experiment's best score so far, over trial index or job end time, one point per improvement. */
export async function bestSoFar(db: Db, experimentIds: number[], opts: { x: BestSoFarX }): Promise<BestSoFarSeries[]> {
  if (experimentIds.length === 0) return [];
  const exps = await db.selectFrom('experiment').select(['id', 'target']).where('id', 'in', experimentIds).execute();
  const found = new Map(exps.map((e) => [Number(e.id), e.target as 'min' | 'max']));
  const missing = experimentIds.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `No experiment has id ${missing.join(', ')}`, { details: { experimentIds: missing } });
  }
  const xCol = opts.x === 'time' ? sql.raw('ended_at') : sql.raw('trial');
  const rows = await sql<{ experiment_id: number; id: number; x: number; best: number }>`
    with s as (
      select j.experiment_id, j.id, j.${xCol} as x, j.score, e.target from job j join experiment e on e.id = j.experiment_id
      where j.experiment_id in (${sql.join(experimentIds)}) and j.score is not null
        and j.score > ${-FINITE_BOUND} and j.score < ${FINITE_BOUND} and j.${xCol} is not null
    ),
    w as (
      select s.*, case when s.target = 'max' then max(s.score) over win else min(s.score) over win end as best
      from s window win as (partition by s.experiment_id order by s.x, s.id rows between unbounded preceding and current row)
    ),
    l as (select w.*, lag(w.best) over (partition by w.experiment_id order by w.x, w.id) as prev from w)
    select experiment_id, id, x, best from l where prev is null or best <> prev order by experiment_id, x, id`.execute(db);
  const out = new Map<number, BestSoFarSeries>();
  for (const id of experimentIds) out.set(id, { experimentId: id, target: found.get(id)!, x: [], best: [], jobIds: [] });
  for (const r of rows.rows) {
    const s = out.get(Number(r.experiment_id))!;
    s.x.push(Number(r.x));
    s.best.push(Number(r.best));
    s.jobIds.push(Number(r.id));
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// Pieces

/** Shares `points` among series of the given lengths: short series whole, the rest evenly. */
function allocate(lengths: number[], points: number): number[] {
  const order = lengths.map((n, i) => [n, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(lengths.length).fill(0);
  let remaining = points;
  let left = lengths.length;
  for (const [n, i] of order) {
    const share = Math.floor(remaining / left);
    const take = Math.min(n, share);
    out[i] = take;
    remaining -= take;
    left -= 1;
  }
  return out;
}

function checkPage(q: JobQuery): void {
  if (!Number.isInteger(q.limit) || q.limit < 0) throw badQuery(`Job query limit must be a non-negative integer: found ${q.limit}`, { field: 'limit', found: q.limit });
  if (!Number.isInteger(q.offset) || q.offset < 0) throw badQuery(`Job query offset must be a non-negative integer: found ${q.offset}`, { field: 'offset', found: q.offset });
  if (q.jobIds !== undefined && q.jobIds.length > MAX_QUERY_JOB_IDS) {
    throw badQuery(`A job query names ${q.jobIds.length} job ids: expected at most ${MAX_QUERY_JOB_IDS}`, { field: 'jobIds', found: q.jobIds.length });
  }
  for (const f of q.filters ?? []) {
    if (!(JOB_FILTER_OPS as readonly string[]).includes(f.op)) {
      throw badQuery(`Unknown filter operator '${String(f.op)}' on column ${f.column}: expected one of ${JOB_FILTER_OPS.join(' ')}`, { field: 'filter', column: f.column, found: f.op });
    }
    if (typeof f.value !== 'string' && !(typeof f.value === 'number' && Number.isFinite(f.value))) {
      throw badQuery(`Filter value for ${f.column} must be a string or a finite number: found ${String(f.value)}`, { field: 'filter', column: f.column });
    }
  }
}

/** Checks every column the query names; unknown ones are an error listing the valid columns. */
async function resolveColumns(db: Db, q: JobQuery): Promise<Map<string, Resolved>> {
  const names = new Set<string>((q.filters ?? []).map((f) => f.column));
  if (q.sort !== undefined) names.add(q.sort.column);
  const out = new Map<string, Resolved>();
  let config: { params: Set<string>; metrics: Set<string> } | undefined;
  for (const name of names) {
    if ((JOB_QUERY_COLUMNS as readonly string[]).includes(name)) {
      out.set(name, { kind: 'job', name: name as JobQueryColumn });
      continue;
    }
    const m = /^(param|metric):(.+)$/s.exec(name);
    if (m !== null) {
      const kind = m[1] as 'param' | 'metric';
      const key = m[2]!;
      config ??= await configNames(db, q.experimentId);
      const known = kind === 'param' ? config.params.has(key) || (await hasParam(db, q.experimentId, key)) : config.metrics.has(key) || (await hasMetric(db, q.experimentId, key));
      if (known) {
        out.set(name, { kind, name: key });
        continue;
      }
    }
    throw await unknownColumn(db, q.experimentId, name);
  }
  return out;
}

async function configNames(db: Db, experimentId: number): Promise<{ params: Set<string>; metrics: Set<string> }> {
  const row = await db.selectFrom('experiment').select('config').where('id', '=', experimentId).executeTakeFirst();
  if (row === undefined) {
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `No experiment has id ${experimentId}`, { details: { experimentId } });
  }
  const config = JSON.parse(row.config) as { parameter_config?: { name?: unknown }[]; resource_args?: { multi_res_labels?: unknown } } | null;
  const params = new Set<string>();
  for (const p of Array.isArray(config?.parameter_config) ? config.parameter_config : []) if (typeof p?.name === 'string') params.add(p.name);
  const labels = config?.resource_args?.multi_res_labels;
  const metrics = new Set<string>(Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : []);
  return { params, metrics };
}

async function hasParam(db: Db, experimentId: number, name: string): Promise<boolean> {
  const row = await db.selectFrom('job_param').select('job_id').where('experiment_id', '=', experimentId).where('name', '=', name).limit(1).executeTakeFirst();
  return row !== undefined;
}

async function hasMetric(db: Db, experimentId: number, label: string): Promise<boolean> {
  const row = await db
    .selectFrom('multiple_result')
    .innerJoin('job', 'job.id', 'multiple_result.job_id')
    .select('multiple_result.job_id')
    .where('job.experiment_id', '=', experimentId)
    .where('multiple_result.label', '=', label)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

async function unknownColumn(db: Db, experimentId: number, name: string): Promise<AupError> {
  const config = await configNames(db, experimentId);
  const params = await db.selectFrom('job_param').select('name').distinct().where('experiment_id', '=', experimentId).orderBy('name').limit(LISTED_NAMES).execute();
  const metrics = await db
    .selectFrom('multiple_result')
    .innerJoin('job', 'job.id', 'multiple_result.job_id')
    .select('multiple_result.label')
    .distinct()
    .where('job.experiment_id', '=', experimentId)
    .orderBy('multiple_result.label')
    .limit(LISTED_NAMES)
    .execute();
  const valid = [
    ...JOB_QUERY_COLUMNS,
    ...[...new Set([...config.params, ...params.map((p) => p.name)])].map((p) => `param:${p}`),
    ...[...new Set([...config.metrics, ...metrics.map((m) => m.label)])].map((m) => `metric:${m}`),
  ];
  return badQuery(`Unknown job column '${name}' for experiment ${experimentId}: expected one of ${valid.join(', ')}`, {
    field: 'column',
    found: name,
    valid,
  });
}

function joinFor(col: Resolved, alias: string, kind: 'inner' | 'left'): RawBuilder<unknown> {
  const a = sql.raw(alias);
  const j = sql.raw(kind === 'inner' ? 'inner join' : 'left join');
  return col.kind === 'param'
    ? sql`${j} job_param ${a} on ${a}.job_id = job.id and ${a}.name = ${col.name}`
    : sql`${j} multiple_result ${a} on ${a}.job_id = job.id and ${a}.label = ${col.name}`;
}

/** The SQL of a job column (a whitelisted name: never text from a request). */
function jobColumn(name: JobQueryColumn): RawBuilder<unknown> {
  return name === 'duration' ? sql`(job.ended_at - job.started_at)` : sql.raw(`job.${name}`);
}

function filterCondition(col: Resolved, alias: string, f: JobFilter, dialect: Dialect): RawBuilder<unknown> {
  const a = sql.raw(alias);
  if (col.kind === 'param') {
    const text = sql`coalesce(${a}.text_value, cast(${a}.num_value as text))`;
    if (f.op === 'contains') return containsCond(text, f.value);
    const op = sql.raw(SQL_OPS[f.op]);
    if (typeof f.value === 'number') {
      const s = String(f.value);
      // A categorical value may be the string "32"; = and != match it too.
      if (f.op === '=') return sql`(${a}.num_value = ${f.value} or ${a}.text_value = ${s})`;
      if (f.op === '!=') return sql`((${a}.num_value is null or ${a}.num_value <> ${f.value}) and (${a}.text_value is null or ${a}.text_value <> ${s}))`;
      return sql`${a}.num_value ${op} ${f.value}`;
    }
    if (f.op === '!=') return sql`(${a}.text_value is null or ${a}.text_value <> ${f.value})`;
    return sql`${a}.text_value ${op} ${f.value}`;
  }
  const expr = col.kind === 'metric' ? sql`${a}.value` : jobColumn(col.name);
  if (f.op === 'contains') return containsCond(sql`cast(${expr} as text)`, f.value);
  const op = sql.raw(SQL_OPS[f.op]);
  if (col.kind === 'job' && col.name === 'status') return sql`job.status ${op} ${String(f.value)}`;
  const value = numericValue(col, f, dialect);
  return sql`${expr} ${op} ${value}`;
}

function numericValue(col: Resolved, f: JobFilter, _dialect: Dialect): number {
  if (typeof f.value === 'number') return f.value;
  if (col.kind === 'job' && TIME_COLUMNS.has(col.name)) {
    const ms = Date.parse(f.value);
    if (Number.isFinite(ms)) return ms;
  }
  const what = col.kind === 'job' && TIME_COLUMNS.has(col.name) ? 'a number (epoch ms) or an ISO 8601 time' : 'a number';
  throw badQuery(`Filter ${f.column}${f.op}${f.value}: ${f.column} is numeric, expected ${what}, found the text '${f.value}'`, {
    field: 'filter',
    column: f.column,
    found: f.value,
  });
}

function containsCond(text: RawBuilder<unknown>, value: string | number): RawBuilder<unknown> {
  return sql`lower(${text}) like ${likePattern(String(value))} escape '\\'`;
}

/** `%text%`, lower-cased, with LIKE's wildcards escaped so they match themselves. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Missing values last in either order; ties in id order. */
function orderBy(col: Resolved, order: RawBuilder<unknown>): RawBuilder<unknown> {
  if (col.kind === 'job') {
    if (col.name === 'id') return sql`job.id ${order}`;
    const e = jobColumn(col.name);
    return sql`(${e} is null) asc, ${e} ${order}, job.id asc`;
  }
  if (col.kind === 'metric') return sql`(s.value is null) asc, s.value ${order}, job.id asc`;
  // Numbers before text in either order, then each group in the requested order.
  return sql`(s.job_id is null) asc, (s.num_value is null) asc, s.num_value ${order}, s.text_value ${order}, job.id asc`;
}

async function metricsOf(db: Db, jobIds: number[]): Promise<Map<number, Record<string, number>>> {
  const byJob = new Map<number, Record<string, number>>();
  if (jobIds.length === 0) return byJob;
  const rows = await db.selectFrom('multiple_result').select(['job_id', 'label', 'value']).where('job_id', 'in', jobIds).orderBy('label').execute();
  for (const m of rows) {
    const id = Number(m.job_id);
    let rec = byJob.get(id);
    if (rec === undefined) byJob.set(id, (rec = {}));
    rec[m.label] = m.value;
  }
  return byJob;
}

/** Raw queries skip none of the driver's parsing, but keep ids and times numbers whatever the driver hands back. */
function numericJobRow(r: Selectable<JobTable>): Selectable<JobTable> {
  return {
    ...r,
    id: Number(r.id),
    experiment_id: Number(r.experiment_id),
    created_at: Number(r.created_at),
    started_at: r.started_at === null ? null : Number(r.started_at),
    ended_at: r.ended_at === null ? null : Number(r.ended_at),
  };
}

function emptyCounts(): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUS_LIST.map((s) => [s, 0])) as Record<JobStatus, number>;
}

function badQuery(message: string, details: Record<string, unknown>): AupError {
  return new AupError('AUP_ERR_BAD_QUERY', message, { details });
}
