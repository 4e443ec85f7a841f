// Worker mode as a user runs it (issue 6 §2): `aup run --workers external` and `aup worker` as real
// child processes on a real PostgreSQL (and one run on a SQLite file), with workers killed (-9),
// frozen (SIGSTOP: a worker cut off from the database that comes back) and the driver killed and
// resumed. Leases are short (--lease) so a dead worker's job is requeued within seconds.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore, type AttemptRecord, type JobRecord, type Store } from '@aup/core';
import { forEachDatabase, testDatabases } from '../setup/databases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');
const boardBin = join(root, 'packages/server/bin/aup-board.js');

/** Lease of the test workers (seconds): a dead worker's job waits this long before it runs elsewhere. */
const LEASE_S = 1.5;
const POLL_MS = 50;
const WAIT_LIMIT_MS = 60_000;

// The score is the parameter x read back from the job's JSON, so each recorded score can be checked
// against its job's params; the job sleeps first, so that a worker can be killed in the middle.
const jobScript = (seconds: number) => `#!/bin/sh
sleep ${seconds}
x=$(sed -n 's/.*"x": *\\([-0-9.eE+]*\\).*/\\1/p' "$1")
echo "#Auptimizer:$x"
`;

interface Proc {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['AUP_DB'];
  return env;
}

function start(bin: string, args: string[], cwd: string): Proc {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: childEnv() });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

const aup = (args: string[], cwd: string) => start(aupBin, args, cwd);
const worker = (url: string, cwd: string, ...extra: string[]) => aup(['worker', '--db', url, '--lease', String(LEASE_S), ...extra], cwd);

function experimentDir(config: Record<string, unknown>, seconds: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-workers-'));
  writeFileSync(join(dir, 'job.sh'), jobScript(seconds), { mode: 0o755 });
  writeFileSync(
    join(dir, 'experiment.json'),
    JSON.stringify({ script: 'job.sh', random_seed: 3, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }], ...config }),
  );
  return dir;
}

async function waitFor(cond: () => Promise<boolean>, what: string, procs: Proc[] = []): Promise<void> {
  const until = Date.now() + WAIT_LIMIT_MS;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${procs.map((p) => p.output()).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Stops workers cleanly (SIGINT) and waits for them. */
async function stopAll(procs: Proc[]): Promise<void> {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGINT');
  await Promise.all(procs.map((p) => p.exit));
}

interface Attempts {
  job: JobRecord;
  attempts: AttemptRecord[];
}

async function attemptsOf(store: Store, eid: number): Promise<Attempts[]> {
  const out: Attempts[] = [];
  for (const job of await store.listJobs(eid)) out.push({ job, attempts: await store.listAttempts(job.id) });
  return out;
}

/** Job process groups that a killed worker left behind (jobs run detached), so the test leaves none. */
async function killOrphans(store: Store, eid: number): Promise<void> {
  for (const { attempts } of await attemptsOf(store, eid)) {
    for (const a of attempts) {
      if (a.pid === null) continue;
      try {
        process.kill(-a.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * The experiment ended with exactly n finished jobs, trials 0..n-1, each score its own x, and each
 * job with exactly one finished attempt: nothing run twice into the record.
 */
async function expectExact(store: Store, eid: number, n: number): Promise<Attempts[]> {
  const exp = (await store.getExperiment(eid))!;
  expect(exp.status).toBe('finished');
  const all = await attemptsOf(store, eid);
  expect(all).toHaveLength(n);
  expect(all.map((a) => a.job.trial).sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
  for (const { job, attempts } of all) {
    expect(job.status).toBe('finished');
    expect(job.score).toBeCloseTo(job.params.x as number, 12);
    expect(attempts.filter((a) => a.status === 'finished')).toHaveLength(1);
    expect(attempts.every((a) => a.endedAt !== null && a.status !== 'running')).toBe(true);
  }
  return all;
}

forEachDatabase('worker mode: a driver and two workers', (db) => {
  it('finishes the experiment with exactly n_samples finished jobs, run by both workers, shown on the workers route', async () => {
    const url = await db.fresh();
    const N = 10;
    const dir = experimentDir({ name: 'two workers', n_samples: N, n_parallel: 4 }, 0.3);
    const store = await openStore(url);
    const workers = [worker(url, dir, '--slots', '2'), worker(url, dir, '--slots', '2')];
    const board = start(boardBin, ['--db', url, '--port', '0', '--read-only'], dir);
    let driver: Proc | undefined;
    try {
      // Both workers are up before the first job is queued, so each gets a share of the work.
      await waitFor(async () => (await store.listWorkers()).length === 2, 'two registered workers', workers);
      // The board is up before the first job is queued too: ten 0.3-s jobs on four slots end in about
      // a second, sooner than a board starts on a loaded machine.
      await waitFor(async () => /aup-board: http/.test(board.output()), 'the board', [board]);
      driver = aup(['run', 'experiment.json', '--db', url, '--workers', 'external'], dir);
      const run = driver;
      const base = /aup-board: (http:\/\/\S+)/.exec(board.output())![1]!;
      const api = `${new URL(base).origin}/api/v1/workers`;
      type WireWorker = {
        id: number;
        host: string;
        slots: number;
        status: string;
        stale: boolean;
        current_jobs: number[];
        heartbeat_at: string;
      };
      const listed = async () => ((await (await fetch(api)).json()) as { workers: WireWorker[] }).workers;
      // While the experiment runs, the route shows both workers, live, with the jobs they hold.
      let busy = false;
      await waitFor(
        async () => {
          const ws = await listed();
          busy ||=
            ws.length === 2 &&
            ws.every((w) => w.status === 'running' && !w.stale && w.slots === 2) &&
            ws.some((w) => w.current_jobs.length > 0);
          return busy;
        },
        'both workers listed with current jobs',
        [run, ...workers],
      );
      expect(busy).toBe(true);
      expect(await run.exit, run.output()).toBe(0);
      expect(run.output()).toMatch(/jobs are queued for aup worker processes/);

      const all = await expectExact(store, 1, N);
      const ids = (await listed()).map((w) => w.id);
      const ranBy = new Set(all.flatMap(({ attempts }) => attempts.map((a) => a.workerId)));
      expect([...ranBy].sort()).toEqual([...ids].sort());
      await stopAll(workers);
      for (const w of workers) expect(await w.exit, w.output()).toBe(0);
      const after = await listed();
      expect(after.map((w) => [w.status, w.current_jobs])).toEqual([
        ['stopped', []],
        ['stopped', []],
      ]);
      expect(after[0]!.host).toBe((await store.listWorkers())[0]!.host);
    } finally {
      for (const p of [board, ...workers, ...(driver ? [driver] : [])]) p.child.kill('SIGKILL');
      await killOrphans(store, 1).catch(() => undefined);
      await store.close();
    }
  });
});

const pgDb = testDatabases().find((d) => d.kind === 'postgres')!;

describe('worker mode on PostgreSQL: faults', () => {
  it('requeues the job of a worker killed with -9 after its lease; another worker finishes it as a new attempt', async () => {
    const url = await pgDb.fresh();
    const N = 4;
    const dir = experimentDir({ n_samples: N, n_parallel: 2 }, 1);
    const store = await openStore(url);
    const doomed = worker(url, dir, '--slots', '1');
    const driver = aup(['run', 'experiment.json', '--db', url, '--workers', 'external'], dir);
    let survivor: Proc | undefined;
    try {
      // The doomed worker is alone at first, so it holds a job with its process started.
      let held: AttemptRecord | undefined;
      await waitFor(
        async () => {
          held = (await attemptsOf(store, 1)).flatMap((a) => a.attempts).find((a) => a.status === 'running' && a.pid !== null);
          return held !== undefined;
        },
        'a running attempt on the first worker',
        [doomed, driver],
      );
      survivor = worker(url, dir, '--slots', '2');
      doomed.child.kill('SIGKILL');
      expect(await doomed.exit).toBeNull();
      expect(await driver.exit, driver.output()).toBe(0);

      const all = await expectExact(store, 1, N);
      const victim = all.find((a) => a.job.id === held!.jobId)!;
      expect(victim.attempts.map((a) => [a.attempt, a.status, a.workerId])).toEqual([
        [1, 'interrupted', held!.workerId],
        [2, 'finished', expect.any(Number)],
      ]);
      expect(victim.attempts[1]!.workerId).not.toBe(held!.workerId);
      expect(victim.attempts[0]!.error).toMatch(/lease expired/);
      expect(victim.job.attempts).toBe(2);
      const dead = (await store.listWorkers()).find((w) => w.id === held!.workerId)!;
      expect(dead.status).toBe('dead');
    } finally {
      for (const p of [driver, doomed, ...(survivor ? [survivor] : [])]) p.child.kill('SIGKILL');
      await killOrphans(store, 1).catch(() => undefined);
      await store.close();
    }
  });

  it('rejects the late result of a worker that was cut off past its lease and came back', async () => {
    const url = await pgDb.fresh();
    const dir = experimentDir({ n_samples: 2, n_parallel: 1 }, 1);
    const store = await openStore(url);
    const frozen = worker(url, dir, '--slots', '1');
    const driver = aup(['run', 'experiment.json', '--db', url, '--workers', 'external'], dir);
    let other: Proc | undefined;
    try {
      let held: AttemptRecord | undefined;
      await waitFor(
        async () => {
          held = (await attemptsOf(store, 1)).flatMap((a) => a.attempts).find((a) => a.status === 'running' && a.pid !== null);
          return held !== undefined;
        },
        'a running attempt on the first worker',
        [frozen, driver],
      );
      // SIGSTOP freezes the worker (no heartbeat, as if its network were cut); its job's own process
      // group runs on and ends, so the worker has a result to write once it thaws.
      frozen.child.kill('SIGSTOP');
      other = worker(url, dir, '--slots', '1');
      await waitFor(
        async () => {
          const a = (await store.listAttempts(held!.jobId)).find((x) => x.attempt === 2);
          return a !== undefined && a.status === 'finished';
        },
        'the job finished by the other worker',
        [driver, other],
      );
      frozen.child.kill('SIGCONT');
      await waitFor(async () => /result not recorded|stopped, its lease expired/.test(frozen.output()), 'the thawed worker to notice', [
        frozen,
      ]);
      expect(await driver.exit, driver.output()).toBe(0);

      const all = await expectExact(store, 1, 2);
      const victim = all.find((a) => a.job.id === held!.jobId)!;
      expect(victim.attempts.map((a) => [a.attempt, a.status])).toEqual([
        [1, 'interrupted'],
        [2, 'finished'],
      ]);
      // The late attempt's score is nowhere: the one recorded is the second attempt's.
      expect(victim.attempts[0]!.score).toBeNull();
      expect(victim.job.score).toBe(victim.attempts[1]!.score);
      await stopAll([frozen, other]);
      expect(await frozen.exit, frozen.output()).toBe(0);
    } finally {
      for (const p of [driver, frozen, ...(other ? [other] : [])]) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      }
      await killOrphans(store, 1).catch(() => undefined);
      await store.close();
    }
  });

  it('keeps the workers going when the driver is killed with -9; aup resume finishes with exactly n_samples jobs', async () => {
    const url = await pgDb.fresh();
    const N = 8;
    const dir = experimentDir({ n_samples: N, n_parallel: 3 }, 0.3);
    const store = await openStore(url);
    const workers = [worker(url, dir, '--slots', '2'), worker(url, dir, '--slots', '1')];
    const driver = aup(['run', 'experiment.json', '--db', url, '--workers', 'external'], dir);
    let resumed: Proc | undefined;
    try {
      const completed = async () => (await store.listJobs(1)).filter((j) => j.status === 'finished').length;
      await waitFor(async () => (await completed()) >= 3, '3 completed jobs', [driver, ...workers]);
      driver.child.kill('SIGKILL');
      expect(await driver.exit).toBeNull();
      const killedAt = Date.now();
      // With no driver, the workers run what is queued to the end: attempts end after the kill.
      await waitFor(
        async () => {
          const ends = (await attemptsOf(store, 1))
            .flatMap((a) => a.attempts)
            .filter((a) => a.status === 'finished' && a.endedAt! > killedAt);
          const idle = (await store.listWorkers()).every((w) => w.currentJobs.length === 0);
          return ends.length > 0 && idle;
        },
        'the workers to finish the queued jobs',
        workers,
      );
      const beforeResume = await completed();
      resumed = aup(['resume', '1', '--db', url], dir);
      expect(await resumed.exit, resumed.output()).toBe(0);
      expect(beforeResume).toBeLessThan(N);
      await expectExact(store, 1, N);
      await stopAll(workers);
    } finally {
      for (const p of [driver, ...workers, ...(resumed ? [resumed] : [])]) p.child.kill('SIGKILL');
      await killOrphans(store, 1).catch(() => undefined);
      await store.close();
    }
  });

  it('restricts what a worker claims with --experiment and --tags', async () => {
    const url = await pgDb.fresh();
    const N = 4;
    const gpuDir = experimentDir({ name: 'gpu', n_samples: N, n_parallel: 2 }, 0.2);
    const plainDir = experimentDir({ name: 'plain', n_samples: N, n_parallel: 2 }, 0.2);
    const store = await openStore(url);
    const drivers = [
      aup(['run', 'experiment.json', '--db', url, '--workers', 'external', '--tags', 'gpu'], gpuDir),
      aup(['run', 'experiment.json', '--db', url, '--workers', 'external'], plainDir),
    ];
    let workers: Proc[] = [];
    try {
      await waitFor(async () => (await store.listExperiments()).length === 2, 'both experiments', drivers);
      const experiments = await store.listExperiments();
      const gpuExp = experiments.find((e) => e.name === 'gpu')!;
      const plainExp = experiments.find((e) => e.name === 'plain')!;
      expect(gpuExp.workers).toEqual({ mode: 'external', tags: ['gpu'] });
      // The untagged worker may take any untagged experiment's jobs, but not the gpu one's; the
      // tagged worker has the tag, but --experiment holds it to the gpu experiment.
      const untagged = worker(url, plainDir, '--slots', '2');
      const tagged = worker(url, gpuDir, '--slots', '2', '--tags', 'gpu,fast', '--experiment', String(gpuExp.id));
      workers = [untagged, tagged];
      for (const d of drivers) expect(await d.exit, d.output()).toBe(0);
      const ids = new Map((await store.listWorkers()).map((w) => [w.pid, w.id]));
      const runsOf = async (eid: number) => new Set((await expectExact(store, eid, N)).flatMap((a) => a.attempts.map((x) => x.workerId)));
      expect(await runsOf(gpuExp.id)).toEqual(new Set([ids.get(tagged.child.pid!)]));
      expect(await runsOf(plainExp.id)).toEqual(new Set([ids.get(untagged.child.pid!)]));
      await stopAll(workers);
    } finally {
      for (const p of [...drivers, ...workers]) p.child.kill('SIGKILL');
      for (const e of await store.listExperiments()) await killOrphans(store, e.id).catch(() => undefined);
      await store.close();
    }
  });

  it('refuses worker mode on an in-memory database in one line, before anything runs', () => {
    // The other refusals (bad --workers, --tags alone, --resource, --lease) are unit-tested in
    // packages/core/src/cli/worker-command.test.ts; this checks how the CLI prints one.
    const dir = experimentDir({ n_samples: 1 }, 0);
    const r = spawnSync(process.execPath, [aupBin, 'run', 'experiment.json', '--db', ':memory:', '--workers', 'external'], {
      cwd: dir,
      encoding: 'utf8',
      env: childEnv(),
    });
    // A usage error (docs/reference/cli.md, exit codes).
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^aup: --workers external with --db :memory:: workers are other processes/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
