import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';

import { JOB_FILTER_OPS, MAX_QUERY_JOB_IDS, type JobQuery, type JobQueryResult } from '../job-query.js';
import { toJob } from '../rows.js';
import type { AupDatabase, JobTable } from '../schema.js';
import type { StoreContext } from '../store-context.js';
import { badQuery } from '../store-errors.js';
import { filterCondition, jobColumn, likePattern, NULLABLE_COLUMNS, resolveColumns, type Resolved } from './job-columns.js';

// A page of an experiment's jobs, sorted, filtered and searched in SQL (docs/decisions/0006-job-queries.md).

type Db = Kysely<AupDatabase>;

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

/**
 * A page of an experiment's jobs, sorted, filtered and searched in SQL. Three reads: the count of
 * the matches (from the filters' own indexes where it can: job_param and multiple_result rows need
 * no job row to be counted), the page's job ids (each sort is split where missing values begin,
 * so that no `is null` expression hides the sort column's index), then those jobs' rows.
 */
export async function queryJobs(ctx: StoreContext, q: JobQuery): Promise<JobQueryResult> {
  checkPage(q);
  const { db, dialect } = ctx;
  const columns = await resolveColumns(db, q);
  const exp = q.experimentId;
  const attrs: AttrFilter[] = [];
  const jobConds: RawBuilder<unknown>[] = [];
  (q.filters ?? []).forEach((f, i) => {
    const col = columns.get(f.column)!;
    const alias = `f${i}`;
    const cond = filterCondition(col, alias, f);
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

  // A database without statistics cannot weigh a table scan against the index; PostgreSQL's planner can.
  const scan = dialect.planHints && searching && (await holdsMuchOfJobTable(db, exp));
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
    const page = await partIds(db, dialect.planHints, exp, attrs, jobConds, part, mode, want, offset, scan && mode === 'sort');
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
 * a database that keeps none (`hints`: SQLite unless ANALYZE ran) is told: a CROSS JOIN fixes the
 * join order and a unary `+` keeps an index from serving the ORDER BY.
 */
async function partIds(
  db: Db,
  hints: boolean,
  exp: number,
  attrs: AttrFilter[],
  jobConds: RawBuilder<unknown>[],
  part: PagePart,
  mode: 'walk' | 'sort',
  limit: number,
  offset: number,
  scan: boolean,
): Promise<number[]> {
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
    if (hints && mode === 'walk') {
      where.push(sortOn);
      from = sql`${table} s cross join job ${sql.join(joins, sql` `)}`;
    } else {
      from = sql`job inner join ${table} s on ${sortOn} ${sql.join(joins, sql` `)}`;
    }
  } else {
    const joins = attrs.map((a) => (hints && mode === 'walk' ? attrJoin(a, sql`job.id`, 'cross join') : attrJoin(a, sql`job.id`)));
    from = sql`job ${sql.join(joins, sql` `)}`;
  }
  const plus = hints && mode === 'sort' ? sql`+` : sql``;
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
 * The condition that a job belongs to the experiment. With `scan` (plan hints only), a unary `+` keeps
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
