// Experiment-level stop rules (docs/reference/config.md, `stop`) on real databases, with real child
// processes where a script runs: what ends the experiment, what happens to running jobs, what a
// resume does with the rule and the time budget.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openStore, resumeExperiment, runExperiment, runExperimentFile } from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';

function workdir(files: Record<string, string>, config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-stop-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o755 });
  const file = join(dir, 'experiment.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

const grid = [{ name: 'x', type: 'int', range: [0, 9], interval: 1 }];

forEachDatabase('stop rules', (db) => {
  it('target_score: no new job once the best reaches it; the job still running finishes; ends finished', async () => {
    const url = await db.fresh();
    // x = 1 is slow: it still runs when x = 2 reaches the target (score 10 - x, target min).
    const script =
      '#!/bin/sh\nx=$(grep -o \'"x": *[0-9]*\' "$1" | grep -o \'[0-9]*$\')\n[ "$x" = 1 ] && sleep 3\necho "#Auptimizer:$((10 - x))"\n';
    const file = workdir(
      { 'job.sh': script },
      { script: 'job.sh', proposer: 'sequence', parameter_config: grid, n_parallel: 2, target: 'min', stop: { target_score: 8 } },
    );
    const result = await runExperimentFile(file, { db: url });
    expect(result.status).toBe('finished');
    expect(result.stopReason).toBe('target_score');
    expect(result.best!.score).toBe(8);
    const byX = new Map(result.jobs.map((j) => [j.params.x, j]));
    expect([...byX.keys()]).toEqual([0, 1, 2]);
    expect(result.jobs.every((j) => j.status === 'finished')).toBe(true);
    // The slow job ended after the rule fired, and was let finish.
    expect(byX.get(1)!.endedAt!).toBeGreaterThan(byX.get(2)!.endedAt!);
    expect(byX.get(1)!.score).toBe(9);
    const store = await openStore(url);
    try {
      expect((await store.getExperiment(result.experimentId))!.stopReason).toBe('target_score');
      expect((await store.experimentSummaries())[0]!.stopReason).toBe('target_score');
    } finally {
      await store.close();
    }
    // Finished: there is nothing to resume.
    await expect(resumeExperiment(result.experimentId, { db: url })).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_STATE' });
  });

  it('patience: ends after that many jobs in a row without a new best; a new best starts the count again', async () => {
    const url = await db.fresh();
    const scores = [5, 6, 7, 4, 8, 9, 9, 0, 0];
    const result = await runExperiment({
      db: url,
      proposer: 'sequence',
      parameter_config: grid,
      target: 'min',
      stop: { patience: 3 },
      objective: (p) => scores[p.x as number]!,
    });
    expect(result.status).toBe('finished');
    expect(result.stopReason).toBe('patience');
    expect(result.jobs.map((j) => j.score)).toEqual([5, 6, 7, 4, 8, 9, 9]);
    expect(result.best!.score).toBe(4);
  });

  it('without a rule that fires, the reason is n_samples (or exhausted when the proposer ran out)', async () => {
    const url = await db.fresh();
    const counted = await runExperiment({ db: url, parameter_config: grid, n_samples: 3, stop: { patience: 5 }, objective: () => 1 });
    expect([counted.status, counted.stopReason]).toEqual(['finished', 'n_samples']);
    const grid2 = [{ name: 'x', type: 'int', range: [0, 1], interval: 1 }];
    const exhausted = await runExperiment({ db: url, proposer: 'sequence', n_samples: 5, parameter_config: grid2, objective: () => 1 });
    expect([exhausted.status, exhausted.jobs.length, exhausted.stopReason]).toEqual(['finished', 2, 'exhausted']);
  });

  it('time_budget_s: interrupts the running job and ends stopped; a resume gets a fresh budget and runs it again', async () => {
    const url = await db.fresh();
    // Slow until the file `fast` exists.
    const script = '#!/bin/sh\n[ -f fast ] || sleep 30\necho "#Auptimizer:1"\n';
    const file = workdir(
      { 'job.sh': script },
      { script: 'job.sh', parameter_config: grid, n_samples: 2, target: 'min', stop: { time_budget_s: 2 } },
    );
    const first = await runExperimentFile(file, { db: url });
    expect(first.status).toBe('stopped');
    expect(first.stopReason).toBe('time_budget');
    expect(first.jobs.map((j) => j.status)).toEqual(['interrupted']);
    const store = await openStore(url);
    try {
      const used = (await store.getExperiment(first.experimentId))!.budgetUsedMs;
      expect(used).toBeGreaterThanOrEqual(2000);
      writeFileSync(join(file, '..', 'fast'), '');
      const resumed = await resumeExperiment(first.experimentId, { db: url });
      expect([resumed.status, resumed.stopReason]).toEqual(['finished', 'n_samples']);
      expect(resumed.jobs.map((j) => [j.status, j.attempts])).toEqual([
        ['finished', 2],
        ['finished', 1],
      ]);
      // A fresh budget: the count started again from 0 and stayed below the 2 s it allows.
      expect((await store.getExperiment(first.experimentId))!.budgetUsedMs).toBeLessThan(2000);
    } finally {
      await store.close();
    }
  });

  it('a stop by hand keeps the budget used so far: the resume counts on from it', async () => {
    const url = await db.fresh();
    const controller = new AbortController();
    const stopped = await runExperiment({
      db: url,
      parameter_config: grid,
      n_samples: 4,
      stop: { time_budget_s: 600 },
      signal: controller.signal,
      objective: async (p, ctx) => {
        if (ctx.trialId === 1) {
          controller.abort();
          await new Promise((r) => setTimeout(r, 50));
        }
        return p.x as number;
      },
    });
    expect([stopped.status, stopped.stopReason]).toEqual(['stopped', 'user']);
    const store = await openStore(url);
    try {
      const used = (await store.getExperiment(stopped.experimentId))!.budgetUsedMs;
      expect(used).toBeGreaterThan(0);
      const resumed = await resumeExperiment(stopped.experimentId, { db: url, objective: (p) => p.x as number });
      expect([resumed.status, resumed.stopReason]).toEqual(['finished', 'n_samples']);
      expect((await store.getExperiment(stopped.experimentId))!.budgetUsedMs).toBeGreaterThanOrEqual(used);
    } finally {
      await store.close();
    }
  });

  it('refuses a stop rule out of its range, and warns of an unknown one', async () => {
    const warnings: string[] = [];
    const onConfigWarning = (w: { path: string }) => void warnings.push(w.path);
    await expect(
      runExperiment({ db: await db.fresh(), parameter_config: grid, stop: { patience: 0 }, onConfigWarning, objective: () => 1 }),
    ).rejects.toMatchObject({ code: 'AUP_ERR_CONFIG_INVALID', message: 'config: stop.patience: expected an integer ≥ 1, found 0' });
    const run = await runExperiment({
      db: await db.fresh(),
      parameter_config: grid,
      n_samples: 1,
      stop: { budget: 3 } as never,
      onConfigWarning,
      objective: () => 1,
    });
    expect(run.stopReason).toBe('n_samples');
    expect(warnings).toEqual(['stop.budget']);
  });
});
