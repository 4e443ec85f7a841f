// `aup import auptimizer` through the CLI's entry point, into a SQLite file and a real PostgreSQL:
// what lands in the store, importing twice (nothing added), an update after Auptimizer went on,
// and `aup resume` refusing an imported experiment.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

import { buildV1, buildV2, T0, V2 } from '../../../../../test/fixtures/auptimizer-db/build-fixture.js';
import { forEachDatabase } from '../../../../../test/setup/databases.js';
import { main } from '../../cli/main.js';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/store-types.js';

const dir = mkdtempSync(join(tmpdir(), 'aup-import-auptimizer-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const source = join(dir, 'project', '.aup', 'sqlite3.db');
buildV2(source);
const oldSource = join(dir, 'old', 'sqlite3.db');
buildV1(oldSource);

async function aup(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, { stdout, stderr, stdin: new PassThrough(), cwd: dir });
  process.exitCode = undefined;
  return { code, stdout: out, stderr: err };
}

/** Everything an import writes, as plain data: equal before and after a second import. */
async function snapshot(store: Store) {
  const experiments = await store.listExperiments();
  const out = [];
  for (const e of experiments.sort((a, b) => a.id - b.id)) {
    const jobs = await store.listJobs(e.id);
    const rows = [];
    for (const j of jobs) {
      rows.push({ ...j, attemptRows: await store.listAttempts(j.id), intermediate: await store.listIntermediate(j.id) });
    }
    out.push({ ...e, jobs: rows, source: await store.getImport(e.id) });
  }
  return out.map((e) => ({ ...e, source: e.source && { ...e.source, syncedAt: 0 } }));
}

forEachDatabase('aup import auptimizer', (db) => {
  it('imports every experiment with its jobs and results, and a second import adds nothing', async () => {
    const url = await db.fresh();
    const first = await aup(['import', 'auptimizer', source, '--db', url]);
    expect(first.stderr).toMatch(/^aup: warning: auptimizer experiment 4 \(odd\): aup's config checks refuse its config \(n_sample: /m);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'imported auptimizer experiment 1 (quad, finished) as aup experiment 1: 4 jobs (4 new)',
      'imported auptimizer experiment 2 (bohb-es, finished) as aup experiment 2: 3 jobs (3 new)',
      'imported auptimizer experiment 3 (unfinished, stopped) as aup experiment 3: 2 jobs (2 new)',
      'imported auptimizer experiment 4 (odd, finished) as aup experiment 4: 1 job (1 new)',
      'imported auptimizer experiment 5 (later, created) as aup experiment 5: 0 jobs',
    ]);
    expect(lines[5]).toMatch(/^results: .* \(aup list --db /);

    const store = await openStore(url, { readOnly: true });
    let before;
    try {
      const quad = (await store.getExperiment(1))!;
      expect(quad).toMatchObject({ name: 'quad', status: 'finished', target: 'min', user: 'alice', bestScore: 0.25 });
      const jobs = await store.listJobs(1);
      expect(quad.bestJobId).toBe(jobs[1]!.id);
      expect(jobs.map((j) => [j.trial, j.status, j.score, j.params, j.metrics])).toEqual([
        [0, 'finished', 2.25, { x: 1.5, opt: 'sgd' }, { loss: 0.2, acc: 0.7 }],
        [1, 'finished', 0.25, { x: -0.5, opt: 'adam' }, { loss: 0.05, acc: 0.9 }],
        [2, 'failed', null, { x: 4, opt: 'sgd' }, {}],
        [3, 'finished', 9, { x: 3, opt: 'adam' }, { loss: 0.9, acc: 0.2 }],
      ]);
      expect((await store.listIntermediate(jobs[0]!.id, 'score')).map((r) => [r.step, r.value, r.time])).toEqual([
        [0, 5, (T0 + 3) * 1000],
        [1, 3, (T0 + 6) * 1000],
        [2, 2.25, (T0 + 9) * 1000],
      ]);
      expect((await store.listAttempts(jobs[3]!.id)).map((a) => [a.attempt, a.status, a.host])).toEqual([
        [1, 'finished', 'localhost cpu#2'],
      ]);
      const bohb = await store.listJobs(2);
      expect(bohb.map((j) => [j.status, j.score, j.budget, j.extra])).toEqual([
        ['finished', 0.9, 1, { tid: 0 }],
        ['early_stopped', 0.3, 1, { tid: 1 }],
        ['finished', 0.95, 3, { tid: 0 }],
      ]);
      expect((await store.getImport(1))?.tool).toBe('auptimizer');
      before = await snapshot(store);
    } finally {
      await store.close();
    }

    const second = await aup(['import', 'auptimizer', source, '--db', url]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^imported auptimizer experiment 1 \(quad, finished\) as aup experiment 1: 4 jobs \(4 unchanged\)$/m);
    expect(second.stdout).not.toMatch(/new|updated/);
    const again = await openStore(url, { readOnly: true });
    try {
      expect(await snapshot(again)).toEqual(before);
    } finally {
      await again.close();
    }
  });

  it('brings what Auptimizer did since: a running job finished, a new job, the experiment ended', async () => {
    const url = await db.fresh();
    const copy = join(dir, `going-on-${db.kind}.db`);
    copyFileSync(source, copy);
    expect((await aup(['import', 'auptimizer', copy, '--db', url, '--experiment', String(V2.unfinished)])).code).toBe(0);
    const sqlite = new Database(copy);
    sqlite.exec(`update job set score = 0.9, status = 'FINISHED', end_time = ${T0 + 520} where jid = 9;
      insert into job (jid, score, eid, start_time, end_time, status, job_config) values (11, 0.1, 3, ${T0 + 521}, ${T0 + 530}, 'FINISHED', '{"x": 1, "opt": "sgd"}');
      update experiment set status = 'FINISHED', end_time = ${T0 + 531} where eid = 3`);
    sqlite.close();
    const r = await aup(['import', 'auptimizer', copy, '--db', url, '--experiment', String(V2.unfinished)]);
    expect(r.stdout).toMatch(
      /^imported auptimizer experiment 3 \(unfinished, finished\) as aup experiment 1: 3 jobs \(1 new, 1 updated, 1 unchanged\)$/m,
    );
    const store = await openStore(url, { readOnly: true });
    try {
      expect(await store.listExperiments()).toHaveLength(1);
      expect(await store.getExperiment(1)).toMatchObject({ status: 'finished', endedAt: (T0 + 531) * 1000, bestScore: 0.1 });
      expect((await store.listJobs(1)).map((j) => [j.trial, j.status, j.score])).toEqual([
        [0, 'finished', 0.5],
        [1, 'finished', 0.9],
        [2, 'finished', 0.1],
      ]);
    } finally {
      await store.close();
    }
  });

  it('imports a database of the first releases, prints JSON with --json, and refuses to resume an import', async () => {
    const url = await db.fresh();
    const r = await aup(['import', 'auptimizer', oldSource, '--db', url, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { source: string; dry_run: boolean; experiments: Record<string, unknown>[] };
    expect(report).toMatchObject({ source: oldSource, dry_run: false });
    expect(report.experiments).toEqual([
      expect.objectContaining({
        auptimizer_eid: 1,
        name: 'auptimizer-1',
        status: 'finished',
        jobs: 3,
        experiment_id: 1,
        created: true,
        jobs_added: 3,
        jobs_updated: 0,
        jobs_unchanged: 0,
        warnings: [],
      }),
      expect.objectContaining({ auptimizer_eid: 2, status: 'stopped', jobs: 1, experiment_id: 2, jobs_added: 1 }),
    ]);
    expect(report.experiments[0]!.source_key).toMatch(/^auptimizer:config=[0-9a-f]{16}#eid=1@1600000000$/);

    const resume = await aup(['resume', '2', '--db', url]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toBe(
      'aup: Experiment 2 (auptimizer-2) was imported from auptimizer, not run by aup, so it cannot be resumed: run its config as a new experiment instead (aup run with its config file, or Copy on the board)\n',
    );
    const store = await openStore(url, { readOnly: true });
    try {
      expect((await store.getExperiment(2))?.status).toBe('stopped');
      expect(await store.getDriverLease(2)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

describe('aup import auptimizer: what it refuses', () => {
  it('changes nothing on --dry-run, and says what it would import', async () => {
    const r = await aup([
      'import',
      'auptimizer',
      'project',
      '--db',
      join(dir, 'dry.db'),
      '--dry-run',
      '--experiment',
      '1',
      '--experiment',
      '2',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'auptimizer experiment 1 (quad, finished): 4 jobs, would be imported',
        'auptimizer experiment 2 (bohb-es, finished): 3 jobs, would be imported',
        `2 experiment(s) in ${source}; nothing written (--dry-run)`,
        '',
      ].join('\n'),
    );
    expect((await aup(['list', '--db', join(dir, 'dry.db')])).code).toBe(2);
  });

  it('exits 1 naming the file for a missing file or one that is not an Auptimizer database, and 2 for a bad --experiment', async () => {
    const missing = await aup(['import', 'auptimizer', 'nothing-here.db', '--db', join(dir, 'never.db')]);
    expect([missing.code, missing.stderr]).toEqual([1, `aup: Cannot import from ${join(dir, 'nothing-here.db')}: no such file\n`]);
    const aupDb = join(dir, 'an-aup-store.db');
    await (await openStore(aupDb)).close();
    const wrong = await aup(['import', 'auptimizer', aupDb, '--db', join(dir, 'never.db')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /^aup: .*an-aup-store\.db is not an Auptimizer database: table experiment has no column eid, exp_config \(it has /,
    );
    const usage = await aup(['import', 'auptimizer', source, '--experiment', 'two']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^aup: --experiment: expected an Auptimizer experiment id \(a positive integer\), found "two"/);
    const absent = await aup(['import', 'auptimizer', source, '--experiment', '7', '--db', join(dir, 'never.db')]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/^aup: --experiment 7: .* has no experiment with this id \(it has 1, 2, 3, 4, 5\)/);
    // Nothing was created by the refusals.
    expect((await aup(['list', '--db', join(dir, 'never.db')])).code).toBe(2);
  });
});
