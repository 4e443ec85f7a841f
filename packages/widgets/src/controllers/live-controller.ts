import type { ReactiveController, ReactiveControllerHost } from 'lit';

import { AupApiClient } from '../api/api-client.js';
import { CHANGE_KINDS, parseChangeEvent, type ChangeEvent } from '../api/change-event.js';
import { boardHealth } from './board-capabilities.js';

/**
 * Changes arriving within this window are handled with one refetch: a runner finishing a batch of
 * jobs sends a burst of events, and one reload per burst keeps the board light.
 */
export const LIVE_DEBOUNCE_MS = 300;
/** A steady stream still refreshes at least this often (the debounce never postpones forever). */
export const LIVE_MAX_WAIT_MS = 2_000;
/** Polling interval when the server has no event stream: often enough to look live, rare enough to be cheap. */
export const LIVE_POLL_MS = 5_000;
/** While polling, the event stream is tried again this often (a board upgraded or restarted gains it). */
export const LIVE_STREAM_RETRY_MS = 30_000;

/** How the controller is following: not at all, over the event stream, or by polling. */
export type LiveMode = 'off' | 'connecting' | 'stream' | 'polling';

/** What the host is told: the changes since the last call (empty when polling or after a reconnect: refetch all). */
export interface LiveBatch {
  changes: ChangeEvent[];
  /** True when the host should reload everything (poll tick, first connection, reconnection, `reset`). */
  full: boolean;
}

/**
 * Follows an experiment's changes for an element: an EventSource on
 * `${api}/events?experiment=ID&after=N`, reconnecting with the last cursor it saw, calling
 * `onChange` once per burst (debounced), and closing when the element leaves the page.
 *
 * When the board has no `/events` route (older boards, or a proxy that buffers streams) the
 * EventSource fails outright; the controller then degrades to polling every LIVE_POLL_MS (each
 * tick a `full` batch) and tries the stream again every LIVE_STREAM_RETRY_MS.
 */
export class LiveController implements ReactiveController {
  /** The current mode, for a status indicator. */
  mode: LiveMode = 'off';
  /** The id of the last change seen: the cursor a reconnection resumes after. */
  cursor: number | undefined;

  private readonly host: ReactiveControllerHost;
  private readonly onChange: (batch: LiveBatch) => void;
  private api: string | undefined;
  private experimentId: number | undefined;
  private source: EventSource | undefined;
  private pending: ChangeEvent[] = [];
  private pendingFull = false;
  private debounceTimer: ReturnType<typeof setTimeout> | undefined;
  private firstPendingAt = 0;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private connected = false;

  constructor(host: ReactiveControllerHost, onChange: (batch: LiveBatch) => void) {
    this.host = host;
    this.onChange = onChange;
    host.addController(this);
  }

  /** Follows `experimentId` (all experiments when undefined) on `api`; `api` undefined stops following. */
  follow(api: string | undefined, experimentId: number | undefined): void {
    if (api === this.api && experimentId === this.experimentId) return;
    this.stop();
    this.api = api;
    this.experimentId = experimentId;
    this.cursor = undefined;
    if (this.connected) this.start();
  }

  hostConnected(): void {
    this.connected = true;
    this.start();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.stop();
  }

  private start(): void {
    if (this.api === undefined || this.source !== undefined || this.pollTimer !== undefined) return;
    if (typeof EventSource === 'undefined') {
      this.startPolling();
      return;
    }
    const api = this.api;
    if (new AupApiClient(api).token !== undefined) {
      // EventSource sends no header: on a board whose reads need the token, the stream's URL
      // carries it, and /health says whether they do. One shared request per page.
      this.setMode('connecting');
      void boardHealth(api).then(() => {
        if (this.api === api && this.connected && this.source === undefined && this.pollTimer === undefined) this.openStream();
      });
      return;
    }
    this.openStream();
  }

  private openStream(): void {
    const url = new AupApiClient(this.api!).eventsUrl(this.experimentId, this.cursor);
    const source = new EventSource(url);
    this.source = source;
    this.setMode('connecting');
    source.onopen = () => {
      this.stopPolling();
      this.setMode('stream');
      // Whatever changed while we were not listening (first load racing the connection, a
      // reconnection) is covered by one full reload.
      this.queue([], true);
    };
    const handle = (e: MessageEvent<string>): void => {
      let change: ChangeEvent;
      try {
        change = parseChangeEvent(e.type, e.data);
      } catch {
        return; // An event of a kind we do not know (a newer server): nothing to do for it.
      }
      this.cursor = change.id;
      this.queue(change.kind === 'reset' ? [] : [change], change.kind === 'reset');
    };
    for (const kind of CHANGE_KINDS) source.addEventListener(kind, handle as EventListener);
    source.onerror = () => {
      // CONNECTING: the browser retries by itself, sending Last-Event-ID, so the cursor carries
      // over. CLOSED: the server refused the stream (no such route, an error status): poll.
      if (source.readyState === EventSource.CLOSED) {
        this.closeStream();
        this.startPolling();
      } else {
        this.setMode('connecting');
      }
    };
  }

  private startPolling(): void {
    if (this.pollTimer !== undefined) return;
    this.setMode('polling');
    this.pollTimer = setInterval(() => this.queue([], true), LIVE_POLL_MS);
    if (typeof EventSource !== 'undefined') {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (this.source === undefined && this.api !== undefined) this.openStream();
      }, LIVE_STREAM_RETRY_MS);
    }
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.pollTimer = undefined;
    this.retryTimer = undefined;
  }

  private closeStream(): void {
    this.source?.close();
    this.source = undefined;
  }

  private stop(): void {
    this.closeStream();
    this.stopPolling();
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    this.debounceTimer = undefined;
    this.pending = [];
    this.pendingFull = false;
    this.setMode('off');
  }

  private queue(changes: ChangeEvent[], full: boolean): void {
    if (this.pending.length === 0 && !this.pendingFull) this.firstPendingAt = Date.now();
    this.pending.push(...changes);
    this.pendingFull ||= full;
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    const waited = Date.now() - this.firstPendingAt;
    this.debounceTimer = setTimeout(() => this.flush(), Math.max(0, Math.min(LIVE_DEBOUNCE_MS, LIVE_MAX_WAIT_MS - waited)));
  }

  private flush(): void {
    this.debounceTimer = undefined;
    const batch: LiveBatch = { changes: this.pending, full: this.pendingFull };
    this.pending = [];
    this.pendingFull = false;
    if (batch.changes.length > 0 || batch.full) this.onChange(batch);
  }

  private setMode(mode: LiveMode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    this.host.requestUpdate();
  }
}
