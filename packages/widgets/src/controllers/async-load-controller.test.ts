import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { describe, expect, it } from 'vitest';

import { AsyncLoadController } from './async-load-controller.js';

/** The two calls a Lit element answers for a controller; the test reads the states it went through. */
function host(): ReactiveControllerHost & { updates: number } {
  return {
    updates: 0,
    addController(_c: ReactiveController) {},
    removeController() {},
    requestUpdate() {
      this.updates += 1;
    },
    updateComplete: Promise.resolve(true),
  };
}

/** A task that resolves when told to, and records whether it was aborted. */
function deferred<T>(): { task: (signal: AbortSignal) => Promise<T>; resolve(v: T): void; aborted(): boolean; started(): boolean } {
  let resolve!: (v: T) => void;
  let signal: AbortSignal | undefined;
  const promise = new Promise<T>((ok) => (resolve = ok));
  return {
    task: (s) => {
      signal = s;
      return promise;
    },
    resolve: (v) => resolve(v),
    aborted: () => signal?.aborted === true,
    started: () => signal !== undefined,
  };
}

describe('AsyncLoadController', () => {
  it('runs a refresh after the load in flight instead of aborting it', async () => {
    const load = new AsyncLoadController<number>(host());
    const first = deferred<number>();
    const second = deferred<number>();
    const done = load.run(first.task);
    load.refresh(second.task);
    expect(second.started()).toBe(false);
    first.resolve(1);
    await done;
    expect(first.aborted()).toBe(false);
    expect(load.state).toEqual({ status: 'complete', value: 1 });
    expect(second.started()).toBe(true);
    second.resolve(2);
    await Promise.resolve();
    await Promise.resolve();
    expect(load.value).toBe(2);
  });

  it('a new run aborts the one in flight and drops a queued refresh', async () => {
    const load = new AsyncLoadController<number>(host());
    const first = deferred<number>();
    const queued = deferred<number>();
    void load.run(first.task);
    load.refresh(queued.task);
    const done = load.run(async () => 3);
    expect(first.aborted()).toBe(true);
    await done;
    expect(load.value).toBe(3);
    expect(queued.started()).toBe(false);
  });

  it('a quiet run keeps the last value, and keeps an error rather than flashing pending', async () => {
    const load = new AsyncLoadController<number>(host());
    await load.run(async () => {
      throw new Error('no such experiment');
    });
    expect(load.state).toEqual({ status: 'error', message: 'no such experiment' });
    const retry = deferred<number>();
    void load.run(retry.task, { quiet: true });
    expect(load.state.status).toBe('error');
    retry.resolve(4);
    await Promise.resolve();
    await Promise.resolve();
    expect(load.state).toEqual({ status: 'complete', value: 4 });
    const next = deferred<number>();
    void load.run(next.task, { quiet: true });
    expect(load.state).toEqual({ status: 'complete', value: 4 });
    void load.run(next.task);
    expect(load.state).toEqual({ status: 'pending', previous: 4 });
  });
});
