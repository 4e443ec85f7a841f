import type { ChangeRecord, JobRecord, Store } from '@aup/core';

import type { ExperimentSummary, JobSummary } from './schemas.js';
import { toJobSummary, toSummaryOfRecord } from './to-dto.js';

// One hub per server reads the store's change feed and fans it out to every SSE client
// (docs/decisions/0005-change-feed.md). Clients never poll the database on their own except while
// catching up from an `after` cursor, and those replays are served in turn, a bounded step at a
// time, never faster than each client reads (docs/decisions/0022-event-stream-limits.md).

/** How often the hub reads new changes while a client is connected: well under the 100 ms delivery goal. */
export const CHANGE_POLL_INTERVAL_MS = 20;
/** A comment line this often keeps proxies and browsers from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;
/** A client further behind than this many changes gets a `reset` event (refetch) instead of a replay. */
export const MAX_REPLAY_CHANGES = 10_000;
/**
 * Changes read and rendered in one turn, by the poller and by one step of a replay. Rendering reads
 * each change's job from the store, synchronously on SQLite, so this bounds how long one turn keeps
 * other requests waiting: on the storm benchmark's 100,000-job store (test/bench/sse-storm.mjs),
 * rendering 200 changes (about 100 jobs) took 17 ms and 1,000 took 640 ms, on the 2-core machine
 * under a load average of 15.
 */
export const CHANGE_BATCH = 200;
/** How often the poller checks that the feed did not move backwards (an environment reset swapped the database). */
export const FEED_RESET_CHECK_MS = 1_000;
/**
 * Bytes a live client may leave unread in the board's memory before the hub cuts it off (it
 * resumes with Last-Event-ID, by a replay at its own pace). Measured on the 100,000-job benchmark
 * store (10 parameters, 3 metrics): an event is 640 bytes on average (664 at most), one poll turn
 * of CHANGE_BATCH events at most 131 KB, so 1 MiB is eight full turns behind, which a client that
 * reads at all does not reach, while 96 streams (MAX_STREAMS) hold at most 96 MiB of the board's memory.
 */
export const MAX_CLIENT_BUFFER_BYTES = 1024 * 1024;
/**
 * A replay writes its next step only while the client has fewer unread bytes than this in the
 * board's memory (the kernel's socket buffer holds more): four times the socket's own high-water
 * mark, so a reading client never waits for its next step while its socket is busy.
 */
export const REPLAY_HIGH_WATER_BYTES = 64 * 1024;
/**
 * Replay steps in flight at once, for all clients together, on PostgreSQL: two keep the round trip
 * of one step overlapping the rendering of another; more would only let replays crowd out page
 * requests. On SQLite every read runs synchronously on the board's one thread, so a second step
 * would only run in the same turn as the first and double the time other requests wait: one.
 */
export const REPLAY_LANES = 2;
/**
 * After a replay step of d ms its lane rests d × this before the next step, so replays take at most
 * half of the board's time however many are pending. Resting one event-loop turn is not enough:
 * Node accepts one new connection per turn, so with a step in every turn the 300 connections of a
 * storm took 300 steps to be let in, and a `/health` on a new connection waited behind them
 * (measured on the loaded machine: 0.5 to 3.5 s; with this rest, 0.25 s).
 */
export const REPLAY_REST_RATIO = 1;
/**
 * A replaying client whose socket has not emptied for this long is cut off (it resumes with
 * Last-Event-ID): a client that reads even 4 KB/s empties one step in that time. It frees the
 * memory and the kernel buffers that a client which stopped reading mid-replay holds.
 */
export const REPLAY_STALL_MS = 60_000;
/**
 * Rendered events are kept this long for other clients that need the same change: clients resuming
 * from the same cursor (a storm, or every tab after a board restart) read the same pages, and
 * rendering (reading each job) is the cost of a replay. A second at most, so an event is never
 * older than the state it shows by more than that (a later change of the job follows it anyway).
 */
export const RENDER_CACHE_MS = 1_000;
/** Bytes of rendered events kept for RENDER_CACHE_MS: one full replay of MAX_REPLAY_CHANGES events of the benchmark store (6.4 MB). */
export const RENDER_CACHE_BYTES = 8 * 1024 * 1024;

/** The `data:` of one change event. */
export interface ChangeEventData {
  id: number;
  kind: ChangeRecord['kind'];
  experiment_id: number;
  job_id: number | null;
  /** ISO 8601, when the change was written. */
  time: string;
  /** Job-level kinds: the job as it is now (null when it no longer exists). */
  job?: JobSummary | null;
  /** Experiment-level kinds: the experiment as it is now (null when deleted). */
  experiment?: ExperimentSummary | null;
}

/** The `data:` of a `reset` event. */
export interface ResetEventData {
  /** The id the stream continues after; refetch state by the REST routes, then rely on the events. */
  last_id: number;
  reason: string;
}

/** One connected SSE stream, as the hub sees it. */
export interface HubClient {
  /** Only changes of this experiment, when set. */
  readonly experimentId: number | undefined;
  /** Bytes written to the stream that its socket has not yet handed to the kernel. */
  unread(): number;
  /** Writes raw SSE text (whole events only). */
  write(text: string): void;
  /** Calls `then` once the socket has taken everything written; answers a function that cancels the wait. */
  onDrain(then: () => void): () => void;
  /** Ends the stream (the server closes). */
  end(): void;
  /** Cuts the stream off at once, dropping what is unread: the client is too far behind, and resumes with Last-Event-ID. */
  drop(reason: string): void;
  /** Reading the store for this stream failed: the stream ends (EventSource reconnects) and the error is logged. */
  fail(error: unknown): void;
}

export interface ChangeHubOptions {
  pollIntervalMs?: number;
  heartbeatMs?: number;
  maxReplay?: number;
  /** Default MAX_CLIENT_BUFFER_BYTES. */
  maxClientBufferBytes?: number;
  /** Default REPLAY_STALL_MS. */
  replayStallMs?: number;
}

interface Attached {
  client: HubClient;
  /** Id of the newest change this client has been sent (or skipped as not its experiment). */
  cursor: number;
  /** starting: waiting for the hub's first read; replay: catching up from the store, a step per turn; live: fan-out. */
  mode: 'starting' | 'replay' | 'live';
  /** Replay: the distance to the feed's end has been checked (a reset instead of a too long replay). */
  checked: boolean;
  /** Replay: cancels the wait for the client's socket to drain, and its stall timer. */
  cancelWait: (() => void) | undefined;
}

interface Rendered {
  id: number;
  experimentId: number;
  text: string;
  bytes: number;
  /** performance.now() when it was rendered. */
  at: number;
}

/**
 * Reads the change feed once for all clients and pushes each change to every client that wants it.
 * A client that resumes from a cursor is replayed from the store first: one step of CHANGE_BATCH
 * changes per turn, the replaying clients in turn (one queue, one step at a time on SQLite and
 * REPLAY_LANES on PostgreSQL, the event loop free between steps), the next step only once the
 * client has read the last one.
 */
export class ChangeHub {
  readonly #store: Store;
  readonly #pollMs: number;
  readonly #heartbeatMs: number;
  readonly #maxReplay: number;
  readonly #maxBuffer: number;
  readonly #stallMs: number;
  readonly #laneCount: number;
  readonly #clients = new Set<Attached>();
  /** Replaying clients waiting for their next step, oldest first. */
  readonly #queue: Attached[] = [];
  #lanes = 0;
  /** Id of the newest change fanned out; undefined until the first client arrives. */
  #delivered: number | undefined;
  /** #delivered must be read from the store again: nobody listened, so nothing was polled. */
  #stale = true;
  #refreshing: Promise<number> | undefined;
  #poll: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastResetCheck = 0;
  #closed = false;
  /** Recently rendered events by change id, oldest first (RENDER_CACHE_MS, RENDER_CACHE_BYTES). */
  readonly #rendered = new Map<number, Rendered>();
  #renderedBytes = 0;

  constructor(store: Store, opts: ChangeHubOptions = {}) {
    this.#store = store;
    this.#pollMs = opts.pollIntervalMs ?? CHANGE_POLL_INTERVAL_MS;
    this.#heartbeatMs = opts.heartbeatMs ?? SSE_HEARTBEAT_MS;
    this.#maxReplay = opts.maxReplay ?? MAX_REPLAY_CHANGES;
    this.#maxBuffer = opts.maxClientBufferBytes ?? MAX_CLIENT_BUFFER_BYTES;
    this.#stallMs = opts.replayStallMs ?? REPLAY_STALL_MS;
    this.#laneCount = store.dialect === 'sqlite' ? 1 : REPLAY_LANES;
  }

  /** Connected clients (for tests and diagnostics). */
  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Attaches a client and answers the function that detaches it (call it when its connection
   * closes). `after` undefined: changes from now on. Otherwise every change with a larger id is
   * sent once, in id order: first replayed from the store, then live.
   */
  attach(client: HubClient, after: number | undefined): () => void {
    if (this.#closed) {
      client.end();
      return () => undefined;
    }
    if (this.#clients.size === 0 && this.#poll === undefined) this.#stale = true;
    const entry: Attached = { client, cursor: after ?? 0, mode: 'starting', checked: false, cancelWait: undefined };
    this.#clients.add(entry);
    void this.#start().then(
      (delivered) => {
        if (!this.#clients.has(entry)) return;
        if (after === undefined) {
          entry.cursor = delivered;
          entry.mode = 'live';
        } else {
          entry.mode = 'replay';
          this.#enqueue(entry);
        }
        this.#schedulePoll();
      },
      (e: unknown) => this.#fail(entry, e),
    );
    return () => this.#remove(entry);
  }

  /** Ends every stream and stops the timers; later attaches end at once. */
  close(): void {
    this.#closed = true;
    this.#rendered.clear();
    this.#renderedBytes = 0;
    clearTimeout(this.#poll);
    clearInterval(this.#heartbeat);
    this.#poll = undefined;
    this.#heartbeat = undefined;
    this.#queue.length = 0;
    for (const entry of this.#clients) {
      entry.cancelWait?.();
      entry.client.end();
    }
    this.#clients.clear();
  }

  /** The id fan-out has reached; read from the store when nobody was listening (nothing was polled meanwhile). */
  #start(): Promise<number> {
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#sendAll(': heartbeat\n\n'), this.#heartbeatMs);
      // Timers must never keep a process alive that is otherwise done (a CLI closing, a test ending).
      this.#heartbeat.unref();
    }
    if (!this.#stale && this.#delivered !== undefined) return Promise.resolve(this.#delivered);
    // Clients arriving together share one read.
    this.#refreshing ??= this.#store.lastChangeId().then(
      (last) => {
        this.#refreshing = undefined;
        if (this.#stale || this.#delivered === undefined) this.#delivered = last;
        this.#stale = false;
        return this.#delivered;
      },
      (e: unknown) => {
        this.#refreshing = undefined;
        throw e;
      },
    );
    return this.#refreshing;
  }

  #remove(entry: Attached): void {
    if (!this.#clients.delete(entry)) return;
    entry.cancelWait?.();
    entry.cancelWait = undefined;
    if (this.#clients.size === 0) {
      this.#rendered.clear();
      this.#renderedBytes = 0;
    }
  }

  #enqueue(entry: Attached): void {
    this.#queue.push(entry);
    this.#pump();
  }

  /** Starts replay steps while a lane is free; each finished step frees its lane after the event loop has had a turn. */
  #pump(): void {
    while (!this.#closed && this.#lanes < this.#laneCount && this.#queue.length > 0) {
      const entry = this.#queue.shift()!;
      if (!this.#clients.has(entry)) continue;
      this.#lanes += 1;
      const started = performance.now();
      void this.#step(entry)
        .catch((e: unknown) => this.#fail(entry, e))
        .finally(() => {
          // The lane rests as long as the step took: a timer, not a microtask, so requests that
          // arrived meanwhile are served before the next step (see REPLAY_REST_RATIO).
          const rest = setTimeout(
            () => {
              this.#lanes -= 1;
              this.#pump();
            },
            (performance.now() - started) * REPLAY_REST_RATIO,
          );
          rest.unref();
        });
    }
  }

  /** One turn of a replay: at most CHANGE_BATCH changes read, rendered and written; then live, or back in the queue. */
  async #step(entry: Attached): Promise<void> {
    if (!entry.checked) {
      const last = await this.#store.lastChangeId();
      entry.checked = true;
      if (!this.#clients.has(entry)) return;
      if (entry.cursor > last) {
        this.#reset(entry, last, `the feed ends at ${last}, before the client's cursor ${entry.cursor} (the database was replaced)`);
        return;
      }
      if (last - entry.cursor > this.#maxReplay) {
        this.#reset(entry, last, `${last - entry.cursor} changes were missed, more than the ${this.#maxReplay} replayed`);
        return;
      }
    }
    // Every change up to `delivered` was committed before this query starts: the hub read it.
    const delivered = this.#delivered ?? 0;
    if (entry.cursor < delivered) {
      const page = await this.#store.listChanges(entry.cursor, { experimentId: entry.client.experimentId, limit: CHANGE_BATCH });
      const events = await this.#render(page);
      if (!this.#clients.has(entry)) return;
      // One write per step: writing event by event cost a quarter of a replay's time (corked writev of 200 chunks).
      if (events.length > 0) {
        entry.client.write(events.map((e) => e.text).join(''));
        entry.cursor = events.at(-1)!.id;
      }
      // No more rows of its experiment: the client is level with everything the hub had read.
      if (page.length < CHANGE_BATCH) entry.cursor = Math.max(entry.cursor, delivered);
    }
    if (!this.#clients.has(entry)) return;
    if (entry.cursor >= (this.#delivered ?? 0)) {
      // Synchronous with the check, so no fan-out can slip between catching up and going live.
      entry.mode = 'live';
      return;
    }
    if (entry.client.unread() < REPLAY_HIGH_WATER_BYTES) this.#queue.push(entry);
    else this.#waitForDrain(entry);
  }

  /** Parks a replaying client until its socket has taken what was written; cuts it off if that takes REPLAY_STALL_MS. */
  #waitForDrain(entry: Attached): void {
    const stall = setTimeout(() => {
      entry.cancelWait = undefined;
      cancel();
      this.#drop(entry, `it read nothing of its replay for ${this.#stallMs} ms`);
    }, this.#stallMs);
    stall.unref();
    const cancel = entry.client.onDrain(() => {
      clearTimeout(stall);
      entry.cancelWait = undefined;
      if (this.#clients.has(entry)) this.#enqueue(entry);
    });
    entry.cancelWait = () => {
      clearTimeout(stall);
      cancel();
    };
  }

  #schedulePoll(delay = this.#pollMs): void {
    if (this.#closed || this.#poll !== undefined || this.#clients.size === 0 || this.#delivered === undefined) return;
    this.#poll = setTimeout(() => {
      void this.#tick().then(
        (more) => {
          this.#poll = undefined;
          this.#schedulePoll(more ? 0 : this.#pollMs);
        },
        () => {
          // A failed read (database briefly locked or unreachable) is retried on the next tick.
          this.#poll = undefined;
          this.#schedulePoll();
        },
      );
    }, delay);
    this.#poll.unref();
  }

  /** One read of the feed; answers true when a full batch came back (read again at once). */
  async #tick(): Promise<boolean> {
    const from = this.#delivered ?? 0;
    const page = await this.#store.listChanges(from, { limit: CHANGE_BATCH });
    if (page.length === 0) {
      await this.#checkFeedReset(from);
      return false;
    }
    const events = await this.#render(page);
    if (this.#closed || this.#delivered !== from) return false;
    // Each live client's events of this turn, written at once.
    const out = new Map<Attached, { texts: string[]; bytes: number }>();
    for (const event of events) {
      for (const entry of this.#clients) {
        if (entry.mode !== 'live' || event.id <= entry.cursor) continue;
        entry.cursor = event.id;
        const wanted = entry.client.experimentId;
        if (wanted !== undefined && wanted !== event.experimentId) continue;
        let pending = out.get(entry);
        if (pending === undefined) out.set(entry, (pending = { texts: [], bytes: 0 }));
        pending.texts.push(event.text);
        pending.bytes += event.bytes;
      }
      this.#delivered = event.id;
    }
    for (const [entry, pending] of out) if (this.#clients.has(entry)) this.#send(entry, pending.texts.join(''), pending.bytes);
    return page.length === CHANGE_BATCH;
  }

  async #checkFeedReset(from: number): Promise<void> {
    const now = Date.now();
    if (now - this.#lastResetCheck < FEED_RESET_CHECK_MS) return;
    this.#lastResetCheck = now;
    const last = await this.#store.lastChangeId();
    if (last >= from || this.#delivered !== from) return;
    this.#delivered = last;
    for (const entry of this.#clients) {
      // A replaying client is checked against the feed's end again at its next step; a starting one
      // begins from the new end.
      if (entry.mode === 'starting') continue;
      if (entry.mode === 'replay') entry.checked = false;
      else this.#reset(entry, last, `the feed went back from ${from} to ${last} (the database was replaced)`);
    }
  }

  #reset(entry: Attached, last: number, reason: string): void {
    const data: ResetEventData = { last_id: last, reason };
    entry.cursor = last;
    entry.mode = 'live';
    const text = `id: ${last}\nevent: reset\ndata: ${JSON.stringify(data)}\n\n`;
    this.#send(entry, text, Buffer.byteLength(text));
  }

  #sendAll(text: string): void {
    const bytes = Buffer.byteLength(text);
    for (const entry of this.#clients) this.#send(entry, text, bytes);
  }

  /** Writes to a client unless that would leave more than the bound unread: then the client is cut off. */
  #send(entry: Attached, text: string, bytes: number): void {
    const unread = entry.client.unread();
    if (unread + bytes > this.#maxBuffer) {
      this.#drop(entry, `${unread} bytes sent to it are still unread, and ${bytes} more would pass the bound of ${this.#maxBuffer}`);
      return;
    }
    entry.client.write(text);
  }

  #drop(entry: Attached, reason: string): void {
    if (!this.#clients.has(entry)) return;
    this.#remove(entry);
    entry.client.drop(reason);
  }

  #fail(entry: Attached, error: unknown): void {
    if (!this.#clients.has(entry)) return;
    this.#remove(entry);
    entry.client.fail(error);
  }

  /**
   * SSE text of each change, with the current DTO; each job or experiment read once per batch, and
   * an event rendered in the last RENDER_CACHE_MS taken as it is.
   */
  async #render(changes: readonly ChangeRecord[]): Promise<Rendered[]> {
    const now = performance.now();
    this.#expire(now);
    const jobs = new Map<number, Promise<JobRecord | undefined>>();
    const experiments = new Map<number, Promise<ExperimentSummary | null>>();
    const job = (id: number): Promise<JobRecord | undefined> => {
      let p = jobs.get(id);
      if (p === undefined) jobs.set(id, (p = this.#store.getJob(id)));
      return p;
    };
    const experiment = (id: number): Promise<ExperimentSummary | null> => {
      let p = experiments.get(id);
      if (p === undefined) experiments.set(id, (p = this.#experimentSummary(id)));
      return p;
    };
    return Promise.all(
      changes.map(async (c) => {
        const cached = this.#rendered.get(c.id);
        if (cached !== undefined) return cached;
        const data: ChangeEventData = {
          id: c.id,
          kind: c.kind,
          experiment_id: c.experimentId,
          job_id: c.jobId,
          time: new Date(c.time).toISOString(),
        };
        if (c.jobId !== null) {
          const record = await job(c.jobId);
          data.job = record === undefined ? null : toJobSummary(record);
        } else {
          data.experiment = await experiment(c.experimentId);
        }
        const text = `id: ${c.id}\nevent: ${c.kind}\ndata: ${JSON.stringify(data)}\n\n`;
        const rendered: Rendered = { id: c.id, experimentId: c.experimentId, text, bytes: Buffer.byteLength(text), at: 0 };
        this.#keep(rendered);
        return rendered;
      }),
    );
  }

  #keep(rendered: Rendered): void {
    rendered.at = performance.now();
    const old = this.#rendered.get(rendered.id);
    if (old !== undefined) {
      this.#rendered.delete(rendered.id);
      this.#renderedBytes -= old.bytes;
    }
    this.#rendered.set(rendered.id, rendered);
    this.#renderedBytes += rendered.bytes;
    for (const [id, r] of this.#rendered) {
      if (this.#renderedBytes <= RENDER_CACHE_BYTES) break;
      this.#rendered.delete(id);
      this.#renderedBytes -= r.bytes;
    }
  }

  /** Forgets events rendered more than RENDER_CACHE_MS ago (the map is in the order they were kept). */
  #expire(now: number): void {
    for (const [id, r] of this.#rendered) {
      if (now - r.at < RENDER_CACHE_MS) break;
      this.#rendered.delete(id);
      this.#renderedBytes -= r.bytes;
    }
  }

  async #experimentSummary(id: number): Promise<ExperimentSummary | null> {
    // The grouped counts of experimentSummaries, not the experiment's jobs: at 100,000 jobs,
    // listJobs took about a second and 100 MB per experiment event (docs/benchmarks.md).
    const row = (await this.#store.experimentSummaries()).find((e) => e.id === id);
    return row === undefined ? null : toSummaryOfRecord(row);
  }
}
