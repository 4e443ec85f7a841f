import { sql, type Kysely, type RawBuilder } from 'kysely';

import type { AupError } from '../../errors.js';
import { JOB_QUERY_COLUMNS, type JobFilter, type JobFilterOp, type JobQuery, type JobQueryColumn } from '../job-query.js';
import type { AupDatabase } from '../schema.js';
import { badQuery, experimentNotFound } from '../store-errors.js';

// The columns of a job query: a request's column names are only ever looked up in the whitelist
// (or matched against stored parameter and metric names, which then travel as bound values), and
// every filter value is a bound parameter.

type Db = Kysely<AupDatabase>;

// Names listed in an unknown-column error; an experiment may have thousands of parameters.
const LISTED_NAMES = 50;
const TIME_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'started_at', 'ended_at']);
// Job columns that may hold no value; the others are NOT NULL in the schema.
export const NULLABLE_COLUMNS: ReadonlySet<string> = new Set(['score', 'budget', 'started_at', 'ended_at', 'duration']);
const SQL_OPS: Record<Exclude<JobFilterOp, 'contains'>, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** A column a query names: a job column, a parameter or a metric. */
export type Resolved = { kind: 'job'; name: JobQueryColumn } | { kind: 'param'; name: string } | { kind: 'metric'; name: string };

/** Checks every column the query names; unknown ones are an error listing the valid columns. */
export async function resolveColumns(db: Db, q: JobQuery): Promise<Map<string, Resolved>> {
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
    throw experimentNotFound(experimentId);
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
export function jobColumn(name: JobQueryColumn): RawBuilder<unknown> {
  return name === 'duration' ? sql`(job.ended_at - job.started_at)` : sql.raw(`job.${name}`);
}

export function filterCondition(col: Resolved, alias: string, f: JobFilter): RawBuilder<unknown> {
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
  const value = numericValue(col, f);
  return sql`${expr} ${op} ${value}`;
}

function numericValue(col: Resolved, f: JobFilter): number {
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
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
