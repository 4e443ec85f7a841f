// `aup import optuna` as a user runs it: the real `aup` binary on real Optuna studies (made by
// Optuna 3.1 at /usr/bin/python3), into a SQLite file and PostgreSQL; `--follow` on a study that
// runs meanwhile, stopped by SIGINT and SIGTERM; the errors a user meets; the board showing the
// imported study.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openStore } from '@aup/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testDatabases } from '../setup/databases.js';
import { SseClient } from '../setup/sse-client.js';
import { makeStudies, optunaOrSkip, optunaPostgresUrl, startLiveStudy, until } from '../setup/optuna.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');
const boardBin = join(root, 'packages/server/bin/aup-board.js');
const optuna = optunaOrSkip();

/** The children's environment: no $AUP_DB from the developer's shell. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['AUP_DB'];
  return env;
}

function aup(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [aupBin, ...args], { cwd, env: childEnv(), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

/** A running `aup` child with its output so far and its exit. */
function aupChild(args: string[], cwd: string) {
  const child = spawn(process.execPath, [aupBin, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe.skipIf(!optuna.available)('aup import optuna (the CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aup-import-optuna-e2e-'));
  const storage = join(dir, 'optuna.db');
  const pg = testDatabases().find((d) => d.dialect === 'postgres')!;
  const children: ChildProcess[] = [];

  beforeAll(() => makeStudies(`sqlite:///${storage}`), 120_000);
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports every study into experiments.db of the current folder, and adds nothing the second time', async () => {
    const first = aup(['import', 'optuna', 'sqlite:///optuna.db'], dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^optuna study "mixed" → experiment 1 \(new\): 13 trial\(s\) added, 0 updated \(13 trials, 1 running or waiting\)$/m,
    );
    expect(first.stdout).toMatch(/^optuna study "maximise" → experiment 2 \(new\): 6 trial\(s\) added/m);
    expect(first.stdout).toMatch(/^optuna study "multi" → experiment 3 \(new\): 5 trial\(s\) added/m);
    expect(first.stdout).toMatch(/see them: aup show 1 {2}or {2}aup-board/);
    const again = aup(['import', 'optuna', storage, '--study', 'multi'], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^optuna study "multi" → experiment 3: 0 trial\(s\) added, 0 updated \(5 trials\)$/m);
    expect(again.stdout).not.toMatch(/mixed/);
    const list = aup(['list', '--json'], dir);
    expect(JSON.parse(list.stdout).map((e: { name: string; status: string }) => [e.name, e.status])).toEqual([
      ['mixed', 'running'],
      ['maximise', 'finished'],
      ['multi', 'finished'],
    ]);
    const show = aup(['show', '2'], dir);
    expect(show.stdout).toMatch(/^experiment 2 "maximise": finished, optuna, target max, 6\/6 jobs$/m);
  });

  it('imports into PostgreSQL with --db, and aup-board shows the imported study', async () => {
    const url = await pg.fresh();
    const r = aup(['import', 'optuna', storage, '--study', 'mixed', '--db', url], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/experiment 1 \(new\): 13 trial\(s\) added/);
    expect(r.stdout).not.toContain(':postgres@');

    const board = spawn(process.execPath, [boardBin, '--db', url, '--port', '0', '--read-only'], {
      cwd: dir,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(board);
    let printed = '';
    board.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
    await until(() => /aup-board: http:\/\/\S+/.test(printed), 'aup-board to print its URL', 30_000);
    const base = new URL(/aup-board: (http:\/\/\S+)/.exec(printed)![1]!).origin;
    const list = (await (await fetch(`${base}/api/v1/experiments`)).json()) as { experiments: Record<string, unknown>[] };
    expect(list.experiments).toEqual([
      expect.objectContaining({
        name: 'mixed',
        status: 'running',
        proposer: 'optuna',
        target: 'min',
        jobs_total: 13,
        job_counts: { queued: 1, running: 0, finished: 9, failed: 1, early_stopped: 2, interrupted: 0 },
      }),
    ]);
    const id = list.experiments[0]!['id'];
    const page = await fetch(`${base}/api/v1/experiments/${id}/jobs?sort=score&order=asc&limit=100`);
    expect(page.status).toBe(200);
    const jobs = ((await page.json()) as { jobs: { trial: number; score: number | null; params: Record<string, unknown> }[] }).jobs;
    expect(jobs).toHaveLength(13);
    expect(jobs.find((j) => j.trial === 0)!.params).toMatchObject({ opt: expect.any(String), maybe: expect.stringMatching(/^(None|a)$/) });
    const detail = (await (await fetch(`${base}/api/v1/experiments/${id}`)).json()) as { config: { parameter_config: unknown[] } };
    expect(detail.config.parameter_config).toHaveLength(10);
    board.kill('SIGTERM');
  });

  it('follows a running study until SIGINT, aup-board pushing each change as it lands, and exits 0 having brought every trial', async () => {
    const live = startLiveStudy(`sqlite:///${join(dir, 'live.db')}`, dir);
    children.push(live.child);
    await until(() => live.reached('started'), 'the live study to start');
    const db = join(dir, 'follow.db');
    // The board first, on the database the follow writes: it shows the study as it goes.
    const board = spawn(process.execPath, [boardBin, '--db', db, '--create', '--no-token', '--port', '0'], {
      cwd: dir,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(board);
    let printed = '';
    board.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
    await until(() => /aup-board: http:\/\/\S+/.test(printed), 'aup-board to print its URL', 30_000);
    const events = await SseClient.connect(`${new URL(/aup-board: (http:\/\/\S+)/.exec(printed)![1]!).origin}/api/v1/events?after=0`);
    const jobEvents = () => events.data<{ kind: string; job?: { trial: number; status: string } | null }>('job').map((e) => e.job);
    const f = aupChild(['import', 'optuna', 'sqlite:///live.db', '--follow', '--interval', '0.2', '--db', db], dir);
    children.push(f.child);
    await until(() => live.reached('running') && /optuna study "live"/.test(f.out()), 'the follow to see the live study');
    const jobs = async () => {
      const store = await openStore(db, { readOnly: true });
      try {
        const [exp] = await store.listExperiments();
        return exp === undefined ? { status: undefined, jobs: [] } : { status: exp.status, jobs: await store.listJobs(exp.id) };
      } finally {
        await store.close();
      }
    };
    await until(async () => (await jobs()).jobs.some((j) => j.trial === 2 && j.status === 'running'), 'the running trial in the store');
    await events.waitFor(() => jobEvents().some((j) => j?.trial === 2 && j.status === 'running'), 30_000);
    live.release();
    await live.exited;
    await until(async () => (await jobs()).status === 'finished' && (await jobs()).jobs.length === 5, 'the ended study in the store');
    await events.waitFor(() => jobEvents().some((j) => j?.trial === 2 && j.status === 'finished'), 30_000);
    await events.waitFor(() => jobEvents().some((j) => j?.trial === 4 && j.status === 'finished'), 30_000);
    events.close();
    board.kill('SIGTERM');
    f.child.kill('SIGINT');
    expect(await f.exited).toBe(0);
    expect(f.err()).toMatch(/aup: SIGINT received: stopping the follow/);
    expect(f.out()).toMatch(/^following .*live\.db into .*follow\.db every 0\.2 s \(Ctrl-C stops\)$/m);
    expect(f.out()).toMatch(/^\d\d:\d\d:\d\d optuna study "live" → experiment 1: \d trial\(s\) added, \d updated \(5 trials\)$/m);
    expect(f.out()).toMatch(/^stopped following after \d+ round\(s\)$/m);
    expect((await jobs()).jobs.map((j) => j.status)).toEqual(['finished', 'finished', 'finished', 'finished', 'finished']);
  });

  it('follows a PostgreSQL storage into PostgreSQL, and stops on SIGTERM', async () => {
    const optunaDb = await pg.fresh();
    makeStudies(optunaPostgresUrl(optunaDb));
    const into = await pg.fresh();
    const f = aupChild(['import', 'optuna', optunaPostgresUrl(optunaDb), '--follow', '--study', 'maximise', '--db', into], dir);
    children.push(f.child);
    await until(() => /optuna study "maximise" → experiment 1 \(new\): 6 trial\(s\) added/.test(f.out()), 'the first round');
    f.child.kill('SIGTERM');
    expect(await f.exited).toBe(0);
    expect(f.err()).toMatch(/aup: SIGTERM received: stopping the follow/);
    expect(f.out()).toMatch(/stopped following after 1 round\(s\)/);
  });

  it('says what is wrong in one line, without a stack trace, with the exit code of its kind', async () => {
    await (await openStore(join(dir, 'aup-store.db'))).close();
    const unknown = join(dir, 'unknown.db');
    copyFileSync(storage, unknown);
    const db = new Database(unknown);
    db.prepare("update alembic_version set version_num = 'v4.9.0.a'").run();
    db.close();
    const cases: [string[], number, RegExp][] = [
      [
        ['import', 'optuna', 'unknown.db'],
        1,
        /^aup: Optuna storage .*unknown\.db has the schema version v4\.9\.0\.a, which aup does not know: it reads v3\.0\.0\.d, v3\.2\.0\.a/,
      ],
      [
        ['import', 'optuna', 'sqlite:///missing.db'],
        2,
        /^aup: Optuna storage .*missing\.db \(from 'sqlite:\/\/\/missing\.db'\) does not exist/,
      ],
      [['import', 'optuna', 'mysql://me:secret@db/optuna'], 2, /^aup: Optuna storage: 'mysql:\/\/me:\*\*\*@db\/optuna' is a mysql storage/],
      [['import', 'optuna', 'aup-store.db'], 1, /^aup: .*aup-store\.db is not an Optuna storage: .*\(it is an aup database\)/],
      [
        ['import', 'optuna', 'optuna.db', '--study', 'nope'],
        1,
        /^aup: --study: Optuna storage .* has no study named "nope": it holds "mixed", "maximise", "multi"/,
      ],
      [['import', 'optuna', 'optuna.db', '--interval', '1'], 2, /^aup: --interval is given without --follow/],
      [['import', 'optuna'], 2, /^aup: missing required argument 'storage' \("aup import optuna --help" lists its options\)\n$/],
      [['import', 'optuna', 'optuna.db', '--folow'], 2, /^aup: unknown option '--folow'; did you mean --follow\?/],
      [['import', 'optuna', 'optuna.db', '--follow', '--interval', '0'], 2, /^aup: --interval: expected seconds, at least 0\.1, found "0"/],
    ];
    for (const [args, code, message] of cases) {
      const r = aup(args, dir);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).not.toContain('secret');
      noStack(r.stderr);
    }
  });
});
