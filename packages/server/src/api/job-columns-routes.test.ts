import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openStore, type ExperimentRecord, type Params, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from '../create-server.js';
import { MAX_JOB_COLUMNS } from './job-columns-routes.js';

// A real SQLite store behind a real server: the columns route must say what the jobs route says,
// job by job, in another shape.

let root: string;
let store: Store;
let app: FastifyInstance;
let exp: ExperimentRecord;
let other: ExperimentRecord;

const experiment = (name: string) =>
  store.createExperiment({
    name,
    user: 'tester',
    proposer: 'random',
    target: 'min',
    nSamples: 5,
    configRaw: {},
    config: {},
    workingDir: root,
    host: {},
    git: {},
  });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aup-job-columns-'));
  store = await openStore(join(root, 'experiments.db'));
  exp = await experiment('columns');
  other = await experiment('other');
  // Params of every kind, one job without `act` and one with a param the others lack; metrics on
  // some jobs only; a queued job with no score, no times and no metrics.
  const specs: { params: Params; budget?: number | null; score?: number; metrics?: Record<string, number> }[] = [
    { params: { lr: 0.1, act: 'relu', deep: true }, budget: 9, score: 0.5, metrics: { f1: 0.7, loss: 0.5 } },
    { params: { lr: 0.02, deep: false }, budget: null, score: 0.25, metrics: { f1: 0.9 } },
    { params: { lr: 0.3, act: 'tanh', deep: true, units: 64 }, budget: 27, score: 1.5, metrics: {} },
    { params: { lr: 0.4, act: 'gelu', deep: false } },
  ];
  for (const [i, s] of specs.entries()) {
    const job = await store.createJob({ experimentId: exp.id, trial: i, params: s.params, budget: s.budget ?? null });
    if (s.score !== undefined) {
      await store.startAttempt({ jobId: job.id, attempt: 1, host: 'h', slot: 'cpu:0' });
      await store.completeJob(
        job.id,
        { status: 'finished', score: s.score, metrics: s.metrics, startedAt: 1_000 * (i + 1), endedAt: 1_000 * (i + 1) + 500 },
        { id: exp.id, bestJobId: job.id, bestScore: s.score },
      );
    }
  }
  await store.createJob({ experimentId: other.id, trial: 0, params: { x: 1 } });
  app = createServer({ store });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

const get = (url: string) => app.inject({ method: 'GET', url: `/api/v1${url}` });

interface Columns {
  total: number;
  offset: number;
  limit: number;
  id: number[];
  [column: string]: unknown;
  params: Record<string, unknown[]>;
  metrics: Record<string, (number | null)[]>;
}

/** The jobs the columns describe, rebuilt as the jobs route writes them (absent params and metrics left out). */
function rows(c: Columns) {
  const at = (name: string, i: number) => (c[name] as unknown[])[i];
  const present = (byName: Record<string, unknown[]>, i: number) =>
    Object.fromEntries(Object.entries(byName).flatMap(([k, v]) => (v[i] === null ? [] : [[k, v[i]]])));
  return c.id.map((id, i) => ({
    id,
    trial: at('trial', i),
    status: at('status', i),
    score: at('score', i),
    metrics: present(c.metrics, i),
    params: present(c.params, i),
    budget: at('budget', i),
    attempts: at('attempts', i),
    started_at: at('started_at', i) === null ? null : new Date(at('started_at', i) as number).toISOString(),
    ended_at: at('ended_at', i) === null ? null : new Date(at('ended_at', i) as number).toISOString(),
  }));
}

describe('GET /api/v1/experiments/:id/job-columns', () => {
  it('answers every job of the experiment as columns, saying job by job what the jobs route says', async () => {
    const res = await get(`/experiments/${exp.id}/job-columns`);
    expect(res.statusCode).toBe(200);
    const body = res.json() as Columns;
    expect(body).toMatchObject({ total: 4, offset: 0, limit: MAX_JOB_COLUMNS });
    expect(body.id).toHaveLength(4);
    expect(Object.keys(body.params).sort()).toEqual(['act', 'deep', 'lr', 'units']);
    expect(body.params['act']).toEqual(['relu', null, 'tanh', 'gelu']);
    expect(body.params['deep']).toEqual([true, false, true, false]);
    expect(body.params['units']).toEqual([null, null, 64, null]);
    expect(body.metrics).toEqual({ f1: [0.7, 0.9, null, null], loss: [0.5, null, null, null] });
    expect(body.status).toEqual(['finished', 'finished', 'finished', 'queued']);
    expect(body['score']).toEqual([0.5, 0.25, 1.5, null]);
    expect(body['started_at']).toEqual([1_000, 2_000, 3_000, null]);

    const page = (await get(`/experiments/${exp.id}/jobs?limit=1000`)).json() as { jobs: unknown[] };
    expect(rows(body)).toEqual(page.jobs);
  });

  it('pages in id order with offset and limit, the total counting every job', async () => {
    const all = (await get(`/experiments/${exp.id}/job-columns`)).json() as Columns;
    const res = await get(`/experiments/${exp.id}/job-columns?offset=1&limit=2`);
    expect(res.statusCode).toBe(200);
    const body = res.json() as Columns;
    expect(body).toMatchObject({ total: 4, offset: 1, limit: 2, id: all.id.slice(1, 3) });
    // A column is sent when one of the page’s jobs has it: loss is on neither.
    expect(body.metrics).toEqual({ f1: [0.9, null] });
    expect(body.params['units']).toEqual([null, 64]);
    const past = (await get(`/experiments/${exp.id}/job-columns?offset=10`)).json() as Columns;
    expect(past).toMatchObject({ total: 4, id: [], params: {}, metrics: {} });
  });

  it('is a 404 naming the id for an unknown experiment, a 400 for a limit past the most or an unknown key', async () => {
    const missing = await get('/experiments/424242/job-columns');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND', details: { id: 424242 } });
    expect(missing.json().message).toContain('No experiment has id 424242');
    expect((await get(`/experiments/${exp.id}/job-columns?limit=${MAX_JOB_COLUMNS + 1}`)).statusCode).toBe(400);
    expect((await get(`/experiments/${exp.id}/job-columns?limit=0`)).statusCode).toBe(400);
    expect((await get(`/experiments/${exp.id}/job-columns?sort=score`)).statusCode).toBe(400);
  });

  it('leaves other experiments’ jobs out', async () => {
    const body = (await get(`/experiments/${other.id}/job-columns`)).json() as Columns;
    expect(body).toMatchObject({ total: 1, params: { x: [1] }, status: ['queued'] });
  });
});
