/**
 * `aup import optuna` without the command line: an Optuna storage (SQLite or PostgreSQL, Optuna
 * 3.x/4.x) opened read-only and checked, its studies synced into an aup store once or followed
 * (docs/decisions/0029-imports.md, docs/reference/cli.md).
 */
import type { ImportStore } from '../../store/store-types.js';
import { checkOptunaSchema } from './schema-version.js';
import { openSourceDb, type SourceDb } from './source-db.js';
import { parseOptunaStorage, type OptunaStorage } from './storage-url.js';
import { listStudies, type StudyRef } from './study-info.js';
import { syncStudy, type StudySyncReport } from './study-sync.js';

export { OPTUNA_SCHEMA_VERSIONS } from './schema-version.js';
export { parseOptunaStorage, type OptunaStorage } from './storage-url.js';
export { studySourceKey, type StudySyncReport } from './study-sync.js';
export type { StudyRef } from './study-info.js';

/** An open Optuna storage: its studies, and syncs of them into a store. */
export class OptunaSource {
  /** The last thing each study's sync wrote, so a follow round that finds nothing new writes nothing. */
  readonly #signatures = new Map<string, string>();

  private constructor(
    readonly storage: OptunaStorage,
    private readonly db: SourceDb,
    /** The storage's alembic version (one of OPTUNA_SCHEMA_VERSIONS). */
    readonly schema: string,
  ) {}

  /**
   * Opens the storage at `url` (Optuna's URL form, or a path to the SQLite file) and checks that
   * it is an Optuna storage of a known schema version: AUP_ERR_DB_URL, AUP_ERR_DB_MISSING,
   * AUP_ERR_DB_OPEN or AUP_ERR_IMPORT_SOURCE otherwise.
   */
  static async open(url: string, cwd: string): Promise<OptunaSource> {
    const storage = parseOptunaStorage(url, cwd);
    const db = await openSourceDb(storage);
    try {
      return new OptunaSource(storage, db, await checkOptunaSchema(db));
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /** The studies to import: those named (each must exist), or all of them. */
  studies(names?: readonly string[]): Promise<StudyRef[]> {
    return listStudies(this.db, names);
  }

  /** Syncs one study into `store` (see syncStudy); a signal stops it between chunks, after writing what it read. */
  async sync(store: ImportStore, study: StudyRef, signal?: AbortSignal): Promise<StudySyncReport> {
    const key = `${study.studyId}`;
    const report = await syncStudy(
      { db: this.db, store, storage: this.storage, schema: this.schema, signal, lastSignature: this.#signatures.get(key) },
      study,
    );
    this.#signatures.set(key, report.signature);
    return report;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

export interface FollowOptions {
  store: ImportStore;
  /** Studies by name; all of the storage's (those made later too) when empty. */
  studies?: readonly string[];
  intervalMs: number;
  /** Ends the follow; a sync under way stops after the chunk it reads, with what it read written. */
  signal: AbortSignal;
  /** One round only (a plain import). */
  once?: boolean;
  /** Told each study's sync that wrote something (and every one of the first round). */
  onSync?: (report: StudySyncReport, round: number) => void;
  /** Told a round that failed; the next round tries again. */
  onRoundError?: (error: unknown, round: number) => void;
  /** Rounds failing in a row before the error ends the follow. */
  maxFailedRounds?: number;
}

/** How many rounds may fail in a row (a database restarting) before following gives up. */
export const MAX_FAILED_ROUNDS = 5;

/**
 * Syncs the studies, then (unless `once`) again every `intervalMs` until `signal` aborts; returns the number of
 * rounds. The first round's errors are thrown (a wrong URL, an unknown study); a later round's are
 * reported and retried, up to `maxFailedRounds` in a row.
 */
export async function followOptuna(source: OptunaSource, o: FollowOptions): Promise<number> {
  let round = 0;
  let failed = 0;
  while (!o.signal.aborted) {
    round++;
    try {
      for (const study of await source.studies(o.studies)) {
        const report = await source.sync(o.store, study, o.signal);
        if (round === 1 || report.experimentId !== undefined) o.onSync?.(report, round);
        if (o.signal.aborted) break;
      }
      failed = 0;
    } catch (e) {
      if (round === 1 || ++failed >= (o.maxFailedRounds ?? MAX_FAILED_ROUNDS)) throw e;
      o.onRoundError?.(e, round);
    }
    if (o.once) break;
    await sleep(o.intervalMs, o.signal);
  }
  return round;
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
