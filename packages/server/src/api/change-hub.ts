import type { ChangeRecord, JobRecord, Store } from '@aup/core';

import type { ExperimentSummary, JobSummary } from './schemas.js';
import { toJobSummary, toSummaryOfRecord } from './to-dto.js';

// One hub per server reads the store's change feed and fans it out to every SSE client
// (docs/decisions/0005-change-feed.md). Clients never poll the database on their own except while
// catching up from an `after` cursor.

/** How often the hub reads new changes while a client is connected: well under the 100 ms delivery goal. */
export const CHANGE_POLL_INTERVAL_MS = 20;
/** A comment line this often keeps proxies and browsers from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;
/** A client further behind than this many changes gets a `reset` event (refetch) instead of a replay. */
export const MAX_REPLAY_CHANGES = 10_000;
/** Changes read per query, by the poller and by a client catching up. */
export const CHANGE_BATCH = 1_000;
/** How often the poller checks that the feed did not move backwards (an environment reset swapped the database). */
export const FEED_RESET_CHECK_MS = 1_000;
/** Bytes a client may leave unread in its socket before the hub drops it (it reconnects with Last-Event-ID). */
export const MAX_CLIENT_BUFFER_BYTES = 8 * 1024 * 1024;

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
  /** Writes raw SSE text; answers false when the client is too far behind to keep. */
  write(text: string): boolean;
  /** Ends the stream (the server closes, or the client cannot keep up). */
  end(): void;
}

export interface ChangeHubOptions {
  pollIntervalMs?: number;
  heartbeatMs?: number;
  maxReplay?: number;
}

interface Attached {
  client: HubClient;
  /** Id of the newest change this client has been sent (or skipped as not its experiment). */
  cursor: number;
  /** Receives live fan-out; false while it replays from the store. */
  live: boolean;
}

/** Reads the change feed once for all clients and pushes each change to every client that wants it. */
export class ChangeHub {
  readonly #store: Store;
  readonly #pollMs: number;
  readonly #heartbeatMs: number;
  readonly #maxReplay: number;
  readonly #clients = new Set<Attached>();
  /** Id of the newest change fanned out; undefined until the first client arrives. */
  #delivered: number | undefined;
  #poll: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastResetCheck = 0;
  #closed = false;

  constructor(store: Store, opts: ChangeHubOptions = {}) {
    this.#store = store;
    this.#pollMs = opts.pollIntervalMs ?? CHANGE_POLL_INTERVAL_MS;
    this.#heartbeatMs = opts.heartbeatMs ?? SSE_HEARTBEAT_MS;
    this.#maxReplay = opts.maxReplay ?? MAX_REPLAY_CHANGES;
  }

  /** Connected clients (for tests and diagnostics). */
  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Attaches a client. `after` undefined: from now on. Otherwise every change with a larger id is
   * sent once, in id order: first replayed from the store, then live. Resolves once it is live.
   */
  async attach(client: HubClient, after: number | undefined): Promise<() => void> {
    if (this.#closed) {
      client.end();
      return () => undefined;
    }
    const delivered = await this.#start();
    if (this.#closed) {
      client.end();
      return () => undefined;
    }
    const entry: Attached = { client, cursor: after ?? delivered, live: false };
    this.#clients.add(entry);
    const detach = (): void => {
      this.#clients.delete(entry);
    };
    this.#schedulePoll();
    try {
      if (after !== undefined) await this.#replay(entry);
      else entry.live = true;
    } catch (e) {
      detach();
      throw e;
    }
    return detach;
  }

  /** Ends every stream and stops the timers; later attaches end at once. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#poll);
    clearInterval(this.#heartbeat);
    this.#poll = undefined;
    this.#heartbeat = undefined;
    for (const entry of this.#clients) entry.client.end();
    this.#clients.clear();
  }

  /** The id fan-out has reached; refreshed from the store when no client is attached (nothing was polled meanwhile). */
  async #start(): Promise<number> {
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#sendAll(': heartbeat\n\n'), this.#heartbeatMs);
      // Timers must never keep a process alive that is otherwise done (a CLI closing, a test ending).
      this.#heartbeat.unref();
    }
    if (this.#idle() || this.#delivered === undefined) {
      const last = await this.#store.lastChangeId();
      if (this.#idle() || this.#delivered === undefined) this.#delivered = last;
    }
    return this.#delivered;
  }

  #idle(): boolean {
    return this.#clients.size === 0 && this.#poll === undefined;
  }

  /** Sends the store's changes after the client's cursor until it has caught up with the fan-out, then makes it live. */
  async #replay(entry: Attached): Promise<void> {
    const last = await this.#store.lastChangeId();
    if (entry.cursor > last) {
      this.#reset(entry, last, `the feed ends at ${last}, before the client's cursor ${entry.cursor} (the database was replaced)`);
      return;
    }
    if (last - entry.cursor > this.#maxReplay) {
      this.#reset(entry, last, `${last - entry.cursor} changes were missed, more than the ${this.#maxReplay} replayed`);
      return;
    }
    for (;;) {
      if (!this.#clients.has(entry)) return;
      // Every change up to `delivered` was committed before this query starts: the hub read it.
      const delivered = this.#delivered ?? 0;
      if (entry.cursor >= delivered) {
        // Synchronous with the check, so no fan-out can slip between catching up and going live.
        entry.live = true;
        return;
      }
      const page = await this.#store.listChanges(entry.cursor, { experimentId: entry.client.experimentId, limit: CHANGE_BATCH });
      const events = await this.#render(page);
      for (const event of events) {
        if (!this.#clients.has(entry)) return;
        this.#send(entry, event.text);
        entry.cursor = event.id;
      }
      // No more rows of its experiment: the client is level with everything the hub had read.
      if (page.length < CHANGE_BATCH) entry.cursor = Math.max(entry.cursor, delivered);
    }
  }

  #schedulePoll(delay = this.#pollMs): void {
    if (this.#closed || this.#poll !== undefined || this.#clients.size === 0) return;
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
    for (const event of events) {
      for (const entry of this.#clients) {
        if (!entry.live || event.id <= entry.cursor) continue;
        entry.cursor = event.id;
        const wanted = entry.client.experimentId;
        if (wanted === undefined || wanted === event.experimentId) this.#send(entry, event.text);
      }
      this.#delivered = event.id;
    }
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
      this.#reset(entry, last, `the feed went back from ${from} to ${last} (the database was replaced)`);
    }
  }

  #reset(entry: Attached, last: number, reason: string): void {
    const data: ResetEventData = { last_id: last, reason };
    entry.cursor = last;
    this.#send(entry, `id: ${last}\nevent: reset\ndata: ${JSON.stringify(data)}\n\n`);
    entry.live = true;
  }

  #sendAll(text: string): void {
    for (const entry of this.#clients) this.#send(entry, text);
  }

  #send(entry: Attached, text: string): void {
    if (!entry.client.write(text)) {
      this.#clients.delete(entry);
      entry.client.end();
    }
  }

  /** SSE text of each change, with the current DTO; each job or experiment read once per batch. */
  async #render(changes: readonly ChangeRecord[]): Promise<{ id: number; experimentId: number; text: string }[]> {
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
        return { id: c.id, experimentId: c.experimentId, text: `id: ${c.id}\nevent: ${c.kind}\ndata: ${JSON.stringify(data)}\n\n` };
      }),
    );
  }

  async #experimentSummary(id: number): Promise<ExperimentSummary | null> {
    // The grouped counts of experimentSummaries, not the experiment's jobs: at 100,000 jobs,
    // listJobs took about a second and 100 MB per experiment event (docs/benchmarks.md).
    const row = (await this.#store.experimentSummaries()).find((e) => e.id === id);
    return row === undefined ? null : toSummaryOfRecord(row);
  }
}
