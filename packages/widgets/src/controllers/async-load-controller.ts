import type { ReactiveController, ReactiveControllerHost } from 'lit';

import type { FetchState } from './json-fetch-controller.js';

/**
 * Why an element loads: `fresh`, a new source (pending is shown); `quiet`, new options on the same
 * source (the old value stays until the new one is in); `live`, a change on the board (a refresh
 * that waits for a load in flight, see `refresh`).
 */
export type LoadCause = 'fresh' | 'quiet' | 'live';

/**
 * Runs an element's asynchronous load (several API calls, say), in the spirit of `@lit/task`:
 * the host re-renders on every state change, a newer run aborts the older one, and leaving the
 * page aborts the one in flight. A run started with `quiet` (a live refresh) keeps showing the
 * last value while it works, and an error then keeps it too.
 */
export class AsyncLoadController<T> implements ReactiveController {
  state: FetchState<T> = { status: 'idle' };

  private readonly host: ReactiveControllerHost;
  private inFlight: AbortController | undefined;
  private lastTask: ((signal: AbortSignal) => Promise<T>) | undefined;
  private queued: ((signal: AbortSignal) => Promise<T>) | undefined;

  constructor(host: ReactiveControllerHost) {
    this.host = host;
    host.addController(this);
  }

  /** The last value loaded (kept while a newer load runs or after it failed). */
  get value(): T | undefined {
    const s = this.state;
    return s.status === 'complete' ? s.value : s.status === 'idle' ? undefined : s.previous;
  }

  /** Whether a run is under way. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  /** Starts `task`, aborting any run in flight; resolves when it settles (never rejects). */
  run(task: (signal: AbortSignal) => Promise<T>, opts: { quiet?: boolean } = {}): Promise<void> {
    this.lastTask = task;
    return this.start(task, opts.quiet === true);
  }

  /** Runs `task` as its cause asks (see LoadCause): the one entry the elements load through. */
  runAs(cause: LoadCause, task: (signal: AbortSignal) => Promise<T>): void {
    if (cause === 'live') this.refresh(task);
    else void this.run(task, { quiet: cause === 'quiet' });
  }

  /**
   * Runs `task` as a refresh (quietly): at once when nothing is loading, else right after the run
   * in flight, which it does not abort (a live update arriving during the first load must not
   * throw that load away and start over). Several refreshes while busy run once, the newest.
   */
  refresh(task: (signal: AbortSignal) => Promise<T>): void {
    if (this.inFlight === undefined) {
      void this.run(task, { quiet: true });
      return;
    }
    this.queued = task;
  }

  /** Runs the last task again (the Retry button). */
  retry(): void {
    if (this.lastTask !== undefined) void this.start(this.lastTask, false);
  }

  /** Forgets the value and aborts the run in flight (the element lost its data source). */
  clear(): void {
    this.inFlight?.abort();
    this.inFlight = undefined;
    this.lastTask = undefined;
    this.queued = undefined;
    this.setState({ status: 'idle' });
  }

  /** Replaces the value without a load (a live change merged locally). */
  set(value: T): void {
    this.setState({ status: 'complete', value });
  }

  hostConnected(): void {
    // A run cut short by a disconnect starts again when the element comes back.
    if (this.lastTask !== undefined && this.state.status === 'idle') void this.start(this.lastTask, false);
  }

  hostDisconnected(): void {
    if (this.inFlight !== undefined) {
      this.inFlight.abort();
      this.inFlight = undefined;
      this.queued = undefined;
      this.state = { status: 'idle' };
    }
  }

  private async start(task: (signal: AbortSignal) => Promise<T>, quiet: boolean): Promise<void> {
    this.inFlight?.abort();
    this.queued = undefined;
    const abort = new AbortController();
    this.inFlight = abort;
    const previous = this.value;
    // A quiet run keeps what is shown: the last value, or the last error (a live refresh of an
    // element that failed must not flash "Loading" every few seconds).
    if (!quiet || (previous === undefined && this.state.status !== 'error'))
      this.setState({ status: 'pending', ...(previous === undefined ? {} : { previous }) });
    let next: FetchState<T>;
    try {
      next = { status: 'complete', value: await task(abort.signal) };
    } catch (e) {
      if (abort.signal.aborted) return;
      next = {
        status: 'error',
        message: (e as Error)?.message ?? String(e),
        ...(this.value === undefined ? {} : { previous: this.value }),
      };
    }
    if (this.inFlight !== abort) return;
    this.inFlight = undefined;
    this.setState(next);
    const queued = this.queued;
    this.queued = undefined;
    if (queued !== undefined) void this.run(queued, { quiet: true });
  }

  private setState(state: FetchState<T>): void {
    this.state = state;
    this.host.requestUpdate();
  }
}
