import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openStore, type ExperimentRecord, type JobRecord, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from '../create-server.js';
import { MAX_LOG_CHUNK } from './job-schemas.js';

// A real SQLite store and real files: a working directory with logs, images, artifacts, and the
// ways out of it a job could record (.., absolute paths, symlinks).
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a5c40000000049454e44ae426082',
  'hex',
);
const BIG_LOG_BYTES = 8 * 1024 * 1024;

let root: string;
let workDir: string;
let store: Store;
let app: FastifyInstance;
let exp: ExperimentRecord;
let job: JobRecord;
let bare: JobRecord;
/** The experiment's own job folder, as the runner names it. */
const JOB_DIR = 'jobs/e1-0a1b2c';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aup-job-routes-'));
  workDir = join(root, 'work');
  await mkdir(join(workDir, JOB_DIR), { recursive: true });
  await mkdir(join(workDir, 'out'));
  await writeFile(join(root, 'secret.txt'), 'outside the working directory');
  await writeFile(join(workDir, 'out', 'seg.png'), PNG);
  await writeFile(join(workDir, 'model.bin'), Buffer.from([0, 1, 2, 3, 255]));
  await writeFile(join(workDir, 'report "final".txt'), 'report');
  await symlink(join(root, 'secret.txt'), join(workDir, 'link-out.txt'));
  await symlink(join(workDir, 'model.bin'), join(workDir, 'link-in.bin'));

  store = await openStore(join(root, 'experiments.db'));
  exp = await store.createExperiment({
    name: 'demo / run #1',
    user: 'tester',
    proposer: 'random',
    target: 'max',
    nSamples: 3,
    configRaw: {},
    config: {},
    workingDir: workDir,
    host: {},
    git: {},
  });
  await store.updateExperiment(exp.id, { jobDir: JOB_DIR });
  job = await store.createJob({ experimentId: exp.id, trial: 0, params: { lr: 0.1, act: 'relu' }, budget: 9 });
  bare = await store.createJob({ experimentId: exp.id, trial: 1, params: { lr: 0.2, act: '=cmd|calc' } });
  const a1 = await store.startAttempt({ jobId: job.id, attempt: 1, host: 'h', slot: 'cpu:0' });
  await store.updateAttempt(a1.id, { status: 'failed', exitCode: 3, endedAt: a1.startedAt + 1500 });
  await store.startAttempt({ jobId: job.id, attempt: 2, host: 'h', slot: 'cpu:1' });
  await store.startAttempt({ jobId: bare.id, attempt: 1 });
  // Attempt 1 log: a UTF-8 text whose 2-byte characters let a range cut one in half.
  await writeFile(join(workDir, JOB_DIR, `${job.id}.1.out`), 'héllo wörld\n#aup:{"type":"text"}\n');
  await writeFile(join(workDir, JOB_DIR, `${job.id}.2.out`), Buffer.alloc(BIG_LOG_BYTES, 'a'));
  await store.completeJob(
    job.id,
    { status: 'finished', score: 0.75, metrics: { f1: 0.5 } },
    { id: exp.id, bestJobId: job.id, bestScore: 0.75 },
  );
  await store.addTextRecords([
    { jobId: job.id, kind: 'text', name: 'notes', step: null, payload: { text: 'hello' }, time: 1 },
    { jobId: job.id, kind: 'histogram', name: 'w', step: 0, payload: { values: [1, 2, 2, 3] }, time: 2 },
    { jobId: job.id, kind: 'image', name: 'seg', step: 0, payload: { path: 'out/seg.png' }, time: 3 },
    { jobId: job.id, kind: 'image', name: 'seg', step: 1, payload: { path: '../secret.txt' }, time: 4 },
    { jobId: job.id, kind: 'image', name: 'other', step: 0, payload: { path: 'model.bin' }, time: 5 },
  ]);
  await store.addArtifacts([
    { jobId: job.id, path: 'model.bin', time: 10 },
    { jobId: job.id, path: '../secret.txt', time: 11 },
    { jobId: job.id, path: join(root, 'secret.txt'), time: 12 },
    { jobId: job.id, path: 'link-out.txt', time: 13 },
    { jobId: job.id, path: join(workDir, 'link-in.bin'), time: 14 },
    { jobId: job.id, path: 'missing.onnx', time: 15 },
    { jobId: job.id, path: 'report "final".txt', time: 16 },
    { jobId: job.id, path: '../nowhere.txt', time: 17 },
  ]);
  app = createServer({ store });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

const get = (url: string) => app.inject({ method: 'GET', url: `/api/v1${url}` });

describe('GET /api/v1/jobs/:jid', () => {
  it('answers one job in full, keeping server paths out', async () => {
    const res = await get(`/jobs/${job.id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id: job.id,
      experiment_id: exp.id,
      trial: 0,
      status: 'finished',
      params: { lr: 0.1, act: 'relu' },
      budget: 9,
      score: 0.75,
      metrics: { f1: 0.5 },
      warnings: [],
    });
    expect(body.attempts).toHaveLength(2);
    expect(body.attempts[0]).toMatchObject({
      attempt: 1,
      kind: 'trial',
      status: 'failed',
      slot: 'cpu:0',
      host: 'h',
      exit_code: 3,
      duration_ms: 1500,
    });
    expect(body.attempts[1]).toMatchObject({ attempt: 2, status: 'running', slot: 'cpu:1', ended_at: null, duration_ms: null });
    expect(body.records.text).toEqual([{ name: 'notes', step: null, text: 'hello', time: new Date(1).toISOString() }]);
    expect(body.records.histogram).toEqual([{ name: 'w', step: 0, count: 4, time: new Date(2).toISOString() }]);
    expect(body.records.image.map((i: { index: number; path: string }) => [i.index, i.path])).toEqual([
      [0, 'out/seg.png'],
      [1, '../secret.txt'],
      [2, 'model.bin'],
    ]);
    expect(body.artifacts.map((a: { index: number }) => a.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Absolute paths appear only where the job itself recorded one (artifacts 2 and 4).
    expect(res.body.split(workDir).length - 1).toBe(1);
    expect(res.body).not.toContain('working');
    expect(Object.keys(body.attempts[0])).not.toContain('log_path');
    expect(Object.keys(body.attempts[0])).not.toContain('pid');
  });

  it('is a 404 with AUP_ERR_JOB_NOT_FOUND for an unknown job and a 400 for a bad id', async () => {
    const res = await get('/jobs/987654');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'AUP_ERR_JOB_NOT_FOUND', details: { id: 987654 } });
    expect((await get('/jobs/abc')).statusCode).toBe(400);
  });
});

describe('GET /api/v1/jobs/:jid/attempts/:k/log', () => {
  it('serves the end of a log by default, with the size and the range served', async () => {
    const res = await get(`/jobs/${job.id}/attempts/1/log`);
    expect(res.statusCode).toBe(200);
    const text = 'héllo wörld\n#aup:{"type":"text"}\n';
    const size = Buffer.byteLength(text);
    expect(res.json()).toEqual({ job_id: job.id, attempt: 1, size, offset: 0, length: size, text });
  });

  it('serves a byte range, moving its ends to character boundaries', async () => {
    // Byte 1..2 is 'é' (2 bytes): a range starting at byte 2 begins mid-character.
    const res = await get(`/jobs/${job.id}/attempts/1/log?offset=2&length=3`);
    expect(res.json()).toMatchObject({ offset: 3, length: 2, text: 'll' });
    const cut = await get(`/jobs/${job.id}/attempts/1/log?offset=0&length=2`);
    expect(cut.json()).toMatchObject({ offset: 0, length: 1, text: 'h' });
    const beyond = await get(`/jobs/${job.id}/attempts/1/log?offset=1000`);
    expect(beyond.json()).toMatchObject({ length: 0, text: '' });
  });

  it('tails a large log without reading it whole, and caps a range at the maximum chunk', async () => {
    const tail = await get(`/jobs/${job.id}/attempts/2/log?tail=100`);
    expect(tail.json()).toMatchObject({ size: BIG_LOG_BYTES, offset: BIG_LOG_BYTES - 100, length: 100, text: 'a'.repeat(100) });
    const range = await get(`/jobs/${job.id}/attempts/2/log?offset=10`);
    expect(range.json()).toMatchObject({ offset: 10, length: MAX_LOG_CHUNK });
    const tooLong = await get(`/jobs/${job.id}/attempts/2/log?length=${MAX_LOG_CHUNK + 1}`);
    expect(tooLong.statusCode).toBe(400);
    const both = await get(`/jobs/${job.id}/attempts/2/log?tail=5&offset=1`);
    expect(both.statusCode).toBe(400);
    expect(both.json().code).toBe('AUP_ERR_BAD_REQUEST');
  });

  it('is a 404 naming the path when the log is missing, and when the attempt does not exist', async () => {
    const res = await get(`/jobs/${bare.id}/attempts/1/log`);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('AUP_ERR_FILE_NOT_FOUND');
    expect(res.json().message).toContain(join(JOB_DIR, `${bare.id}.1.out`));
    const none = await get(`/jobs/${job.id}/attempts/7/log`);
    expect(none.statusCode).toBe(404);
    expect(none.json().message).toContain('has no attempt 7');
  });
});

describe('GET /api/v1/jobs/:jid/artifacts/:index', () => {
  it('streams a file inside the working directory as an attachment', async () => {
    const res = await get(`/jobs/${job.id}/artifacts/0`);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload).toEqual(Buffer.from([0, 1, 2, 3, 255]));
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="model.bin"; filename*=UTF-8''model.bin`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves an absolute path or a symlink that stays inside', async () => {
    const res = await get(`/jobs/${job.id}/artifacts/4`);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload).toEqual(Buffer.from([0, 1, 2, 3, 255]));
  });

  it('quotes an awkward file name safely', async () => {
    const res = await get(`/jobs/${job.id}/artifacts/6`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="report _final_.txt"; filename*=UTF-8''report%20%22final%22.txt`);
  });

  it.each([
    [1, '..'],
    [2, 'an absolute path outside'],
    [3, 'a symlink pointing out'],
    [7, '.. to a file that does not exist'],
  ])('refuses artifact %i (%s) with a 403', async (index) => {
    const res = await get(`/jobs/${job.id}/artifacts/${index}`);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('AUP_ERR_PATH_FORBIDDEN');
    expect(res.body).not.toContain('outside the working directory"'); // never the secret's content
  });

  it('is a 404 for a missing file and for an index past the end', async () => {
    const missing = await get(`/jobs/${job.id}/artifacts/5`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'AUP_ERR_FILE_NOT_FOUND' });
    expect(missing.json().message).toContain(join(workDir, 'missing.onnx'));
    const past = await get(`/jobs/${job.id}/artifacts/8`);
    expect(past.statusCode).toBe(404);
    expect(past.json().message).toContain('recorded 8 artifact(s)');
  });
});

describe('GET /api/v1/jobs/:jid/records and /images/:index', () => {
  it('lists records with their values, filtered by kind and name', async () => {
    const all = (await get(`/jobs/${job.id}/records`)).json();
    expect(all.records.map((r: { kind: string }) => r.kind)).toEqual(['text', 'histogram', 'image', 'image', 'image']);
    const hist = (await get(`/jobs/${job.id}/records?kind=histogram`)).json();
    expect(hist.records).toEqual([{ kind: 'histogram', name: 'w', step: 0, time: new Date(2).toISOString(), values: [1, 2, 2, 3] }]);
    const other = (await get(`/jobs/${job.id}/records?kind=image&name=other`)).json();
    expect(other.records).toEqual([
      { kind: 'image', name: 'other', step: 0, time: new Date(5).toISOString(), image_index: 2, path: 'model.bin' },
    ]);
    expect((await get(`/jobs/${job.id}/records?kind=video`)).statusCode).toBe(400);
  });

  it('serves an image inline with its type, refuses one outside and one that is not an image', async () => {
    const png = await get(`/jobs/${job.id}/images/0`);
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['content-disposition']).toMatch(/^inline; filename="seg.png"/);
    expect(png.rawPayload).toEqual(PNG);
    expect((await get(`/jobs/${job.id}/images/1`)).statusCode).toBe(403);
    const notImage = await get(`/jobs/${job.id}/images/2`);
    expect(notImage.statusCode).toBe(404);
    expect(notImage.json().message).toContain('not an image');
    expect((await get(`/jobs/${job.id}/images/3`)).statusCode).toBe(404);
  });
});

describe('a working directory reached through a symlink', () => {
  it('serves files inside it', async () => {
    const linkedDir = join(root, 'linked-work');
    await symlink(workDir, linkedDir);
    const e2 = await store.createExperiment({
      name: 'linked',
      user: 'u',
      proposer: 'random',
      target: 'max',
      nSamples: 1,
      configRaw: {},
      config: {},
      workingDir: linkedDir,
      host: {},
      git: {},
    });
    const j = await store.createJob({ experimentId: e2.id, trial: 0, params: {} });
    await store.addArtifacts([
      { jobId: j.id, path: 'model.bin', time: 1 },
      { jobId: j.id, path: join(linkedDir, 'out', 'seg.png'), time: 2 },
    ]);
    expect((await get(`/jobs/${j.id}/artifacts/0`)).statusCode).toBe(200);
    expect((await get(`/jobs/${j.id}/artifacts/1`)).statusCode).toBe(200);
  });
});

describe('GET /api/v1/workers', () => {
  it('lists workers with their current jobs and flags a stale one', async () => {
    const w = await store.registerWorker({ host: 'box', pid: 77, slots: 2, resource: 'cpu', tags: ['x'] });
    const j = await store.createJob({ experimentId: exp.id, trial: 5, params: {} });
    await store.startAttempt({ jobId: j.id, attempt: 1, workerId: w.id });
    const res = await get('/workers');
    expect(res.statusCode).toBe(200);
    const listed = res.json().workers.find((x: { id: number }) => x.id === w.id);
    expect(listed).toMatchObject({
      host: 'box',
      pid: 77,
      slots: 2,
      resource: 'cpu',
      tags: ['x'],
      status: 'running',
      stale: false,
      current_jobs: [j.id],
    });
    expect(listed.heartbeat_at).toBe(new Date(w.heartbeatAt).toISOString());
  });
});
