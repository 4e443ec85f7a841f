// The Auptimizer reader on real SQLite files built from Auptimizer's published schema
// (test/fixtures/auptimizer-db), with data of the tests' own.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

import { buildV1, buildV2, T0, V2 } from '../../../../../test/fixtures/auptimizer-db/build-fixture.js';
import { openStore } from '../../store/open-store.js';
import { locateAuptimizerDb, readAuptimizer, type AuptimizerExperiment } from './read-auptimizer.js';

const dir = mkdtempSync(join(tmpdir(), 'aup-import-auptimizer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v2File = join(dir, 'project', '.aup', 'sqlite3.db');
buildV2(v2File);
const v1File = join(dir, 'old', 'sqlite3.db');
buildV1(v1File);

const byEid = (list: AuptimizerExperiment[], eid: number): AuptimizerExperiment => list.find((e) => e.eid === eid)!;
const ms = (seconds: number): number => (T0 + seconds) * 1000;

describe('readAuptimizer: a release-2.0 database', () => {
  const all = readAuptimizer(v2File, { now: 42 });

  it('reads every experiment with its name, user, status, times, config and error', () => {
    expect(all.map((e) => e.eid)).toEqual([1, 2, 3, 4, 5]);
    const quad = byEid(all, V2.quad).imported;
    expect(quad.tool).toBe('auptimizer');
    expect(quad.experiment).toMatchObject({
      name: 'quad',
      user: 'alice',
      proposer: 'random',
      target: 'min',
      nSamples: 4,
      status: 'finished',
      createdAt: ms(0),
      startedAt: ms(0),
      endedAt: ms(100),
      workingDir: '/home/alice/quad',
      error: 'Traceback: ZeroDivisionError in job 3',
      git: null,
    });
    expect(quad.experiment.configRaw).toMatchObject({ name: 'quad', cwd: '/home/alice/quad' });
    // aup's own normalised config: the board shows the search space as for an experiment aup ran.
    expect(quad.experiment.config).toMatchObject({
      name: 'quad',
      parameter_config: [
        { name: 'x', type: 'float', range: [-5, 5] },
        { name: 'opt', type: 'choice', range: ['sgd', 'adam'] },
      ],
      resource_args: { multi_res_labels: ['loss', 'acc'] },
      workingdir: '/home/alice/quad',
    });
    expect(quad.experiment.host).toEqual({ imported_from: 'auptimizer', file: v2File, eid: 1 });
    expect(byEid(all, V2.quad).warnings).toEqual([]);
  });

  it('maps job statuses and scores: finished, failed, and a retried job on its last attempt’s resource', () => {
    const jobs = byEid(all, V2.quad).imported.jobs;
    expect(jobs.map((j) => [j.sourceKey, j.trial, j.status, j.score, j.host])).toEqual([
      ['1', 0, 'finished', 2.25, 'localhost cpu#1'],
      ['2', 1, 'finished', 0.25, 'localhost cpu#2'],
      ['3', 2, 'failed', null, 'localhost cpu#1'],
      ['4', 3, 'finished', 9, 'localhost cpu#2'],
    ]);
    expect(jobs[0]).toMatchObject({
      params: { x: 1.5, opt: 'sgd' },
      budget: null,
      extra: {},
      createdAt: ms(1),
      startedAt: ms(1),
      endedAt: ms(10),
    });
  });

  it('turns intermediate results into the score series and multiple results into metrics and their series', () => {
    const job = byEid(all, V2.quad).imported.jobs[0]!;
    expect(job.metrics).toEqual({ loss: 0.2, acc: 0.7 });
    const series = (label: string) => job.intermediate!.filter((p) => p.label === label).map((p) => [p.step, p.value, p.time]);
    expect(series('score')).toEqual([
      [0, 5, ms(3)],
      [1, 3, ms(6)],
      [2, 2.25, ms(9)],
    ]);
    expect(series('loss')).toEqual([
      [0, 0.5, ms(3)],
      [1, 0.3, ms(6)],
      [2, 0.2, ms(9)],
    ]);
    expect(series('acc').map(([, v]) => v)).toEqual([0.1, 0.4, 0.7]);
  });

  it("keeps BOHB's bracket id in extra and its n_iterations as the budget; an early-stopped job scores its last result", () => {
    const bohb = byEid(all, V2.bohb);
    expect(bohb.warnings).toEqual([]);
    expect(bohb.imported.experiment).toMatchObject({ proposer: 'bohb', target: 'max' });
    expect(bohb.imported.experiment.config).toMatchObject({ proposer_options: { min_budget: 1, max_budget: 3 } });
    expect(bohb.imported.jobs.map((j) => [j.status, j.score, j.params, j.budget, j.extra])).toEqual([
      ['finished', 0.9, { lr: 0.1 }, 1, { tid: 0 }],
      ['early_stopped', 0.3, { lr: 0.5 }, 1, { tid: 1 }],
      ['finished', 0.95, { lr: 0.01 }, 3, { tid: 0 }],
    ]);
  });

  it('imports an experiment Auptimizer had not ended as stopped, its running job as interrupted', () => {
    const e = byEid(all, V2.unfinished).imported;
    expect(e.experiment).toMatchObject({ status: 'stopped', startedAt: ms(500), endedAt: null });
    expect(e.jobs.map((j) => [j.status, j.score, j.endedAt])).toEqual([
      ['finished', 0.5, ms(510)],
      ['interrupted', null, null],
    ]);
  });

  it('keeps a config aup refuses as Auptimizer stored it, with a minimal config of its well-formed parameters and a warning', () => {
    const odd = byEid(all, V2.odd);
    expect(odd.warnings).toHaveLength(1);
    expect(odd.warnings[0]).toMatch(/^aup's config checks refuse its config \(n_sample: .*; 1 more\); it is kept as Auptimizer stored it/);
    expect(odd.imported.experiment.configRaw).toMatchObject({
      n_sample: 2,
      parameter_config: [{ name: 'x' }, { name: 'y', range: [3, 1] }],
    });
    expect(odd.imported.experiment.config).toMatchObject({
      name: 'odd',
      proposer: 'random',
      target: 'max',
      n_samples: 1,
      parameter_config: [{ name: 'x', type: 'float', range: [0, 1] }],
      workingdir: '/home/alice/odd',
      script: 'odd.py',
    });
    // y is not in the minimal search space, but it was a parameter.
    expect(odd.imported.jobs[0]).toMatchObject({ params: { x: 0.3, y: 2 }, extra: {}, score: 1 });
  });

  it('imports an experiment that never started as created, at the time of the import', () => {
    const e = byEid(all, V2.created).imported;
    expect(e.experiment).toMatchObject({ name: 'later', status: 'created', createdAt: 42, startedAt: null, endedAt: null });
    expect(e.jobs).toEqual([]);
    expect(e.sourceKey).toMatch(/@unstarted$/);
  });

  it('reads only the experiments asked for, and names the ones the file lacks', () => {
    expect(readAuptimizer(v2File, { eids: [2, 4] }).map((e) => [e.eid, e.imported.jobs.length])).toEqual([
      [2, 3],
      [4, 1],
    ]);
    expect(() => readAuptimizer(v2File, { eids: [2, 9, 12] })).toThrow(
      /^--experiment 9, 12: .*sqlite3\.db has no experiment with these ids \(it has 1, 2, 3, 4, 5\)$/,
    );
  });

  it('gives the same source keys for a copy of the file elsewhere, and different keys to different experiments', () => {
    const copy = join(dir, 'elsewhere', 'copy.db');
    mkdirSync(join(dir, 'elsewhere'));
    copyFileSync(v2File, copy);
    const keys = all.map((e) => e.imported.sourceKey);
    expect(readAuptimizer(copy).map((e) => e.imported.sourceKey)).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[0]).toMatch(/^auptimizer:config=[0-9a-f]{16}#eid=1@1600000000$/);
  });

  it('gives a restarted experiment (Auptimizer deletes its jobs and sets a new start time) a new source key', () => {
    const copy = join(dir, 'restarted.db');
    copyFileSync(v2File, copy);
    const before = readAuptimizer(copy, { eids: [1] })[0]!.imported.sourceKey;
    const db = new Database(copy);
    db.exec(`delete from multiple_result where eid = 1; delete from intermediate_result where jid in (1, 2, 3, 4);
      delete from job_attempt where jid in (1, 2, 3, 4); delete from job where eid = 1;
      update experiment set start_time = ${T0 + 5000}, end_time = null, status = 'RUNNING' where eid = 1`);
    db.close();
    expect(readAuptimizer(copy, { eids: [1] })[0]!.imported.sourceKey).not.toBe(before);
  });
});

describe("readAuptimizer: a database of Auptimizer's first releases", () => {
  const [first, second] = readAuptimizer(v1File, { now: 42 });

  it("reads experiments without name or status, and job configs written as Python's str(dict)", () => {
    expect(first!.imported.experiment).toMatchObject({
      name: 'auptimizer-1',
      user: 'bob',
      proposer: 'sequence',
      nSamples: 3,
      status: 'finished',
      endedAt: (T0 + 60) * 1000,
    });
    expect(first!.warnings).toEqual([]);
    expect(first!.imported.jobs.map((j) => [j.status, j.score, j.params, j.extra, j.host])).toEqual([
      ['finished', 0.5, { a: 1 }, { tid: 0 }, 'localhost gpu#1'],
      ['failed', null, { a: 2 }, { flag: true, note: null, shape: [2, 3] }, 'localhost gpu#2'],
      ['interrupted', null, { a: 3 }, {}, 'localhost gpu#1'],
    ]);
    expect(second!.imported.experiment).toMatchObject({ status: 'stopped', endedAt: null, proposer: 'random', nSamples: 2 });
  });
});

describe('locateAuptimizerDb and what is not an Auptimizer database', () => {
  it('takes the file, or a project folder holding .aup/sqlite3.db or sqlite3.db', () => {
    expect(locateAuptimizerDb('project/.aup/sqlite3.db', dir)).toBe(v2File);
    expect(locateAuptimizerDb('project', dir)).toBe(v2File);
    expect(locateAuptimizerDb(join(dir, 'old'), '/')).toBe(v1File);
  });

  it('names a missing file, and a folder without a database', () => {
    expect(() => locateAuptimizerDb('nope.db', dir)).toThrow(`Cannot import from ${join(dir, 'nope.db')}: no such file`);
    mkdirSync(join(dir, 'empty-folder'));
    expect(() => locateAuptimizerDb('empty-folder', dir)).toThrow(
      /it is a folder without an Auptimizer database \(looked for \.aup\/sqlite3\.db and sqlite3\.db in it\)/,
    );
  });

  const refusal = (file: string): string => {
    try {
      readAuptimizer(file);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('AUP_ERR_IMPORT_SOURCE');
      return (e as Error).message;
    }
    throw new Error(`${file} was read`);
  };

  it('refuses a file that is not SQLite', () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'just some text, long enough to be looked at as a database header\n'.repeat(20));
    expect(refusal(file)).toBe(`${file} is not an Auptimizer database: it is not a SQLite file`);
  });

  it('refuses a SQLite database without tables, and one without Auptimizer’s columns (an aup store)', async () => {
    const empty = join(dir, 'empty.db');
    new Database(empty).close();
    expect(refusal(empty)).toBe(`${empty} is not an Auptimizer database: no table experiment (it has no tables)`);
    const aup = join(dir, 'experiments.db');
    await (await openStore(aup)).close();
    expect(refusal(aup)).toMatch(
      new RegExp(`^${aup} is not an Auptimizer database: table experiment has no column eid, exp_config \\(it has id, name, `),
    );
  });

  it('refuses a database whose optional table lacks a column the import reads', () => {
    const file = join(dir, 'broken.db');
    copyFileSync(v2File, file);
    const db = new Database(file);
    db.exec('alter table multiple_result drop column label_order');
    db.close();
    expect(refusal(file)).toMatch(/is not an Auptimizer database: table multiple_result has no column label_order \(it has mrid, value, /);
  });
});
