/**
 * The Auptimizer reader (docs/decisions/0029-imports.md): an Auptimizer database's experiments as
 * ImportedExperiments, ready for Store.syncImport. Nothing here knows aup's tables.
 */
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';

import { AupError } from '../../errors.js';
import type { ImportedExperiment } from '../../store/store-types.js';
import type { ExperimentStatus, Json, NormalizedConfig } from '../../types.js';
import { importConfig } from './import-config.js';
import { LiteralSyntaxError, parsePythonish } from './python-literal.js';
import { readAuptimizerDb, type AuptimizerRows, type ExperimentRow } from './source-db.js';
import { millis, toJobs } from './to-jobs.js';

export { locateAuptimizerDb } from './source-db.js';

/** Experiment ids an error lists before it says "...". */
const MAX_IDS_SHOWN = 20;

/** The tool name imports from Auptimizer are recorded under. */
export const AUPTIMIZER_TOOL = 'auptimizer';

/** One Auptimizer experiment, read. */
export interface AuptimizerExperiment {
  /** Its id in the Auptimizer database. */
  eid: number;
  imported: ImportedExperiment;
  /** What could not be read as it is (a config aup's checks refuse, a job config that is not a dict). */
  warnings: string[];
}

export interface ReadAuptimizerOptions {
  /** Only these experiments (Auptimizer's eids); a missing one is AUP_ERR_CLI_USAGE. Default: every one. */
  eids?: readonly number[];
  /** The time an experiment that never started is said to be created at (default: now). */
  now?: number;
}

/**
 * Reads the Auptimizer database `file` (absolute, as locateAuptimizerDb gives it).
 * @throws AupError AUP_ERR_IMPORT_SOURCE when it is not one; AUP_ERR_CLI_USAGE for an eid it lacks.
 */
export function readAuptimizer(file: string, opts: ReadAuptimizerOptions = {}): AuptimizerExperiment[] {
  const eids = opts.eids === undefined ? undefined : [...new Set(opts.eids)];
  const rows = readAuptimizerDb(file, eids);
  if (eids !== undefined) {
    const missing = eids.filter((eid) => !rows.experiments.some((e) => e.eid === eid));
    if (missing.length > 0) {
      const shown =
        rows.allEids.length > MAX_IDS_SHOWN ? `${rows.allEids.slice(0, MAX_IDS_SHOWN).join(', ')}, ...` : rows.allEids.join(', ');
      throw new AupError(
        'AUP_ERR_CLI_USAGE',
        `--experiment ${missing.join(', ')}: ${file} has no experiment with ${missing.length === 1 ? 'this id' : 'these ids'} (${rows.allEids.length === 0 ? 'it has none' : `it has ${shown}`})`,
        { details: { path: file, missing } },
      );
    }
  }
  const now = opts.now ?? Date.now();
  return rows.experiments.map((e) => toExperiment(rows, e, now));
}

/**
 * The folder of the Auptimizer project a database belongs to: the parent of its `.aup` folder, or
 * the database's own folder (relative paths in its configs were relative to where Auptimizer ran).
 */
function projectDirOf(file: string): string {
  const dir = dirname(file);
  return basename(dir) === '.aup' ? dirname(dir) : dir;
}

/**
 * The source key of an experiment: what it is, not where the file lies, so a database copied or
 * moved imports into the same aup experiment. Auptimizer numbers experiments per database, so the
 * number alone does not tell two projects apart; its stored config (written once, when it was
 * created) and its start time (set again when Auptimizer restarts an experiment, deleting its jobs)
 * do. A restarted experiment is therefore a new aup experiment; the earlier run stays as it was.
 */
export function auptimizerSourceKey(e: Pick<ExperimentRow, 'eid' | 'expConfig' | 'startTime'>): string {
  const config = createHash('sha256')
    .update(e.expConfig ?? '')
    .digest('hex')
    .slice(0, 16);
  const start = millis(e.startTime);
  return `${AUPTIMIZER_TOOL}:config=${config}#eid=${e.eid}@${start === null ? 'unstarted' : start / 1000}`;
}

function toExperiment(rows: AuptimizerRows, e: ExperimentRow, now: number): AuptimizerExperiment {
  const warnings: string[] = [];
  const jobRows = rows.jobs.get(e.eid) ?? [];
  let configRaw: Json = null;
  if (e.expConfig !== null) {
    try {
      configRaw = parsePythonish(e.expConfig);
    } catch (err) {
      if (!(err instanceof LiteralSyntaxError)) throw err;
      warnings.push(`its config cannot be read (${err.message}); it is kept as text`);
      configRaw = e.expConfig;
    }
  }
  const rawName = configRaw !== null && typeof configRaw === 'object' && !Array.isArray(configRaw) ? configRaw.name : undefined;
  const name = e.name ?? (typeof rawName === 'string' && rawName !== '' ? rawName : `auptimizer-${e.eid}`);
  const projectDir = projectDirOf(rows.file);
  const cfg = importConfig(configRaw, { name, projectDir, jobCount: jobRows.length });
  if (cfg.warning !== undefined) warnings.push(cfg.warning);

  const startedAt = millis(e.startTime);
  const firstJob = jobRows.map((j) => millis(j.startTime)).find((t) => t !== null);
  const createdAt = startedAt ?? firstJob ?? now;
  const jobs = toJobs(
    jobRows,
    {
      paramNames: paramNamesOf(configRaw, cfg.config),
      labels: cfg.labels,
      intermediate: rows.intermediate,
      multiple: rows.multiple,
      resources: rows.resources,
      warn: (m) => warnings.push(m),
    },
    createdAt,
  );
  const status = experimentStatus(e);
  const imported: ImportedExperiment = {
    tool: AUPTIMIZER_TOOL,
    sourceKey: auptimizerSourceKey(e),
    experiment: {
      name,
      user: (e.uid === null ? undefined : rows.users.get(e.uid)) ?? '',
      proposer: cfg.config.proposer,
      target: cfg.config.target,
      nSamples: cfg.config.n_samples,
      configRaw,
      config: cfg.config as unknown as Json,
      workingDir: cfg.config.workingdir,
      host: { imported_from: AUPTIMIZER_TOOL, file: rows.file, eid: e.eid },
      git: null,
      status,
      error: e.errorMsg,
      createdAt,
      startedAt,
      endedAt: millis(e.endTime),
    },
    jobs,
    cursor: { jobs: jobRows.length, last_jid: jobRows.at(-1)?.jid ?? null },
  };
  return { eid: e.eid, imported, warnings };
}

/** The parameters' names: the search space's, and those of `parameter_config` entries aup's checks refused. */
function paramNamesOf(raw: Json, config: NormalizedConfig): Set<string> {
  const names = new Set(config.parameter_config.map((p) => p.name));
  const items = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw.parameter_config : undefined;
  if (Array.isArray(items)) {
    for (const item of items) {
      const name = item !== null && typeof item === 'object' && !Array.isArray(item) ? item.name : undefined;
      if (typeof name === 'string') names.add(name);
    }
  }
  return names;
}

/**
 * aup's status of an Auptimizer experiment. FINISHED, FAILED, STOPPED and CREATED are the same
 * words. One Auptimizer had not ended (RUNNING, STOPPING, REQUEST_STOP, or no status and no end
 * time) is `stopped`: no aup driver runs it, and a later import brings what Auptimizer did since.
 * The first releases wrote no status: an end time then means it ended, taken as finished.
 */
export function experimentStatus(e: Pick<ExperimentRow, 'status' | 'endTime'>): ExperimentStatus {
  switch (e.status?.toUpperCase()) {
    case 'FINISHED':
      return 'finished';
    case 'FAILED':
      return 'failed';
    case 'CREATED':
      return 'created';
    case undefined:
      return millis(e.endTime) === null ? 'stopped' : 'finished';
    default:
      return 'stopped';
  }
}
