// Crash safety as a user meets it (issue 6 §3): the real `aup` CLI in child processes, killed with
// SIGKILL mid-experiment, then resumed; and two runners writing one SQLite file at once.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');

/** Jobs of the kill test: long enough that two are nearly always running when the runner dies. */
const N_SAMPLES = 12;
const JOB_SECONDS = 0.3;
/** The runner is killed once this many jobs are finished, then the resumed runner once this many more are. */
const FIRST_KILL_AT = 3;
const SECOND_KILL_AT = 7;
const POLL_MS = 25;
/** Two runners on one file: many short jobs, each printing many scalar records. */
const SHARED_JOBS = 30;
const SCALARS_PER_JOB = 50;

interface JobView {
  id: number;
  trial: number;
  status: string;
  score: number | null;
  params: Record<string, number>;
  attempts: number;
}

function aup(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [aupBin, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-crash-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o755 });
  return dir;
}

function show(eid: number, url: string, cwd: string): { experiment: { status: string }; jobs: JobView[] } {
  const r = aup(['show', String(eid), '--json', '--db', url], cwd);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

function startAup(args: string[], cwd: string): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [aupBin, ...args], { cwd });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

async function waitFor(cond: () => Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** SIGKILLs the runner once `count` jobs of `eid` are finished; returns how many were finished then. */
async function killWhenFinished(store: Store, eid: number, count: number, run: ReturnType<typeof startAup>): Promise<void> {
  const finished = async () => (await store.listJobs(eid)).filter((j) => j.status === 'finished').length;
  let early: number | null | undefined;
  void run.exit.then((code) => (early = code));
  await waitFor(async () => {
    if (early !== undefined) throw new Error(`the runner exited (${early}) before it could be killed:\n${run.output()}`);
    return (await finished()) >= count;
  }, `${count} finished jobs`);
  run.child.kill('SIGKILL');
  expect(await run.exit).toBeNull();
}

/** Job process groups a killed runner left behind (they run detached), so the test leaves none. */
async function killOrphans(store: Store, eid: number): Promise<void> {
  for (const job of await store.listJobs(eid)) {
    for (const a of await store.listAttempts(job.id)) {
      if (a.pid === null || a.pid === undefined) continue;
      // A job spawned directly leads its own process group; one started by a slot shell runs in the
      // shell's group, and the shell ends by itself once its job is gone.
      for (const target of [-a.pid, a.pid]) {
        try {
          process.kill(target, 'SIGKILL');
          break;
        } catch {
          // not a group, or already gone
        }
      }
    }
  }
}

const finishedScores = (jobs: JobView[]) => new Map(jobs.filter((j) => j.status === 'finished').map((j) => [j.id, j.score]));

// The score is the parameter x read back from the job's JSON, so a recorded score can be checked
// against the recorded params, and a late or duplicated write would show.
const kill9Script = `#!/bin/sh
sleep ${JOB_SECONDS}
x=$(sed -n 's/.*"x": *\\([-0-9.eE+]*\\).*/\\1/p' "$1")
echo "#Auptimizer:$x"
`;

forEachDatabase('crash safety: kill -9 of the runner', (db) => {
  it('loses no recorded result, and resume finishes with n_samples jobs, no duplicates, the uninterrupted params', async () => {
    const url = await db.fresh();
    const config = {
      name: 'crash',
      script: 'job.sh',
      n_samples: N_SAMPLES,
      n_parallel: 2,
      random_seed: 7,
      target: 'max',
      parameter_config: [
        { name: 'x', range: [0, 1], type: 'float' },
        { name: 'k', range: [1, 9], type: 'int' },
      ],
    };
    const dir = tempDir({ 'job.sh': kill9Script, 'experiment.json': JSON.stringify(config) });
    const refDir = tempDir({ 'job.sh': kill9Script, 'experiment.json': JSON.stringify(config) });
    const store = await openStore(url);
    try {
      // Experiment 1: killed twice, resumed to the end.
      const first = startAup(['run', 'experiment.json', '--db', url], dir);
      await killWhenFinished(store, 1, FIRST_KILL_AT, first);
      const afterFirst = show(1, url, dir);
      const recorded1 = finishedScores(afterFirst.jobs);
      expect(recorded1.size).toBeGreaterThanOrEqual(FIRST_KILL_AT);
      // Jobs the dead runner had started are still running in their own process groups; once
      // they end, their late output must change nothing that was recorded.
      await new Promise((r) => setTimeout(r, JOB_SECONDS * 1000 * 3));
      expect(finishedScores(show(1, url, dir).jobs)).toEqual(recorded1);
      await killOrphans(store, 1);

      const second = startAup(['resume', '1', '--db', url], dir);
      await killWhenFinished(store, 1, SECOND_KILL_AT, second);
      const recorded2 = finishedScores(show(1, url, dir).jobs);
      for (const [id, score] of recorded1) expect(recorded2.get(id)).toBe(score);
      await new Promise((r) => setTimeout(r, JOB_SECONDS * 1000 * 3));
      await killOrphans(store, 1);

      const resumed = aup(['resume', '1', '--db', url], dir);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);

      // Experiment 2 (same database, same seed): the uninterrupted reference.
      const ref = aup(['run', 'experiment.json', '--db', url], refDir);
      expect(ref.code).toBe(0);

      const done = show(1, url, dir);
      const reference = show(2, url, refDir);
      expect(done.experiment.status).toBe('finished');
      expect(done.jobs).toHaveLength(N_SAMPLES);
      expect(done.jobs.every((j) => j.status === 'finished')).toBe(true);
      expect(done.jobs.map((j) => j.trial).sort((a, b) => a - b)).toEqual([...Array(N_SAMPLES).keys()]);
      for (const [id, score] of recorded2) expect(done.jobs.find((j) => j.id === id)!.score).toBe(score);
      for (const job of done.jobs) expect(job.score).toBeCloseTo(job.params.x!, 12);
      const byTrial = (jobs: JobView[]) => [...jobs].sort((a, b) => a.trial - b.trial).map((j) => j.params);
      expect(byTrial(done.jobs)).toEqual(byTrial(reference.jobs));
      // At least one job was cut off by a kill and ran again as a new attempt.
      expect(done.jobs.some((j) => j.attempts > 1)).toBe(true);
    } finally {
      await killOrphans(store, 1).catch(() => undefined);
      await store.close();
    }
  });

  // A SIGKILLed runner leaves its attempts `running`; resume must close them before the reruns.
  it('closes the attempts a killed runner left running once the experiment is resumed', async () => {
    const url = await db.fresh();
    const dir = tempDir({
      'job.sh': kill9Script,
      'experiment.json': JSON.stringify({
        script: 'job.sh',
        n_samples: 6,
        n_parallel: 2,
        parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      }),
    });
    const store = await openStore(url);
    try {
      const run = startAup(['run', 'experiment.json', '--db', url], dir);
      // Killed only once an attempt is running with its process started, so there is one to close.
      await waitFor(async () => {
        for (const job of await store.listJobs(1)) {
          if ((await store.listAttempts(job.id)).some((a) => a.status === 'running' && a.pid !== null)) return true;
        }
        return false;
      }, 'a running attempt');
      run.child.kill('SIGKILL');
      await run.exit;
      await new Promise((r) => setTimeout(r, JOB_SECONDS * 1000 * 3));
      await killOrphans(store, 1);
      const resumed = aup(['resume', '1', '--db', url], dir);
      if (resumed.code !== 0) throw new Error(`precondition: resume failed\n${resumed.stderr}`);
      const open: string[] = [];
      for (const job of await store.listJobs(1)) {
        for (const a of await store.listAttempts(job.id))
          if (a.status === 'running' || a.endedAt === null) open.push(`job ${job.id} attempt ${a.attempt}: ${a.status}`);
      }
      expect(open).toEqual([]);
    } finally {
      await killOrphans(store, 1).catch(() => undefined);
      await store.close();
    }
  });
});

// A job whose model save (save_model: true in its job file) hangs the first time, as a runner
// killed mid-save leaves it, and saves the model into aup_models/<folder_name>/ the next time.
const saveScript = `#!/bin/sh
x=$(sed -n 's/.*"x": *\\([-0-9.eE+]*\\).*/\\1/p' "$1")
if grep -q '"save_model": *true' "$1"; then
  if [ -e hang ]; then rm hang; sleep 60; fi
  folder=$(sed -n 's/.*"folder_name": *"\\([^"]*\\)".*/\\1/p' "$1")
  mkdir -p "aup_models/$folder" && echo "$x" > "aup_models/$folder/model.txt"
fi
echo "#Auptimizer:$x"
`;

forEachDatabase('crash safety: kill -9 during the model save', (db) => {
  it('resume runs no trial again, saves the model as a new attempt of the best job, and ends with n_samples jobs', async () => {
    const url = await db.fresh();
    const dir = tempDir({
      'job.sh': saveScript,
      hang: '',
      'experiment.json': JSON.stringify({
        script: 'job.sh',
        n_samples: 4,
        parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
        resource_args: { save_model: true },
      }),
    });
    const store = await openStore(url);
    try {
      const run = startAup(['run', 'experiment.json', '--db', url], dir);
      // Killed once the model save runs with its process started.
      let best = 0;
      await waitFor(
        async () => {
          best = (await store.getExperiment(1))?.bestJobId ?? 0;
          return best > 0 && (await store.listAttempts(best)).some((a) => a.kind === 'save_model' && a.pid !== null);
        },
        'the model save to run',
        60_000,
      );
      run.child.kill('SIGKILL');
      await run.exit;
      expect((await store.getExperiment(1))!.status).toBe('running');
      const resumed = aup(['resume', '1', '--db', url], dir);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const done = show(1, url, dir);
      expect(done.experiment.status).toBe('finished');
      expect(done.jobs).toHaveLength(4);
      expect(done.jobs.every((j) => j.status === 'finished')).toBe(true);
      // No trial ran again: only the best job has more than its one attempt.
      for (const job of done.jobs) expect(job.attempts).toBe(job.id === best ? 3 : 1);
      expect((await store.listAttempts(best)).map((a) => [a.kind, a.status])).toEqual([
        ['trial', 'finished'],
        ['save_model', 'interrupted'],
        ['save_model', 'finished'],
      ]);
      const bestJob = done.jobs.find((j) => j.id === best)!;
      expect(readFileSync(join(dir, 'aup_models', 'models_1', 'model.txt'), 'utf8').trim()).toBe(String(bestJob.params.x));
    } finally {
      await killOrphans(store, 1).catch(() => undefined);
      await store.close();
    }
  });
});

const scalarsScript = `#!/bin/sh
i=0
while [ $i -lt ${SCALARS_PER_JOB} ]; do
  echo "#aup:{\\"type\\":\\"scalar\\",\\"name\\":\\"loss\\",\\"step\\":$i,\\"value\\":$i.5}"
  i=$((i+1))
done
echo "#aup:{\\"type\\":\\"result\\",\\"value\\":1}"
`;

describe('crash safety: two runners on one SQLite file', () => {
  it('runs two experiments at once to the end with every row recorded and no "database is locked"', async () => {
    const dir = tempDir({ 'job.sh': scalarsScript });
    for (const name of ['a', 'b']) {
      writeFileSync(
        join(dir, `${name}.json`),
        JSON.stringify({
          name,
          script: 'job.sh',
          n_samples: SHARED_JOBS,
          n_parallel: 2,
          parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
        }),
      );
    }
    const url = join(dir, 'shared.db');
    const runs = ['a', 'b'].map((name) => startAup(['run', `${name}.json`, '--db', url], dir));
    const codes = await Promise.all(runs.map((r) => r.exit));
    for (const r of runs) expect(r.output()).not.toMatch(/locked|SQLITE_BUSY/i);
    expect(codes).toEqual([0, 0]);

    const store = await openStore(url);
    try {
      const experiments = await store.listExperiments();
      expect(experiments.map((e) => [e.name, e.status]).sort()).toEqual([
        ['a', 'finished'],
        ['b', 'finished'],
      ]);
      // Each started before the other ended: the two runners really wrote the file at the same time.
      const [x, y] = experiments;
      expect(x!.startedAt!).toBeLessThan(y!.endedAt!);
      expect(y!.startedAt!).toBeLessThan(x!.endedAt!);
      for (const exp of experiments) {
        const jobs = await store.listJobs(exp.id);
        expect(jobs).toHaveLength(SHARED_JOBS);
        expect(jobs.map((j) => j.trial).sort((a, b) => a - b)).toEqual([...Array(SHARED_JOBS).keys()]);
        for (const job of jobs) {
          expect(job.status).toBe('finished');
          expect(job.score).toBe(1);
          const loss = await store.listIntermediate(job.id, 'loss');
          expect(loss.map((r) => [r.step, r.value])).toEqual([...Array(SCALARS_PER_JOB).keys()].map((i) => [i, i + 0.5]));
        }
      }
    } finally {
      await store.close();
    }
  });
});
