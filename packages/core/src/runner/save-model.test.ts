// The model save (resource_args.save_model) is an attempt of the best job, not a job of its own: the
// experiment keeps n_samples jobs, and the best job keeps its status and score whatever the save
// does. It goes through the launch path of any attempt: job_timeout, a stop (Ctrl-C, the `stop`
// request) and kill_job reach it. Real child processes, a SQLite file per test.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { requestKillJob, requestStop } from '../control.js';
import { resumeExperiment, runExperiment, type ExperimentResult } from '../experiment.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store-types.js';

// A trial records a loss series and prints its score at once. The model save does what the file
// `save-mode` says: `ok` saves the model and records it as an artifact, `hang` hangs (a script stuck
// saving), `fail` exits 2.
const SCRIPT = `
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
console.log('#aup:' + JSON.stringify({ type: 'scalar', name: 'loss', value: 1 - p.x }));
if (p.save_model) {
  const mode = readFileSync('save-mode', 'utf8').trim();
  if (mode === 'hang') setTimeout(() => undefined, 120000);
  if (mode === 'fail') process.exit(2);
  mkdirSync('aup_models/' + p.folder_name, { recursive: true });
  writeFileSync('aup_models/' + p.folder_name + '/model.json', JSON.stringify(p));
  console.log('#aup:' + JSON.stringify({ type: 'artifact', path: 'aup_models/' + p.folder_name + '/model.json' }));
}
if (!p.save_model || readFileSync('save-mode', 'utf8').trim() === 'ok') console.log('#Auptimizer:' + p.x);
`;

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aup-save-model-'));
  writeFileSync(join(dir, 'job.mjs'), SCRIPT);
  saveMode('hang');
  store = await openStore(join(dir, 'aup.db'));
});

afterEach(async () => {
  await store.close();
});

function saveMode(mode: 'ok' | 'hang' | 'fail'): void {
  writeFileSync(join(dir, 'save-mode'), mode);
}

const N_SAMPLES = 3;

const config = (extra: Record<string, unknown> = {}) => ({
  script: 'job.mjs',
  parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
  n_samples: N_SAMPLES,
  resource_args: { save_model: true },
  workingdir: dir,
  db: store,
  baseDir: dir,
  ...extra,
});

/** The attempts of the best job as [kind, status], checking that the save changed nothing else. */
async function bestJobAttempts(result: ExperimentResult): Promise<Array<[string, string]>> {
  expect(result.jobs).toHaveLength(N_SAMPLES);
  const best = result.jobs.find((j) => j.id === result.best!.jobId)!;
  expect(best).toMatchObject({ status: 'finished', score: result.best!.score });
  for (const job of result.jobs) if (job.id !== best.id) expect(job.attempts).toBe(1);
  return (await store.listAttempts(best.id)).map((a) => [a.kind, a.status]);
}

it('records the model save on the best job as its next attempt, with its log and artifact, and no job of its own', async () => {
  saveMode('ok');
  const messages: string[] = [];
  const result = await runExperiment({ ...config(), events: { onMessage: (m) => messages.push(m) } });
  expect(result.status).toBe('finished');
  expect(await bestJobAttempts(result)).toEqual([
    ['trial', 'finished'],
    ['save_model', 'finished'],
  ]);
  const id = result.best!.jobId;
  const folder = `models_${result.experimentId}`;
  expect(messages).toContain(`saving the model of job ${id} into aup_models/${folder} (attempt 2 of job ${id})`);
  const [, save] = await store.listAttempts(id);
  expect(save).toMatchObject({ exitCode: 0, score: result.best!.score });
  const model = JSON.parse(readFileSync(join(dir, 'aup_models', folder, 'model.json'), 'utf8'));
  expect(model).toEqual({ x: result.best!.params.x, save_model: true, folder_name: folder });
  const jobDir = (await store.getExperiment(result.experimentId))!.jobDir!;
  expect(readFileSync(join(dir, jobDir, `${id}.2.out`), 'utf8')).toContain('#aup:{"type":"artifact"');
  // The save's artifact is the best job's; its scalar is not recorded again (the series stays the trial's).
  expect((await store.listArtifacts(id)).map((a) => a.path)).toEqual([`aup_models/${folder}/model.json`]);
  expect((await store.listIntermediate(id, 'loss')).map((r) => r.step)).toEqual([0]);
  expect((await store.getJob(id))!.warnings).toEqual([]);
});

it('kills a model save that outlasts job_timeout: the attempt fails, the best job and the experiment stay finished', async () => {
  const messages: string[] = [];
  const started = Date.now();
  const result = await runExperiment({ ...config({ job_timeout: 3 }), events: { onMessage: (m) => messages.push(m) } });
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(result.status).toBe('finished');
  expect(await bestJobAttempts(result)).toEqual([
    ['trial', 'finished'],
    ['save_model', 'failed'],
  ]);
  const [, save] = await store.listAttempts(result.best!.jobId);
  expect(save!.error).toMatch(/timed out after 3 s \(job_timeout\)/);
  expect((await store.getJob(result.best!.jobId))!.warnings).toEqual([
    expect.stringMatching(/^model save \(attempt 2\) failed: timed out after 3 s/),
  ]);
  expect(messages.some((m) => /^saving the model failed: timed out after 3 s/.test(m))).toBe(true);
});

it('records a model save that exits non-zero as a failed attempt of the best job', async () => {
  saveMode('fail');
  const result = await runExperiment(config());
  expect(result.status).toBe('finished');
  expect(await bestJobAttempts(result)).toEqual([
    ['trial', 'finished'],
    ['save_model', 'failed'],
  ]);
  expect((await store.listAttempts(result.best!.jobId))[1]).toMatchObject({ exitCode: 2 });
});

it('stops a model save on Ctrl-C (the run signal): the experiment ends stopped, and a resume saves the model without running a trial again', async () => {
  const stop = new AbortController();
  const result = await runExperiment({
    ...config(),
    signal: stop.signal,
    events: { onMessage: (m) => void (m.startsWith('saving the model of job') && setTimeout(() => stop.abort(), 300)) },
  });
  expect(result.status).toBe('stopped');
  expect(await bestJobAttempts(result)).toEqual([
    ['trial', 'finished'],
    ['save_model', 'interrupted'],
  ]);
  saveMode('ok');
  const resumed = await resumeExperiment(result.experimentId, { db: store });
  expect(resumed.status).toBe('finished');
  expect(resumed.best).toEqual(result.best);
  expect(await bestJobAttempts(resumed)).toEqual([
    ['trial', 'finished'],
    ['save_model', 'interrupted'],
    ['save_model', 'finished'],
  ]);
  expect(existsSync(join(dir, 'aup_models', `models_${result.experimentId}`, 'model.json'))).toBe(true);
});

it('closes a model save a dead runner left open, and saves again on resume (no trial runs again)', async () => {
  // A runner that died mid-save leaves the save's attempt running and the experiment running.
  const stop = new AbortController();
  const result = await runExperiment({
    ...config(),
    signal: stop.signal,
    events: { onMessage: (m) => void (m.startsWith('saving the model of job') && setTimeout(() => stop.abort(), 300)) },
  });
  const [, save] = await store.listAttempts(result.best!.jobId);
  await store.updateAttempt(save!.id, { status: 'running', endedAt: null });
  await store.updateExperiment(result.experimentId, { status: 'running', endedAt: null });
  saveMode('ok');
  const resumed = await resumeExperiment(result.experimentId, { db: store });
  expect(resumed.status).toBe('finished');
  expect(await bestJobAttempts(resumed)).toEqual([
    ['trial', 'finished'],
    ['save_model', 'interrupted'],
    ['save_model', 'finished'],
  ]);
});

it('stops a model save on a stop request, and answers the request', async () => {
  let request: Promise<{ id: number }> | undefined;
  const result = await runExperiment({
    ...config(),
    events: {
      onMessage: (m) => {
        const saving = /^saving the model of job \d+ into aup_models\/models_(\d+)/.exec(m);
        if (saving) request = new Promise((r) => setTimeout(r, 300)).then(() => requestStop(store, Number(saving[1])));
      },
    },
  });
  expect(result.status).toBe('stopped');
  expect(await bestJobAttempts(result)).toEqual([
    ['trial', 'finished'],
    ['save_model', 'interrupted'],
  ]);
  const answered = await store.getControlRequest((await request!).id);
  expect(answered?.result).toEqual({ ok: true, status: 'stopped' });
});

it('kills a model save on a kill_job request for the best job: the save fails, the job and the experiment stay finished', async () => {
  let request: Promise<{ id: number }> | undefined;
  const result = await runExperiment({
    ...config(),
    events: {
      onMessage: (m) => {
        const saving = /^saving the model of job (\d+)/.exec(m);
        if (saving) request = new Promise((r) => setTimeout(r, 300)).then(() => requestKillJob(store, Number(saving[1])));
      },
    },
  });
  expect(result.status).toBe('finished');
  expect(await bestJobAttempts(result)).toEqual([
    ['trial', 'finished'],
    ['save_model', 'failed'],
  ]);
  expect((await store.listAttempts(result.best!.jobId))[1]!.error).toBe('killed by request');
  const answered = await store.getControlRequest((await request!).id);
  expect(answered?.result).toEqual({ ok: true, jobId: result.best!.jobId, status: 'failed' });
});

it('leaves a model save that an older aup recorded as a job out of a resume', async () => {
  saveMode('ok');
  const stop = new AbortController();
  const first = await runExperiment({
    ...config({ resource_args: {} }),
    signal: stop.signal,
    events: { onJobEnd: () => stop.abort() },
  });
  expect(first.status).toBe('stopped');
  // What aup wrote before migration 0010: the re-run as one more job, marked by extra.save_model.
  const old = await store.createJob({
    experimentId: first.experimentId,
    trial: 99,
    params: { x: 0.5 },
    extra: { save_model: true, folder_name: `models_${first.experimentId}`, best_job: first.jobs[0]!.id },
  });
  await store.updateJob(old.id, { status: 'interrupted' });
  const resumed = await resumeExperiment(first.experimentId, { db: store });
  expect(resumed.status).toBe('finished');
  const trials = resumed.jobs.filter((j) => j.id !== old.id);
  expect(trials).toHaveLength(N_SAMPLES);
  expect(trials.every((j) => j.status === 'finished')).toBe(true);
  expect(await store.getJob(old.id)).toMatchObject({ status: 'interrupted', attempts: 0 });
});
