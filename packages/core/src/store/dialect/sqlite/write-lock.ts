/**
 * A FIFO async mutex. SQLite stores on the same file inside one process share one, because
 * better-sqlite3 waits for a busy file synchronously: if store B blocked in its busy handler while
 * store A's transaction awaited the event loop, A could never commit and B would fail with
 * "database is locked" after the busy timeout. Taking turns in JavaScript avoids that deadlock;
 * other processes are kept in order by SQLite's own lock and busy_timeout.
 */
export class WriteLock {
  #tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier caller has finished. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(() => fn());
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

const shared = new Map<string, { lock: WriteLock; users: number }>();

/** The lock every store of this process on `file` uses; release it on close. */
export function acquireFileLock(file: string): { lock: WriteLock; release(): void } {
  let entry = shared.get(file);
  if (entry === undefined) {
    entry = { lock: new WriteLock(), users: 0 };
    shared.set(file, entry);
  }
  entry.users += 1;
  const held = entry;
  let released = false;
  return {
    lock: held.lock,
    release(): void {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users === 0 && shared.get(file) === held) shared.delete(file);
    },
  };
}
