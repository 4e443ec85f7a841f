import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';

import { hostnameOfInfo } from '../env-info.js';
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
  /**
   * How the page is read: `walk` follows the sort column's index and stops after the page, `sort`
   * sorts the matches. Chosen from the number of matches when omitted; either gives the same page
   * (the conformance suite checks both).
   */
  plan?: 'walk' | 'sort';
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
  /** The hostname of the machine the experiment was created on (from its host info), or null. */
  hostname: string | null;
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
// Buckets per downsampling statement: eight bound values each, under SQLite's 32,766.
const BUCKETS_PER_STATEMENT = 2_000;
// Row ids per `in (...)` list.
const ROW_IDS_PER_STATEMENT = 10_000;
// Relative widening of a bucket's step range (see bucketRanges).
const BUCKET_MARGIN = 1e-9;
/** Most job ids one series or query request may name (bound parameters stay under SQLite's limit). */
export const MAX_QUERY_JOB_IDS = 5_000;
// Names listed in an unknown-column error; an experiment may have thousands of parameters.
const LISTED_NAMES = 50;
// Finite doubles only: SQLite turns NaN into NULL, PostgreSQL sorts NaN above every number.
const FINITE_BOUND = 1e308;
const JOB_STATUS_LIST: readonly JobStatus[] = ['queued', 'running', 'finished', 'failed', 'early_stopped', 'interrupted'];
const TIME_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'started_at', 'ended_at']);
// Job columns that may hold no value; the others are NOT NULL in the schema.
const NULLABLE_COLUMNS: ReadonlySet<string> = new Set(['score', 'budget', 'started_at', 'ended_at', 'duration']);
/**
 * Matches up to this many are sorted; a page of more walks the sort column's index instead. At
 * 5,000 matches both plans read a first page in a few ms on SQLite (docs/benchmarks.md, board server).
 */
const SORT_MATCHES_MAX = 5_000;
/**
 * On SQLite, a search (which reads every job row it tests) scans the job table instead of looking
 * rows up through the experiment's index once the experiment holds at least this share of the
 * table. On the board benchmark's store (100,000 jobs), counting a search's matches took 400 ms
 * through the index and 80 ms scanning: a row found through the index costs about five scanned.
 */
const SEARCH_SCAN_SHARE = 0.2;
const SQL_OPS: Record<Exclude<JobFilterOp, 'contains'>, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

type Db = Kysely<AupDatabase>;
type Dialect = 'sqlite' | 'postgres';

type Resolved = { kind: 'job'; name: JobQueryColumn } | { kind: 'param'; name: string } | { kind: 'metric'; name: string };

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

/**
 * A page of an experiment's jobs, sorted, filtered and searched in SQL. Three reads: the count of
 * the matches (from the filters' own indexes where it can: job_param and multiple_result rows need
 * no job row to be counted), the page's job ids (each sort is split where missing values begin,
 * so that no `is null` expression hides the sort column's index), then those jobs' rows.
 */
export async function queryJobs(db: Db, dialect: Dialect, q: JobQuery): Promise<JobQueryResult> {
  checkPage(q);
  const columns = await resolveColumns(db, q);
  const exp = q.experimentId;
  const attrs: AttrFilter[] = [];
  const jobConds: RawBuilder<unknown>[] = [];
  (q.filters ?? []).forEach((f, i) => {
    const col = columns.get(f.column)!;
    const alias = `f${i}`;
    const cond = filterCondition(col, alias, f, dialect);
    if (col.kind === 'job') jobConds.push(cond);
    else attrs.push({ col, alias, cond });
  });
  const searching = q.search !== undefined && q.search !== '';
  if (searching) {
    const pattern = likePattern(q.search!);
    jobConds.push(
      sql`(lower(cast(job.params as text)) like ${pattern} escape '\\' or job.status like ${pattern} escape '\\' or cast(job.id as text) = ${q.search!.trim()})`,
    );
  }
  if (q.jobIds !== undefined) {
    if (q.jobIds.length === 0) return { total: 0, jobs: [] };
    jobConds.push(sql`job.id in (${sql.join(q.jobIds)})`);
  }

  // SQLite has no statistics to weigh a table scan against the index; PostgreSQL's planner does.
  const scan = dialect === 'sqlite' && searching && (await holdsMuchOfJobTable(db, exp));
  const total = await countMatches(db, exp, attrs, jobConds, scan);
  if (total === 0 || q.limit === 0 || q.offset >= total) return { total, jobs: [] };

  const sortCol = q.sort === undefined ? ({ kind: 'job', name: 'id' } as const) : columns.get(q.sort.column)!;
  const desc = q.sort?.order === 'desc';
  const mode = q.plan ?? (total > SORT_MATCHES_MAX ? 'walk' : 'sort');
  const ids: number[] = [];
  let offset = q.offset;
  for (const part of pageParts(sortCol, desc, exp)) {
    const want = q.limit - ids.length;
    if (want === 0) break;
    const page = await partIds(db, dialect, exp, attrs, jobConds, part, mode, want, offset, scan && mode === 'sort');
    ids.push(...page);
    // A part that ends inside the page hands over at its start; one wholly before the page moves the offset on by its size.
    if (page.length > 0) offset = 0;
    else if (offset > 0) offset = Math.max(0, offset - (await partCount(db, exp, attrs, jobConds, part, scan)));
  }
  if (ids.length === 0) return { total, jobs: [] };
  const found = await sql<Selectable<JobTable>>`select job.* from job where job.id in (${sql.join(ids)})`.execute(db);
  const byId = new Map(found.rows.map((r) => [Number(r.id), numericJobRow(r)]));
  const rows = ids.map((id) => byId.get(id)).filter((r): r is Selectable<JobTable> => r !== undefined);
  const metrics = await metricsOf(db, ids);
  return { total, jobs: rows.map((r) => toJob(r, metrics.get(r.id) ?? {})) };
}

/** A filter on a parameter or a metric: a join of its own table under `alias`, and its condition. */
interface AttrFilter {
  col: Extract<Resolved, { kind: 'param' | 'metric' }>;
  alias: string;
  cond: RawBuilder<unknown>;
}

/**
 * One stretch of a sorted page: the jobs with a value in the sort column come first, then (for a
 * parameter) those with a text value, then the jobs without one; each stretch is read on its own.
 */
interface PagePart {
  /** The sort column's table joined under alias `s`, when the stretch is jobs that have a row there. */
  sortTable?: { kind: 'param' | 'metric'; name: string; cond?: RawBuilder<unknown> };
  /** Further conditions on the job (`expr is not null`, `not exists (...)`). */
  cond?: RawBuilder<unknown>;
  /** The sort expression (without direction); job.id ascending breaks its ties. None: job.id ascending. */
  key?: RawBuilder<unknown>;
  desc: boolean;
  /** The key is job.id itself: no tie to break. */
  idOnly?: boolean;
}

function pageParts(col: Resolved, desc: boolean, exp: number): PagePart[] {
  if (col.kind === 'job') {
    if (col.name === 'id') return [{ key: sql`job.id`, desc, idOnly: true }];
    const e = jobColumn(col.name);
    if (!NULLABLE_COLUMNS.has(col.name)) return [{ key: e, desc }];
    return [
      { cond: sql`${e} is not null`, key: e, desc },
      { cond: sql`${e} is null`, desc: false },
    ];
  }
  if (col.kind === 'metric') {
    return [
      { sortTable: { kind: 'metric', name: col.name }, key: sql`s.value`, desc },
      { cond: sql`not exists (select 1 from multiple_result m where m.job_id = job.id and m.label = ${col.name})`, desc: false },
    ];
  }
  // Numbers before text in either order, then the jobs that lack the parameter.
  return [
    { sortTable: { kind: 'param', name: col.name, cond: sql`s.num_value is not null` }, key: sql`s.num_value`, desc },
    { sortTable: { kind: 'param', name: col.name, cond: sql`s.num_value is null` }, key: sql`s.text_value`, desc },
    {
      cond: sql`not exists (select 1 from job_param p where p.job_id = job.id and p.experiment_id = ${exp} and p.name = ${col.name})`,
      desc: false,
    },
  ];
}

/**
 * The ids of one page stretch. `walk` reads the sort column's index in order and stops after the
 * page; `sort` reads the matches and sorts them. PostgreSQL's planner picks by its statistics;
 * SQLite, which keeps none unless ANALYZE ran, is told: its CROSS JOIN fixes the join order and a
 * unary `+` keeps an index from serving the ORDER BY.
 */
async function partIds(
  db: Db,
  dialect: Dialect,
  exp: number,
  attrs: AttrFilter[],
  jobConds: RawBuilder<unknown>[],
  part: PagePart,
  mode: 'walk' | 'sort',
  limit: number,
  offset: number,
  scan: boolean,
): Promise<number[]> {
  const sqlite = dialect === 'sqlite';
  const where = [inExperiment(exp, scan), ...attrs.map((a) => a.cond), ...jobConds];
  if (part.cond !== undefined) where.push(part.cond);
  let from: RawBuilder<unknown>;
  const st = part.sortTable;
  if (st !== undefined) {
    const sortOn =
      st.kind === 'param'
        ? sql`s.job_id = job.id and s.experiment_id = ${exp} and s.name = ${st.name}`
        : sql`s.job_id = job.id and s.label = ${st.name}`;
    if (st.cond !== undefined) where.push(st.cond);
    const table = sql.raw(st.kind === 'param' ? 'job_param' : 'multiple_result');
    const joins = attrs.map((a) => attrJoin(a, sql`job.id`));
    if (sqlite && mode === 'walk') {
      where.push(sortOn);
      from = sql`${table} s cross join job ${sql.join(joins, sql` `)}`;
    } else {
      from = sql`job inner join ${table} s on ${sortOn} ${sql.join(joins, sql` `)}`;
    }
  } else {
    const joins = attrs.map((a) => (sqlite && mode === 'walk' ? attrJoin(a, sql`job.id`, 'cross join') : attrJoin(a, sql`job.id`)));
    from = sql`job ${sql.join(joins, sql` `)}`;
  }
  const plus = sqlite && mode === 'sort' ? sql`+` : sql``;
  const dir = sql.raw(part.desc ? 'desc' : 'asc');
  const order =
    part.key === undefined ? sql`${plus}job.id asc` : part.idOnly ? sql`${plus}job.id ${dir}` : sql`${plus}${part.key} ${dir}, job.id asc`;
  const rows = await sql<{ id: number }>`select job.id as id from ${from} where ${sql.join(where, sql` and `)}
    order by ${order} limit ${limit} offset ${offset}`.execute(db);
  return rows.rows.map((r) => Number(r.id));
}

/** How many jobs one page stretch holds (read only when a page starts beyond it). */
async function partCount(
  db: Db,
  exp: number,
  attrs: AttrFilter[],
  jobConds: RawBuilder<unknown>[],
  part: PagePart,
  scan: boolean,
): Promise<number> {
  const where = [inExperiment(exp, scan), ...attrs.map((a) => a.cond), ...jobConds];
  if (part.cond !== undefined) where.push(part.cond);
  const joins = attrs.map((a) => attrJoin(a, sql`job.id`));
  const st = part.sortTable;
  if (st !== undefined) {
    const table = sql.raw(st.kind === 'param' ? 'job_param' : 'multiple_result');
    const on =
      st.kind === 'param'
        ? sql`s.job_id = job.id and s.experiment_id = ${exp} and s.name = ${st.name}`
        : sql`s.job_id = job.id and s.label = ${st.name}`;
    joins.unshift(sql`inner join ${table} s on ${on}`);
    if (st.cond !== undefined) where.push(st.cond);
  }
  const row = await sql<{
    n: number;
  }>`select count(*) as n from job ${sql.join(joins, sql` `)} where ${sql.join(where, sql` and `)}`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

/**
 * The number of matching jobs. With only parameter and metric filters, their rows are counted
 * without reading job rows (job_param carries the experiment; a metric row's job is looked up in
 * the (experiment_id, id) index), which stays within indexes.
 */
async function countMatches(db: Db, exp: number, attrs: AttrFilter[], jobConds: RawBuilder<unknown>[], scan: boolean): Promise<number> {
  let query: RawBuilder<{ n: number }>;
  if (attrs.length > 0 && jobConds.length === 0) {
    const d = attrs.find((a) => a.col.kind === 'param') ?? attrs[0]!;
    const others = attrs.filter((a) => a !== d);
    const t = sql.raw(d.alias);
    const table = sql.raw(d.col.kind === 'param' ? 'job_param' : 'multiple_result');
    const own =
      d.col.kind === 'param'
        ? sql`${t}.experiment_id = ${exp} and ${t}.name = ${d.col.name}`
        : sql`${t}.label = ${d.col.name} and exists (select 1 from job where job.id = ${t}.job_id and job.experiment_id = ${exp})`;
    const joins = others.map((o) => attrJoin(o, sql`${t}.job_id`));
    query = sql<{ n: number }>`select count(*) as n from ${table} ${t} ${sql.join(joins, sql` `)}
      where ${sql.join([own, d.cond, ...others.map((o) => o.cond)], sql` and `)}`;
  } else {
    const joins = attrs.map((a) => attrJoin(a, sql`job.id`));
    const where = [inExperiment(exp, scan), ...attrs.map((a) => a.cond), ...jobConds];
    query = sql<{ n: number }>`select count(*) as n from job ${sql.join(joins, sql` `)} where ${sql.join(where, sql` and `)}`;
  }
  const row = await query.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

/**
 * The condition that a job belongs to the experiment. With `scan` (SQLite only), a unary `+` keeps
 * the experiment's indexes from serving it, so SQLite reads the job table in order instead.
 */
function inExperiment(exp: number, scan: boolean): RawBuilder<unknown> {
  return scan ? sql`+job.experiment_id = ${exp}` : sql`job.experiment_id = ${exp}`;
}

/**
 * Whether the experiment's jobs are at least SEARCH_SCAN_SHARE of the job table: its count from
 * the (experiment_id, id) index against the highest job id (an upper bound of the table's rows
 * read from the primary key's end, so deleted jobs only ever favour the index).
 */
async function holdsMuchOfJobTable(db: Db, exp: number): Promise<boolean> {
  const mine = await sql<{ n: number }>`select count(*) as n from job where job.experiment_id = ${exp}`.execute(db);
  const top = await sql<{ n: number | null }>`select max(id) as n from job`.execute(db);
  const n = Number(mine.rows[0]?.n ?? 0);
  return n > 0 && n >= SEARCH_SCAN_SHARE * Number(top.rows[0]?.n ?? 0);
}

/** The join of a filter's table, keyed to `anchor` (the job id it belongs to). */
function attrJoin(a: AttrFilter, anchor: RawBuilder<unknown>, kind: 'inner join' | 'cross join' = 'inner join'): RawBuilder<unknown> {
  const t = sql.raw(a.alias);
  const j = sql.raw(kind);
  return a.col.kind === 'param'
    ? sql`${j} job_param ${t} on ${t}.job_id = ${anchor} and ${t}.name = ${a.col.name}`
    : sql`${j} multiple_result ${t} on ${t}.job_id = ${anchor} and ${t}.label = ${a.col.name}`;
}

/** The `hostname` of an experiment's host-info JSON; null when it has none (or it is not JSON). */
function hostnameOf(hostJson: string | null): string | null {
  if (hostJson === null) return null;
  try {
    return hostnameOfInfo(JSON.parse(hostJson));
  } catch {
    return null;
  }
}

/** Every experiment (newest first) with its job counts per status, in two grouped queries. */
export async function experimentSummaries(db: Db): Promise<ExperimentSummaryRecord[]> {
  const exps = await db
    .selectFrom('experiment')
    .select([
      'id',
      'name',
      'user_name',
      'host',
      'proposer',
      'target',
      'n_samples',
      'status',
      'best_job_id',
      'best_score',
      'error',
      'created_at',
      'started_at',
      'ended_at',
    ])
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
      hostname: hostnameOf(e.host),
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
    throw badQuery(`A series request names ${q.jobIds.length} jobs: expected at most ${MAX_QUERY_JOB_IDS}`, {
      field: 'jobs',
      found: q.jobIds.length,
    });
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
  const budget = allocate(
    series.map((s) => s.n),
    q.points,
  );
  const plan = series.map((s, i) => ({
    ...s,
    keep: budget[i]! >= s.n,
    buckets: Math.max(1, Math.floor(budget[i]! / MIN_POINTS_PER_SERIES)),
  }));
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
    const pairs = sql.join(
      whole.map((s) => sql`(job_id = ${s.jobId} and label = ${s.label})`),
      sql` or `,
    );
    const rows = await sql<{ job_id: number; label: string; step: number; value: number }>`
      select job_id, label, step, value from intermediate_result where ${pairs} order by job_id, label, step, id`.execute(db);
    add(rows.rows);
  }
  if (cut.length > 0) {
    const castInt = dialect === 'postgres' ? sql.raw('bigint') : sql.raw('integer');
    const castReal = dialect === 'postgres' ? sql.raw('double precision') : sql.raw('real');
    const bucket =
      dialect === 'postgres'
        ? sql`floor((r.step - b.mn) * b.nb / (b.mx - b.mn))`
        : sql`cast((r.step - b.mn) * b.nb / (b.mx - b.mn) as integer)`;
    // A row's bucket is this formula, evaluated by the database as it always was; the step range
    // (a little wider than the bucket) only lets the index find the bucket's rows.
    const inBucket = sql`r.job_id = b.job_id and r.label = b.label and r.step >= b.lo and r.step <= b.hi
      and (case when b.mx <= b.mn or r.step >= b.mx then b.nb - 1 else ${bucket} end) = b.k`;
    const buckets = cut.flatMap(bucketRanges);
    const keep: number[] = [];
    for (let i = 0; i < buckets.length; i += BUCKETS_PER_STATEMENT) {
      const values = sql.join(
        buckets
          .slice(i, i + BUCKETS_PER_STATEMENT)
          .map(
            (x) =>
              sql`(cast(${x.jobId} as ${castInt}), cast(${x.label} as text), cast(${x.k} as ${castInt}), cast(${x.nb} as ${castInt}), cast(${x.mn} as ${castReal}), cast(${x.mx} as ${castReal}), cast(${x.lo} as ${castReal}), cast(${x.hi} as ${castReal}))`,
          ),
      );
      // Per bucket, the index range of its rows and a top-1 of them twice: no sort of all the rows
      // (two window sorts over 100,000 values took most of a 2,000-point request, docs/benchmarks.md).
      const picks = await sql<{ lo_id: number | null; hi_id: number | null }>`
        with b(job_id, label, k, nb, mn, mx, lo, hi) as (values ${values})
        select
          (select r.id from intermediate_result r where ${inBucket} order by r.value asc, r.step asc, r.id asc limit 1) as lo_id,
          (select r.id from intermediate_result r where ${inBucket} order by r.value desc, r.step asc, r.id asc limit 1) as hi_id
        from b`.execute(db);
      for (const p of picks.rows) {
        if (p.lo_id !== null) keep.push(Number(p.lo_id));
        if (p.hi_id !== null && Number(p.hi_id) !== Number(p.lo_id)) keep.push(Number(p.hi_id));
      }
    }
    const rows: { job_id: number; label: string; step: number; value: number; id: number }[] = [];
    for (let i = 0; i < keep.length; i += ROW_IDS_PER_STATEMENT) {
      const found = await sql<{ job_id: number; label: string; step: number; value: number; id: number }>`
        select job_id, label, step, value, id from intermediate_result where id in (${sql.join(keep.slice(i, i + ROW_IDS_PER_STATEMENT))})`.execute(
        db,
      );
      rows.push(...found.rows);
    }
    const text = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
    rows.sort(
      (x, y) =>
        Number(x.job_id) - Number(y.job_id) || text(x.label, y.label) || Number(x.step) - Number(y.step) || Number(x.id) - Number(y.id),
    );
    add(rows);
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
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `No experiment has id ${missing.join(', ')}`, {
      details: { experimentIds: missing },
    });
  }
  const xCol = opts.x === 'time' ? sql.raw('ended_at') : sql.raw('trial');
  const out = new Map<number, BestSoFarSeries>();
  for (const id of experimentIds) out.set(id, { experimentId: id, target: found.get(id)!, x: [], best: [], jobIds: [] });
  for (const id of new Set(experimentIds)) {
    // A job improves on the best so far when its score beats every earlier one (in x, then id
    // order): one window over the experiment's scores, its frame ending just before the row. The
    // unary + keeps the score conditions off the score index, so that (experiment, x, score) is
    // read in order from its index alone (migration 0006) and nothing is sorted.
    const better = found.get(id) === 'max' ? sql`score > prev` : sql`score < prev`;
    const agg = found.get(id) === 'max' ? sql`max(score)` : sql`min(score)`;
    const rows = await sql<{ id: number; x: number; score: number }>`
      select id, x, score from (
        select j.id, j.${xCol} as x, j.score,
          ${agg} over (order by j.${xCol}, j.id rows between unbounded preceding and 1 preceding) as prev
        from job j
        where j.experiment_id = ${id} and +j.score is not null and +j.score > ${-FINITE_BOUND} and +j.score < ${FINITE_BOUND} and j.${xCol} is not null
      ) w where prev is null or ${better} order by x, id`.execute(db);
    const s = out.get(id)!;
    for (const r of rows.rows) {
      s.x.push(Number(r.x));
      s.best.push(Number(r.score));
      s.jobIds.push(Number(r.id));
    }
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// Pieces

/** One bucket of a downsampled series: its number, the series' bucketing, and a step range that holds all its rows. */
interface BucketRange {
  jobId: number;
  label: string;
  k: number;
  nb: number;
  mn: number;
  mx: number;
  lo: number;
  hi: number;
}

/**
 * The buckets of a series cut into `buckets` step ranges. The range of bucket k is widened by far
 * more than any rounding of the bucket formula (relative 1e-9 of the steps' magnitude), so that it
 * never misses a row; rows of a neighbour inside the margin are excluded by the formula itself.
 */
function bucketRanges(s: { jobId: number; label: string; buckets: number; mn: number; mx: number }): BucketRange[] {
  const { jobId, label, mn, mx } = s;
  if (!(mx > mn)) return [{ jobId, label, k: s.buckets - 1, nb: s.buckets, mn, mx, lo: mn, hi: mx }];
  const width = (mx - mn) / s.buckets;
  const margin = (Math.abs(mn) + Math.abs(mx) + (mx - mn)) * BUCKET_MARGIN;
  const out: BucketRange[] = [];
  for (let k = 0; k < s.buckets; k++) {
    const lo = k === 0 ? mn : mn + k * width - margin;
    const hi = k === s.buckets - 1 ? mx : mn + (k + 1) * width + margin;
    out.push({ jobId, label, k, nb: s.buckets, mn, mx, lo, hi });
  }
  return out;
}

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
  if (!Number.isInteger(q.limit) || q.limit < 0)
    throw badQuery(`Job query limit must be a non-negative integer: found ${q.limit}`, { field: 'limit', found: q.limit });
  if (!Number.isInteger(q.offset) || q.offset < 0)
    throw badQuery(`Job query offset must be a non-negative integer: found ${q.offset}`, { field: 'offset', found: q.offset });
  if (q.jobIds !== undefined && q.jobIds.length > MAX_QUERY_JOB_IDS) {
    throw badQuery(`A job query names ${q.jobIds.length} job ids: expected at most ${MAX_QUERY_JOB_IDS}`, {
      field: 'jobIds',
      found: q.jobIds.length,
    });
  }
  for (const f of q.filters ?? []) {
    if (!(JOB_FILTER_OPS as readonly string[]).includes(f.op)) {
      throw badQuery(`Unknown filter operator '${String(f.op)}' on column ${f.column}: expected one of ${JOB_FILTER_OPS.join(' ')}`, {
        field: 'filter',
        column: f.column,
        found: f.op,
      });
    }
    if (typeof f.value !== 'string' && !(typeof f.value === 'number' && Number.isFinite(f.value))) {
      throw badQuery(`Filter value for ${f.column} must be a string or a finite number: found ${String(f.value)}`, {
        field: 'filter',
        column: f.column,
      });
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
      const known =
        kind === 'param'
          ? config.params.has(key) || (await hasParam(db, q.experimentId, key))
          : config.metrics.has(key) || (await hasMetric(db, q.experimentId, key));
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
  const config = JSON.parse(row.config) as {
    parameter_config?: { name?: unknown }[];
    resource_args?: { multi_res_labels?: unknown };
  } | null;
  const params = new Set<string>();
  for (const p of Array.isArray(config?.parameter_config) ? config.parameter_config : [])
    if (typeof p?.name === 'string') params.add(p.name);
  const labels = config?.resource_args?.multi_res_labels;
  const metrics = new Set<string>(Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : []);
  return { params, metrics };
}

async function hasParam(db: Db, experimentId: number, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('job_param')
    .select('job_id')
    .where('experiment_id', '=', experimentId)
    .where('name', '=', name)
    .limit(1)
    .executeTakeFirst();
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
  const params = await db
    .selectFrom('job_param')
    .select('name')
    .distinct()
    .where('experiment_id', '=', experimentId)
    .orderBy('name')
    .limit(LISTED_NAMES)
    .execute();
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
      if (f.op === '!=')
        return sql`((${a}.num_value is null or ${a}.num_value <> ${f.value}) and (${a}.text_value is null or ${a}.text_value <> ${s}))`;
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

async function metricsOf(db: Db, jobIds: number[]): Promise<Map<number, Record<string, number>>> {
  const byJob = new Map<number, Record<string, number>>();
  if (jobIds.length === 0) return byJob;
  const rows = await db
    .selectFrom('multiple_result')
    .select(['job_id', 'label', 'value'])
    .where('job_id', 'in', jobIds)
    .orderBy('label')
    .execute();
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
