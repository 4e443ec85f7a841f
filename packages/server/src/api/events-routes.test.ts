import { once } from 'node:events';
import { connect as tcpConnect } from 'node:net';

import { openStore, type NewExperiment, type Store } from '@aup/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

import { SseClient } from '../../../../test/setup/sse-client.js';
import { createServer } from '../create-server.js';
import { createStoreHolder } from '../swappable-store.js';
import { eventsRoutes } from './events-routes.js';

// The events route over a real in-memory SQLite store and a real listening server: what an
// EventSource meets, byte for byte through our test parser.

const ORIGIN = 'http://localhost:3000';
const WAIT_MS = 5_000;

const open: { app: FastifyInstance; store: Store }[] = [];
const clients: SseClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const { app, store } of open.splice(0)) {
    await app.close();
    await store.close();
  }
});

async function serve(
  opts: {
    readOnly?: boolean;
    bare?: { maxReplay?: number; heartbeatMs?: number };
    streams?: { maxStreams?: number; maxStreamsPerAddress?: number };
  } = {},
): Promise<{ base: string; store: Store; app: FastifyInstance }> {
  const store = await openStore(':memory:');
  let app: FastifyInstance;
  if (opts.bare !== undefined) {
    // The routes alone, with the hub's limits shortened so that reset and heartbeat show in a test.
    const hub = opts.bare;
    app = Fastify();
    await app.register(async (api) => eventsRoutes(api, { store, readOnly: false, configBaseDir: '.', hub }), { prefix: '/api/v1' });
  } else {
    app = createServer({ store, readOnly: opts.readOnly, corsOrigins: [ORIGIN], streams: opts.streams });
  }
  open.push({ app, store });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { base: `${address}/api/v1`, store, app };
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const c = await SseClient.connect(url, headers);
  clients.push(c);
  if (c.status === 200) await c.waitFor(() => c.comments.includes('connected'), WAIT_MS);
  return c;
}

function experiment(name: string): NewExperiment {
  return {
    name,
    user: 'ada',
    proposer: 'random',
    target: 'max',
    nSamples: 3,
    configRaw: {},
    config: {},
    workingDir: '/tmp/x',
    host: {},
    git: {},
    proposerState: { secret: 1 },
  };
}

interface Data {
  id: number;
  kind: string;
  experiment_id: number;
  job_id: number | null;
  time: string;
  job?: Record<string, unknown> | null;
  experiment?: Record<string, unknown> | null;
}

describe('GET /api/v1/events', () => {
  it('streams changes made after connecting, with the current job and experiment summaries, and CORS headers', async () => {
    const { base, store } = await serve();
    const before = await store.createExperiment(experiment('before'));
    const c = await connect(`${base}/events`, { origin: ORIGIN });
    expect(c.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(c.headers['cache-control']).toContain('no-cache');
    expect(c.headers['access-control-allow-origin']).toBe(ORIGIN);

    const e = await store.createExperiment(experiment('live'));
    const job = await store.createJob({ experimentId: e.id, trial: 0, params: { lr: 0.1 } });
    await store.completeJob(
      job.id,
      { status: 'finished', score: 0.75, metrics: { f1: 0.5 } },
      { id: e.id, bestJobId: job.id, bestScore: 0.75 },
    );
    await c.waitFor(() => c.events.length >= 3, WAIT_MS);

    const data = c.data<Data>();
    expect(data.map((d) => [d.kind, d.experiment_id, d.job_id])).toEqual([
      ['experiment', e.id, null],
      ['job', e.id, job.id],
      ['job', e.id, job.id],
    ]);
    expect(data.some((d) => d.experiment_id === before.id)).toBe(false);
    expect(c.events.map((ev) => ev.event)).toEqual(['experiment', 'job', 'job']);
    expect(c.events.map((ev) => Number(ev.id))).toEqual(data.map((d) => d.id));
    // The job as it is now (finished), in the job page's shape; nothing internal.
    expect(data[2]!.job).toMatchObject({
      id: job.id,
      trial: 0,
      status: 'finished',
      score: 0.75,
      metrics: { f1: 0.5 },
      params: { lr: 0.1 },
    });
    expect(data[0]!.experiment).toMatchObject({ id: e.id, name: 'live', status: 'created' });
    expect(JSON.stringify(c.events)).not.toContain('secret');
    expect(Date.parse(data[0]!.time)).toBeGreaterThan(0);
  });

  it('replays exactly the changes after `after`, then continues live; Last-Event-ID wins over after', async () => {
    const { base, store } = await serve();
    const e = await store.createExperiment(experiment('replay'));
    const jobs = [];
    for (let t = 0; t < 4; t++) jobs.push(await store.createJob({ experimentId: e.id, trial: t, params: { t } }));
    const all = await store.listChanges(0);
    expect(all).toHaveLength(5);

    const c = await connect(`${base}/events?after=${all[1]!.id}`);
    await c.waitFor(() => c.events.length >= 3, WAIT_MS);
    await store.updateJob(jobs[0]!.id, { status: 'running' });
    await c.waitFor(() => c.events.length >= 4, WAIT_MS);
    const ids = c.data<Data>().map((d) => d.id);
    expect(ids).toEqual([...all.slice(2).map((x) => x.id), await store.lastChangeId()]);

    // A reconnecting EventSource keeps its URL (after=0 here) and adds Last-Event-ID: the header wins.
    const r = await connect(`${base}/events?after=0`, { 'last-event-id': String(all[3]!.id) });
    await r.waitFor(() => r.events.length >= 2, WAIT_MS);
    await new Promise((done) => setTimeout(done, 100));
    expect(r.data<Data>().map((d) => d.id)).toEqual([all[4]!.id, await store.lastChangeId()]);
  });

  it('filters by experiment, replay and live alike', async () => {
    const { base, store } = await serve();
    const a = await store.createExperiment(experiment('a'));
    const b = await store.createExperiment(experiment('b'));
    await store.createJob({ experimentId: a.id, trial: 0, params: {} });
    await store.createJob({ experimentId: b.id, trial: 0, params: {} });
    const c = await connect(`${base}/events?after=0&experiment=${b.id}`);
    await c.waitFor(() => c.events.length >= 2, WAIT_MS);
    await store.createJob({ experimentId: a.id, trial: 1, params: {} });
    const last = await store.createJob({ experimentId: b.id, trial: 1, params: {} });
    await c.waitFor(() => c.events.length >= 3, WAIT_MS);
    const data = c.data<Data>();
    expect(data.every((d) => d.experiment_id === b.id)).toBe(true);
    expect(data.map((d) => d.kind)).toEqual(['experiment', 'job', 'job']);
    expect(data[2]!.job_id).toBe(last.id);
  });

  it('sends a reset instead of replaying more than the limit, then continues live', async () => {
    const { base, store } = await serve({ bare: { maxReplay: 5 } });
    const e = await store.createExperiment(experiment('big'));
    for (let t = 0; t < 8; t++) await store.createJob({ experimentId: e.id, trial: t, params: {} });
    const last = await store.lastChangeId();
    const c = await connect(`${base}/events?after=1`);
    await c.waitFor(() => c.events.length >= 1, WAIT_MS);
    expect(c.events[0]!.event).toBe('reset');
    expect(c.events[0]!.id).toBe(String(last));
    expect(JSON.parse(c.events[0]!.data)).toMatchObject({ last_id: last });
    const j = await store.createJob({ experimentId: e.id, trial: 9, params: {} });
    await c.waitFor(() => c.events.length >= 2, WAIT_MS);
    expect(c.data<Data>().map((d) => d.job_id)).toEqual([j.id]);
  });

  it('sends a heartbeat comment while idle', async () => {
    const { base } = await serve({ bare: { heartbeatMs: 50 } });
    const c = await connect(`${base}/events`);
    await c.waitFor(() => c.comments.filter((x) => x === 'heartbeat').length >= 2, WAIT_MS);
    expect(c.events).toEqual([]);
  });

  it('is served in read-only mode', async () => {
    const { base, store } = await serve({ readOnly: true });
    const c = await connect(`${base}/events`);
    expect(c.status).toBe(200);
    await store.createExperiment(experiment('ro'));
    await c.waitFor(() => c.events.length >= 1, WAIT_MS);
    expect(c.events[0]!.event).toBe('experiment');
  });

  it('answers a malformed cursor with the error shape', async () => {
    const { base } = await serve();
    const bad = await connect(`${base}/events`, { 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(await bad.text())).toMatchObject({ code: 'AUP_ERR_BAD_REQUEST', details: { header: 'last-event-id' } });
    const neg = await connect(`${base}/events?after=-1`);
    expect(neg.status).toBe(400);
    expect(JSON.parse(await neg.text())).toMatchObject({ code: 'AUP_ERR_BAD_REQUEST' });
  });

  it('serves replays in turn: a short replay completes and goes live while a long one waits for a client that does not read', async () => {
    const { base, store } = await serve();
    const e = await store.createExperiment(experiment('long'));
    const pad = 'x'.repeat(2_000);
    for (let t = 0; t < 2_500; t++) await store.createJob({ experimentId: e.id, trial: t, params: { pad, t } });
    const last = await store.lastChangeId();
    // ~5.5 MB of replay for a socket that reads nothing: more than the kernel takes, so it stays unfinished.
    const url = new URL(`${base}/events?after=0`);
    const stuck = tcpConnect({ host: url.hostname, port: Number(url.port) });
    stuck.pause();
    await once(stuck, 'connect');
    stuck.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n\r\n`);
    try {
      const c = await connect(`${base}/events?after=${last - 3}`);
      await c.waitFor(() => c.events.length >= 3, WAIT_MS);
      const j = await store.createJob({ experimentId: e.id, trial: 9_999, params: {} });
      await c.waitFor(() => c.events.length >= 4, WAIT_MS);
      expect(c.data<Data>().map((d) => d.id)).toEqual([last - 2, last - 1, last, await store.lastChangeId()]);
      expect(c.data<Data>().at(-1)!.job_id).toBe(j.id);
    } finally {
      stuck.destroy();
    }
  });

  it('sends reset to every client when the database behind the board is replaced, live or resuming past its end', async () => {
    const first = await openStore(':memory:');
    const holder = createStoreHolder(first);
    const app = Fastify();
    await app.register(async (api) => eventsRoutes(api, { store: holder.store, readOnly: false, configBaseDir: '.' }), {
      prefix: '/api/v1',
    });
    const next = await openStore(':memory:');
    open.push({ app, store: first }, { app: Fastify(), store: next });
    const base = `${await app.listen({ port: 0, host: '127.0.0.1' })}/api/v1`;
    const e = await first.createExperiment(experiment('old'));
    for (let t = 0; t < 5; t++) await first.createJob({ experimentId: e.id, trial: t, params: {} });
    const old = await first.lastChangeId();
    const live = await connect(`${base}/events?after=${old - 2}`);
    await live.waitFor(() => live.events.length >= 2, WAIT_MS);

    // The environment reset: an empty database behind the same store reference.
    holder.swap(next);
    await live.waitFor(() => live.events.some((ev) => ev.event === 'reset'), WAIT_MS);
    const reset = live.events.find((ev) => ev.event === 'reset')!;
    expect(JSON.parse(reset.data)).toMatchObject({ last_id: 0 });
    const resumed = await connect(`${base}/events`, { 'last-event-id': String(old) });
    await resumed.waitFor(() => resumed.events.length >= 1, WAIT_MS);
    expect(resumed.events[0]!.event).toBe('reset');

    // Both continue with the new database's changes.
    await next.createExperiment(experiment('new'));
    const isNew = (d: Data): boolean => d.experiment?.['name'] === 'new';
    await live.waitFor(() => live.data<Data>().some(isNew), WAIT_MS);
    await resumed.waitFor(() => resumed.data<Data>().some(isNew), WAIT_MS);
    expect(resumed.data<Data>().filter(isNew)).toHaveLength(1);
  });

  it('gives the stream slot of a HEAD request back', async () => {
    const { base } = await serve({ streams: { maxStreams: 1 } });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/events`, { method: 'HEAD' });
      expect(res.status).toBe(200);
    }
    const c = await connect(`${base}/events`);
    expect(c.status).toBe(200);
    const over = await connect(`${base}/events`);
    expect(over.status).toBe(503);
    expect(over.headers['retry-after']).toBe('10');
    expect(JSON.parse(await over.text())).toMatchObject({ code: 'AUP_ERR_SERVER_BUSY' });
  });

  it('ends every stream when the server closes, promptly', async () => {
    const { base, app } = await serve();
    const c = await connect(`${base}/events`);
    const started = Date.now();
    await app.close();
    await c.waitFor(() => c.ended, WAIT_MS);
    expect(Date.now() - started).toBeLessThan(WAIT_MS);
  });
});
