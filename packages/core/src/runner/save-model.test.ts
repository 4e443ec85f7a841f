// The save_model re-run goes through the launch path of any job: job_timeout, a stop (Ctrl-C, the
// `stop` request) and kill_job reach it. Real child processes, a SQLite file per test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { requestStop } from '../control.js';
import { runExperiment } from '../experiment.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store-types.js';
import { isSaveModelRun } from './save-model.js';

// A trial prints its score at once; the save_model re-run hangs, as a script stuck saving would.
const SCRIPT = `
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
if (p.save_model) setTimeout(() => console.log('#Auptimizer:' + p.x), 120000);
else console.log('#Auptimizer:' + p.x);
`;

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aup-save-model-'));
  writeFileSync(join(dir, 'job.mjs'), SCRIPT);
  store = await openStore(join(dir, 'aup.db'));
});

afterEach(async () => {
  await store.close();
});

const config = (extra: Record<string, unknown> = {}) => ({
  script: 'job.mjs',
  parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
  n_samples: 2,
  resource_args: { save_model: true },
  workingdir: dir,
  db: store,
  baseDir: dir,
  ...extra,
});

async function saveModelJob(experimentId: number) {
  const jobs = (await store.listJobs(experimentId)).filter(isSaveModelRun);
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

it('kills a save_model re-run that outlasts job_timeout; the experiment stays finished', async () => {
  const messages: string[] = [];
  const started = Date.now();
  const result = await runExperiment({ ...config({ job_timeout: 3 }), events: { onMessage: (m) => messages.push(m) } });
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(result.status).toBe('finished');
  const job = await saveModelJob(result.experimentId);
  expect(job.status).toBe('failed');
  const [attempt] = await store.listAttempts(job.id);
  expect(attempt!.error).toMatch(/timed out after 3 s \(job_timeout\)/);
  expect(messages.some((m) => /^saving the model failed: timed out after 3 s/.test(m))).toBe(true);
});

it('stops a save_model re-run on Ctrl-C (the run signal): the experiment ends stopped', async () => {
  const stop = new AbortController();
  const result = await runExperiment({
    ...config(),
    signal: stop.signal,
    events: { onMessage: (m) => void (m.startsWith('saving the model of job') && setTimeout(() => stop.abort(), 300)) },
  });
  expect(result.status).toBe('stopped');
  const job = await saveModelJob(result.experimentId);
  expect(job.status).toBe('interrupted');
});

it('stops a save_model re-run on a stop request, and answers the request', async () => {
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
  expect((await saveModelJob(result.experimentId)).status).toBe('interrupted');
  const answered = await store.getControlRequest((await request!).id);
  expect(answered?.result).toEqual({ ok: true, status: 'stopped' });
});
