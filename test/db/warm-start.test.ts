// Warm starts (docs/reference/config.md, `warm_start`) on real databases: which jobs of earlier
// experiments reach the proposer, what is recorded, and that a resume neither tells them twice nor
// proposes anything an uninterrupted run would not.
import { expect, it } from 'vitest';
import { openStore, runExperiment, resumeExperiment, type ExperimentResult, type Params } from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';

const wide = [
  { name: 'x', range: [-5, 5], type: 'float' },
  { name: 'k', range: [1, 4], type: 'int' },
  { name: 'act', range: ['relu', 'tanh'], type: 'choice' },
];
/** The same parameters with x narrowed to [0, 5] and one more choice: jobs with x < 0 do not fit. */
const narrow = [
  { name: 'x', range: [0, 5], type: 'float' },
  { name: 'k', range: [1, 4], type: 'int' },
  { name: 'act', range: ['relu', 'tanh', 'gelu'], type: 'choice' },
];
const objective = (p: Params) => ((p.x as number) - 1) ** 2 + (p.k as number) + (p.act === 'relu' ? 0 : 0.5);

async function earlier(db: string, n = 16): Promise<ExperimentResult> {
  return runExperiment({ db, name: 'earlier', parameter_config: wide, n_samples: n, random_seed: 3, target: 'min', objective });
}

forEachDatabase('warm start', (db) => {
  it('tells the proposer the finished jobs that fit the space, records them, and counts none in n_samples', async () => {
    const url = await db.fresh();
    const a = await earlier(url);
    const fits = a.jobs.filter((j) => (j.params.x as number) >= 0);
    expect(fits.length).toBeGreaterThan(0);
    expect(fits.length).toBeLessThan(a.jobs.length);
    const messages: string[] = [];
    const b = await runExperiment({
      db: url,
      proposer: 'hyperopt',
      parameter_config: narrow,
      n_samples: 5,
      target: 'min',
      warm_start: [a.experimentId],
      events: { onMessage: (m) => messages.push(m) },
      objective,
    });
    expect(b.status).toBe('finished');
    expect(b.jobs).toHaveLength(5);
    expect(b.warmStart).toEqual({
      experiments: [{ id: a.experimentId, jobs: fits.length, skipped: a.jobs.length - fits.length }],
      jobIds: fits.map((j) => j.id),
    });
    // The told jobs took the proposer's first trial ids; the experiment's own jobs come after them.
    expect(b.jobs.map((j) => j.trial)).toEqual([0, 1, 2, 3, 4].map((i) => fits.length + i));
    expect(
      messages.some((m) => m.startsWith(`warning: warm start: ${a.jobs.length - fits.length} of the ${a.jobs.length} finished jobs`)),
    ).toBe(true);
    // Best and stop rules are the experiment's own: no warm job is its best.
    expect(b.jobs.map((j) => j.id)).toContain(b.best!.jobId);
    const store = await openStore(url);
    try {
      const exp = (await store.getExperiment(b.experimentId))!;
      expect(exp.warmStart).toEqual(b.warmStart);
      expect((exp.proposerState as { adopted: number }).adopted).toBe(fits.length);
    } finally {
      await store.close();
    }
  });

  it('a resumed experiment continues from the same proposer state: nothing told twice, the trials of an uninterrupted run', async () => {
    const url = await db.fresh();
    const a = await earlier(url, 20);
    const config = {
      db: url,
      proposer: 'spearmint',
      parameter_config: narrow,
      n_samples: 6,
      random_seed: 11,
      target: 'min',
      warm_start: [a.experimentId],
    } as const;
    const whole = await runExperiment({ ...config, objective });
    const controller = new AbortController();
    const cut = await runExperiment({
      ...config,
      signal: controller.signal,
      objective: (p, ctx) => {
        if (ctx.trialId === whole.jobs[2]!.trial) controller.abort();
        return objective(p);
      },
    });
    expect(cut.status).toBe('stopped');
    const done = await resumeExperiment(cut.experimentId, { db: url, objective });
    expect(done.status).toBe('finished');
    const trials = (r: ExperimentResult) => r.jobs.map((j) => [j.trial, j.params, j.score]);
    expect(trials(done)).toEqual(trials(whole));
    expect(done.warmStart).toEqual(whole.warmStart);
    const store = await openStore(url);
    try {
      const adopted = (id: number) => store.getExperiment(id).then((e) => (e!.proposerState as { adopted: number }).adopted);
      expect(await adopted(cut.experimentId)).toBe(await adopted(whole.experimentId));
      expect(await adopted(cut.experimentId)).toBe(whole.warmStart!.jobIds.length);
    } finally {
      await store.close();
    }
  });

  it('takes several experiments in order and records an empty warm start when no job fits', async () => {
    const url = await db.fresh();
    const a = await earlier(url, 4);
    const b = await earlier(url, 3);
    const both = await runExperiment({
      db: url,
      parameter_config: wide,
      n_samples: 1,
      warm_start: [b.experimentId, a.experimentId],
      objective,
    });
    expect(both.warmStart!.jobIds).toEqual([...b.jobs, ...a.jobs].map((j) => j.id));
    const none = await runExperiment({
      db: url,
      parameter_config: [{ name: 'z', range: [0, 1], type: 'float' }],
      n_samples: 1,
      warm_start: [a.experimentId],
      objective: () => 0,
    });
    expect(none.warmStart).toEqual({ experiments: [{ id: a.experimentId, jobs: 0, skipped: 4 }], jobIds: [] });
  });

  it('warm-starts from an experiment brought in by an import, as from one aup ran', async () => {
    const url = await db.fresh();
    const store = await openStore(url);
    let imported: number;
    try {
      const t = Date.now();
      const job = (trial: number, x: number, score: number | null, status: 'finished' | 'failed' = 'finished') => ({
        sourceKey: `t${trial}`,
        trial,
        status,
        params: { x, k: 2, act: 'relu' },
        score,
        createdAt: t,
        startedAt: t,
        endedAt: t,
      });
      const config = { name: 'study', parameter_config: wide, target: 'min' };
      ({ experimentId: imported } = await store.syncImport({
        tool: 'optuna',
        sourceKey: 'optuna:test#study=1',
        experiment: {
          name: 'study',
          user: 'me',
          proposer: 'hyperopt',
          target: 'min',
          nSamples: 3,
          configRaw: config,
          config,
          workingDir: '/tmp',
          host: {},
          git: null,
          status: 'finished',
          createdAt: t,
          startedAt: t,
          endedAt: t,
        },
        jobs: [job(0, 1.5, 2.25), job(1, -2, 9), job(2, 3, null, 'failed')],
        cursor: null,
      }));
    } finally {
      await store.close();
    }
    const b = await runExperiment({ db: url, parameter_config: narrow, n_samples: 1, warm_start: [imported], objective });
    expect(b.warmStart!.experiments).toEqual([{ id: imported, jobs: 1, skipped: 1 }]);
  });

  it('refuses an experiment id the database does not have, and a proposer that cannot be told trials, before recording anything', async () => {
    const url = await db.fresh();
    await expect(runExperiment({ db: url, parameter_config: wide, warm_start: [42], objective })).rejects.toMatchObject({
      code: 'AUP_ERR_CONFIG_INVALID',
      message: expect.stringMatching(/^warm_start\[0\]: expected the id of an experiment in .*, found 42, which does not exist$/),
    });
    const grid = [{ name: 'x', type: 'int', range: [0, 3] }];
    await expect(
      runExperiment({ db: url, proposer: 'sequence', parameter_config: grid, warm_start: [1], objective }),
    ).rejects.toMatchObject({
      code: 'AUP_ERR_CONFIG_INVALID',
      message: expect.stringContaining('warm_start: the "sequence" proposer cannot be told earlier jobs'),
    });
    const store = await openStore(url);
    try {
      expect(await store.listExperiments()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
