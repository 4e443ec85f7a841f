import type { ArtifactRecord, AttemptFence, IntermediateRecord, Store, TextRecord } from '../store/store-types.js';

/**
 * Rows per write transaction. 5,000 keeps one SQLite transaction around 10 ms, short enough that
 * a reader (the board) never waits long, large enough that per-transaction cost is amortised.
 */
export const INGEST_BATCH_ROWS = 5_000;
/** Flush at least this often (ms) so live views see intermediate values while a job runs. */
export const INGEST_FLUSH_INTERVAL_MS = 200;
/** Above this many unwritten rows, producers are asked to pause (backpressure on the job's output). */
export const INGEST_HIGH_WATER_ROWS = 50_000;

/**
 * Collects high-rate records from all running jobs and writes them in batched transactions,
 * one write at a time, so ingest never blocks the event loop for long and memory stays bounded.
 */
export class IngestQueue {
  #store: Store;
  #intermediate: IntermediateRecord[] = [];
  #text: TextRecord[] = [];
  #artifacts: ArtifactRecord[] = [];
  #writing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #error: unknown;
  readonly #fence: AttemptFence | undefined;

  /** With a fence (an `aup worker`'s attempt), every batch is written only while the worker holds the attempt. */
  constructor(store: Store, opts: { fence?: AttemptFence } = {}) {
    this.#store = store;
    this.#fence = opts.fence;
  }

  get pendingRows(): number {
    return this.#intermediate.length + this.#text.length + this.#artifacts.length;
  }

  /** True when producers should wait for `drain()` before reading more output. */
  get congested(): boolean {
    return this.pendingRows >= INGEST_HIGH_WATER_ROWS;
  }

  intermediate(row: IntermediateRecord): void {
    this.#intermediate.push(row);
    this.#schedule();
  }

  text(row: TextRecord): void {
    this.#text.push(row);
    this.#schedule();
  }

  artifact(row: ArtifactRecord): void {
    this.#artifacts.push(row);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#intermediate.length >= INGEST_BATCH_ROWS) {
      void this.flush().catch(() => undefined);
      return;
    }
    if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush().catch(() => undefined);
      }, INGEST_FLUSH_INTERVAL_MS);
      this.#timer.unref();
    }
  }

  /** Writes everything queued so far; resolves when it is committed. Rejects with the first write error. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const intermediate = this.#intermediate;
    const text = this.#text;
    const artifacts = this.#artifacts;
    this.#intermediate = [];
    this.#text = [];
    this.#artifacts = [];
    this.#writing = this.#writing.then(async () => {
      if (this.#error) throw this.#error;
      try {
        for (let i = 0; i < intermediate.length; i += INGEST_BATCH_ROWS) {
          await this.#store.addIntermediate(intermediate.slice(i, i + INGEST_BATCH_ROWS), this.#fence);
        }
        if (text.length) await this.#store.addTextRecords(text, this.#fence);
        if (artifacts.length) await this.#store.addArtifacts(artifacts, this.#fence);
      } catch (e) {
        this.#error = e;
        throw e;
      }
    });
    return this.#writing;
  }

  /** Waits until the queue is below the high-water mark. */
  async drain(): Promise<void> {
    while (this.congested) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
