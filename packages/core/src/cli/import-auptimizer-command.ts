/**
 * `aup import auptimizer PATH` (docs/reference/cli.md): an Auptimizer database's experiments into
 * the aup store, through Store.syncImport, so that importing again adds only what is new.
 */
import type { Command } from 'commander';

import { AupError } from '../errors.js';
import { locateAuptimizerDb, readAuptimizer, type AuptimizerExperiment } from '../import/auptimizer/read-auptimizer.js';
import { openStore } from '../store/index.js';
import type { ImportSyncResult } from '../store/store-types.js';

/** What the command writes to and resolves PATH against (import-command.ts's ImportCliIo fits it). */
export interface AuptimizerCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

interface AuptimizerFlags {
  db?: string;
  experiment: number[];
  dryRun?: boolean;
  json?: boolean;
}

/** One experiment in `--json` output (docs/reference/cli.md). */
interface ExperimentReport {
  auptimizer_eid: number;
  name: string;
  status: string;
  source_key: string;
  jobs: number;
  /** The aup experiment it is in; null with --dry-run. */
  experiment_id: number | null;
  created: boolean | null;
  jobs_added: number | null;
  jobs_updated: number | null;
  jobs_unchanged: number | null;
  warnings: string[];
}

function collectEid(value: string, previous: number[]): number[] {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new AupError('AUP_ERR_CLI_USAGE', `--experiment: expected an Auptimizer experiment id (a positive integer), found "${value}"`);
  }
  return [...previous, n];
}

/** Adds `aup import auptimizer` under `aup import`. */
export function addImportAuptimizerCommand(parent: Command, io: AuptimizerCliIo, dbOption: string, dbHelp: string): void {
  parent
    .command('auptimizer')
    .description(
      "bring an Auptimizer project's experiments (its .aup/sqlite3.db) into the aup store; importing again adds only what is new",
    )
    .argument('<path>', 'the Auptimizer database (.aup/sqlite3.db), or the project folder holding it')
    .option(dbOption, dbHelp)
    .option('--experiment <eid>', 'import only this Auptimizer experiment (repeatable)', collectEid, [])
    .option('--dry-run', 'read and check the database and say what it holds; write nothing')
    .option('--json', 'print JSON')
    .action(async (path: string, o: AuptimizerFlags) => {
      const file = locateAuptimizerDb(path, io.cwd);
      // The whole source is read and checked before the store is opened: a bad file changes nothing.
      const experiments = readAuptimizer(file, o.experiment.length > 0 ? { eids: o.experiment } : {});
      for (const e of experiments) {
        for (const w of e.warnings) io.stderr.write(`aup: warning: auptimizer experiment ${e.eid} (${e.imported.experiment.name}): ${w}\n`);
      }
      if (o.dryRun === true) {
        report(io, o, file, null, experiments, []);
        return;
      }
      const store = await openStore(o.db, { cwd: io.cwd });
      try {
        const results: ImportSyncResult[] = [];
        for (const e of experiments) {
          const result = await store.syncImport(e.imported);
          results.push(result);
          if (o.json !== true) io.stdout.write(`${line(e, result)}\n`);
        }
        report(io, o, file, store.url, experiments, results);
      } finally {
        await store.close();
      }
    });
}

/** `imported auptimizer experiment 3 (quad, finished) as aup experiment 7: 12 jobs (12 new)`. */
function line(e: AuptimizerExperiment, r: ImportSyncResult): string {
  const x = e.imported.experiment;
  const counts = [
    r.jobsAdded > 0 ? `${r.jobsAdded} new` : '',
    r.jobsUpdated > 0 ? `${r.jobsUpdated} updated` : '',
    r.jobsUnchanged > 0 ? `${r.jobsUnchanged} unchanged` : '',
  ].filter((s) => s !== '');
  const jobs = `${e.imported.jobs.length} job${e.imported.jobs.length === 1 ? '' : 's'}`;
  return `imported auptimizer experiment ${e.eid} (${x.name}, ${x.status}) as aup experiment ${r.experimentId}: ${jobs}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`;
}

/** The JSON report, or the text that follows the per-experiment lines. */
function report(
  io: AuptimizerCliIo,
  o: AuptimizerFlags,
  file: string,
  database: string | null,
  experiments: AuptimizerExperiment[],
  results: ImportSyncResult[],
): void {
  if (o.json === true) {
    const rows: ExperimentReport[] = experiments.map((e, i) => {
      const r = results[i];
      return {
        auptimizer_eid: e.eid,
        name: e.imported.experiment.name,
        status: e.imported.experiment.status,
        source_key: e.imported.sourceKey,
        jobs: e.imported.jobs.length,
        experiment_id: r?.experimentId ?? null,
        created: r?.created ?? null,
        jobs_added: r?.jobsAdded ?? null,
        jobs_updated: r?.jobsUpdated ?? null,
        jobs_unchanged: r?.jobsUnchanged ?? null,
        warnings: e.warnings,
      };
    });
    io.stdout.write(`${JSON.stringify({ source: file, database, dry_run: o.dryRun === true, experiments: rows }, null, 2)}\n`);
    return;
  }
  if (database === null) {
    for (const e of experiments) {
      const x = e.imported.experiment;
      io.stdout.write(`auptimizer experiment ${e.eid} (${x.name}, ${x.status}): ${e.imported.jobs.length} jobs, would be imported\n`);
    }
    io.stdout.write(`${experiments.length} experiment(s) in ${file}; nothing written (--dry-run)\n`);
    return;
  }
  if (experiments.length === 0) io.stdout.write(`no experiments in ${file}\n`);
  else io.stdout.write(`results: ${database} (aup list${o.db === undefined ? '' : ` --db ${database}`})\n`);
}
