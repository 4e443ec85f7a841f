/**
 * The event stream under attack (issue 12, finding 3): clients that open `GET /api/v1/events` and
 * never read. A real board server on 127.0.0.1 over a real SQLite file and PostgreSQL, real TCP
 * sockets that send their request and then read nothing (beyond what Node's socket buffers on its
 * own, 64 KiB), and other source addresses of the loopback network (127.0.0.2, ...) as other
 * clients. What a user relies on:
 * - while streams that never read wait for a replay, `/health` and the API still answer, and the
 *   bytes the board holds for each such stream stay under the documented bound;
 * - the caps answer 429 (one address) and 503 (the board) with Retry-After and the error JSON,
 *   without reading the store for the refused stream;
 * - a live client that stops reading is cut off once it is too far behind, and resumes from the last
 *   event it got with every change exactly once.
 * Speed is measured by test/bench/sse-storm.mjs, never asserted here: the only deadlines are
 * "answers at all" ones, generous for a loaded 2-core machine.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

import { openStore, type NewExperiment, type Store } from '@aup/core';
import { createServer, type CreateServerOptions } from '@aup/server';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';

import { forEachDatabase } from '../setup/databases.js';

/** The bound docs/reference/http-api.md promises: bytes the board keeps for one client that does not read. */
const STREAM_BYTES_BOUND = 1024 * 1024;
/** Streams of the storm; 10 per source address, so that the default per-address cap admits them all. */
const STORM_STREAMS = 40;
const STORM_ADDRESSES = 4;
/**
 * Jobs of the storm's store: each is created, started and completed (three changes, 2,100 in all),
 * with ~2.5 KB of parameters, so that one replay (~6 MB) is more than the kernel takes from the
 * board for a client that does not read (~4 MB on loopback: net.ipv4.tcp_wmem's maximum) plus the
 * bound.
 */
const STORM_JOBS = 700;
const STORM_PAD = 'x'.repeat(2_500);
/** The storm test writes its store and replays it 40 times: minutes on a loaded 2-core machine with PostgreSQL. */
const STORM_TEST_TIMEOUT_MS = 300_000;
/** "Answers at all": far above any healthy latency, even on a loaded 2-core machine. */
const ANSWER_DEADLINE_MS = 30_000;
/** How long to wait for a server-side condition (a replay paused, a stream dropped). */
const CONDITION_DEADLINE_MS = 60_000;

interface Served {
  app: FastifyInstance;
  store: Store;
  port: number;
  /** The server's side of every connection, to read how many bytes it holds for each client. */
  serverSockets: Set<Socket>;
}

const opened: Served[] = [];
const streams: RawStream[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.destroy();
  for (const { app, store } of opened.splice(0)) {
    await app.close();
    await store.close();
  }
});

async function serve(url: string, options: Omit<CreateServerOptions, 'store'> = {}): Promise<Served> {
  const store = await openStore(url);
  const app = createServer({ store, ...options });
  const serverSockets = new Set<Socket>();
  app.server.on('connection', (s: Socket) => {
    serverSockets.add(s);
    s.once('close', () => serverSockets.delete(s));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  const served = { app, store, port: address.port, serverSockets };
  opened.push(served);
  return served;
}

function experiment(name: string): NewExperiment {
  return {
    name,
    user: 'mallory',
    proposer: 'random',
    target: 'max',
    nSamples: STORM_JOBS,
    configRaw: {},
    config: {},
    workingDir: '/tmp/x',
    host: {},
    git: {},
    proposerState: {},
  };
}

/** Ten parameters like a real search space, so that each event carries a realistic job summary (~600 bytes). */
function params(k: number, pad = ''): Record<string, number | string> {
  return {
    lr: 1e-3 * (1 + (k % 7)),
    momentum: 0.9,
    dropout: 0.1 * (k % 5),
    wd: 1e-5,
    warmup: 0.05,
    layers: 1 + (k % 12),
    units: 64 * (1 + (k % 8)),
    batch: 128,
    epochs: 20,
    activation: `relu${pad}`,
  };
}

/** Writes `jobs` jobs of one experiment, each created, started and completed; answers the experiment id. */
async function fill(store: Store, jobs: number, pad = ''): Promise<number> {
  const e = await store.createExperiment(experiment('storm'));
  for (let k = 0; k < jobs; k++) {
    const job = await store.createJob({ experimentId: e.id, trial: k, params: params(k, pad) });
    await store.startAttempt({ jobId: job.id, attempt: 1, host: 'h', slot: 'cpu:0', logPath: `jobs/${job.id}.1.out` });
    await store.completeJob(job.id, { status: 'finished', score: k / jobs, metrics: { f1: 0.5, loss: 1 - k / jobs } }, { id: e.id });
  }
  return e.id;
}

/** One parsed SSE event. */
interface Event {
  id: number | undefined;
  event: string;
}

/**
 * An HTTP/1.0 request over a bare TCP socket (so the body is the raw SSE text, not chunked), which
 * reads nothing until `read()` is called: Node only fills the socket's own 64 KiB buffer, then the
 * kernel's receive window closes and the server sees a client that does not read.
 */
class RawStream {
  readonly socket: Socket;
  /** Status line and headers, once complete. */
  #head: string | undefined;
  #body = '';
  /** Body text after the last complete event. */
  #pending = '';
  readonly #events: Event[] = [];
  #ended = false;
  #waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('error', () => undefined);
  }

  static async open(port: number, path: string, opts: { from?: string; headers?: Record<string, string> } = {}): Promise<RawStream> {
    const socket = connect({ host: '127.0.0.1', port, localAddress: opts.from ?? '127.0.0.1' });
    socket.pause();
    const stream = new RawStream(socket);
    streams.push(stream);
    await once(socket, 'connect');
    const headers = { host: `127.0.0.1:${port}`, accept: 'text/event-stream', ...opts.headers };
    socket.write(
      `GET ${path} HTTP/1.0\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`,
    );
    return stream;
  }

  /** Starts reading (and keeps reading) everything the server sends. */
  read(): this {
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.#feed(chunk);
      this.#wake();
    });
    this.socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
    this.socket.resume();
    return this;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get status(): number | undefined {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(this.#head ?? '');
    return m ? Number(m[1]) : undefined;
  }

  /** Response headers, names in lower case (once they are in). */
  get headers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of (this.#head ?? '').split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) out[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    return out;
  }

  /** The body of a non-stream answer (an error reply). */
  get body(): string {
    return this.#body;
  }

  /** The complete events received (an event cut off by a dropped connection is not one, as in EventSource). */
  events(): readonly Event[] {
    return this.#events;
  }

  #feed(chunk: string): void {
    if (this.#head === undefined) {
      this.#pending += chunk;
      const end = this.#pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.#head = this.#pending.slice(0, end);
      chunk = this.#pending.slice(end + 4);
      this.#pending = '';
    }
    // The whole body is kept only for short answers (errors); streams are parsed as they come.
    if (this.#body.length < 64 * 1024) this.#body += chunk;
    this.#pending += chunk;
    let cut: number;
    while ((cut = this.#pending.indexOf('\n\n')) >= 0) {
      const block = this.#pending.slice(0, cut);
      this.#pending = this.#pending.slice(cut + 2);
      let id: number | undefined;
      let event = 'message';
      let data = false;
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = Number(line.slice(4));
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = true;
      }
      if (data) this.#events.push({ id, event });
    }
  }

  waitFor(done: () => boolean, what: string, timeoutMs = CONDITION_DEADLINE_MS): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `${what}: not within ${timeoutMs} ms; status ${this.status}, ${this.#events.length} events (last id ${this.#events.at(-1)?.id}), ended ${this.#ended}, body starts ${JSON.stringify(this.#body.slice(0, 300))}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

/** GET over a fresh connection; rejects when nothing answers within the deadline. */
async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(ANSWER_DEADLINE_MS) });
  return { status: res.status, body: await res.text() };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = CONDITION_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Bytes the server holds in user space for each of its connections (what grows its memory). */
function heldBytes(served: Served): number[] {
  return [...served.serverSockets].map((s) => s.writableLength);
}

forEachDatabase('event-stream storm', (db) => {
  it(
    `keeps /health and the API answering while ${STORM_STREAMS} streams that never read replay a few thousand changes, and holds a bounded number of bytes for each`,
    async () => {
      const served = await serve(await db.fresh());
      const experimentId = await fill(served.store, STORM_JOBS, STORM_PAD);
      const changes = (await served.store.listChanges(0, { limit: 100_000 })).map((c) => c.id);
      expect(changes.length).toBeGreaterThan(2_000);

      const storm: RawStream[] = [];
      for (let i = 0; i < STORM_STREAMS; i++) {
        storm.push(await RawStream.open(served.port, '/api/v1/events?after=0', { from: `127.0.0.${2 + (i % STORM_ADDRESSES)}` }));
      }
      // Every stream was admitted and is being served: its connection is open on the server.
      await until(() => served.serverSockets.size >= STORM_STREAMS, 'every storm stream reaches the server');

      // The board answers while the replays are pending (the deadline only says "at all").
      const health = await get(served.port, '/api/v1/health');
      expect(health.status).toBe(200);
      const list = await get(served.port, '/api/v1/experiments');
      expect(list.status).toBe(200);
      expect(JSON.parse(list.body).experiments.map((e: { id: number }) => e.id)).toContain(experimentId);

      // Let the replays run as far as the clients let them: each stream's socket fills and stays full.
      let peak = 0;
      await until(async () => {
        const before = heldBytes(served).reduce((a, b) => a + b, 0);
        await new Promise((r) => setTimeout(r, 500));
        const held = heldBytes(served);
        peak = Math.max(peak, ...held);
        return held.reduce((a, b) => a + b, 0) === before;
      }, 'the replays settle');
      for (let round = 0; round < 10; round++) {
        peak = Math.max(peak, ...heldBytes(served));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(peak, `bytes the board holds for one stream that does not read (largest of ${STORM_STREAMS})`).toBeLessThanOrEqual(
        STREAM_BYTES_BOUND,
      );
      expect((await get(served.port, '/api/v1/health')).status).toBe(200);

      // The clients read at last: each gets every change exactly once, in order, and then is live.
      for (const s of storm) s.read();
      await Promise.all(storm.map((s) => s.waitFor(() => s.events().at(-1)?.id === changes.at(-1), 'a storm client catches up')));
      for (const s of storm) {
        expect(s.status).toBe(200);
        expect(s.events().map((e) => e.id)).toEqual(changes);
      }
      const job = await served.store.createJob({ experimentId, trial: STORM_JOBS, params: params(STORM_JOBS) });
      await Promise.all(
        storm.map((s) =>
          s.waitFor(
            () => s.events().some((e) => e.event === 'job' && e.id !== undefined && e.id > changes.at(-1)!),
            'a live event after the replay',
          ),
        ),
      );
      expect(job.id).toBeGreaterThan(0);
    },
    STORM_TEST_TIMEOUT_MS,
  );

  it('answers a stream over the cap 429 (one address) or 503 (the whole board) with Retry-After and the error JSON, without reading the store for it', async () => {
    const url = await db.fresh();
    const store = await openStore(url);
    await fill(store, 5);
    const changes = (await store.listChanges(0)).length;
    // The same real store, counting the reads of the feed from its start: only a replay of a stream
    // with after=0 makes them (the hub's own poller reads after the newest change it has sent).
    let feedReads = 0;
    const counted = new Proxy(store, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (key === 'listChanges' && typeof value === 'function') {
          return (...args: unknown[]) => {
            if (args[0] === 0) feedReads++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const app = createServer({ store: counted, streams: { maxStreams: 5, maxStreamsPerAddress: 3 } });
    const serverSockets = new Set<Socket>();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    opened.push({ app, store, port: address.port, serverSockets });
    const port = address.port;

    const admitted = async (from: string): Promise<RawStream> => {
      const s = (await RawStream.open(port, '/api/v1/events?after=0', { from })).read();
      await s.waitFor(() => s.events().length === changes, `a stream from ${from} is admitted and replays the ${changes} changes`);
      expect(s.status).toBe(200);
      return s;
    };
    const refused = async (from: string): Promise<RawStream> => {
      const s = (await RawStream.open(port, '/api/v1/events?after=0', { from })).read();
      await s.waitFor(() => s.ended, `a refused stream from ${from} is answered and closed`);
      return s;
    };

    const first = [await admitted('127.0.0.2'), await admitted('127.0.0.2'), await admitted('127.0.0.2')];
    const reads = feedReads;
    const perAddress = await refused('127.0.0.2');
    expect(perAddress.status).toBe(429);
    expect(Number(perAddress.headers['retry-after'])).toBeGreaterThan(0);
    expect(perAddress.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(perAddress.body);
    expect(body).toMatchObject({ code: 'AUP_ERR_TOO_MANY_STREAMS', details: { limit: 3 } });
    expect(body.message).toContain('127.0.0.2');

    await admitted('127.0.0.3');
    await admitted('127.0.0.4');
    const total = await refused('127.0.0.5');
    expect(total.status).toBe(503);
    expect(Number(total.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(total.body)).toMatchObject({ code: 'AUP_ERR_SERVER_BUSY', details: { limit: 5 } });
    // Neither refusal read the store; the two admitted streams did (their replay).
    expect(feedReads - reads).toBe(2);
    const afterAdmitted = feedReads;
    await refused('127.0.0.2');
    await refused('127.0.0.6');
    expect(feedReads).toBe(afterAdmitted);

    // A stream that closes gives its slot back.
    first[0]!.destroy();
    await until(async () => {
      const s = (await RawStream.open(port, '/api/v1/events', { from: '127.0.0.2' })).read();
      await s.waitFor(() => s.status !== undefined, 'an answer');
      if (s.status === 200) return true;
      s.destroy();
      return false;
    }, 'the freed slot is given to a new stream of that address');
  });

  it('cuts off a live client that stops reading once it is too far behind; resuming from the last event it got, it receives every change exactly once', async () => {
    const bound = 64 * 1024;
    const served = await serve(await db.fresh(), { streams: { maxClientBufferBytes: bound } });
    const e = await served.store.createExperiment(experiment('slow'));
    const start = await served.store.lastChangeId();
    // From `start` on, so that no change made while the stream is set up is missed.
    const slow = await RawStream.open(served.port, `/api/v1/events?after=${start}`);
    await until(() => served.serverSockets.size === 1, 'the slow stream reaches the server');
    const [server] = [...served.serverSockets];
    // Changes of ~3.5 KB each until the board gives up on the client: first the kernel's buffers
    // fill (~4 MB on loopback), then the bound. Bounded, so that a board that never drops fails the
    // test rather than hanging it.
    const pad = 'x'.repeat(3_000);
    let written = 0;
    while (!server!.destroyed && written < 4_000) {
      await served.store.createJob({ experimentId: e.id, trial: written, params: params(written, pad) });
      written += 1;
      // Room for the hub's poller (every 20 ms) to fan the changes out as they come.
      if (written % 20 === 0) await new Promise((r) => setTimeout(r, 25));
      expect(server!.writableLength, 'bytes the board holds for the slow client').toBeLessThanOrEqual(bound);
    }
    expect(server!.destroyed, `the board still holds a stream that read nothing of ${written} changes`).toBe(true);

    // The client reads what reached it, then resumes from its last complete event, as EventSource does.
    slow.read();
    await slow.waitFor(() => slow.ended, 'the cut-off stream ends');
    const got = slow.events().filter((x) => x.id !== undefined);
    expect(got.length).toBeGreaterThan(0);
    const last = await served.store.lastChangeId();
    expect(got.at(-1)!.id!).toBeLessThan(last);
    const resumed = (
      await RawStream.open(served.port, '/api/v1/events?after=0', { headers: { 'last-event-id': String(got.at(-1)!.id) } })
    ).read();
    await resumed.waitFor(() => resumed.events().at(-1)?.id === last, 'the resumed stream catches up');
    const ids = [...got, ...resumed.events()].map((x) => x.id);
    const expected = (await served.store.listChanges(start, { limit: 100_000 })).map((c) => c.id);
    expect(ids).toEqual(expected);
  });
});
