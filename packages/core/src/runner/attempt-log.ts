import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream';

/**
 * The log of one attempt (`<job folder>/<jid>.<k>.out`): what the job printed, as it printed it, and
 * aup's own `aup:` notes. A write that fails (a full disk, a quota, a log path that is a folder)
 * never throws nor crashes the runner with an unhandled 'error' event: the first error is kept,
 * later writes are dropped, and `onFailure` listeners hear it once, so the job's executor can stop
 * the job and fail the attempt with a message that names the file and the error.
 */
export class AttemptLog {
  readonly #stream: WriteStream;
  #error: string | undefined;
  readonly #onFailure = new Set<(message: string) => void>();

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.#stream = createWriteStream(path, { fd, autoClose: true });
    this.#stream.on('error', (e) => this.#fail(e));
  }

  /**
   * Opens the log; `exclusive` creates it and fails if anything is there already (a file another run
   * wrote, a symlink), else it appends. Throws an Error naming the file when it cannot be opened.
   */
  static open(path: string, exclusive: boolean): AttemptLog {
    let fd: number;
    try {
      fd = openSync(path, exclusive ? 'wx' : 'a');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EEXIST') {
        throw new Error(
          `cannot create the log ${path}: it already exists (left by another run?), and aup never writes into a log it did not create`,
          { cause: e },
        );
      }
      throw new Error(`cannot open the log ${path}: ${err.message}`, { cause: e });
    }
    return new AttemptLog(path, fd);
  }

  /** Why writing failed, once it has. */
  get error(): string | undefined {
    return this.#error;
  }

  /** Calls `fn` once when a write fails (at once, if one has already). */
  onFailure(fn: (message: string) => void): void {
    if (this.#error !== undefined) fn(this.#error);
    else this.#onFailure.add(fn);
  }

  /** Writes text; false when the caller should wait for `drained()` before writing more. */
  write(text: string): boolean {
    if (this.#error !== undefined || this.#stream.destroyed || this.#stream.writableEnded) return true;
    return this.#stream.write(text);
  }

  /** Resolves when the buffered text is written, or when it never will be (an error, the log closed). */
  drained(): Promise<void> {
    const s = this.#stream;
    if (this.#error !== undefined || s.destroyed || s.writableEnded || !s.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        s.off('drain', done);
        s.off('close', done);
        this.#onFailure.delete(done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
      this.#onFailure.add(done);
    });
  }

  /** Flushes and closes the log; never rejects (a failure is in `error`). */
  close(): Promise<void> {
    const s = this.#stream;
    return new Promise((resolve) => {
      if (!s.writableEnded && !s.destroyed) s.end();
      finished(s, () => resolve());
    });
  }

  #fail(e: Error): void {
    if (this.#error !== undefined) return;
    this.#error = `cannot write the log ${this.path}: ${e.message}`;
    const listeners = [...this.#onFailure];
    this.#onFailure.clear();
    for (const fn of listeners) fn(this.#error);
  }
}
