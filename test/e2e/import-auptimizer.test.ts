// `aup import auptimizer` as a user runs it: the real `aup` binary on an Auptimizer database built
// from Auptimizer's published schema (test/fixtures/auptimizer-db), into a SQLite file and into
// PostgreSQL; then `aup show`, `aup list` and `aup resume` on what it imported.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { buildV2, V2 } from '../fixtures/auptimizer-db/build-fixture.js';
import { forEachDatabase } from '../setup/databases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');
const dir = mkdtempSync(join(tmpdir(), 'aup-e2e-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const project = join(dir, 'project');
buildV2(join(project, '.aup', 'sqlite3.db'));

function aup(args: string[]) {
  const env = { ...process.env };
  delete env['AUP_DB'];
  const r = spawnSync(process.execPath, [aupBin, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

forEachDatabase('aup import auptimizer (the binary)', (db) => {
  it('imports a project folder, twice without adding anything, and shows the jobs; resume refuses an import', async () => {
    const url = await db.fresh();
    const first = aup(['import', 'auptimizer', 'project', '--db', url]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^imported auptimizer experiment 1 \(quad, finished\) as aup experiment 1: 4 jobs \(4 new\)$/m);
    expect(first.stdout.match(/^imported /gm)).toHaveLength(5);
    expect(first.stderr).toMatch(/^aup: warning: auptimizer experiment 4 \(odd\): /m);

    const second = aup(['import', 'auptimizer', join(project, '.aup', 'sqlite3.db'), '--db', url, '--json']);
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout) as {
      experiments: { experiment_id: number; created: boolean; jobs_added: number; jobs_unchanged: number }[];
    };
    expect(report.experiments.map((e) => [e.experiment_id, e.created, e.jobs_added, e.jobs_unchanged])).toEqual([
      [1, false, 0, 4],
      [2, false, 0, 3],
      [3, false, 0, 2],
      [4, false, 0, 1],
      [5, false, 0, 0],
    ]);

    const list = aup(['list', '--db', url, '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { id: number }[]).map((e) => e.id).sort()).toEqual([1, 2, 3, 4, 5]);
    const show = aup(['show', '1', '--db', url, '--json']);
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as {
      experiment: { status: string };
      best: { score: number };
      jobs: { status: string; metrics: object }[];
    };
    expect(shown.experiment.status).toBe('finished');
    expect(shown.best.score).toBe(0.25);
    expect(shown.jobs.map((j) => j.status)).toEqual(['finished', 'finished', 'failed', 'finished']);
    expect(shown.jobs[0]!.metrics).toEqual({ loss: 0.2, acc: 0.7 });

    const resume = aup(['resume', String(V2.unfinished), '--db', url]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(
      /^aup: Experiment 3 \(unfinished\) was imported from auptimizer, not run by aup, so it cannot be resumed: /,
    );
    noStack(resume.stderr);
  });
});

describe('aup import auptimizer (the binary): bad input', () => {
  it('says what is wrong with the file, in one line, exit 1, and creates no database', () => {
    const notSqlite = join(dir, 'notes.db');
    writeFileSync(notSqlite, 'these are notes, not a database\n'.repeat(10));
    const cases: [string, RegExp][] = [
      ['missing.db', /^aup: Cannot import from .*missing\.db: no such file\n$/],
      [notSqlite, /^aup: .*notes\.db is not an Auptimizer database: it is not a SQLite file\n$/],
    ];
    for (const [path, message] of cases) {
      const r = aup(['import', 'auptimizer', path, '--db', join(dir, 'never.db')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      noStack(r.stderr);
    }
    expect(aup(['list', '--db', join(dir, 'never.db')]).code).toBe(2);
  });

  it('is listed under aup import with its options', () => {
    const r = aup(['import', 'auptimizer', '--help']);
    expect(r.code).toBe(0);
    for (const option of ['--db <url>', '--experiment <eid>', '--dry-run', '--json']) expect(r.stdout).toContain(option);
    expect(aup(['import', '--help']).stdout).toMatch(/^\s+auptimizer \[options\] <path>/m);
  });
});
