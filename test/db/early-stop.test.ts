// Early stopping end to end: every policy, target max and min, real child processes and in-process
// objectives, on SQLite and PostgreSQL; and a resumed experiment that keeps its pruner's memory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, resumeExperiment, runExperiment, runExperimentFile, type ExperimentResult } from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';

/** Values each job reports; the final value of job `end` approaches `end` (accuracy) or 1 − end (loss). */
const STEPS = 12;
/** Jobs run in this order (sequence proposer, one at a time): two good, a clearly bad one, the best. */
const ENDS = [0.85, 0.9, 0.2, 0.95];
const BAD_TRIAL = 2;

const curve = (end: number, step: number) => end * (1 - Math.exp(-step / 3));
const reported = (target: 'max' | 'min', end: number, step: number) => (target === 'max' ? curve(end, step) : 1 - curve(end, step));

// Prints one #Auptimizer: line per step with a small sleep, like a training loop; the last is final.
const script = `
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let s = 1; s <= ${STEPS}; s++) {
  const v = p.end * (1 - Math.exp(-s / 3));
  console.error('#Auptimizer: ' + (p.target === 'max' ? v : 1 - v));
  await sleep(p.pause);
}
`;

const POLICIES: Record<string, Record<string, unknown>> = {
  bandit: { aup_policy: 'bandit', bandit_factor: 0.5 },
  median: { aup_policy: 'median' },
  truncation: { aup_policy: 'truncation', truncation_percentage: 0.4 },
  curve_fitting: { aup_policy: 'curve_fitting', curve_fitting_max_iters: STEPS },
  asha: { aup_policy: 'asha', min_resource: 1, reduction_factor: 3, curve_fitting_max_iters: STEPS },
};

/** Milliseconds a job sleeps between values: enough for the runner to kill it before it ends. */
const PAUSE_MS = 5;

function experiment(target: 'min' | 'max', earlyStop: Record<string, unknown>, ends = ENDS, pause = PAUSE_MS) {
  return {
    proposer: 'sequence',
    parameter_config: [
      { name: 'end', type: 'choice', range: ends },
      { name: 'target', type: 'choice', range: [target] },
      { name: 'pause', type: 'choice', range: [pause] },
    ],
    n_samples: ends.length,
    target,
    resource_args: { early_stop: earlyStop },
  };
}

function workdir(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-early-stop-'));
  writeFileSync(join(dir, 'job.mjs'), script);
  writeFileSync(join(dir, 'experiment.json'), JSON.stringify({ script: 'job.mjs', ...config }, null, 2));
  return join(dir, 'experiment.json');
}

/** The `score` series of the job's last attempt (an interrupted attempt's values stay in the store). */
async function scoreSeries(url: string, jobId: number): Promise<number[]> {
  const store = await openStore(url);
  try {
    const since = Math.max(...(await store.listAttempts(jobId)).map((a) => a.startedAt));
    return (await store.listIntermediate(jobId, 'score')).filter((r) => r.time >= since).map((r) => r.value);
  } finally {
    await store.close();
  }
}

/** The bad job is stopped early with its last value as score; every other job finishes all its steps. */
async function expectOnlyBadStopped(url: string, result: ExperimentResult, target: 'min' | 'max'): Promise<void> {
  expect(result.status).toBe('finished');
  const jobs = [...result.jobs].sort((a, b) => a.trial - b.trial);
  expect(jobs.map((j) => j.params.end)).toEqual(ENDS);
  for (const job of jobs) {
    const series = await scoreSeries(url, job.id);
    if (job.trial === BAD_TRIAL) {
      expect(job.status).toBe('early_stopped');
      // Stopped promptly: far fewer values than a full run, and the last one is its score.
      expect(series.length).toBeLessThan(STEPS / 2);
      expect(job.score).toBe(series.at(-1));
    } else {
      expect(job.status).toBe('finished');
      expect(series).toHaveLength(STEPS);
      expect(job.score).toBeCloseTo(reported(target, job.params.end as number, STEPS), 12);
    }
  }
  // An early-stopped job is never the best, even for target min where its loss is high anyway.
  expect(result.best!.params.end).toBe(0.95);
}

forEachDatabase('early stopping', (db) => {
  for (const target of ['max', 'min'] as const) {
    describe(`target ${target}`, () => {
      for (const [name, earlyStop] of Object.entries(POLICIES)) {
        it(`${name} kills a bad child process and lets the good ones finish`, async () => {
          const url = await db.fresh();
          const result = await runExperimentFile(workdir(experiment(target, earlyStop)), { db: url });
          await expectOnlyBadStopped(url, result, target);
        });

        it(`${name} stops a bad in-process objective through ctx.shouldStop()`, async () => {
          const url = await db.fresh();
          let polled = 0;
          const result = await runExperiment({
            ...experiment(target, earlyStop),
            db: url,
            objective: async (params, ctx) => {
              let last = Number.NaN;
              for (let s = 1; s <= STEPS; s++) {
                last = reported(target, params.end as number, s);
                ctx.report(s, last);
                if (ctx.shouldStop()) {
                  polled++;
                  return last;
                }
                await new Promise((r) => setImmediate(r));
              }
              return last;
            },
          });
          expect(polled).toBe(1);
          await expectOnlyBadStopped(url, result, target);
        });
      }
    });
  }

  it('keeps the value at the decision as the score, whatever the job prints before it dies', async () => {
    const url = await db.fresh();
    // No pause: the bad job prints all its values before the kill can reach it.
    const result = await runExperimentFile(workdir(experiment('max', POLICIES.bandit!, ENDS, 0)), { db: url });
    const bad = result.jobs.find((j) => j.trial === BAD_TRIAL)!;
    expect(bad.status).toBe('early_stopped');
    expect(await scoreSeries(url, bad.id)).toEqual([curve(0.2, 1)]);
    expect(bad.score).toBe(curve(0.2, 1));
  });

  it('judges parallel jobs against each other as their values arrive (n_parallel 3)', async () => {
    const url = await db.fresh();
    const result = await runExperiment({
      parameter_config: [{ name: 'end', range: [0.05, 1], type: 'float' }],
      n_samples: 15,
      n_parallel: 3,
      random_seed: 5,
      resource_args: { early_stop: POLICIES.asha! },
      db: url,
      objective: async (params, ctx) => {
        let last = Number.NaN;
        for (let s = 1; s <= STEPS && !ctx.shouldStop(); s++) {
          last = curve(params.end as number, s);
          ctx.report(s, last);
          await new Promise((r) => setTimeout(r, 1));
        }
        return last;
      },
    });
    expect(result.status).toBe('finished');
    const stopped = result.jobs.filter((j) => j.status === 'early_stopped');
    expect(stopped.length).toBeGreaterThan(0);
    for (const job of stopped) {
      const series = await scoreSeries(url, job.id);
      expect(series.length).toBeLessThan(STEPS);
      expect(job.score).toBe(series.at(-1));
    }
    // The curves never cross, so the job with the highest end is the best at every rung: it finishes and wins.
    const top = result.jobs.reduce((a, b) => ((a.params.end as number) > (b.params.end as number) ? a : b));
    expect(top.status).toBe('finished');
    expect(result.best!.jobId).toBe(top.id);
  });

  it('a resumed experiment remembers the values of the jobs that ended before the stop', async () => {
    // The fourth job is poor but would be alone at every rung if the pruner forgot jobs 0–2.
    const ends = [0.85, 0.9, 0.95, 0.3, 0.97];
    const config = experiment('max', POLICIES.asha!, ends);
    const reference = await runExperimentFile(workdir(config), { db: await db.fresh() });
    const statuses = (r: ExperimentResult) => [...r.jobs].sort((a, b) => a.trial - b.trial).map((j) => [j.params.end, j.status, j.score]);
    expect(statuses(reference).map((s) => s[1])).toEqual(['finished', 'finished', 'finished', 'early_stopped', 'finished']);

    const url = await db.fresh();
    const controller = new AbortController();
    let ended = 0;
    const first = await runExperimentFile(workdir(config), {
      db: url,
      signal: controller.signal,
      events: { onJobEnd: () => ++ended === 3 && controller.abort('interrupted') },
    });
    expect(first.status).toBe('stopped');
    expect(first.jobs).toHaveLength(3);
    const resumed = await resumeExperiment(first.experimentId, { db: url });
    expect(resumed.status).toBe('finished');
    expect(statuses(resumed)).toEqual(statuses(reference));
  });

  it('an interrupted job starts over on resume without its old values counting', async () => {
    const url = await db.fresh();
    const controller = new AbortController();
    const config = experiment('max', POLICIES.bandit!, ENDS, 40);
    const first = await runExperimentFile(workdir(config), {
      db: url,
      signal: controller.signal,
      // Interrupt job 1 in the middle of its curve (12 values, 40 ms apart).
      events: { onJobStart: (job) => job.trial === 1 && setTimeout(() => controller.abort('interrupted'), 300) },
    });
    expect(first.jobs.map((j) => j.status)).toEqual(['finished', 'interrupted']);
    const resumed = await resumeExperiment(first.experimentId, { db: url });
    await expectOnlyBadStopped(url, resumed, 'max');
  });
});
