import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openStore, type ExperimentRecord, type JobRecord, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from '../create-server.js';

// DELETE /api/v1/jobs/:jid on a real SQLite store with real job files: the token, the states that
// refuse it, what it removes (rows and, when asked, the runner's files of that job only).
const TOKEN = 'delete-test-token';

let root: string;
let workDir: string;
let store: Store;
let app: FastifyInstance;
let exp: ExperimentRecord;
let finished: JobRecord;
let kept: JobRecord;
let running: JobRecord;
let queued: JobRecord;
/** The experiment's own job folder, as the runner names it. */
const JOB_DIR = 'jobs/e1-0a1b2c';

const del = (jid: number, opts: { token?: string | null; query?: string } = {}) =>
  app.inject({
    method: 'DELETE',
    url: `/api/v1/jobs/${jid}${opts.query ?? ''}`,
    headers: opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? TOKEN}` },
  });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aup-job-delete-'));
  workDir = join(root, 'work');
  await mkdir(join(workDir, JOB_DIR), { recursive: true });
  store = await openStore(join(root, 'experiments.db'));
  exp = await store.createExperiment({
    name: 'deletes',
    user: 'tester',
    proposer: 'random',
    target: 'max',
    nSamples: 4,
    configRaw: {},
    config: {},
    workingDir: workDir,
    host: {},
    git: {},
  });
  await store.updateExperiment(exp.id, { jobDir: JOB_DIR });
  finished = await store.createJob({ experimentId: exp.id, trial: 0, params: { x: 1 } });
  kept = await store.createJob({ experimentId: exp.id, trial: 1, params: { x: 2 } });
  running = await store.createJob({ experimentId: exp.id, trial: 2, params: { x: 3 } });
  queued = await store.createJob({ experimentId: exp.id, trial: 3, params: { x: 4 } });
  for (const j of [finished, kept, running]) {
    await store.startAttempt({ jobId: j.id, attempt: 1 });
    await store.updateJob(j.id, { status: 'running', startedAt: Date.now() });
  }
  await store.completeJob(finished.id, { status: 'finished', score: 0.9 }, { id: exp.id, bestJobId: finished.id, bestScore: 0.9 });
  await store.completeJob(kept.id, { status: 'finished', score: 0.5 }, { id: exp.id });
  for (const j of [finished, kept]) {
    await writeFile(join(workDir, JOB_DIR, `${j.id}.json`), '{}');
    await writeFile(join(workDir, JOB_DIR, `${j.id}.1.out`), 'log');
  }
  app = createServer({ store, token: TOKEN });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

describe('DELETE /api/v1/jobs/:jid', () => {
  it('needs the session token', async () => {
    const res = await del(finished.id, { token: null });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'AUP_ERR_UNAUTHORIZED' });
    expect(await store.getJob(finished.id)).toBeDefined();
  });

  it('refuses a running or queued job with 409, saying what to do', async () => {
    const r = await del(running.id);
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'AUP_ERR_EXPERIMENT_STATE', details: { id: running.id, status: 'running' } });
    expect(r.json().message).toContain(`POST /api/v1/jobs/${running.id}/kill`);
    const q = await del(queued.id);
    expect(q.statusCode).toBe(409);
    expect(q.json()).toMatchObject({ details: { status: 'queued' } });
    expect(await store.getJob(running.id)).toBeDefined();
    expect(await store.getJob(queued.id)).toBeDefined();
  });

  it('refuses the best job of a running experiment (its runner holds it), then deletes it once stopped, with its files', async () => {
    await store.updateExperiment(exp.id, { status: 'running' });
    const refused = await del(finished.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'AUP_ERR_EXPERIMENT_STATE', details: { experiment_status: 'running' } });
    await store.updateExperiment(exp.id, { status: 'stopped' });

    const res = await del(finished.id, { query: '?files=true' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: finished.id, experiment_id: exp.id, deleted: true, files_removed: 2, files_skipped: [] });
    expect(await store.getJob(finished.id)).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: `/api/v1/jobs/${finished.id}` })).statusCode).toBe(404);
    // The next best finished job takes its place; the other job's files stay.
    expect(await store.getExperiment(exp.id)).toMatchObject({ bestJobId: kept.id, bestScore: 0.5 });
    expect(existsSync(join(workDir, JOB_DIR, `${finished.id}.json`))).toBe(false);
    expect(existsSync(join(workDir, JOB_DIR, `${kept.id}.1.out`))).toBe(true);
    const page = await app.inject({ method: 'GET', url: `/api/v1/experiments/${exp.id}/jobs` });
    expect(page.json().jobs.map((j: { id: number }) => j.id)).toEqual([kept.id, running.id, queued.id]);
  });

  it('keeps job files without files=true, and is a 404 for a job that is gone', async () => {
    const res = await del(kept.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ deleted: true, files_removed: 0 });
    expect(existsSync(join(workDir, JOB_DIR, `${kept.id}.1.out`))).toBe(true);
    const again = await del(kept.id);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND' });
    expect((await del(kept.id, { query: '?files=maybe' })).statusCode).toBe(400);
  });

  it('is not served at all by a read-only board', async () => {
    const ro = createServer({ store, readOnly: true });
    await ro.ready();
    const res = await ro.inject({ method: 'DELETE', url: `/api/v1/jobs/${queued.id}` });
    await ro.close();
    expect(res.statusCode).toBe(404);
    expect(await store.getJob(queued.id)).toBeDefined();
  });
});
