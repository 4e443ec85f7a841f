import { sql } from 'kysely';

import { MAX_QUERY_JOB_IDS, MIN_POINTS_PER_SERIES, type IntermediateSeries, type SeriesQuery } from '../job-query.js';
import type { StoreContext } from '../store-context.js';
import { badQuery } from '../store-errors.js';

// Buckets per downsampling statement: eight bound values each, under SQLite's 32,766.
const BUCKETS_PER_STATEMENT = 2_000;
// Row ids per `in (...)` list.
const ROW_IDS_PER_STATEMENT = 10_000;
// Relative widening of a bucket's step range (see bucketRanges).
const BUCKET_MARGIN = 1e-9;

type Row = { job_id: number; label: string; step: number; value: number };
type SeriesPlan = { jobId: number; label: string; n: number; mn: number; mx: number; keep: boolean; buckets: number };

/**
 * Intermediate series of the given jobs, at most `points` values in all. A series that does not fit
 * its share is cut into step buckets, and each bucket keeps its lowest and highest value, so every
 * series keeps its minimum and maximum; the bucketing runs in SQL, so only kept rows leave the database.
 */
export async function intermediateSeries(ctx: StoreContext, q: SeriesQuery): Promise<IntermediateSeries[]> {
  if (q.jobIds.length === 0) return [];
  checkSeriesQuery(q);
  const plan = await planSeries(ctx, q);
  const out = new Map<string, IntermediateSeries>();
  for (const s of plan) out.set(`${s.jobId}\u0000${s.label}`, { jobId: s.jobId, label: s.label, steps: [], values: [], count: s.n });
  const add = (rows: Row[]): void => {
    for (const r of rows) {
      const entry = out.get(`${Number(r.job_id)}\u0000${r.label}`)!;
      entry.steps.push(Number(r.step));
      entry.values.push(Number(r.value));
    }
  };
  const whole = plan.filter((s) => s.keep);
  const cut = plan.filter((s) => !s.keep);
  if (whole.length > 0) add(await wholeRows(ctx, whole));
  if (cut.length > 0) add(await bucketRows(ctx, cut));
  return [...out.values()].sort((a, b) => a.jobId - b.jobId || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

function checkSeriesQuery(q: SeriesQuery): void {
  if (q.jobIds.length > MAX_QUERY_JOB_IDS) {
    throw badQuery(`A series request names ${q.jobIds.length} jobs: expected at most ${MAX_QUERY_JOB_IDS}`, {
      field: 'jobs',
      found: q.jobIds.length,
    });
  }
  if (!Number.isInteger(q.points) || q.points < 1) {
    throw badQuery(`Series points must be a positive integer: found ${q.points}`, { field: 'points', found: q.points });
  }
}

/** The requested series with their lengths and step ranges, and each one's share of the points. */
async function planSeries(ctx: StoreContext, q: SeriesQuery): Promise<SeriesPlan[]> {
  const labels = q.labels !== undefined && q.labels.length > 0 ? q.labels : undefined;
  const labelCond = labels === undefined ? sql`` : sql`and label in (${sql.join(labels)})`;
  const stats = await sql<{ job_id: number; label: string; n: number; mn: number; mx: number }>`
    select job_id, label, count(*) as n, min(step) as mn, max(step) as mx from intermediate_result
    where job_id in (${sql.join(q.jobIds)}) ${labelCond} group by job_id, label`.execute(ctx.db);
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
  return series.map((s, i) => ({
    ...s,
    keep: budget[i]! >= s.n,
    buckets: Math.max(1, Math.floor(budget[i]! / MIN_POINTS_PER_SERIES)),
  }));
}

/** Every row of the series that fit their share, in job, label, step order. */
async function wholeRows(ctx: StoreContext, whole: SeriesPlan[]): Promise<Row[]> {
  const pairs = sql.join(
    whole.map((s) => sql`(job_id = ${s.jobId} and label = ${s.label})`),
    sql` or `,
  );
  const rows = await sql<Row>`
      select job_id, label, step, value from intermediate_result where ${pairs} order by job_id, label, step, id`.execute(ctx.db);
  return rows.rows;
}

/** The lowest and highest row of each step bucket of the series cut down, in job, label, step order. */
async function bucketRows(ctx: StoreContext, cut: SeriesPlan[]): Promise<Row[]> {
  const { db, dialect } = ctx;
  const castInt = sql.raw(String(dialect.types.bigint));
  const castReal = sql.raw(String(dialect.types.double));
  const bucket = dialect.bucketIndex(sql`(r.step - b.mn) * b.nb / (b.mx - b.mn)`);
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
  const rows: (Row & { id: number })[] = [];
  for (let i = 0; i < keep.length; i += ROW_IDS_PER_STATEMENT) {
    const found = await sql<Row & { id: number }>`
        select job_id, label, step, value, id from intermediate_result where id in (${sql.join(keep.slice(i, i + ROW_IDS_PER_STATEMENT))})`.execute(
      db,
    );
    rows.push(...found.rows);
  }
  const text = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return rows.sort(
    (x, y) =>
      Number(x.job_id) - Number(y.job_id) || text(x.label, y.label) || Number(x.step) - Number(y.step) || Number(x.id) - Number(y.id),
  );
}

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
