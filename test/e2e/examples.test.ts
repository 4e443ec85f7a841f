/**
 * Every runnable example in docs/examples, run the way a user runs it: the real `aup` CLI as a child
 * process, real job processes (Node, python3, bash), a real database. Each test works on a copy of
 * the example in a temp folder, so the jobs/ folders the runs write never land in the repository.
 * The checks are what each example's README promises a user.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openStore, type IntermediateRecord } from '@aup/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testDatabases } from '../setup/databases.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'packages', 'core', 'bin', 'aup.js');
const EXAMPLES = join(ROOT, 'docs', 'examples');

/** The stable shape of `aup show --json` (docs/reference/cli.md), as far as these tests read it. */
interface ShowJson {
  experiment: {
    id: number;
    name: string;
    status: string;
    proposer: string;
    target: 'min' | 'max';
    n_samples: number;
    error: string | null;
    /** The experiment's job folder under the working directory. */
    job_dir: string;
  };
  best: { job_id: number; score: number; params: Record<string, number> } | null;
  jobs: {
    id: number;
    trial: number;
    status: string;
    score: number | null;
    params: Record<string, number>;
    metrics: Record<string, number>;
    attempts: number;
    warnings: string[];
  }[];
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface ExampleRun {
  /** The example's copy, where its jobs/ folder is. */
  dir: string;
  db: string;
  run: CliResult;
  show: ShowJson;
}

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'aup-examples-'));
  // The Node examples import @aup/logger; a user's project has it in node_modules, and so does the copy.
  symlinkSync(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// A fresh PostgreSQL database per call, on the server that the e2e project's global setup started.
const postgres = testDatabases().find((d) => d.kind === 'postgres')!;

/** Runs `aup <args>` as a user would, without an inherited AUP_DB. */
function aup(args: string[], cwd: string): Promise<CliResult> {
  const env = { ...process.env };
  delete env['AUP_DB'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function describeRun(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Copies an example into the temp folder; leftovers of a run made in place (ignored by git) stay behind. */
function copyExample(name: string, copyName: string): string {
  const dir = join(tmp, copyName);
  cpSync(join(EXAMPLES, name), dir, {
    recursive: true,
    filter: (src) => !src.endsWith(`${sep}jobs`) && !src.endsWith(`${sep}aup_models`),
  });
  return dir;
}

/** The only experiment in a database, as `aup show --json` prints it. */
async function showOnly(url: string): Promise<ShowJson> {
  const list = await aup(['list', '--json', '--db', url], tmp);
  expect(list.code, describeRun(list)).toBe(0);
  const experiments = JSON.parse(list.stdout) as { id: number }[];
  expect(experiments).toHaveLength(1);
  const shown = await aup(['show', String(experiments[0]!.id), '--json', '--db', url], tmp);
  expect(shown.code, describeRun(shown)).toBe(0);
  return JSON.parse(shown.stdout) as ShowJson;
}

/** Copies an example, runs it with `aup run`, and reads the result back with `aup show --json`. */
async function runExample(name: string, copyName: string = name, db?: string): Promise<ExampleRun> {
  const dir = copyExample(name, copyName);
  const url = db ?? join(tmp, `${copyName}.db`);
  const run = await aup(['run', join(dir, 'experiment.json'), '--db', url], tmp);
  expect(run.code, describeRun(run)).toBe(0);
  return { dir, db: url, run, show: await showOnly(url) };
}

/** Runs `aup <args>` and presses Ctrl-C (SIGINT) once `jobs` jobs have finished. */
function aupInterrupted(args: string[], cwd: string, jobs: number): Promise<CliResult> {
  const env = { ...process.env };
  delete env['AUP_DB'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      // Without a terminal, aup prints one line per ended job: "[3/12] job 4 finished score=...".
      if (!sent && (stdout.match(/^\[\d+\/\d+\] job \d+ finished/gm) ?? []).length >= jobs) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The finished job with the best score for the target. */
function bestOf(show: ShowJson): { score: number; ids: number[] } {
  const finished = show.jobs.filter((j) => j.status === 'finished' && j.score !== null);
  const scores = finished.map((j) => j.score!);
  const score = show.experiment.target === 'max' ? Math.max(...scores) : Math.min(...scores);
  return { score, ids: finished.filter((j) => j.score === score).map((j) => j.id) };
}

/** `best` names a job whose score is the best for the target, with that job's params. */
function expectBestIsRight(show: ShowJson): void {
  const { score, ids } = bestOf(show);
  expect(show.best).not.toBeNull();
  expect(show.best!.score).toBe(score);
  expect(ids).toContain(show.best!.job_id);
  expect(show.best!.params).toEqual(show.jobs.find((j) => j.id === show.best!.job_id)!.params);
}

function expectAllFinishedCleanly(show: ShowJson, n: number): void {
  expect(show.experiment.status).toBe('finished');
  expect(show.experiment.error).toBeNull();
  expect(show.jobs).toHaveLength(n);
  for (const job of show.jobs) {
    expect(job, `job ${job.id}`).toMatchObject({ status: 'finished', attempts: 1, warnings: [] });
    expect(Number.isFinite(job.score), `job ${job.id} score ${job.score}`).toBe(true);
  }
}

function expectWithin(value: number, [lo, hi]: [number, number], what: string): void {
  expect(value, what).toBeGreaterThanOrEqual(lo);
  expect(value, what).toBeLessThanOrEqual(hi);
}

async function intermediate(db: string, jobId: number, label: string): Promise<IntermediateRecord[]> {
  const store = await openStore(db);
  try {
    return await store.listIntermediate(jobId, label);
  } finally {
    await store.close();
  }
}

function steps(points: IntermediateRecord[]): number[] {
  return points.map((p) => p.step);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** What must not depend on the database or on interruptions: each trial's params and score. */
function byTrial(show: ShowJson): { trial: number; params: Record<string, number>; score: number | null }[] {
  return [...show.jobs].sort((a, b) => a.trial - b.trial).map((j) => ({ trial: j.trial, params: j.params, score: j.score }));
}

describe('quickstart (Node, @aup/logger)', () => {
  let sqlite: ExampleRun;
  let pg: ExampleRun;

  beforeAll(async () => {
    const pgUrl = await postgres.fresh();
    [sqlite, pg] = await Promise.all([runExample('quickstart'), runExample('quickstart', 'quickstart-pg', pgUrl)]);
  });

  async function expectQuickstart({ show, db, dir }: ExampleRun): Promise<void> {
    expect(show.experiment).toMatchObject({ name: 'quickstart', proposer: 'random', target: 'max', n_samples: 12 });
    expectAllFinishedCleanly(show, 12);
    for (const job of show.jobs) {
      const { learning_rate, epochs, l2 } = job.params as { learning_rate: number; epochs: number; l2: number };
      expectWithin(learning_rate, [0.01, 30], `job ${job.id} learning_rate`);
      expect(Number.isInteger(epochs), `job ${job.id} epochs ${epochs}`).toBe(true);
      expectWithin(epochs, [10, 300], `job ${job.id} epochs`);
      expectWithin(l2, [1e-5, 0.01], `job ${job.id} l2`);
      expectWithin(job.score!, [0, 1], `job ${job.id} validation accuracy`);
      expectWithin(job.metrics['train_accuracy']!, [0, 1], `job ${job.id} train_accuracy`);
      // One loss point per epoch, and the last validation accuracy is the reported score.
      expect(steps(await intermediate(db, job.id, 'loss'))).toEqual(range(epochs));
      const accuracy = await intermediate(db, job.id, 'val_accuracy');
      expect(steps(accuracy)).toEqual(range(epochs));
      expect(accuracy.at(-1)!.value).toBe(job.score);
      expect(existsSync(join(dir, show.experiment.job_dir, `${job.id}.json`)), `${show.experiment.job_dir}/${job.id}.json`).toBe(true);
      expect(existsSync(join(dir, show.experiment.job_dir, `${job.id}.1.out`)), `${show.experiment.job_dir}/${job.id}.1.out`).toBe(true);
    }
    expectBestIsRight(show);
    // Some settings learn the moons and some do not: the search has something to find.
    expect(show.best!.score).toBeGreaterThan(0.85);
    expect(Math.min(...show.jobs.map((j) => j.score!))).toBeLessThan(show.best!.score);
  }

  it('runs 12 jobs on SQLite, with a learning curve per job and the best validation accuracy', async () => {
    await expectQuickstart(sqlite);
    expect(sqlite.run.stdout).toContain(`best: job ${sqlite.show.best!.job_id}`);
  });

  it('runs the same on PostgreSQL (--db postgres://...)', async () => {
    await expectQuickstart(pg);
  });

  it('proposes and scores the same jobs on both databases (seeded proposer, deterministic script)', () => {
    expect(byTrial(pg.show)).toEqual(byTrial(sqlite.show));
  });

  it('stops on Ctrl-C, and `aup resume` ends with the same jobs as an uninterrupted run', async () => {
    const dir = copyExample('quickstart', 'quickstart-resume');
    const url = join(tmp, 'quickstart-resume.db');
    const stopped = await aupInterrupted(['run', join(dir, 'experiment.json'), '--db', url], tmp, 3);
    expect(stopped.code, describeRun(stopped)).toBe(1);
    const atStop = await showOnly(url);
    const eid = atStop.experiment.id;
    expect(stopped.stdout).toContain(`stopped: continue with "aup resume ${eid} --db ${url}"`);
    expect(atStop.experiment.status).toBe('stopped');
    expect(atStop.jobs.filter((j) => j.status === 'finished').length).toBeLessThan(12);
    const interrupted = atStop.jobs.filter((j) => j.status === 'interrupted').map((j) => j.id);
    for (const job of atStop.jobs) expect(['finished', 'interrupted'], `job ${job.id}`).toContain(job.status);

    const resumed = await aup(['resume', String(eid), '--db', url], tmp);
    expect(resumed.code, describeRun(resumed)).toBe(0);
    const show = await showOnly(url);
    expect(show.experiment.status).toBe('finished');
    expect(show.jobs).toHaveLength(12);
    for (const job of show.jobs) {
      expect(job, `job ${job.id}`).toMatchObject({ status: 'finished', attempts: interrupted.includes(job.id) ? 2 : 1 });
    }
    expect(byTrial(show)).toEqual(byTrial(sqlite.show));
    expectBestIsRight(show);
  });
});

describe('rosenbrock (Python, Auptimizer style)', () => {
  it('runs an Auptimizer script unchanged and finds the smallest value', async () => {
    const { show } = await runExample('rosenbrock');
    expect(show.experiment).toMatchObject({ name: 'rosenbrock', proposer: 'random', target: 'min', n_samples: 20 });
    expectAllFinishedCleanly(show, 20);
    for (const job of show.jobs) {
      const { x, y } = job.params as { x: number; y: number };
      expectWithin(x, [-2, 2], `job ${job.id} x`);
      expectWithin(y, [-1, 3], `job ${job.id} y`);
      // The score is the function at the proposed point: the params reached the script intact.
      const expected = (1 - x) ** 2 + 100 * (y - x * x) ** 2;
      expect(Math.abs(job.score! - expected), `job ${job.id}: ${job.score} vs ${expected}`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, expected),
      );
    }
    expectBestIsRight(show);
  });
});

describe('multiple-results (Python, @aup_args, multi_res_labels)', () => {
  it('records the first value as the score and the others as named metrics', async () => {
    const { show } = await runExample('multiple-results');
    expect(show.experiment).toMatchObject({ name: 'multiple-results', target: 'min', n_samples: 16 });
    expectAllFinishedCleanly(show, 16);
    for (const job of show.jobs) {
      expect(Object.keys(job.metrics).sort(), `job ${job.id} metrics`).toEqual(['train_mse', 'weight_norm']);
      expect(job.score!, `job ${job.id} validation mse`).toBeGreaterThan(0);
      expect(job.metrics['train_mse']!, `job ${job.id} train_mse`).toBeGreaterThan(0);
      expect(job.metrics['weight_norm']!, `job ${job.id} weight_norm`).toBeGreaterThan(0);
      expect(Number.isInteger(job.params['degree']), `job ${job.id} degree`).toBe(true);
      expectWithin(job.params['degree']!, [1, 12], `job ${job.id} degree`);
      expectWithin(job.params['alpha']!, [1e-8, 1], `job ${job.id} alpha`);
    }
    // The three values are different numbers, not one value copied thrice.
    expect(show.jobs.some((j) => j.metrics['train_mse'] !== j.score && j.metrics['weight_norm'] !== j.score)).toBe(true);
    expectBestIsRight(show);
  });
});

describe('intermediate-results (Python, track_intermediate_results)', () => {
  it('records one result per epoch, the last one being the final score', async () => {
    const { show, db } = await runExample('intermediate-results');
    expect(show.experiment).toMatchObject({ name: 'intermediate-results', target: 'min', n_samples: 10 });
    expectAllFinishedCleanly(show, 10);
    const EPOCHS = 20;
    for (const job of show.jobs) {
      const curve = await intermediate(db, job.id, 'score');
      expect(steps(curve), `job ${job.id} steps`).toEqual(range(EPOCHS));
      expect(curve.at(-1)!.value, `job ${job.id} last point`).toBe(job.score);
      // A curve, not one value repeated: training changes the validation error.
      expect(new Set(curve.map((p) => p.value)).size, `job ${job.id} distinct values`).toBeGreaterThan(1);
    }
    expectBestIsRight(show);
  });
});

describe('job-failure (Node, job_retries + ignore_fail)', () => {
  it('retries failed jobs, records the ones that keep failing, and finishes the experiment', async () => {
    const { show, dir } = await runExample('job-failure');
    expect(show.experiment).toMatchObject({ name: 'job-failure', status: 'finished', n_samples: 12, error: null });
    expect(show.jobs).toHaveLength(12);
    const diverging = show.jobs.filter((j) => j.params['x']! > 0.7);
    const flaky = show.jobs.filter((j) => j.params['x']! <= 0.7 && j.id % 3 === 0);
    const healthy = show.jobs.filter((j) => j.params['x']! <= 0.7 && j.id % 3 !== 0);
    // The seed gives every kind of job at least once, so each rule below is exercised.
    expect(diverging.length, 'jobs with x > 0.7').toBeGreaterThan(0);
    expect(flaky.length, 'flaky jobs').toBeGreaterThan(0);
    expect(healthy.length, 'healthy jobs').toBeGreaterThan(0);
    for (const job of diverging) {
      // 1 attempt + job_retries (2), then failed for good; the experiment went on (ignore_fail).
      expect(job, `job ${job.id}`).toMatchObject({ status: 'failed', attempts: 3, score: null });
      for (const attempt of [1, 2, 3]) expect(existsSync(join(dir, show.experiment.job_dir, `${job.id}.${attempt}.out`))).toBe(true);
    }
    for (const job of flaky) expect(job, `job ${job.id}`).toMatchObject({ status: 'finished', attempts: 2 });
    for (const job of healthy) expect(job, `job ${job.id}`).toMatchObject({ status: 'finished', attempts: 1 });
    for (const job of [...flaky, ...healthy]) expect(job.score).toBeCloseTo(1 - (job.params['x']! - 0.6) ** 2, 12);
    expectBestIsRight(show);
    expect(diverging.map((j) => j.id)).not.toContain(show.best!.job_id);
  });
});

describe('sequence-grid (bash, sequence proposer)', () => {
  it('runs all 121 points of the grid, first parameter fastest, and finds the top', async () => {
    const { show } = await runExample('sequence-grid');
    expect(show.experiment).toMatchObject({ name: 'sequence-grid', proposer: 'sequence', target: 'max', n_samples: 121 });
    expectAllFinishedCleanly(show, 121);
    const jobs = [...show.jobs].sort((a, b) => a.trial - b.trial);
    expect(jobs.map((j) => j.trial)).toEqual(range(121));
    for (const job of jobs) {
      const x = job.trial % 11;
      const y = Math.floor(job.trial / 11);
      expect(job.params, `trial ${job.trial}`).toEqual({ x, y });
      // 0 - ...: the top scores +0 as the script prints it, not -0.
      expect(job.score, `trial ${job.trial}`).toBe(0 - ((x - 3) ** 2 + (y - 7) ** 2));
    }
    expectBestIsRight(show);
    expect(show.best).toMatchObject({ score: 0, params: { x: 3, y: 7 } });
  });
});
