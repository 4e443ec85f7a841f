import { AupError } from '@aup/core';

// How many event streams the board holds open at once (docs/decisions/0022-event-stream-limits.md).
// A stream costs a socket, a file descriptor, up to MAX_CLIENT_BUFFER_BYTES of the board's memory
// and up to the kernel's send buffer (net.ipv4.tcp_wmem's maximum, 4 MiB by default); the caps keep
// that sum bounded whoever connects, before any work is done for the stream.

/**
 * Streams one client address may hold. A browser keeps at most 6 HTTP/1.1 connections per host
 * (all its board tabs and their widgets share them), so 24 is four browsers at their limit on one
 * machine, or behind one NAT or reverse proxy (which shows the board a single address), with room
 * for a few scripts following the feed.
 */
export const MAX_STREAMS_PER_ADDRESS = 24;
/**
 * Streams the board holds in all: four such addresses. At MAX_CLIENT_BUFFER_BYTES each that is at
 * most 96 MiB of unread events in the board's memory (the issue 12 goal: 200 MB of RSS growth
 * under a storm of 300 streams).
 */
export const MAX_STREAMS = 96;
/**
 * What a refused client is told to wait (`Retry-After`, seconds): a stream slot frees when a tab
 * closes, which is a human's pace. EventSource ignores the header (it stops, and the board's
 * widgets poll instead, retrying the stream every 30 s); scripts should honour it.
 */
export const STREAM_RETRY_AFTER_S = 10;

export interface StreamLimits {
  /** Streams in all (default MAX_STREAMS). */
  maxStreams?: number;
  /** Streams per client address (default MAX_STREAMS_PER_ADDRESS). */
  maxStreamsPerAddress?: number;
}

/** A refused stream: the error to answer with (429 or 503) and the Retry-After in seconds. */
export interface StreamRefusal {
  error: AupError;
  retryAfterS: number;
}

/**
 * Counts the open event streams, in all and per client address, and refuses one over a cap. A slot
 * is taken before the stream's headers are sent and given back when its connection closes.
 */
export class StreamSlots {
  readonly #max: number;
  readonly #perAddress: number;
  readonly #byAddress = new Map<string, number>();
  #total = 0;

  constructor(limits: StreamLimits = {}) {
    this.#max = positive(limits.maxStreams ?? MAX_STREAMS, 'maxStreams');
    this.#perAddress = positive(limits.maxStreamsPerAddress ?? MAX_STREAMS_PER_ADDRESS, 'maxStreamsPerAddress');
  }

  /** Streams open now. */
  get total(): number {
    return this.#total;
  }

  /**
   * Takes a slot for a stream of `address`: answers the function that gives it back (once; later
   * calls do nothing), or the refusal when the address or the board is at its cap.
   */
  take(address: string, what: string): (() => void) | StreamRefusal {
    const key = normalizeAddress(address);
    const held = this.#byAddress.get(key) ?? 0;
    if (held >= this.#perAddress) {
      return {
        retryAfterS: STREAM_RETRY_AFTER_S,
        error: new AupError(
          'AUP_ERR_TOO_MANY_STREAMS',
          `${what}: the client address ${key} already holds ${held} event streams, the most one address may open; close a board tab (or another stream) and retry after ${STREAM_RETRY_AFTER_S} s`,
          { details: { address: key, open: held, limit: this.#perAddress, retry_after_s: STREAM_RETRY_AFTER_S } },
        ),
      };
    }
    if (this.#total >= this.#max) {
      return {
        retryAfterS: STREAM_RETRY_AFTER_S,
        error: new AupError(
          'AUP_ERR_SERVER_BUSY',
          `${what}: the board already serves ${this.#total} event streams, the most it holds at once; retry after ${STREAM_RETRY_AFTER_S} s`,
          { details: { open: this.#total, limit: this.#max, retry_after_s: STREAM_RETRY_AFTER_S } },
        ),
      };
    }
    this.#byAddress.set(key, held + 1);
    this.#total += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#total -= 1;
      const left = (this.#byAddress.get(key) ?? 1) - 1;
      if (left <= 0) this.#byAddress.delete(key);
      else this.#byAddress.set(key, left);
    };
  }
}

/** One key per client: `::ffff:127.0.0.1` (an IPv4 client of a dual-stack socket) is `127.0.0.1`. */
export function normalizeAddress(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

function positive(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new AupError('AUP_ERR_CLI_USAGE', `createServer: streams.${name} is ${n}: expected a whole number of streams, 1 or more`);
  }
  return n;
}
