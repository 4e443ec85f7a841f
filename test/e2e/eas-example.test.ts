/**
 * docs/examples/eas run the way a user runs it: the real `aup` CLI as a child process, real Node jobs
 * (`train.mjs` with @aup/logger), a real SQLite database, on a copy of the example in a temp folder
 * (as test/e2e/examples.test.ts does for the other examples). The checks are what the README promises.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'packages', 'core', 'bin', 'aup.js');
const EXAMPLE = join(ROOT, 'docs', 'examples', 'eas');
const N_SAMPLES = 14;
/** Net2Net children start computing (almost) their parent's function: accuracy before training within this of the parent's score. */
const FUNCTION_PRESERVING_TOLERANCE = 0.02;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface ShowJson {
  experiment: { name: string; status: string; proposer: string; target: string; n_samples: number; error: string | null; job_dir: string };
  best: { job_id: number; score: number } | null;
  jobs: { id: number; trial: number; status: string; score: number | null; metrics: Record<string, number>; attempts: number }[];
}

interface JobJson {
  job_id: number;
  trial_id: number;
  parent_trial: number | null;
  architecture: { layers: { units: number }[] };
  transformation: { kind: 'wider'; layer: number; from: number; to: number } | { kind: 'deeper'; after: number; units: number } | null;
}

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

/** What must not depend on interruptions: each trial's network, parent, edit and score. */
function byTrial(show: ShowJson, jobJson: (id: number) => JobJson): unknown[] {
  return [...show.jobs]
    .sort((a, b) => a.trial - b.trial)
    .map((j) => {
      const { architecture, parent_trial, transformation } = jobJson(j.id);
      return { trial: j.trial, architecture, parent_trial, transformation, score: j.score };
    });
}

const describeRun = (r: CliResult): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let tmp: string;
let dir: string;
let show: ShowJson;
let jobs: Map<number, JobJson>;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'aup-eas-example-'));
  // train.mjs imports @aup/logger; a user's project has it in node_modules, and so does the copy.
  symlinkSync(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  dir = join(tmp, 'eas');
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.endsWith(`${sep}jobs`) && !src.endsWith(`${sep}aup_models`) });
  const db = join(tmp, 'x.db');
  const run = await aup(['run', join(dir, 'experiment.json'), '--db', db], tmp);
  expect(run.code, describeRun(run)).toBe(0);
  const shown = await aup(['show', '1', '--json', '--db', db], tmp);
  expect(shown.code, describeRun(shown)).toBe(0);
  show = JSON.parse(shown.stdout) as ShowJson;
  jobs = new Map(
    show.jobs.map((j) => [j.trial, JSON.parse(readFileSync(join(dir, show.experiment.job_dir, `${j.id}.json`), 'utf8')) as JobJson]),
  );
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('eas example (Node, net2net weight reuse)', () => {
  it('runs every job to the end', () => {
    expect(show.experiment).toMatchObject({
      name: 'eas',
      proposer: 'eas',
      status: 'finished',
      target: 'max',
      n_samples: N_SAMPLES,
      error: null,
    });
    expect(show.jobs).toHaveLength(N_SAMPLES);
    for (const job of show.jobs) {
      expect(job, `job ${job.id}`).toMatchObject({ status: 'finished', attempts: 1 });
      expect(job.score!, `job ${job.id} validation accuracy`).toBeGreaterThanOrEqual(0);
      expect(job.score!, `job ${job.id} validation accuracy`).toBeLessThanOrEqual(1);
    }
  });

  it('starts from net_config and improves on it: the best network beats the first job', () => {
    const first = show.jobs.find((j) => j.trial === 0)!;
    expect(jobs.get(0)).toMatchObject({
      architecture: { layers: [{ type: 'dense', units: 4 }] },
      parent_trial: null,
      transformation: null,
    });
    expect(first.metrics['inherited']).toBe(0);
    expect(show.best!.score).toBeGreaterThan(first.score!);
    // A clear gain on the spirals, not noise: the starting 4-unit network stays near 0.7.
    expect(show.best!.score - first.score!).toBeGreaterThan(0.1);
  });

  it("gives every child a finished parent, one Net2Wider or Net2Deeper edit of it, and the parent's weights", () => {
    const scoreOf = new Map(show.jobs.map((j) => [j.trial, j.score!]));
    for (const job of show.jobs.filter((j) => j.trial > 0)) {
      const child = jobs.get(job.trial)!;
      const where = `trial ${job.trial}`;
      expect(child.trial_id, where).toBe(job.trial);
      expect(child.parent_trial, where).not.toBeNull();
      expect(child.parent_trial!, where).toBeLessThan(job.trial);
      const before = jobs.get(child.parent_trial!)!.architecture.layers.map((l) => l.units);
      const after = child.architecture.layers.map((l) => l.units);
      const tr = child.transformation!;
      if (tr.kind === 'wider') {
        expect(after, where).toEqual(before.map((u, i) => (i === tr.layer ? tr.to : u)));
        expect(tr.to, where).toBeGreaterThan(tr.from);
      } else {
        expect(after, where).toEqual([...before.slice(0, tr.after + 1), tr.units, ...before.slice(tr.after + 1)]);
      }
      // The job read its parent's weights and, before training, scored what the parent scored.
      expect(job.metrics['inherited'], where).toBe(1);
      expect(Math.abs(job.metrics['start_accuracy']! - scoreOf.get(child.parent_trial!)!), where).toBeLessThanOrEqual(
        FUNCTION_PRESERVING_TOLERANCE,
      );
    }
    for (const trial of jobs.keys())
      expect(existsSync(join(dir, 'aup_models', 'eas', `trial-${trial}.json`)), `weights of trial ${trial}`).toBe(true);
  });

  it('stops on Ctrl-C, and `aup resume` ends with the same networks and scores as an uninterrupted run', async () => {
    const copy = join(tmp, 'eas-resume');
    cpSync(EXAMPLE, copy, { recursive: true, filter: (src) => !src.endsWith(`${sep}jobs`) && !src.endsWith(`${sep}aup_models`) });
    const db = join(tmp, 'resume.db');
    const stopped = await aupInterrupted(['run', join(copy, 'experiment.json'), '--db', db], tmp, 5);
    expect(stopped.code, describeRun(stopped)).toBe(1);
    expect(stopped.stdout).toContain('stopped: continue with "aup resume 1');
    const resumed = await aup(['resume', '1', '--db', db], tmp);
    expect(resumed.code, describeRun(resumed)).toBe(0);
    const shown = await aup(['show', '1', '--json', '--db', db], tmp);
    expect(shown.code, describeRun(shown)).toBe(0);
    const after = JSON.parse(shown.stdout) as ShowJson;
    expect(after.experiment.status).toBe('finished');
    const read = (d: string, s: ShowJson) => (id: number) =>
      JSON.parse(readFileSync(join(d, s.experiment.job_dir, `${id}.json`), 'utf8')) as JobJson;
    expect(byTrial(after, read(copy, after))).toEqual(byTrial(show, read(dir, show)));
  }, 120_000);
});
