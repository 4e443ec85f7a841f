// `aup import optuna` without the CLI: real studies made by Optuna 3.1 (/usr/bin/python3) in a
// SQLite file and in a PostgreSQL database, imported into an aup store on each database, and
// checked against what Optuna's own API reads from the same storage.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { forEachDatabase, testDatabases } from '../../../../../test/setup/databases.js';
import {
  dumpedNumber,
  dumpStudies,
  makeStudies,
  optunaOrSkip,
  optunaPostgresUrl,
  startLiveStudy,
  until,
  type DumpedStudy,
} from '../../../../../test/setup/optuna.js';
// @ts-expect-error: the benchmark's study builder is plain JavaScript, without types.
import { addTrialsPostgres, addTrialsSqlite, createStudyWithOptuna } from '../../../../../test/bench/import-optuna/make-study.mjs';
import { openStore } from '../../store/open-store.js';
import type { ImportStore, Store } from '../../store/store-types.js';
import { followOptuna, OptunaSource, type StudySyncReport } from './index.js';
import { openSourceDb } from './source-db.js';
import { parseOptunaStorage } from './storage-url.js';
import { syncStudy } from './study-sync.js';

const optuna = optunaOrSkip();

const STATUS = { RUNNING: 'running', WAITING: 'queued', COMPLETE: 'finished', PRUNED: 'early_stopped', FAIL: 'failed' } as const;

/** One sync of every study (or those named) of `storage` into `store`. */
async function importOnce(store: Store, storage: string, studies?: string[]): Promise<StudySyncReport[]> {
  const source = await OptunaSource.open(storage, tmpdir());
  const reports: StudySyncReport[] = [];
  try {
    await followOptuna(source, {
      store,
      studies,
      intervalMs: 0,
      once: true,
      signal: new AbortController().signal,
      onSync: (r) => reports.push(r),
    });
  } finally {
    await source.close();
  }
  return reports;
}

/** Checks every study of `dump` against the experiment the import made of it. */
async function expectLikeOptuna(store: Store, dump: DumpedStudy[]): Promise<void> {
  const experiments = await store.listExperiments();
  for (const study of dump) {
    const exp = experiments.find((e) => e.name === study.name)!;
    expect(exp, study.name).toBeDefined();
    const running = study.trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING');
    expect(exp).toMatchObject({
      proposer: 'optuna',
      target: study.directions[0] === 'MAXIMIZE' ? 'max' : 'min',
      nSamples: study.trials.length,
      status: study.trials.length === 0 ? 'created' : running ? 'running' : 'finished',
    });
    expect((exp.config as { optuna: object }).optuna).toMatchObject({
      study_name: study.name,
      user_attrs: study.user_attrs,
      directions: study.directions,
    });
    const jobs = await store.listJobs(exp.id);
    expect(jobs.map((j) => j.trial).sort((a, b) => a - b)).toEqual(study.trials.map((t) => t.number));
    for (const t of study.trials) {
      const job = jobs.find((j) => j.trial === t.number)!;
      const where = `${study.name} trial ${t.number}`;
      expect(job.status, where).toBe(STATUS[t.state]);
      expect(job.params, where).toEqual(Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, v === null ? 'None' : v])));
      expect(job.score, where).toBe(t.values === null ? null : dumpedNumber(t.values[0]!));
      const metrics: Record<string, number> = {};
      if (study.directions.length > 1) {
        const names = (study.system_attrs['study:metric_names'] as string[] | undefined) ?? study.directions.map((_, i) => `values_${i}`);
        t.values?.forEach((v, i) => (metrics[names[i]!] = dumpedNumber(v)));
      }
      const texts: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(t.user_attrs)) {
        if (typeof v === 'number') metrics[`user_attrs.${k}`] = v;
        else texts[`user_attrs.${k}`] = v;
      }
      for (const [k, v] of Object.entries(t.system_attrs)) texts[`system_attrs.${k}`] = v;
      expect(job.metrics, where).toEqual(metrics);
      const records = await store.listTextRecords(job.id);
      expect(Object.fromEntries(records.map((r) => [r.name, (r.payload as { text: string }).text])), where).toEqual(
        Object.fromEntries(
          Object.entries(texts).map(([k, v]) => [
            k,
            typeof v === 'string' ? v : expect.toSatisfy((text: string) => JSON.stringify(JSON.parse(text)) === JSON.stringify(v)),
          ]),
        ),
      );
      const series = (await store.listIntermediate(job.id)).map((r) => [r.label, r.step, r.value]);
      const finite = Object.entries(t.intermediate_values).filter(([, v]) => Number.isFinite(dumpedNumber(v)));
      expect(series, where).toEqual(finite.map(([step, v]) => ['score', Number(step), v]));
      expect([job.startedAt, job.endedAt], where).toEqual([t.datetime_start, t.datetime_complete]);
    }
  }
}

describe.skipIf(!optuna.available)('aup import optuna', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aup-import-optuna-'));
  const sqliteFile = join(dir, 'optuna.db');
  const pgOptuna = testDatabases().find((d) => d.dialect === 'postgres')!;
  let pgStorage = '';
  let sqliteDump: DumpedStudy[] = [];
  let pgDump: DumpedStudy[] = [];

  beforeAll(async () => {
    makeStudies(`sqlite:///${sqliteFile}`);
    sqliteDump = dumpStudies(`sqlite:///${sqliteFile}`);
    // Optuna's own database beside the tests' aup databases on the test server.
    pgStorage = await pgOptuna.fresh();
    makeStudies(optunaPostgresUrl(pgStorage));
    pgDump = dumpStudies(optunaPostgresUrl(pgStorage));
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the studies the tests expect (the fixture itself)', () => {
    expect(sqliteDump.map((s) => [s.name, s.directions, s.trials.length])).toEqual([
      ['mixed', ['MINIMIZE'], 13],
      ['maximise', ['MAXIMIZE'], 6],
      ['multi', ['MINIMIZE', 'MAXIMIZE'], 5],
    ]);
    const states = sqliteDump[0]!.trials.map((t) => t.state);
    expect(states.filter((s) => s === 'PRUNED')).toHaveLength(2);
    expect(states.filter((s) => s === 'FAIL')).toHaveLength(1);
    expect(states.at(-1)).toBe('WAITING');
  });

  forEachDatabase('into', (db) => {
    it('brings every study of a SQLite storage as Optuna reads it: states, params, values, intermediate values, attributes, times', async () => {
      const store = await openStore(await db.fresh());
      try {
        const reports = await importOnce(store, `sqlite:///${sqliteFile}`);
        expect(reports.map((r) => [r.study.name, r.created, r.added, r.updated])).toEqual([
          ['mixed', true, 13, 0],
          ['maximise', true, 6, 0],
          ['multi', true, 5, 0],
        ]);
        await expectLikeOptuna(store, sqliteDump);
        const mixed = (await store.listExperiments()).find((e) => e.name === 'mixed')!;
        expect((mixed.config as { parameter_config: unknown }).parameter_config).toEqual([
          { name: 'x', type: 'float', range: [-10, 10] },
          { name: 'lr', type: 'float', range: [1e-5, 0.1], log: true },
          { name: 'q', type: 'float', range: [0, 5], interval: 0.5 },
          { name: 'n', type: 'int', range: [1, 10] },
          { name: 'k', type: 'int', range: [0, 10], interval: 2 },
          { name: 'width', type: 'int', range: [1, 64], log: true },
          { name: 'opt', type: 'choice', range: ['adam', 'sgd'] },
          { name: 'flag', type: 'choice', range: [true, false] },
          { name: 'size', type: 'choice', range: [16, 32, 64] },
          { name: 'maybe', type: 'choice', range: ['None', 'a'] },
        ]);
        // The best job by the runner's rule: finished, finite score (the infinite one is not it).
        const best = Math.min(
          ...sqliteDump[0]!.trials
            .filter((t) => t.state === 'COMPLETE')
            .map((t) => dumpedNumber(t.values![0]!))
            .filter(Number.isFinite),
        );
        expect(mixed.bestScore).toBe(best);
        const multi = (await store.listExperiments()).find((e) => e.name === 'multi')!;
        expect((multi.config as { objectives: unknown }).objectives).toEqual([
          { name: 'loss', target: 'min' },
          { name: 'accuracy', target: 'max' },
        ]);
        expect(await store.getImport(multi.id)).toMatchObject({
          tool: 'optuna',
          sourceKey: expect.stringMatching(/^optuna:sqlite:\/\/\/.*optuna\.db#study=3$/),
        });
      } finally {
        await store.close();
      }
    });

    it('stopped by its signal, keeps the trials it read, and the next sync brings the rest, none twice', async () => {
      const file = join(dir, `big-${db.kind}.db`);
      createStudyWithOptuna(`sqlite:///${file}`, 'big');
      addTrialsSqlite(file, 1, 0, 2_500);
      const store = await openStore(await db.fresh());
      const source = await openSourceDb(parseOptunaStorage(file, dir));
      try {
        const stop = new AbortController();
        // Stopped as the first 1,000 trials are written: the sync ends after the chunk it reads then.
        const stopping: ImportStore = {
          findImport: (key) => store.findImport(key),
          getImport: (id) => store.getImport(id),
          syncImport: (input) => {
            stop.abort();
            return store.syncImport(input);
          },
        };
        const options = { db: source, store: stopping, storage: parseOptunaStorage(file, dir), schema: 'v3.0.0.d', trialsPerSync: 1_000 };
        const ref = { studyId: 1, name: 'big' };
        const cut = await syncStudy({ ...options, signal: stop.signal }, ref);
        expect([cut.stopped, cut.added]).toEqual([true, 1_000]);
        const rest = await syncStudy({ ...options, store }, ref);
        expect([rest.stopped, rest.added, rest.unchanged]).toEqual([false, 1_500, 1_000]);
        const exp = (await store.listExperiments())[0]!;
        const jobs = await store.listJobs(exp.id);
        expect(jobs.map((j) => j.trial)).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
        expect(exp).toMatchObject({ status: 'finished', nSamples: 2_500 });
        expect((await store.getImport(exp.id))!.cursor).toMatchObject({ settled: 2_500, tail: [], unfinished: [] });
      } finally {
        await source.close();
        await store.close();
      }
    });

    it('adds nothing when run again, and brings the same from a PostgreSQL storage', async () => {
      const store = await openStore(await db.fresh());
      try {
        await importOnce(store, `sqlite:///${sqliteFile}`);
        const before = await store.listExperiments();
        const jobsBefore = await Promise.all(before.map((e) => store.listJobs(e.id)));
        const again = await importOnce(store, sqliteFile);
        expect(again.map((r) => [r.created, r.added, r.updated])).toEqual([
          [false, 0, 0],
          [false, 0, 0],
          [false, 0, 0],
        ]);
        expect(await store.listExperiments()).toEqual(before);
        expect(await Promise.all(before.map((e) => store.listJobs(e.id)))).toEqual(jobsBefore);

        const reports = await importOnce(store, pgStorage, ['multi', 'mixed']);
        expect(reports.map((r) => [r.study.name, r.created, r.added])).toEqual([
          ['mixed', true, 13],
          ['multi', true, 5],
        ]);
        const fromPg = (await store.listExperiments()).filter((e) => !before.some((b) => b.id === e.id));
        expect(fromPg.map((e) => e.name).sort()).toEqual(['mixed', 'multi']);
        // Separate stores for the comparison: each study name once in each.
        const pgStore = await openStore(await db.fresh());
        try {
          await importOnce(pgStore, pgStorage);
          await expectLikeOptuna(pgStore, pgDump);
        } finally {
          await pgStore.close();
        }
      } finally {
        await store.close();
      }
    });
  });

  describe('on a PostgreSQL storage that changes under the import', () => {
    let growing = '';
    beforeAll(async () => {
      growing = await pgOptuna.fresh();
      createStudyWithOptuna(optunaPostgresUrl(growing), 'growing');
      await addTrialsPostgres(growing, 1, 0, 5);
    }, 120_000);

    it('imports a trial that commits after one with a higher id (PostgreSQL: ids from a sequence, commits in any order)', async () => {
      const storeDb = testDatabases()[0]!;
      const store = await openStore(await storeDb.fresh());
      const a = new pg.Client({ connectionString: growing });
      const b = new pg.Client({ connectionString: growing });
      await a.connect();
      await b.connect();
      // A trial as Optuna writes one: its row, then its value, in one transaction.
      const addTrial = async (c: pg.Client, number: number) => {
        const { rows } = await c.query<{ trial_id: number }>(
          "insert into trials (number, study_id, state, datetime_start, datetime_complete) values ($1, 1, 'COMPLETE', now(), now()) returning trial_id",
          [number],
        );
        await c.query("insert into trial_values (trial_id, objective, value, value_type) values ($1, 0, $2, 'FINITE')", [
          rows[0]!.trial_id,
          number,
        ]);
        return rows[0]!.trial_id;
      };
      try {
        await importOnce(store, growing, ['growing']);
        await a.query('begin');
        const early = await addTrial(a, 100);
        const later = await addTrial(b, 101);
        expect(later).toBeGreaterThan(early);
        const first = await importOnce(store, growing, ['growing']);
        expect(first[0]!.added).toBe(1);
        await a.query('commit');
        const second = await importOnce(store, growing, ['growing']);
        expect(second[0]!.added).toBe(1);
        const exp = (await store.listExperiments())[0]!;
        expect((await store.listJobs(exp.id)).map((j) => j.trial).slice(-2)).toEqual([101, 100]);
        // Settled now: the cursor holds no ids above the highest one read.
        expect((await store.getImport(exp.id))!.cursor).toMatchObject({ settled: later, tail: [], pending: null });
      } finally {
        await a.query('rollback').catch(() => undefined);
        await a.end();
        await b.end();
        await store.close();
      }
    });

    it('follows on after its PostgreSQL connection to the storage is cut: it connects again', async () => {
      const store = await openStore(await testDatabases()[0]!.fresh());
      const admin = new pg.Client({ connectionString: growing });
      await admin.connect();
      const source = await OptunaSource.open(growing, dir);
      const stop = new AbortController();
      const errors: unknown[] = [];
      let rounds = 0;
      const following = followOptuna(source, {
        store,
        studies: ['growing'],
        intervalMs: 50,
        signal: stop.signal,
        onSync: () => void rounds++,
        onRoundError: (e) => errors.push(e),
      });
      try {
        await until(() => rounds >= 1, 'the first round');
        const database = new URL(growing).pathname.slice(1);
        const cut = await admin.query<{ cut: boolean }>(
          'select pg_terminate_backend(pid) as cut from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [database],
        );
        expect(cut.rows.some((r) => r.cut)).toBe(true);
        await admin.query(
          "insert into trials (number, study_id, state, datetime_start, datetime_complete) values (200, 1, 'COMPLETE', now(), now())",
        );
        await until(
          async () => (await store.listJobs((await store.listExperiments())[0]!.id)).some((j) => j.trial === 200),
          'the new trial',
        );
        // The lost connection is noticed between rounds (then no round fails) or by a round's query (then that one does).
        expect(errors.length).toBeLessThanOrEqual(1);
      } finally {
        stop.abort();
        await following.catch(() => undefined);
        await source.close().catch(() => undefined);
        await admin.end();
        await store.close();
      }
    });
  });

  describe('refuses a storage it cannot read, naming it', () => {
    const copy = (edit: (db: Database.Database) => void): string => {
      const file = join(dir, `copy-${Math.random().toString(36).slice(2)}.db`);
      copyFileSync(sqliteFile, file);
      const db = new Database(file);
      edit(db);
      db.close();
      return file;
    };
    const refusal = async (url: string) => {
      try {
        await (await OptunaSource.open(url, dir)).close();
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error(`${url} opened`);
    };

    it('an unknown schema version, and one older Optuna wrote', async () => {
      const unknown = copy((db) => db.prepare("update alembic_version set version_num = 'v9.9.9.z'").run());
      expect(await refusal(unknown)).toMatchObject({
        code: 'AUP_ERR_IMPORT_SOURCE',
        message: expect.stringMatching(
          /has the schema version v9\.9\.9\.z, which aup does not know: it reads v3\.0\.0\.d, v3\.2\.0\.a \(Optuna 3\.x and 4\.x\)/,
        ),
      });
      const older = copy((db) => db.prepare("update alembic_version set version_num = 'v2.6.0.a'").run());
      expect(await refusal(older)).toMatchObject({
        code: 'AUP_ERR_IMPORT_SOURCE',
        message: expect.stringMatching(/v2\.6\.0\.a, written by Optuna 2\.x.*optuna storage upgrade/),
      });
      const upgraded = copy((db) => db.prepare("update alembic_version set version_num = 'v3.2.0.a'").run());
      await (await OptunaSource.open(upgraded, dir)).close();
    });

    it('a file that is not an Optuna storage: an aup database, an empty file, a text file', async () => {
      const aupDb = join(dir, 'aup.db');
      await (await openStore(aupDb)).close();
      expect(await refusal(aupDb)).toMatchObject({
        code: 'AUP_ERR_IMPORT_SOURCE',
        message: expect.stringMatching(/is not an Optuna storage: it lacks the tables .* \(it is an aup database\)/),
      });
      const empty = join(dir, 'empty.db');
      writeFileSync(empty, '');
      expect(await refusal(empty)).toMatchObject({
        code: 'AUP_ERR_IMPORT_SOURCE',
        message: expect.stringMatching(/empty\.db is not an Optuna storage: it has no tables/),
      });
      const text = join(dir, 'notes.txt');
      writeFileSync(text, 'not a database at all, just some words that fill more than a header\n'.repeat(20));
      expect(await refusal(text)).toMatchObject({
        code: 'AUP_ERR_DB_OPEN',
        message: expect.stringMatching(/Cannot read Optuna storage .*notes\.txt: file is not a database/),
      });
      expect(await refusal(pgStorage.replace(/\/[^/]+$/, '/no_such_database'))).toMatchObject({ code: 'AUP_ERR_DB_MISSING' });
    });

    it('a study name the storage does not hold', async () => {
      const source = await OptunaSource.open(sqliteFile, dir);
      try {
        await expect(source.studies(['mixed', 'nope'])).rejects.toMatchObject({
          code: 'AUP_ERR_IMPORT_SOURCE',
          message: expect.stringMatching(/--study: Optuna storage .* has no study named "nope": it holds "mixed", "maximise", "multi"/),
        });
      } finally {
        await source.close();
      }
    });
  });
});

describe.skipIf(!optuna.available)('aup import optuna --follow', () => {
  const pgOptuna = testDatabases().find((d) => d.dialect === 'postgres')!;

  forEachDatabase('into', (db) => {
    for (const kind of ['sqlite', 'postgres'] as const) {
      it(`follows a study running in ${kind}: new trials, the running one's values as it reports them, its end; then stops on the signal`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'aup-follow-optuna-'));
        const storage = kind === 'sqlite' ? join(dir, 'live.db') : await pgOptuna.fresh();
        const live = startLiveStudy(kind === 'sqlite' ? `sqlite:///${storage}` : optunaPostgresUrl(storage), dir);
        const store = await openStore(await db.fresh());
        const stop = new AbortController();
        let following: Promise<number> | undefined;
        let source: OptunaSource | undefined;
        try {
          await until(() => live.reached('started'), 'the live study to start');
          source = await OptunaSource.open(storage, dir);
          const rounds: StudySyncReport[] = [];
          following = followOptuna(source, { store, intervalMs: 100, signal: stop.signal, onSync: (r) => rounds.push(r) });
          const jobs = async () => {
            const [exp] = await store.listExperiments();
            return exp === undefined ? [] : store.listJobs(exp.id);
          };
          // The running trial is seen running, its intermediate values and attribute growing.
          await until(async () => {
            const running = (await jobs()).find((j) => j.trial === 2);
            return running?.status === 'running' && (await store.listIntermediate(running.id)).length >= 3;
          }, 'trial 2 running with 3 intermediate values');
          const [exp] = await store.listExperiments();
          expect(exp!.status).toBe('running');
          expect((await jobs()).map((j) => [j.trial, j.status])).toEqual([
            [0, 'finished'],
            [1, 'finished'],
            [2, 'running'],
          ]);
          const running = (await jobs()).find((j) => j.trial === 2)!;
          const seen = (await store.listIntermediate(running.id)).length;
          await until(async () => (await store.listIntermediate(running.id)).length > seen, 'another intermediate value of trial 2');
          expect((await jobs()).find((j) => j.trial === 2)!.metrics['user_attrs.last_step']).toBeGreaterThanOrEqual(seen - 1);

          live.release();
          await live.exited;
          await until(
            async () => (await jobs()).length === 5 && (await store.listExperiments())[0]!.status === 'finished',
            'the study to end in the store',
          );
          const done = await jobs();
          expect(done.map((j) => [j.trial, j.status])).toEqual([0, 1, 2, 3, 4].map((n) => [n, 'finished']));
          // The trial that was followed while it ran ends as Optuna has it: every step, its value, its end.
          const dump = dumpStudies(kind === 'sqlite' ? `sqlite:///${storage}` : optunaPostgresUrl(storage));
          await expectLikeOptuna(store, dump);
          // One job per trial however many rounds saw it, and rounds that found nothing wrote nothing.
          expect(rounds.filter((r) => r.added > 0).reduce((n, r) => n + r.added, 0)).toBe(5);
          stop.abort();
          const count = await following;
          expect(count).toBeGreaterThan(rounds.length);
        } finally {
          stop.abort();
          await following?.catch(() => undefined);
          live.child.kill('SIGKILL');
          await source?.close();
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
});
