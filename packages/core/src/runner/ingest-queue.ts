import type { ArtifactRecord, AttemptFence, IntermediateRecord, ResultStore, TextRecord } from '../store/store-types.js';

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
 * Text records are written at once past this many characters of them, and producers are asked to
 * pause past 8 times as many: rows alone would let 50,000 text records of up to MAX_TEXT_CHARS
 * (gigabytes) wait in memory. 1 Mi characters is one write of a few milliseconds; 8 Mi characters
 * (16 MB as JavaScript strings) is small next to the runner.
 */
export const INGEST_TEXT_BATCH_CHARS = 1024 * 1024;
export const INGEST_HIGH_WATER_TEXT_CHARS = 8 * INGEST_TEXT_BATCH_CHARS;

/**
 * Collects high-rate records from all running jobs and writes them in batched transactions,
 * one write at a time, so ingest never blocks the event loop for long and memory stays bounded.
 */
export class IngestQueue {
  #store: ResultStore;
  #intermediate: IntermediateRecord[] = [];
  #text: TextRecord[] = [];
  #artifacts: ArtifactRecord[] = [];
  /** The size of the queued text records, in characters of their payload (see INGEST_TEXT_BATCH_CHARS). */
  #textChars = 0;
  /** Rows and text characters handed to the store and not written yet: they are in memory too. */
  #inflightRows = 0;
  #inflightChars = 0;
  #writing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #error: unknown;
  readonly #fence: AttemptFence | undefined;

  /** With a fence (an `aup worker`'s attempt), every batch is written only while the worker holds the attempt. */
  constructor(store: ResultStore, opts: { fence?: AttemptFence } = {}) {
    this.#store = store;
    this.#fence = opts.fence;
  }

  get pendingRows(): number {
    return this.#intermediate.length + this.#text.length + this.#artifacts.length;
  }

  /** True when producers should wait for `drain()` before reading more output. */
  get congested(): boolean {
    return (
      this.pendingRows + this.#inflightRows >= INGEST_HIGH_WATER_ROWS ||
      this.#textChars + this.#inflightChars >= INGEST_HIGH_WATER_TEXT_CHARS
    );
  }

  intermediate(row: IntermediateRecord): void {
    this.#intermediate.push(row);
    this.#schedule();
  }

  text(row: TextRecord): void {
    this.#text.push(row);
    this.#textChars += payloadChars(row);
    if (this.#textChars >= INGEST_TEXT_BATCH_CHARS) void this.flush().catch(() => undefined);
    else this.#schedule();
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
    const rows = intermediate.length + text.length + artifacts.length;
    const chars = this.#textChars;
    this.#textChars = 0;
    this.#inflightRows += rows;
    this.#inflightChars += chars;
    this.#writing = this.#writing.then(async () => {
      try {
        if (this.#error) throw this.#error;
        for (let i = 0; i < intermediate.length; i += INGEST_BATCH_ROWS) {
          await this.#store.addIntermediate(intermediate.slice(i, i + INGEST_BATCH_ROWS), this.#fence);
        }
        if (text.length) await this.#store.addTextRecords(text, this.#fence);
        if (artifacts.length) await this.#store.addArtifacts(artifacts, this.#fence);
      } catch (e) {
        this.#error = e;
        throw e;
      } finally {
        this.#inflightRows -= rows;
        this.#inflightChars -= chars;
      }
    });
    return this.#writing;
  }

  /** Waits until the queue (with what it handed to the store) is below the high-water marks. */
  async drain(): Promise<void> {
    while (this.congested) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

/** About how much memory a text record's payload holds: its text, or 8 characters per histogram value. */
function payloadChars(row: TextRecord): number {
  const p = row.payload as { text?: unknown; values?: unknown; path?: unknown } | null;
  if (typeof p?.text === 'string') return p.text.length;
  if (Array.isArray(p?.values)) return p.values.length * 8;
  return typeof p?.path === 'string' ? p.path.length : 0;
}
