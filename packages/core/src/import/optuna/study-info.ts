/**
 * An Optuna study's own rows (name, directions, attributes, trial counts) and the experiment aup
 * makes of them: the fields of the experiment row and its config, with the search space the
 * trials' distributions make (docs/reference/cli.md, `aup import optuna`).
 */
import { userInfo } from 'node:os';

import { AupError } from '../../errors.js';
import type { ImportedExperimentFields } from '../../store/store-types.js';
import type { Json, ParamSpec } from '../../types.js';
import type { SourceDb, SourceReader } from './source-db.js';
import type { OptunaStorage } from './storage-url.js';
import { optunaTime, UNFINISHED_STATES, type StudyInfo } from './trial-reader.js';

/** A study of the storage: its id and name. */
export interface StudyRef {
  studyId: number;
  name: string;
}

/** Counts over all of a study's trials, read each sync. */
export interface StudyTotals {
  trials: number;
  /** Trials RUNNING or WAITING. */
  unfinished: number;
  firstStart: number | null;
  lastComplete: number | null;
}

/** The system attribute where Optuna (3.2 and later, Study.set_metric_names) keeps the objectives' names. */
export const METRIC_NAMES_ATTR = 'study:metric_names';

/** The proposer an imported study shows: the trials were proposed by Optuna's sampler, which the storage does not name. */
export const OPTUNA_PROPOSER = 'optuna';

/** The studies of the storage in id order; with `names`, those only, each of which must exist. */
export async function listStudies(db: SourceDb, names?: readonly string[]): Promise<StudyRef[]> {
  const rows = await db.read((r) => r.all('select study_id, study_name from studies order by study_id'));
  const all = rows.map((r) => ({ studyId: Number(r['study_id']), name: String(r['study_name']) }));
  if (names === undefined || names.length === 0) return all;
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    const held = all.length === 0 ? 'it holds no study' : `it holds ${all.map((s) => JSON.stringify(s.name)).join(', ')}`;
    throw new AupError(
      'AUP_ERR_IMPORT_SOURCE',
      `--study: Optuna storage ${db.display} has no study named ${unknown.map((n) => JSON.stringify(n)).join(', ')}: ${held}`,
      { details: { storage: db.display, unknown, studies: all.map((s) => s.name) } },
    );
  }
  return all.filter((s) => names.includes(s.name));
}

/** A study's directions, metric names and attributes. */
export async function readStudyInfo(r: SourceReader, ref: StudyRef): Promise<StudyInfo> {
  const dirs = await r.all('select objective, direction from study_directions where study_id = ? order by objective', [ref.studyId]);
  const directions = dirs.map((d) => String(d['direction']));
  if (directions.length === 0) directions.push('NOT_SET');
  const attrs = async (table: string) => {
    const out: Record<string, unknown> = {};
    for (const row of await r.all(`select "key", value_json from ${table} where study_id = ?`, [ref.studyId])) {
      out[String(row['key'])] = parseValue(row['value_json']);
    }
    return out;
  };
  const userAttrs = await attrs('study_user_attributes');
  const systemAttrs = await attrs('study_system_attributes');
  const named = systemAttrs[METRIC_NAMES_ATTR];
  const metricNames = Array.isArray(named) && named.length === directions.length ? named.map(String) : undefined;
  return {
    studyId: ref.studyId,
    name: ref.name,
    targets: directions.map((d) => (d === 'MAXIMIZE' ? 'max' : 'min')),
    directions,
    objectiveNames: directions.map((_, i) => metricNames?.[i] ?? (directions.length === 1 ? 'value' : `values_${i}`)),
    userAttrs,
    systemAttrs,
  };
}

function parseValue(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** The trial count, unfinished count and first and last times of a study. */
export async function readTotals(r: SourceReader, studyId: number): Promise<StudyTotals> {
  const marks = UNFINISHED_STATES.map(() => '?').join(', ');
  const rows = await r.all(
    `select count(*) as trials, sum(case when state in (${marks}) then 1 else 0 end) as unfinished, ` +
      'min(datetime_start) as first_start, max(datetime_complete) as last_complete from trials where study_id = ?',
    [...UNFINISHED_STATES, studyId],
  );
  const row = rows[0] ?? {};
  return {
    trials: Number(row['trials'] ?? 0),
    unfinished: Number(row['unfinished'] ?? 0),
    firstStart: optunaTime(row['first_start']),
    lastComplete: optunaTime(row['last_complete']),
  };
}

/** What the experiment row of an imported study holds (the study as of this sync). */
export interface ExperimentSource {
  info: StudyInfo;
  totals: StudyTotals;
  space: ParamSpec[];
  storage: OptunaStorage;
  schema: string;
  /** When the first sync of this study ran: the creation time of a study without trial times. */
  firstSyncAt: number;
}

/**
 * The experiment of a study: named as the study, `optuna` as proposer, the first objective's
 * direction as target; running while a trial is RUNNING or WAITING, finished otherwise (created
 * when it has no trial); n_samples the trial count. Its config keeps every objective
 * (`objectives`: name and target each) and the study's Optuna facts (`optuna`).
 */
export function experimentFields(s: ExperimentSource): ImportedExperimentFields {
  const { info, totals } = s;
  const status = totals.trials === 0 ? 'created' : totals.unfinished > 0 ? 'running' : 'finished';
  const config: Json = {
    name: info.name,
    proposer: OPTUNA_PROPOSER,
    target: info.targets[0]!,
    n_samples: totals.trials,
    parameter_config: s.space as unknown as Json,
    objectives: info.objectiveNames.map((name, i) => ({ name, target: info.targets[i]! })),
    optuna: {
      storage: s.storage.display,
      study_id: info.studyId,
      study_name: info.name,
      schema_version: s.schema,
      directions: info.directions,
      user_attrs: info.userAttrs as Json,
      system_attrs: info.systemAttrs as Json,
    },
  };
  return {
    name: info.name,
    user: importingUser(),
    proposer: OPTUNA_PROPOSER,
    target: info.targets[0]!,
    nSamples: totals.trials,
    configRaw: config,
    config,
    workingDir: '',
    host: null,
    git: null,
    status,
    createdAt: totals.firstStart ?? s.firstSyncAt,
    startedAt: totals.firstStart,
    endedAt: status === 'finished' ? totals.lastComplete : null,
  };
}

/** Who ran the import: Optuna does not record who ran a study. */
function importingUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
