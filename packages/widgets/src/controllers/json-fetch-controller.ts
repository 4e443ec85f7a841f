import type { ReactiveController, ReactiveControllerHost } from 'lit';

import { networkError } from '../api/network-error.js';
import { pageToken } from '../api/session-token.js';

/** Where a load stands: nothing asked yet, under way, done with a value, or failed with a message. */
export type FetchState<T> =
  | { status: 'idle' }
  | { status: 'pending'; previous?: T }
  | { status: 'complete'; value: T }
  | { status: 'error'; message: string; previous?: T };

/**
 * Loads JSON from a URL for an element, in the spirit of `@lit/task`: the host re-renders on every
 * state change, a newer load cancels an older one, and leaving the page cancels the one in flight.
 * Error bodies in the board API's shape (`{ code, message }`) become the error message.
 */
export class JsonFetchController<T> implements ReactiveController {
  state: FetchState<T> = { status: 'idle' };

  private readonly host: ReactiveControllerHost;
  private readonly parse: (json: unknown) => T;
  private url: string | undefined;
  private inFlight: AbortController | undefined;

  constructor(host: ReactiveControllerHost, parse: (json: unknown) => T) {
    this.host = host;
    this.parse = parse;
    host.addController(this);
  }

  /** Loads `url` unless it is already loaded or loading; `force` reloads it anyway. */
  load(url: string, force = false): void {
    if (!force && url === this.url && this.state.status !== 'idle') return;
    this.url = url;
    void this.run(url);
  }

  hostConnected(): void {
    // A load cancelled by a disconnect resumes when the element comes back.
    if (this.url !== undefined && this.state.status === 'idle') void this.run(this.url);
  }

  hostDisconnected(): void {
    if (this.inFlight !== undefined) {
      this.inFlight.abort();
      this.inFlight = undefined;
      this.state = { status: 'idle' };
    }
  }

  private async run(url: string): Promise<void> {
    this.inFlight?.abort();
    const abort = new AbortController();
    this.inFlight = abort;
    this.setState({ status: 'pending', previous: this.lastValue() });
    let next: FetchState<T>;
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      // The board page's token, for a board whose reads need it (same origin only).
      const token = pageToken(url);
      if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
      const response = await fetch(url, { signal: abort.signal, headers });
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok) {
        next = { status: 'error', message: errorMessage(response, body), previous: this.lastValue() };
      } else {
        next = { status: 'complete', value: this.parse(body) };
      }
    } catch (e) {
      if (abort.signal.aborted) return;
      const why = await networkError(url, url, e);
      if (abort.signal.aborted) return;
      next = { status: 'error', message: why.message, previous: this.lastValue() };
    }
    if (this.inFlight !== abort) return;
    this.inFlight = undefined;
    this.setState(next);
  }

  private lastValue(): T | undefined {
    const s = this.state;
    return s.status === 'complete' ? s.value : s.status === 'idle' ? undefined : s.previous;
  }

  private setState(state: FetchState<T>): void {
    this.state = state;
    this.host.requestUpdate();
  }
}

function errorMessage(response: Response, body: unknown): string {
  const b = typeof body === 'object' && body !== null ? (body as { code?: unknown; message?: unknown }) : {};
  if (typeof b.message === 'string') return typeof b.code === 'string' ? `${b.message} (${b.code})` : b.message;
  return `${response.url || 'the server'} answered HTTP ${response.status} ${response.statusText}`.trim();
}
