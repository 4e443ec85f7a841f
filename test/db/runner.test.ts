// The runner on real databases (SQLite file and PostgreSQL), real child processes and real files.
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { collectHostInfo, openStore, runExperiment, runExperimentFile, resumeExperiment } from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-runner-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'experiment.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

const space = [
  { name: 'x', range: [-5, 5], type: 'float' },
  { name: 'k', range: [1, 4], type: 'int' },
  { name: 'act', range: ['relu', 'tanh'], type: 'choice' },
];

// A job script that reports through every kind of line and echoes its contract back as metrics.
const reporter = `
import { readFileSync } from 'node:fs';
const file = process.argv[process.argv.length - 1];
const p = JSON.parse(readFileSync(file, 'utf8'));
const env = JSON.parse(process.env.AUP_PARAMS);
// The job file holds the parameters only (Auptimizer's, for a proposer that adds no key); the job id is in the environment.
const ok = JSON.stringify(env) === JSON.stringify(p) && Object.keys(p).sort().join() === 'act,k,x' && process.env.AUP_BUDGET === undefined &&
  new RegExp('/jobs/e' + process.env.AUP_EXPERIMENT_ID + '-[0-9a-f]{6}/' + process.env.AUP_JOB_ID + '[.]json$').test(file);
for (let s = 0; s < 5; s++) console.log('#aup:' + JSON.stringify({ type: 'scalar', name: 'loss', step: s, value: p.x * p.x + 1 / (s + 1) }));
console.error('#Auptimizer: ' + (p.x * p.x) + ',' + p.k + ',' + (ok ? 1 : 0));
console.log('#aup:{"type":"text","name":"notes","text":"hello"}');
console.log('#aup:{"type":"artifact","path":"model.bin"}');
console.log('#aup:{"type":"scalar","name":"loss"');
console.log('ordinary output');
`;

forEachDatabase('runner', (db) => {
  it('runs an in-process objective and keeps the best for target min', async () => {
    const url = await db.fresh();
    const result = await runExperiment({
      name: 'in-process',
      parameter_config: space,
      n_samples: 12,
      n_parallel: 3,
      target: 'min',
      random_seed: 7,
      db: url,
      objective: async (params, ctx) => {
        ctx.report(0, (params.x as number) ** 2 + 1);
        ctx.report(1, (params.x as number) ** 2);
        return { score: (params.x as number) ** 2, metrics: { k: params.k as number } };
      },
    });
    expect(result.status).toBe('finished');
    expect(result.jobs).toHaveLength(12);
    expect(result.jobs.every((j) => j.status === 'finished')).toBe(true);
    const min = Math.min(...result.jobs.map((j) => j.score!));
    expect(result.best!.score).toBe(min);
    const store = await openStore(url);
    try {
      const series = await store.listIntermediate(result.best!.jobId, 'score');
      expect(series.map((r) => r.step)).toEqual([0, 1]);
      expect((await store.getJob(result.best!.jobId))!.metrics.k).toBe(result.best!.params.k);
    } finally {
      await store.close();
    }
  });

  it('runs a script with the job contract and records every kind of line', async () => {
    const url = await db.fresh();
    const dir = workdir({ 'job.mjs': reporter });
    const file = writeConfig(dir, {
      script: 'job.mjs',
      parameter_config: space,
      n_samples: 4,
      n_parallel: 2,
      target: 'min',
      resource_args: { multi_res_labels: ['k_echo', 'contract_ok'], track_intermediate_results: true },
    });
    const result = await runExperimentFile(file, { db: url });
    expect(result.status).toBe('finished');
    const store = await openStore(url);
    try {
      // The experiment's own job folder (docs/decisions/0021-job-file-layout.md).
      const jobDir = (await store.getExperiment(result.experimentId))!.jobDir!;
      expect(jobDir).toMatch(new RegExp(`^jobs/e${result.experimentId}-[0-9a-f]{6}$`));
      for (const job of result.jobs) {
        expect(job.status).toBe('finished');
        expect(job.score).toBeCloseTo((job.params.x as number) ** 2, 10);
        expect(job.metrics).toEqual({ k_echo: job.params.k, contract_ok: 1 });
        expect(job.warnings.some((w) => /^stdout line 8: /.test(w))).toBe(true);
        expect((await store.listIntermediate(job.id, 'loss')).map((r) => r.step)).toEqual([0, 1, 2, 3, 4]);
        expect((await store.listIntermediate(job.id, 'score')).map((r) => r.value)).toEqual([job.score]);
        expect((await store.listTextRecords(job.id)).map((t) => t.payload)).toEqual([{ text: 'hello' }]);
        expect((await store.listArtifacts(job.id)).map((a) => a.path)).toEqual(['model.bin']);
        const [attempt] = await store.listAttempts(job.id);
        expect(attempt!.exitCode).toBe(0);
        expect(readFileSync(join(dir, jobDir, `${job.id}.1.out`), 'utf8')).toContain('ordinary output');
      }
      // The experiment is recorded before python3 answers; the run writes the version in before it returns.
      const host = (await store.getExperiment(result.experimentId))!.host as Record<string, unknown>;
      expect(host).toMatchObject({ hostname: hostname(), python: ((await collectHostInfo()) as Record<string, unknown>).python });
    } finally {
      await store.close();
    }
  });

  it('stops the experiment at the first failure when there is no job_failure policy', async () => {
    const url = await db.fresh();
    const dir = workdir({ 'job.sh': 'echo "#Auptimizer:0.5"\nexit 3\n' });
    const result = await runExperimentFile(writeConfig(dir, { script: 'job.sh', parameter_config: space, n_samples: 5 }), { db: url });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/exited with code 3/);
    expect(result.jobs).toHaveLength(1);
    expect(result.jobs[0]!.score).toBeNull();
    const store = await openStore(url);
    try {
      // The exit code counts, but the reported value is kept on the attempt for the record.
      const [attempt] = await store.listAttempts(result.jobs[0]!.id);
      expect(attempt).toMatchObject({ status: 'failed', exitCode: 3, score: 0.5 });
    } finally {
      await store.close();
    }
  });

  it('retries failed jobs and goes on with ignore_fail', async () => {
    const url = await db.fresh();
    // Fails on its first attempt for even job ids, always when x > 3.
    const script = `
      import { readFileSync } from 'node:fs';
      const p = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
      if (p.x > 3 || (Number(process.env.AUP_JOB_ID) % 2 === 0 && process.env.AUP_ATTEMPT === '1')) process.exit(1);
      console.log('#Auptimizer:' + p.x);
    `;
    const dir = workdir({ 'job.mjs': script });
    const file = writeConfig(dir, {
      script: 'job.mjs',
      parameter_config: [{ name: 'x', range: [0, 4], type: 'float' }],
      n_samples: 10,
      random_seed: 3,
      job_failure: { job_retries: 1, ignore_fail: true },
    });
    const result = await runExperimentFile(file, { db: url });
    expect(result.status).toBe('finished');
    expect(result.jobs).toHaveLength(10);
    for (const job of result.jobs) {
      const x = job.params.x as number;
      if (x > 3) expect(job).toMatchObject({ status: 'failed', attempts: 2 });
      else expect(job).toMatchObject({ status: 'finished', attempts: job.id % 2 === 0 ? 2 : 1, score: x });
    }
  });

  it('kills a job that runs longer than job_timeout', async () => {
    const url = await db.fresh();
    const dir = workdir({ 'job.sh': 'echo started\nsleep 30\necho "#Auptimizer:1"\n' });
    const file = writeConfig(dir, { script: 'job.sh', parameter_config: [], n_samples: 1, job_timeout: 0.5 });
    const result = await runExperimentFile(file, { db: url });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/timed out after 0.5 s/);
  });

  it('stops cleanly on abort and resumes to the same proposals as an uninterrupted run', async () => {
    const script = `
      import { readFileSync } from 'node:fs';
      const p = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
      // Job 4's first attempt is slow, so it is surely still running when the third job ends and the run is stopped.
      const slow = process.env.AUP_JOB_ID === '4' && process.env.AUP_ATTEMPT === '1';
      setTimeout(() => console.log('#Auptimizer:' + (p.x + p.k)), slow ? 3000 : 150);
    `;
    const config = { script: 'job.mjs', parameter_config: space, n_samples: 8, n_parallel: 2, random_seed: 11 };
    const reference = await runExperimentFile(writeConfig(workdir({ 'job.mjs': script }), config), { db: await db.fresh() });

    const url = await db.fresh();
    const controller = new AbortController();
    let ended = 0;
    const first = await runExperimentFile(writeConfig(workdir({ 'job.mjs': script }), config), {
      db: url,
      signal: controller.signal,
      events: { onJobEnd: () => ++ended === 3 && controller.abort('interrupted') },
    });
    expect(first.status).toBe('stopped');
    expect(first.jobs.some((j) => j.status === 'interrupted')).toBe(true);
    const resumed = await resumeExperiment(first.experimentId, { db: url });
    expect(resumed.status).toBe('finished');
    expect(resumed.jobs.filter((j) => j.status === 'finished')).toHaveLength(8);
    const byTrial = (r: typeof reference) => [...r.jobs].sort((a, b) => a.trial - b.trial).map((j) => j.params);
    expect(byTrial(resumed)).toEqual(byTrial(reference));
    expect(resumed.best!.score).toBe(reference.best!.score);
  });

  it('re-runs the best job with save_model into aup_models/models_<eid>', async () => {
    const url = await db.fresh();
    const script = `
      import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
      const p = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
      if (p.save_model) { mkdirSync('aup_models/' + p.folder_name, { recursive: true }); writeFileSync('aup_models/' + p.folder_name + '/model.json', JSON.stringify(p)); }
      console.log('#Auptimizer:' + p.x);
    `;
    const dir = workdir({ 'job.mjs': script });
    const file = writeConfig(dir, {
      script: 'job.mjs',
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      n_samples: 4,
      resource_args: { save_model: true },
    });
    const result = await runExperimentFile(file, { db: url });
    expect(result.status).toBe('finished');
    const saved = JSON.parse(readFileSync(join(dir, 'aup_models', `models_${result.experimentId}`, 'model.json'), 'utf8'));
    expect(saved).toEqual({ x: result.best!.params.x, save_model: true, folder_name: `models_${result.experimentId}` });
    // The model save is an attempt of the best job: 4 jobs, 4 job files, the best job's second log.
    expect(result.jobs).toHaveLength(4);
    const bestId = result.best!.jobId;
    const [jobDir] = readdirSync(join(dir, 'jobs'));
    const files = readdirSync(join(dir, 'jobs', jobDir!));
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(4);
    expect(files).toContain(`${bestId}.2.out`);
    const store = await openStore(url);
    try {
      expect((await store.listAttempts(bestId)).map((a) => [a.attempt, a.kind, a.status, a.exitCode])).toEqual([
        [1, 'trial', 'finished', 0],
        [2, 'save_model', 'finished', 0],
      ]);
      expect(await store.getJob(bestId)).toMatchObject({ status: 'finished', score: result.best!.score, attempts: 2 });
    } finally {
      await store.close();
    }
  });
});
