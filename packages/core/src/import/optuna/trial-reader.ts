/**
 * Optuna trials read into aup jobs (ImportedJob, docs/decisions/0029-imports.md): a trial's row,
 * parameters, values, intermediate values and attributes, a chunk of trials at a time, each
 * chunk in one read transaction so a trial is never seen half-written.
 */
import { MAX_TEXT_CHARS, SCORE_LABEL } from '../../runner/attempt-recorder.js';
import type { ImportedJob } from '../../store/store-types.js';
import type { JobStatus, Params, ParamSpec } from '../../types.js';
import { paramSpec, paramValue, parseDistribution, type OptunaDistribution } from './distributions.js';
import type { Row, SourceReader } from './source-db.js';

/** What the reader knows of a study while it reads its trials. */
export interface StudyInfo {
  studyId: number;
  name: string;
  /** 'min' or 'max' per objective, in objective order (Optuna's NOT_SET reads as min, its default). */
  targets: ('min' | 'max')[];
  /** Optuna's directions as stored (MINIMIZE, MAXIMIZE, NOT_SET). */
  directions: string[];
  /** The name of each objective's value: Optuna's metric names when set, else `value` (one objective) or `values_<i>`. */
  objectiveNames: string[];
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
}

/** Optuna's trial states in aup's job statuses (a pruned trial is early-stopped). */
export const TRIAL_STATUSES: Readonly<Record<string, JobStatus>> = {
  RUNNING: 'running',
  WAITING: 'queued',
  COMPLETE: 'finished',
  PRUNED: 'early_stopped',
  FAIL: 'failed',
};

/** States a trial can still leave, so a later sync reads it again. */
export const UNFINISHED_STATES: readonly string[] = ['RUNNING', 'WAITING'];

/** Prefixes of the names that attributes take in aup: metrics `user_attrs.<key>` and text records of both kinds. */
export const USER_ATTRS = 'user_attrs.';
export const SYSTEM_ATTRS = 'system_attrs.';

/** The trials of one chunk as jobs, with what they add to the search space. */
export interface TrialChunk {
  jobs: ImportedJob[];
  /** One spec per parameter and distinct distribution seen, in the order of first use. */
  specs: ParamSpec[];
  /** Ids of trials read that were RUNNING or WAITING. */
  unfinished: number[];
}

interface TrialParts {
  params: Params;
  values: Map<number, number>;
  intermediate: { step: number; value: number }[];
  /** Key, value and the value's JSON as Optuna stored it. */
  userAttrs: [string, unknown, string][];
  systemAttrs: [string, unknown, string][];
}

/**
 * Reads the trials `ids` of `study` (ids of other studies are ignored) in one read transaction.
 * `fallbackTime` is the creation time of a trial that has no times yet (a WAITING one).
 */
export async function readTrialChunk(r: SourceReader, study: StudyInfo, ids: readonly number[], fallbackTime: number): Promise<TrialChunk> {
  const inIds = (column: string) => r.among(column, ids);
  const t = inIds('trial_id');
  const trials = await r.all(
    `select trial_id, number, state, datetime_start, datetime_complete from trials where study_id = ? and ${t.sql} order by trial_id`,
    [study.studyId, ...t.params],
  );
  const parts = new Map<number, TrialParts>();
  for (const row of trials)
    parts.set(Number(row['trial_id']), { params: {}, values: new Map(), intermediate: [], userAttrs: [], systemAttrs: [] });
  const specs = new Map<string, ParamSpec>();
  const distributions = new Map<string, OptunaDistribution>();
  for (const row of await r.all(
    `select trial_id, param_name, param_value, distribution_json from trial_params where ${t.sql} order by param_id`,
    t.params,
  )) {
    const p = parts.get(Number(row['trial_id']));
    if (p === undefined) continue;
    const name = String(row['param_name']);
    const json = String(row['distribution_json']);
    const where = `trial ${String(row['trial_id'])} parameter ${name}`;
    let dist = distributions.get(json);
    if (dist === undefined) {
      dist = parseDistribution(json, where);
      distributions.set(json, dist);
    }
    const key = `${name}\u0000${json}`;
    if (!specs.has(key)) specs.set(key, paramSpec(name, dist));
    p.params[name] = paramValue(dist, Number(row['param_value']), where);
  }
  for (const row of await r.all(`select trial_id, objective, value, value_type from trial_values where ${t.sql}`, t.params)) {
    const value = typedValue(row['value'], row['value_type']);
    if (value !== undefined) parts.get(Number(row['trial_id']))?.values.set(Number(row['objective']), value);
  }
  const iv = await r.all(
    `select trial_id, step, intermediate_value, intermediate_value_type from trial_intermediate_values where ${t.sql} order by trial_id, step`,
    t.params,
  );
  for (const row of iv) {
    // The runner's rule: a value that is not finite (NaN, an infinity) is not a point of a series.
    const value = typedValue(row['intermediate_value'], row['intermediate_value_type']);
    if (value !== undefined && Number.isFinite(value))
      parts.get(Number(row['trial_id']))?.intermediate.push({ step: Number(row['step']), value });
  }
  for (const [table, field] of [
    ['trial_user_attributes', 'userAttrs'],
    ['trial_system_attributes', 'systemAttrs'],
  ] as const) {
    const key = table === 'trial_user_attributes' ? 'trial_user_attribute_id' : 'trial_system_attribute_id';
    for (const row of await r.all(`select trial_id, "key", value_json from ${table} where ${t.sql} order by ${key}`, t.params)) {
      const json = String(row['value_json']);
      parts.get(Number(row['trial_id']))?.[field].push([String(row['key']), parseAttr(json), json]);
    }
  }
  const jobs = trials.map((row) => toJob(row, parts.get(Number(row['trial_id']))!, study, fallbackTime));
  const unfinished = trials.filter((row) => UNFINISHED_STATES.includes(String(row['state']))).map((row) => Number(row['trial_id']));
  return { jobs, specs: [...specs.values()], unfinished };
}

function toJob(row: Row, p: TrialParts, study: StudyInfo, fallbackTime: number): ImportedJob {
  const state = String(row['state']);
  const startedAt = optunaTime(row['datetime_start']);
  const endedAt = optunaTime(row['datetime_complete']);
  const createdAt = startedAt ?? endedAt ?? fallbackTime;
  const time = startedAt ?? createdAt;
  const metrics: Record<string, number> = {};
  if (study.targets.length > 1) {
    for (const [objective, value] of [...p.values].sort((a, b) => a[0] - b[0])) {
      metrics[study.objectiveNames[objective] ?? `values_${objective}`] = value;
    }
  }
  const records: NonNullable<ImportedJob['records']> = [];
  for (const [key, value, json] of p.userAttrs) {
    if (typeof value === 'number' && Number.isFinite(value)) metrics[`${USER_ATTRS}${key}`] = value;
    else records.push(textRecord(`${USER_ATTRS}${key}`, value, json, time));
  }
  for (const [key, value, json] of p.systemAttrs) records.push(textRecord(`${SYSTEM_ATTRS}${key}`, value, json, time));
  return {
    sourceKey: String(row['trial_id']),
    trial: Number(row['number']),
    status: TRIAL_STATUSES[state] ?? 'failed',
    params: p.params,
    score: p.values.get(0) ?? null,
    metrics,
    intermediate: p.intermediate.map(({ step, value }) => ({ label: SCORE_LABEL, step, value, time })),
    records,
    createdAt,
    startedAt,
    endedAt,
  };
}

/** An attribute as a text record: a text value as it is, any other as the JSON Optuna stored. */
function textRecord(name: string, value: unknown, json: string, time: number): NonNullable<ImportedJob['records']>[number] {
  let text = typeof value === 'string' ? value : json;
  if (text.length > MAX_TEXT_CHARS) text = `${text.slice(0, MAX_TEXT_CHARS)} [cut: ${text.length} characters in Optuna]`;
  return { kind: 'text', name, step: null, payload: { text }, time };
}

/** An attribute's value_json; text that is not JSON is kept as text. */
function parseAttr(v: string): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** A value with Optuna's value type: FINITE (or NaN for an intermediate one), INF_POS, INF_NEG. */
function typedValue(value: unknown, type: unknown): number | undefined {
  if (type === 'INF_POS') return Infinity;
  if (type === 'INF_NEG') return -Infinity;
  if (type === 'NAN') return NaN;
  return typeof value === 'number' ? value : value === null || value === undefined ? undefined : Number(value);
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/;

/**
 * An Optuna datetime in epoch ms. Optuna 3.x and 4.x write the local time of the machine that ran
 * the trial, without a zone (datetime.now()); it is read as this machine's local time (set TZ to
 * read another zone's). A value that is not a date (none yet) is null.
 */
export function optunaTime(v: unknown): number | null {
  if (v instanceof Date) return v.getTime();
  if (typeof v !== 'string') return null;
  const m = TIME_RE.exec(v);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac === undefined ? 0 : Math.floor(Number(frac.padEnd(6, '0')) / 1000);
  return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms).getTime();
}
