/**
 * `aup import optuna STORAGE_URL [--study NAME ...] [--follow [--interval S]]` (docs/reference/cli.md):
 * Optuna studies as aup experiments, once or followed live, through the reader in
 * import/optuna/ and Store.syncImport (docs/decisions/0029-imports.md).
 */
import type { Command } from 'commander';

import { AupError } from '../errors.js';
import { followOptuna, OptunaSource, type StudySyncReport } from '../import/optuna/index.js';
import { openStore, parseDbUrl } from '../store/index.js';
import type { Store } from '../store/store-types.js';
import type { ImportCliIo } from './import-command.js';

/** `--interval`'s default, seconds: a live study shows on the board a moment after Optuna writes it. */
export const DEFAULT_FOLLOW_INTERVAL_S = 2;
/** The shortest `--interval`, seconds: each round reads the storage, so faster only loads it. */
export const MIN_FOLLOW_INTERVAL_S = 0.1;

interface OptunaFlags {
  db?: string;
  study?: string[];
  follow?: boolean;
  interval?: number;
}

/** `--interval <seconds>`: a number of seconds, at least MIN_FOLLOW_INTERVAL_S. */
export function parseInterval(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < MIN_FOLLOW_INTERVAL_S) {
    throw new AupError('AUP_ERR_CLI_USAGE', `--interval: expected seconds, at least ${MIN_FOLLOW_INTERVAL_S}, found "${value}"`, {
      details: { option: '--interval' },
    });
  }
  return n;
}

/** Adds `aup import optuna` under `aup import`. */
export function addImportOptunaCommand(parent: Command, io: ImportCliIo, dbOption: string, dbHelp: string): void {
  parent
    .command('optuna')
    .description('import Optuna studies (SQLite or PostgreSQL storage, Optuna 3.x/4.x) as experiments; --follow keeps them up to date live')
    .argument(
      '<storage>',
      'the storage URL as given to Optuna (sqlite:///study.db, postgresql://user@host/db) or the path of its SQLite file',
    )
    .option(dbOption, `the aup database to import into: ${dbHelp.replace(/^database: /, '')}`)
    .option(
      '--study <name>',
      'import this study only (repeatable; default: every study of the storage)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--follow', 'keep importing new and changed trials until Ctrl-C, so aup-board shows running studies live')
    .option(
      '--interval <seconds>',
      `with --follow: seconds between reads of the storage (default ${DEFAULT_FOLLOW_INTERVAL_S})`,
      parseInterval,
    )
    // A usage error is one line, as for the other commands (main.ts sets this for the top-level ones).
    .configureOutput({
      outputError: (message, write) => write(`aup: ${usageLine(message)} ("aup import optuna --help" lists its options)\n`),
    })
    .action(async (url: string, o: OptunaFlags) => {
      if (o.interval !== undefined && !o.follow) {
        throw new AupError('AUP_ERR_CLI_USAGE', '--interval is given without --follow: add --follow to keep importing', {
          details: { option: '--interval' },
        });
      }
      await runImport(url, o, io);
    });
}

async function runImport(url: string, o: OptunaFlags, io: ImportCliIo): Promise<void> {
  const source = await OptunaSource.open(url, io.cwd);
  try {
    await source.studies(o.study);
    const store = await openStore(o.db, { cwd: io.cwd });
    try {
      await withStop(io, (signal) => importRounds(source, store, o, io, signal), o.follow === true);
    } finally {
      await store.close();
    }
  } finally {
    await source.close();
  }
}

/** One import, or a follow until the signal, printing a line per study synced. */
async function importRounds(source: OptunaSource, store: Store, o: OptunaFlags, io: ImportCliIo, signal: AbortSignal): Promise<void> {
  const into = parseDbUrl(o.db, io.cwd).display;
  const interval = o.interval ?? DEFAULT_FOLLOW_INTERVAL_S;
  if (o.follow) io.stdout.write(`following ${source.storage.display} into ${into} every ${interval} s (Ctrl-C stops)\n`);
  const seen = new Map<number, number>();
  let cut = false;
  const rounds = await followOptuna(source, {
    store,
    studies: o.study,
    intervalMs: interval * 1000,
    signal,
    once: !o.follow,
    onSync: (r, round) => {
      if (r.experimentId !== undefined) seen.set(r.study.studyId, r.experimentId);
      cut ||= r.stopped;
      io.stdout.write(`${syncLine(r, round)}\n`);
    },
    onRoundError: (e, round) => io.stderr.write(`aup: warning: round ${round} failed, trying again: ${(e as Error).message}\n`),
  });
  if (o.follow) io.stdout.write(`stopped following after ${rounds} round(s)\n`);
  const ids = [...seen.values()];
  const db = o.db === undefined ? '' : ` --db ${into}`;
  if (ids.length > 0) io.stdout.write(`see them: aup show ${ids[0]}${db}  or  aup-board${db}\n`);
  // A plain import cut short by Ctrl-C did not bring everything; a follow ends that way.
  if ((cut || signal.aborted) && !o.follow) {
    io.stderr.write('aup: the import was stopped before the end; the next `aup import optuna` goes on from there\n');
    process.exitCode = 1;
  }
}

/** Commander's error text as one line: `error: ` dropped, its "(Did you mean x?)" line joined on. */
function usageLine(message: string): string {
  return message
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*\(Did you mean (.*)\)$/, '; did you mean $1')
    .replace(/\s*\n\s*/g, ' ');
}

/** One line per study synced: what it became and what changed. */
function syncLine(r: StudySyncReport, round: number): string {
  const what = r.experimentId === undefined ? 'unchanged' : `experiment ${r.experimentId}${r.created ? ' (new)' : ''}`;
  const changes = `${r.added} trial(s) added, ${r.updated} updated`;
  const live = r.totals.unfinished > 0 ? `, ${r.totals.unfinished} running or waiting` : '';
  const cut = r.stopped ? '; stopped before the end' : '';
  const when = round > 1 ? `${new Date().toISOString().slice(11, 19)} ` : '';
  return `${when}optuna study "${r.study.name}" → ${what}: ${changes} (${r.totals.trials} trials${live})${cut}`;
}

/**
 * Runs `fn` with a signal that SIGINT/SIGTERM (and io.signal) abort: the import stops after the
 * chunk it is reading, with what it read written. A second signal exits at once.
 */
async function withStop(io: ImportCliIo, fn: (signal: AbortSignal) => Promise<void>, follow: boolean): Promise<void> {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++count > 1) process.exit(130);
    io.stderr.write(`\naup: ${sig} received: ${follow ? 'stopping the follow' : 'stopping the import'} (press again to quit at once)\n`);
    controller.abort(sig);
  };
  const onAbort = () => controller.abort(io.signal?.reason);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  io.signal?.addEventListener('abort', onAbort, { once: true });
  if (io.signal?.aborted) onAbort();
  try {
    await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.signal?.removeEventListener('abort', onAbort);
  }
}
