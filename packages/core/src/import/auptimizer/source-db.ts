/**
 * Reading an Auptimizer database (`.aup/sqlite3.db`) as it is on disk: opened read-only, its tables
 * and columns checked, every row the import needs read in one read transaction (a consistent
 * snapshot while Auptimizer may still write), the file closed again. Auptimizer's schema grew over
 * its releases (docs/reference/cli.md, `aup import auptimizer`): the first had no experiment name or
 * status, kept the resource on the job, and had no job_attempt, intermediate_result or
 * multiple_result tables; columns and tables beyond the few every release had are read when present.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import Database from 'better-sqlite3';

import { AupError } from '../../errors.js';
import { loadSqliteWithUris, SQLITE_BUSY_TIMEOUT_MS } from '../../store/dialect/sqlite/open-sqlite.js';
import { sqliteAddonError } from '../../store/dialect/sqlite/sqlite-addon.js';

/** What every Auptimizer release wrote: an experiment without these is not one. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  experiment: ['eid', 'exp_config'],
  job: ['jid', 'eid', 'score', 'job_config'],
};
/** Tables of later releases, each with the columns the import reads from it. */
const OPTIONAL: Readonly<Record<string, readonly string[]>> = {
  user: ['uid', 'name'],
  resource: ['rid', 'name', 'type'],
  job_attempt: ['jid', 'num', 'rid'],
  intermediate_result: ['irid', 'jid', 'num', 'score', 'receive_time'],
  multiple_result: ['mrid', 'jid', 'irid', 'label_order', 'value', 'receive_time'],
};

/** Where Auptimizer keeps its database inside a project folder (`aup.setup` writes `.aup/env.ini` naming it). */
const PROJECT_FILES = [join('.aup', 'sqlite3.db'), 'sqlite3.db'];

export interface ExperimentRow {
  eid: number;
  uid: number | null;
  name: string | null;
  startTime: unknown;
  endTime: unknown;
  status: string | null;
  expConfig: string | null;
  errorMsg: string | null;
}

export interface JobRow {
  jid: number;
  eid: number;
  score: unknown;
  startTime: unknown;
  endTime: unknown;
  status: string | null;
  jobConfig: string | null;
  /** The resource of its last attempt (job_attempt), or the job's own `rid` (the first releases). */
  rid: number | null;
}

export interface IntermediateRow {
  irid: number;
  jid: number;
  num: number | null;
  score: unknown;
  receiveTime: unknown;
}

export interface MultipleRow {
  mrid: number;
  jid: number;
  irid: number | null;
  labelOrder: number | null;
  value: unknown;
  receiveTime: unknown;
}

export interface ResourceRow {
  rid: number;
  name: string | null;
  type: string | null;
}

/** An Auptimizer database's rows, grouped as the import reads them. */
export interface AuptimizerRows {
  /** The database file, absolute with links resolved. */
  file: string;
  /** The experiments read (every one, or those asked for), by eid. */
  experiments: ExperimentRow[];
  /** The ids of every experiment in the database. */
  allEids: number[];
  jobs: Map<number, JobRow[]>;
  intermediate: Map<number, IntermediateRow[]>;
  multiple: Map<number, MultipleRow[]>;
  users: Map<number, string>;
  resources: Map<number, ResourceRow>;
}

/**
 * The database a command-line PATH names: the file itself, or a project folder holding
 * `.aup/sqlite3.db` (or `sqlite3.db`).
 * @throws AupError AUP_ERR_IMPORT_SOURCE when there is none.
 */
export function locateAuptimizerDb(path: string, cwd: string): string {
  const given = resolve(cwd, path);
  if (!existsSync(given)) {
    throw new AupError('AUP_ERR_IMPORT_SOURCE', `Cannot import from ${given}: no such file`, { details: { path: given } });
  }
  if (!statSync(given).isDirectory()) return realpathSync(given);
  const found = PROJECT_FILES.map((f) => join(given, f)).find((f) => existsSync(f) && statSync(f).isFile());
  if (found === undefined) {
    throw new AupError(
      'AUP_ERR_IMPORT_SOURCE',
      `Cannot import from ${given}: it is a folder without an Auptimizer database (looked for ${PROJECT_FILES.join(' and ')} in it)`,
      { details: { path: given, tried: PROJECT_FILES.map((f) => join(given, f)) } },
    );
  }
  return realpathSync(found);
}

/**
 * Reads an Auptimizer database (only the experiments `eids` and their rows, when given).
 * @throws AupError AUP_ERR_IMPORT_SOURCE for a file that is not SQLite or lacks Auptimizer's tables.
 */
export function readAuptimizerDb(file: string, eids?: readonly number[]): AuptimizerRows {
  const db = openReadOnly(file);
  try {
    const columns = checkLayout(db, file);
    return db.transaction(() => readRows(db, file, columns, eids))();
  } catch (e) {
    throw sourceError(e, file);
  } finally {
    db.close();
  }
}

function openReadOnly(file: string): Database.Database {
  try {
    loadSqliteWithUris();
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    return db;
  } catch (e) {
    throw sqliteAddonError(e) ?? sourceError(e, file);
  }
}

/** SQLite's errors about the file, as AUP_ERR_IMPORT_SOURCE naming it; anything else unchanged. */
function sourceError(e: unknown, file: string): unknown {
  if (e instanceof AupError) return e;
  const code = (e as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB') {
    return new AupError('AUP_ERR_IMPORT_SOURCE', `${file} is not an Auptimizer database: it is not a SQLite file`, {
      details: { path: file },
      cause: e,
    });
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new AupError('AUP_ERR_IMPORT_SOURCE', `Cannot read ${file}: ${(e as Error).message} (${code})`, {
      details: { path: file, sqlite: code },
      cause: e,
    });
  }
  return e;
}

/** The columns of each table the import reads; throws naming the first missing table or column. */
function checkLayout(db: Database.Database, file: string): Map<string, Set<string>> {
  const tables = (
    db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all() as { name: string }[]
  ).map((r) => r.name);
  const columns = new Map<string, Set<string>>();
  for (const table of tables) {
    const info = db.prepare(`pragma table_info(${quote(table)})`).all() as { name: string }[];
    columns.set(table, new Set(info.map((c) => c.name)));
  }
  const notAuptimizer = (what: string, details: Record<string, unknown>): AupError =>
    new AupError('AUP_ERR_IMPORT_SOURCE', `${file} is not an Auptimizer database: ${what}`, { details: { path: file, ...details } });
  for (const [table, needed] of Object.entries(REQUIRED)) {
    const have = columns.get(table);
    if (have === undefined) {
      const list = tables.length === 0 ? 'it has no tables' : `it has ${tables.join(', ')}`;
      throw notAuptimizer(`no table ${table} (${list})`, { missing: table });
    }
    checkColumns(table, needed, have, notAuptimizer);
  }
  for (const [table, needed] of Object.entries(OPTIONAL)) {
    const have = columns.get(table);
    if (have !== undefined) checkColumns(table, needed, have, notAuptimizer);
  }
  return columns;
}

function checkColumns(
  table: string,
  needed: readonly string[],
  have: Set<string>,
  fail: (what: string, details: Record<string, unknown>) => AupError,
): void {
  const missing = needed.filter((c) => !have.has(c));
  if (missing.length === 0) return;
  throw fail(`table ${table} has no column ${missing.join(', ')} (it has ${[...have].join(', ')})`, { table, missing });
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function readRows(db: Database.Database, file: string, columns: Map<string, Set<string>>, eids?: readonly number[]): AuptimizerRows {
  const has = (table: string, column: string): boolean => columns.get(table)?.has(column) ?? false;
  const col = (table: string, column: string, as = column): string =>
    has(table, column) ? `${table}.${column} as ${as}` : `null as ${as}`;
  const inEids = eids === undefined ? '' : `where experiment.eid in (${eids.map(() => '?').join(', ')})`;
  const params = eids ?? [];

  const experiments = db
    .prepare(
      `select experiment.eid as eid, ${col('experiment', 'uid')}, ${col('experiment', 'name')}, ${col('experiment', 'start_time', 'startTime')},
        ${col('experiment', 'end_time', 'endTime')}, ${col('experiment', 'status')}, experiment.exp_config as expConfig,
        ${col('experiment', 'error_msg', 'errorMsg')}
       from experiment ${inEids} order by experiment.eid`,
    )
    .all(...params) as ExperimentRow[];
  for (const e of experiments) {
    e.expConfig = text(e.expConfig);
    e.name = text(e.name);
    e.status = text(e.status);
    e.errorMsg = text(e.errorMsg);
  }

  // The resource of a job's last attempt, else the job's own (the first releases had no attempts).
  const lastRid = columns.has('job_attempt')
    ? '(select a.rid from job_attempt a where a.jid = job.jid order by a.num desc, a.rowid desc limit 1)'
    : has('job', 'rid')
      ? 'job.rid'
      : 'null';
  const jobsOfEids = `from job join experiment on experiment.eid = job.eid ${inEids}`;
  const jobRows = db
    .prepare(
      `select job.jid as jid, job.eid as eid, job.score as score, ${col('job', 'start_time', 'startTime')}, ${col('job', 'end_time', 'endTime')},
        ${col('job', 'status')}, job.job_config as jobConfig, ${lastRid} as rid
       ${jobsOfEids} order by job.eid, job.jid`,
    )
    .all(...params) as JobRow[];
  for (const j of jobRows) {
    j.jobConfig = text(j.jobConfig);
    j.status = text(j.status);
  }

  const intermediate = columns.has('intermediate_result')
    ? (db
        .prepare(
          `select r.irid as irid, r.jid as jid, r.num as num, r.score as score, r.receive_time as receiveTime
           from intermediate_result r join job on job.jid = r.jid join experiment on experiment.eid = job.eid ${inEids}
           order by r.jid, r.num, r.irid`,
        )
        .all(...params) as IntermediateRow[])
    : [];
  const multiple = columns.has('multiple_result')
    ? (db
        .prepare(
          `select m.mrid as mrid, m.jid as jid, m.irid as irid, m.label_order as labelOrder, m.value as value, m.receive_time as receiveTime
           from multiple_result m join job on job.jid = m.jid join experiment on experiment.eid = job.eid ${inEids}
           order by m.jid, m.mrid`,
        )
        .all(...params) as MultipleRow[])
    : [];
  const users = columns.has('user')
    ? new Map((db.prepare('select uid, name from user').all() as { uid: number; name: unknown }[]).map((u) => [u.uid, text(u.name) ?? '']))
    : new Map<number, string>();
  const resources = columns.has('resource')
    ? new Map(
        (db.prepare('select rid, name, type from resource').all() as { rid: number; name: unknown; type: unknown }[]).map((r) => [
          r.rid,
          { rid: r.rid, name: text(r.name), type: text(r.type) },
        ]),
      )
    : new Map<number, ResourceRow>();
  const allEids = (db.prepare('select eid from experiment order by eid').all() as { eid: number }[]).map((r) => r.eid);
  return {
    file,
    experiments,
    allEids,
    jobs: groupBy(jobRows, (j) => j.eid),
    intermediate: groupBy(intermediate, (r) => r.jid),
    multiple: groupBy(multiple, (r) => r.jid),
    users,
    resources,
  };
}

/** A TEXT or BLOB column as text (Auptimizer declared its JSON columns BLOB but wrote Python strings). */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

function groupBy<T>(rows: T[], key: (row: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list === undefined) out.set(k, [row]);
    else list.push(row);
  }
  return out;
}
