/* eslint-disable @typescript-eslint/no-explicit-any -- the API's JSON replies are read field by field here. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openStore, type ImportedExperiment, type ImportedJob, type Store } from '@aup/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer } from '../create-server.js';

// An experiment brought in by `aup import` on the board (docs/decisions/0029-imports.md): its jobs
// are listed like any others, start and resume refuse it (409: an import is not a run), and a copy
// runs its stored config when that config can run here.
const TOKEN = 'imported-test-token';
const T0 = 1_600_000_000_000;

let root: string;
let store: Store;
let app: FastifyInstance;
const ids: Record<'stopped' | 'created' | 'unrunnable', number> = { stopped: 0, created: 0, unrunnable: 0 };

const post = (url: string, payload: object = {}) =>
  app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { authorization: `Bearer ${TOKEN}` }, payload });

function job(n: number): ImportedJob {
  return {
    sourceKey: String(n + 1),
    trial: n,
    status: 'finished',
    params: { x: n / 4 },
    score: n,
    createdAt: T0 + n,
    startedAt: T0 + n,
    endedAt: T0 + n + 1,
    host: 'localhost cpu#1',
  };
}

function imported(key: string, status: 'stopped' | 'created', script: string, jobs: ImportedJob[]): ImportedExperiment {
  const configRaw = {
    name: key,
    script,
    cwd: root,
    n_samples: 3,
    target: 'max',
    parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
  };
  return {
    tool: 'auptimizer',
    sourceKey: `auptimizer:test#${key}`,
    experiment: {
      name: key,
      user: 'alice',
      proposer: 'random',
      target: 'max',
      nSamples: 3,
      configRaw,
      config: { ...configRaw, workingdir: root, proposer: 'random' },
      workingDir: root,
      host: { imported_from: 'auptimizer' },
      git: null,
      status,
      createdAt: T0,
      startedAt: status === 'created' ? null : T0,
      endedAt: null,
    },
    jobs,
    cursor: null,
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aup-imported-board-'));
  await writeFile(join(root, 'train.py'), 'print("#Auptimizer: 1")\n');
  store = await openStore(join(root, 'experiments.db'));
  ids.stopped = (await store.syncImport(imported('stopped', 'stopped', 'python3 train.py', [job(0), job(1), job(2)]))).experimentId;
  ids.created = (await store.syncImport(imported('created', 'created', 'python3 train.py', []))).experimentId;
  ids.unrunnable = (await store.syncImport(imported('unrunnable', 'stopped', 'python3 gone.py', [job(0)]))).experimentId;
  app = createServer({ store, token: TOKEN, configBaseDir: root });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

describe('an imported experiment on the board', () => {
  it('lists its jobs like those of an experiment aup ran', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/experiments/${ids.stopped}/jobs` });
    expect(res.statusCode).toBe(200);
    expect(res.json().total).toBe(3);
    expect(res.json().jobs.map((j: any) => [j.trial, j.status, j.score, j.params])).toEqual([
      [0, 'finished', 0, { x: 0 }],
      [1, 'finished', 1, { x: 0.25 }],
      [2, 'finished', 2, { x: 0.5 }],
    ]);
  });

  it('marks it as imported in the experiment list and its detail, and not a copy of it', async () => {
    const list = (await app.inject({ method: 'GET', url: '/api/v1/experiments' })).json().experiments as any[];
    expect(list.find((e) => e.id === ids.stopped)).toMatchObject({ imported_from: 'auptimizer' });
    const detail = (await app.inject({ method: 'GET', url: `/api/v1/experiments/${ids.stopped}` })).json();
    expect(detail).toMatchObject({ imported_from: 'auptimizer' });
  });

  it('refuses to resume or start it with 409, naming the import', async () => {
    for (const [id, verb, done] of [
      [ids.stopped, 'resume', 'resumed'],
      [ids.created, 'start', 'started'],
    ] as const) {
      const res = await post(`/experiments/${id}/${verb}`);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'AUP_ERR_EXPERIMENT_STATE',
        details: { id, imported: { tool: 'auptimizer', sourceKey: expect.stringMatching(/^auptimizer:test#/) } },
      });
      expect(res.json().message).toMatch(
        new RegExp(`^Experiment ${id} \\(\\w+\\) was imported from auptimizer, not run by aup, so it cannot be ${done}: `),
      );
    }
    expect((await store.getExperiment(ids.stopped))?.status).toBe('stopped');
    expect((await store.getExperiment(ids.created))?.status).toBe('created');
  });

  it('copies it into a new experiment of aup when its config can run here', async () => {
    const res = await post(`/experiments/${ids.stopped}/copy`, { name: 'again' });
    expect(res.statusCode).toBe(201);
    const copy = res.json().experiment;
    expect(copy).toMatchObject({ name: 'again', status: 'created' });
    expect(await store.getImport(copy.id)).toBeUndefined();
    expect(copy.imported_from).toBeNull();
    const exp = await store.getExperiment(copy.id);
    expect(exp?.config).toMatchObject({ name: 'again', script: 'python3 train.py', script_path: join(root, 'train.py'), workingdir: root });
  });

  it('refuses a copy whose stored config cannot run here with 400, naming each problem', async () => {
    const before = (await store.listExperiments()).length;
    const res = await post(`/experiments/${ids.unrunnable}/copy`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'AUP_ERR_CONFIG_INVALID', details: { id: ids.unrunnable, imported: { tool: 'auptimizer' } } });
    expect(res.json().message).toMatch(
      /was imported from auptimizer, and its config cannot run here \(1 problem\(s\)\):\n {2}script: .*gone\.py does not exist/,
    );
    expect(await store.listExperiments()).toHaveLength(before);
  });
});
