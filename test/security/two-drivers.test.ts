/**
 * One driver per experiment (docs/decisions/0019-driver-lease.md), as a user meets it: real `aup`
 * and `aup-board` processes on a SQLite file and on PostgreSQL.
 * (1) `aup resume` while `aup run` drives the experiment is refused, and the run ends with exactly
 *     n_samples jobs; (2) the board's start and resume answer 409 while a CLI run drives it;
 * (3) after a kill -9 of `aup run` while its jobs run, `aup resume` at once stops the dead driver's
 *     job processes before their jobs run again: never two copies of one job.
 * Linux only where it reads /proc (to tell a zombie from a live process), as the runner does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openStore, type Store } from '@aup/core';
import { expect, it } from 'vitest';

import { forEachDatabase } from '../setup/databases.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUP_BIN = join(ROOT, 'packages/core/bin/aup.js');
const BOARD_BIN = join(ROOT, 'packages/server/bin/aup-board.js');
const URL_LINE = /^aup-board: (http:\/\/\S+)$/m;
const TOKEN = 'two-drivers-token';
const POLL_MS = 50;
/** How long the jobs of a run that is about to be killed sleep: far longer than any test waits for them. */
const SLOW_SECONDS = 600;
/** How long a wait for a state of a child process may take on a loaded 2-core machine. */
const WAIT_LIMIT_MS = 60_000;

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['AUP_DB'];
  return env;
}

/**
 * A job that records its pid in pids/<job>.<attempt>, notes in `overlaps` any earlier attempt of
 * its job whose process still runs (a second copy of one job), sleeps, and answers x. While the
 * file `slow` exists in its folder it sleeps SLOW_SECONDS instead: the jobs of a run that is killed
 * then surely outlive it, however slowly the next driver starts.
 */
function jobScript(seconds: number): string {
  return `#!/bin/sh
mkdir -p pids
for f in pids/$AUP_JOB_ID.*; do
  [ -e "$f" ] || continue
  old=$(cat "$f")
  # A zombie (state Z) has ended; anything else under /proc still runs.
  if [ -r /proc/$old/stat ] && ! grep -q '^[0-9]* ([^)]*) Z' /proc/$old/stat; then
    echo "job $AUP_JOB_ID attempt $AUP_ATTEMPT started while $f (pid $old) still ran" >> overlaps
  fi
done
echo $$ > pids/$AUP_JOB_ID.$AUP_ATTEMPT
if [ -e slow ]; then sleep ${SLOW_SECONDS}; else sleep ${seconds}; fi
x=$(sed -n 's/.*"x": *\\([-0-9.eE+]*\\).*/\\1/p' "$1")
echo "#Auptimizer:$x"
`;
}

function workDir(config: Record<string, unknown>, seconds: number, slow = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-two-drivers-'));
  if (slow) writeFileSync(join(dir, 'slow'), '');
  writeFileSync(join(dir, 'job.sh'), jobScript(seconds), { mode: 0o755 });
  writeFileSync(
    join(dir, 'experiment.json'),
    JSON.stringify({ script: 'job.sh', parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }], ...config }),
  );
  return dir;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function start(bin: string, args: string[], cwd: string): Running {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: childEnv() });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

function aup(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [AUP_BIN, ...args], { cwd, env: childEnv(), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function waitFor(cond: () => Promise<boolean> | boolean, what: string, run?: Running): Promise<void> {
  const until = Date.now() + WAIT_LIMIT_MS;
  let exited: number | null | undefined;
  void run?.exit.then((code) => (exited = code));
  while (!(await cond())) {
    if (exited !== undefined) throw new Error(`the runner exited (${exited}) while waiting for ${what}:\n${run!.output()}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Whether the process runs (a zombie does not: it has ended and only waits to be reaped). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The pids the job script recorded, by file name (<job>.<attempt>). */
function recordedPids(dir: string): Map<string, number> {
  const folder = join(dir, 'pids');
  if (!existsSync(folder)) return new Map();
  return new Map(readdirSync(folder).map((f) => [f, Number(readFileSync(join(folder, f), 'utf8').trim())]));
}

async function runningAttempts(store: Store, eid: number): Promise<number> {
  let n = 0;
  for (const job of await store.listJobs(eid)) n += (await store.listAttempts(job.id)).filter((a) => a.status === 'running').length;
  return n;
}

interface Shown {
  experiment: { status: string };
  jobs: { id: number; trial: number; status: string; attempts: number }[];
}

function show(eid: number, url: string, cwd: string): Shown {
  const r = aup(['show', String(eid), '--json', '--db', url], cwd);
  if (r.code !== 0) throw new Error(`aup show failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Shown;
}

/** The refusal: one `aup:` line naming the host, the pid of the live driver and its heartbeat age. */
function expectRefusal(stderr: string, pid: number): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^aup: /);
  expect(lines[0]).toContain(`pid ${pid}`);
  expect(lines[0]).toContain(`host ${hostname()}`);
  expect(lines[0]).toMatch(/heartbeat \d+(\.\d)? s ago/);
}

/** Stops what a test left running, whatever state it failed in. */
function stopAll(...runs: (Running | undefined)[]): Promise<unknown> {
  return Promise.all(
    runs.map(async (r) => {
      if (r === undefined) return;
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await r.exit;
    }),
  );
}

/** Kills what the jobs a test recorded left running, with their process groups (a slow job's `sleep`). */
function killRecorded(dir: string): void {
  const groupOf = (pid: number | 'self') => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    } catch {
      return undefined;
    }
  };
  const own = groupOf('self');
  for (const pid of recordedPids(dir).values()) {
    const group = groupOf(pid);
    for (const target of group !== undefined && group !== own && group > 1 ? [-group, pid] : [pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

forEachDatabase('one driver per experiment', (db) => {
  it('refuses aup resume while aup run drives the experiment; the run ends with exactly n_samples jobs', async () => {
    const url = await db.fresh();
    const N = 16;
    // Long enough that the run surely still drives when the resume starts, on a loaded machine.
    const dir = workDir({ name: 'two', n_samples: N, n_parallel: 4 }, 1.5);
    let run: Running | undefined;
    const store = await openStore(url);
    try {
      run = start(AUP_BIN, ['run', 'experiment.json', '--db', url], dir);
      await waitFor(async () => (await store.listExperiments()).length > 0 && (await runningAttempts(store, 1)) > 0, 'a running job', run);

      const second = aup(['resume', '1', '--db', url], dir);
      expect(second.code).not.toBe(0);
      expectRefusal(second.stderr, run.child.pid!);
      expect(second.stdout).toBe('');

      expect(await run.exit).toBe(0);
      const done = show(1, url, dir);
      expect(done.experiment.status).toBe('finished');
      expect(done.jobs).toHaveLength(N);
      expect(done.jobs.map((j) => j.trial).sort((a, b) => a - b)).toEqual([...Array(N).keys()]);
      expect(done.jobs.every((j) => j.status === 'finished' && j.attempts === 1)).toBe(true);
      expect(existsSync(join(dir, 'overlaps'))).toBe(false);
      // The run released its lease on its way out: the experiment can be resumed (nothing is left to do).
      expect(await store.getDriverLease(1)).toBeUndefined();
    } finally {
      await stopAll(run);
      killRecorded(dir);
      await store.close();
    }
  });

  it("answers the board's start and resume with 409 while a CLI run drives the experiment, and resumes it once that run is killed", async () => {
    const url = await db.fresh();
    const N = 4;
    const PARALLEL = 2;
    const dir = workDir({ name: 'board', n_samples: N, n_parallel: PARALLEL }, 0.5, true);
    let run: Running | undefined;
    let board: Running | undefined;
    const store = await openStore(url);
    try {
      // The board first: it takes a few seconds to start on a loaded machine, longer than a job.
      board = start(BOARD_BIN, ['--db', url, '--port', '0', '--token', TOKEN], dir);
      let base = '';
      await waitFor(
        () => {
          const m = URL_LINE.exec(board!.output());
          if (m !== null) base = new URL(m[1]!).origin;
          return m !== null;
        },
        'the board URL',
        board,
      );
      run = start(AUP_BIN, ['run', 'experiment.json', '--db', url], dir);
      await waitFor(
        async () =>
          recordedPids(dir).size === PARALLEL &&
          (await store.listExperiments()).length > 0 &&
          (await runningAttempts(store, 1)) === PARALLEL,
        'two running jobs',
        run,
      );
      const post = async (action: string) => {
        const res = await fetch(`${base}/api/v1/experiments/1/${action}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        return { status: res.status, body: (await res.json()) as { code: string; message: string; details: Record<string, unknown> } };
      };
      for (const action of ['resume', 'start']) {
        const { status, body } = await post(action);
        expect(status, `${action}: ${JSON.stringify(body)}`).toBe(409);
        expect(body.code).toBe('AUP_ERR_DRIVER_LIVE');
        expect(body.message).toContain(`pid ${run.child.pid}`);
        expect(body.message).toContain(`host ${hostname()}`);
        expect(body.details).toMatchObject({ experimentId: 1, host: hostname(), pid: run.child.pid });
      }

      run.child.kill('SIGKILL');
      await run.exit;
      const orphans = [...recordedPids(dir).values()];
      expect(orphans.filter(alive)).toEqual(orphans);
      rmSync(join(dir, 'slow'));
      const resumed = await post('resume');
      expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
      await waitFor(async () => (await store.getExperiment(1))!.status === 'finished', 'the resumed experiment to finish', board);

      const overlaps = join(dir, 'overlaps');
      expect(existsSync(overlaps) ? readFileSync(overlaps, 'utf8') : '').toBe('');
      expect(orphans.filter(alive)).toEqual([]);
      const done = show(1, url, dir);
      expect(done.jobs).toHaveLength(N);
      expect(done.jobs.every((j) => j.status === 'finished')).toBe(true);
      expect(done.jobs.filter((j) => j.attempts === 2)).toHaveLength(PARALLEL);
      expect(readFileSync(join(dir, 'aup-runner-1.log'), 'utf8')).toMatch(/stopped \d+ process\(es\) of the previous driver/);
    } finally {
      await stopAll(run, board);
      killRecorded(dir);
      await store.close();
    }
  });

  it('after kill -9 of aup run, aup resume at once stops its job processes before their jobs run again', async () => {
    const url = await db.fresh();
    const N = 6;
    const PARALLEL = 3;
    const dir = workDir({ name: 'kill9', n_samples: N, n_parallel: PARALLEL }, 0.5, true);
    let run: Running | undefined;
    const store = await openStore(url);
    try {
      run = start(AUP_BIN, ['run', 'experiment.json', '--db', url], dir);
      // Every slot runs a job, and each job's process is recorded (by the job and on its attempt).
      await waitFor(
        async () => {
          if (recordedPids(dir).size < PARALLEL || (await store.listExperiments()).length === 0) return false;
          let withPid = 0;
          for (const job of await store.listJobs(1))
            withPid += (await store.listAttempts(job.id)).filter((a) => a.status === 'running' && a.pid !== null).length;
          return withPid === PARALLEL;
        },
        'three running jobs',
        run,
      );
      run.child.kill('SIGKILL');
      await run.exit;
      const orphans = [...recordedPids(dir).values()];
      expect(orphans.filter(alive)).toEqual(orphans);
      rmSync(join(dir, 'slow'));

      const resumed = aup(['resume', '1', '--db', url], dir);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const overlaps = join(dir, 'overlaps');
      expect(existsSync(overlaps) ? readFileSync(overlaps, 'utf8') : '').toBe('');
      expect(orphans.filter(alive)).toEqual([]);
      expect(resumed.stdout).toMatch(new RegExp(`stopped \\d+ process\\(es\\) of the previous driver \\(pid ${run.child.pid}\\)`));
      const done = show(1, url, dir);
      expect(done.experiment.status).toBe('finished');
      expect(done.jobs).toHaveLength(N);
      expect(done.jobs.map((j) => j.trial).sort((a, b) => a - b)).toEqual([...Array(N).keys()]);
      expect(done.jobs.every((j) => j.status === 'finished')).toBe(true);
      // The jobs the killed run had started ran again, as second attempts.
      expect(done.jobs.filter((j) => j.attempts === 2)).toHaveLength(PARALLEL);
    } finally {
      await stopAll(run);
      killRecorded(dir);
      await store.close();
    }
  });
});
