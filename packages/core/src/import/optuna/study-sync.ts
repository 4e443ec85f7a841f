/**
 * One sync of one Optuna study into the aup store: the trials that can have changed since the
 * import's cursor are read, a chunk at a time, and handed to Store.syncImport, which adds new
 * ones, replaces changed ones and leaves the rest (docs/decisions/0029-imports.md). `aup import
 * optuna` runs it once per study; `--follow` runs it again every few seconds.
 *
 * What can have changed: trials with an id above the highest one already read (`settled`), and
 * those that were RUNNING or WAITING when last read (their state, values, intermediate values
 * and attributes move while they run; a finished trial does not change in Optuna). On PostgreSQL
 * a trial can commit after one with a higher id (ids come from a sequence, commits in any order),
 * so ids read above `settled` are kept (`tail`) until every transaction that was running when
 * they were read has ended (`pending`, from txid_current_snapshot); then the range is listed once
 * more and any trial that appeared in it is read.
 */
import type { ImportedJob, ImportStore } from '../../store/store-types.js';
import type { Json, ParamSpec } from '../../types.js';
import { mergeSpecs } from './distributions.js';
import type { SourceDb } from './source-db.js';
import type { OptunaStorage } from './storage-url.js';
import { experimentFields, readStudyInfo, readTotals, type StudyRef, type StudyTotals } from './study-info.js';
import { readTrialChunk, type StudyInfo } from './trial-reader.js';

/** Trials read per read transaction: short enough that a study writing to SQLite waits milliseconds. */
export const TRIALS_PER_READ = 1_000;
/** Trials handed to one Store.syncImport call: memory stays bounded, and an import cut short keeps what was written. */
export const TRIALS_PER_SYNC = 10_000;

/** The reader's position in one study, kept by the store between syncs (ImportRecord.cursor). */
export interface OptunaCursor {
  /** The cursor's layout; another is read as no cursor (the next sync reads every trial once). */
  reader: 1;
  /** Every trial of the study with an id up to this one has been read. */
  settled: number;
  /** Ids above `settled` already read (PostgreSQL: while earlier ids may still commit). */
  tail: number[];
  /** The highest id listed by the last sync, settled once every transaction below `xmax` has ended. */
  pending: { xmax: number; maxId: number } | null;
  /** Trials RUNNING or WAITING when last read: read again on every sync. */
  unfinished: number[];
  /** The search space so far (parameter_config), merged over every trial read. */
  space: ParamSpec[];
  firstSyncAt: number;
}

export interface StudySyncOptions {
  db: SourceDb;
  store: ImportStore;
  storage: OptunaStorage;
  /** The storage's alembic version, kept in the experiment's config. */
  schema: string;
  /** Stops the sync after the chunk being read; what was read is written first. */
  signal?: AbortSignal;
  /** What the previous sync of this study in this process wrote (StudySyncReport.signature): an unchanged study is not written again. */
  lastSignature?: string;
  trialsPerSync?: number;
  now?: () => number;
}

/** What one sync of one study did. */
export interface StudySyncReport {
  study: StudyRef;
  sourceKey: string;
  /** The experiment (undefined when nothing was written: the study had not changed). */
  experimentId: number | undefined;
  created: boolean;
  added: number;
  updated: number;
  unchanged: number;
  /** The study's trials and how many of them are RUNNING or WAITING. */
  totals: StudyTotals;
  /** Whether a signal cut the sync short. */
  stopped: boolean;
  /** The experiment fields and cursor written, to pass as lastSignature next time. */
  signature: string;
}

/** The source key of a study: the tool, the storage without its password, the study's id. */
export function studySourceKey(storage: OptunaStorage, studyId: number): string {
  return `optuna:${storage.key}#study=${studyId}`;
}

/** Syncs one study: reads what can have changed since its cursor, and writes it. */
export async function syncStudy(o: StudySyncOptions, ref: StudyRef): Promise<StudySyncReport> {
  const now = o.now ?? Date.now;
  const sourceKey = studySourceKey(o.storage, ref.studyId);
  const stored = readCursor((await o.store.findImport(sourceKey))?.cursor);
  const before: OptunaCursor = stored ?? { reader: 1, settled: 0, tail: [], pending: null, unfinished: [], space: [], firstSyncAt: now() };
  const c: OptunaCursor = structuredClone(before);
  const run = new SyncRun(o, ref, sourceKey, before);

  const late = await settle(o.db, ref, c);
  const { info, totals, listed, mark } = await o.db.read(async (r, m) => ({
    info: await readStudyInfo(r, ref),
    totals: await readTotals(r, ref.studyId),
    listed: (
      await r.all('select trial_id from trials where study_id = ? and trial_id > ? order by trial_id', [ref.studyId, c.settled])
    ).map((x) => Number(x['trial_id'])),
    mark: m,
  }));
  run.info = info;
  run.totals = totals;
  const tail = new Set(c.tail);
  const ids = [...new Set([...late, ...listed.filter((id) => !tail.has(id)), ...c.unfinished])].sort((a, b) => a - b);
  if (!(await run.read(ids))) return run.finish(undefined);

  const maxListed = listed.at(-1) ?? c.settled;
  if (mark === undefined) {
    c.settled = Math.max(c.settled, maxListed);
    c.tail = [];
  } else {
    c.tail = [...new Set([...c.tail, ...listed])].filter((id) => id > c.settled);
    if (maxListed > c.settled) c.pending = { xmax: mark.xmax, maxId: maxListed };
    // Usually every transaction running at the listing has ended by now: settle at once.
    if (!(await run.read(await settle(o.db, ref, c)))) return run.finish(undefined);
  }
  c.unfinished = run.unfinished;
  c.space = run.space;
  return run.finish(c);
}

/**
 * When every transaction that was running at the last listing has ended, lists the ids up to
 * the pending mark once more and returns those not read yet; `c` is settled up to the mark.
 */
async function settle(db: SourceDb, ref: StudyRef, c: OptunaCursor): Promise<number[]> {
  const pending = c.pending;
  if (pending === null) return [];
  return db.read(async (r, mark) => {
    if (mark === undefined || mark.xmin < pending.xmax) return [];
    const rows = await r.all('select trial_id from trials where study_id = ? and trial_id > ? and trial_id <= ? order by trial_id', [
      ref.studyId,
      c.settled,
      pending.maxId,
    ]);
    const seen = new Set(c.tail);
    const missing = rows.map((x) => Number(x['trial_id'])).filter((id) => !seen.has(id));
    c.settled = pending.maxId;
    c.tail = c.tail.filter((id) => id > pending.maxId);
    c.pending = null;
    return missing;
  });
}

/** The state of one sync: the jobs read and not yet written, the space, the counts. */
class SyncRun {
  info: StudyInfo | undefined;
  totals: StudyTotals = { trials: 0, unfinished: 0, firstStart: null, lastComplete: null };
  readonly unfinished: number[] = [];
  space: ParamSpec[];
  #jobs: ImportedJob[] = [];
  #report: Omit<StudySyncReport, 'totals' | 'signature' | 'stopped'> & { stopped: boolean };

  constructor(
    private readonly o: StudySyncOptions,
    ref: StudyRef,
    private readonly sourceKey: string,
    /** The stored cursor: what a write before the end of the sync keeps, so a sync cut short is read again. */
    private readonly before: OptunaCursor,
  ) {
    this.space = before.space;
    this.#report = { study: ref, sourceKey, experimentId: undefined, created: false, added: 0, updated: 0, unchanged: 0, stopped: false };
  }

  /** Reads the trials `ids` a chunk at a time, writing every TRIALS_PER_SYNC; false when the signal stopped it. */
  async read(ids: number[]): Promise<boolean> {
    const perSync = this.o.trialsPerSync ?? TRIALS_PER_SYNC;
    for (let i = 0; i < ids.length; i += TRIALS_PER_READ) {
      // SQLite answers synchronously: without a turn of the event loop a signal would wait for the whole import.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.o.signal?.aborted) {
        this.#report.stopped = true;
        return false;
      }
      const chunk = await this.o.db.read((r) => readTrialChunk(r, this.info!, ids.slice(i, i + TRIALS_PER_READ), this.before.firstSyncAt));
      this.#jobs.push(...chunk.jobs);
      this.unfinished.push(...chunk.unfinished);
      this.space = mergeSpace(this.space, chunk.specs);
      if (this.#jobs.length >= perSync) await this.#write({ ...this.before, space: this.space });
    }
    return true;
  }

  /** Writes what is left with the final cursor (undefined: the sync was cut short, keep the stored one). */
  async finish(cursor: OptunaCursor | undefined): Promise<StudySyncReport> {
    const final = cursor ?? { ...this.before, space: this.space };
    const signature = JSON.stringify([this.#fields(final), final]);
    if (this.#jobs.length > 0 || signature !== this.o.lastSignature) await this.#write(final);
    return { ...this.#report, totals: this.totals, signature };
  }

  #fields(cursor: OptunaCursor) {
    return experimentFields({
      info: this.info!,
      totals: this.totals,
      space: this.space,
      storage: this.o.storage,
      schema: this.o.schema,
      firstSyncAt: cursor.firstSyncAt,
    });
  }

  async #write(cursor: OptunaCursor): Promise<void> {
    const jobs = this.#jobs;
    this.#jobs = [];
    const r = await this.o.store.syncImport({
      tool: 'optuna',
      sourceKey: this.sourceKey,
      experiment: this.#fields(cursor),
      jobs,
      cursor: cursor as unknown as Json,
    });
    this.#report.experimentId = r.experimentId;
    this.#report.created ||= r.created;
    this.#report.added += r.jobsAdded;
    this.#report.updated += r.jobsUpdated;
    this.#report.unchanged += r.jobsUnchanged;
  }
}

/** `space` with `specs` merged in: a parameter seen again keeps its place and widens to hold both. */
export function mergeSpace(space: readonly ParamSpec[], specs: readonly ParamSpec[]): ParamSpec[] {
  const out = [...space];
  for (const spec of specs) {
    const i = out.findIndex((s) => s.name === spec.name);
    if (i < 0) out.push(spec);
    else out[i] = mergeSpecs(out[i]!, spec);
  }
  return out;
}

/** A stored cursor of this layout, or undefined (none yet, or another reader's). */
function readCursor(json: Json | undefined): OptunaCursor | undefined {
  const c = json as Partial<OptunaCursor> | null | undefined;
  if (c === null || typeof c !== 'object' || c.reader !== 1) return undefined;
  if (typeof c.settled !== 'number' || !Array.isArray(c.tail) || !Array.isArray(c.unfinished) || !Array.isArray(c.space)) return undefined;
  if (typeof c.firstSyncAt !== 'number') return undefined;
  return {
    reader: 1,
    settled: c.settled,
    tail: c.tail,
    pending: c.pending ?? null,
    unfinished: c.unfinished,
    space: c.space,
    firstSyncAt: c.firstSyncAt,
  };
}
