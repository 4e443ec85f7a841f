import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

/** One Server-Sent Event as a browser's EventSource would dispatch it. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * A minimal EventSource for tests: parses the stream as the HTML standard does (fields, comments,
 * multi-line data) and records everything. No reconnection: tests reconnect by hand.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  #res: IncomingMessage;
  #buffer = '';
  #pending: SseEvent = { id: undefined, event: 'message', data: '' };
  #dataLines: string[] = [];
  #waiters = new Set<() => void>();

  private constructor(res: IncomingMessage) {
    this.#res = res;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.#feed(chunk));
    res.on('close', () => {
      this.ended = true;
      this.#wake();
    });
  }

  get status(): number {
    return this.#res.statusCode ?? 0;
  }

  get headers(): IncomingHttpHeaders {
    return this.#res.headers;
  }

  /** Opens `url`; resolves once the response headers are in (any status). */
  static connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => resolve(new SseClient(res)));
      req.on('error', reject);
      req.end();
    });
  }

  /** The whole body of a non-stream answer (an error reply). */
  async text(): Promise<string> {
    await this.waitFor(() => this.ended, 10_000);
    return this.#raw;
  }

  #raw = '';

  /** Resolves when `done()` holds; rejects after `timeoutMs` saying what was received. */
  waitFor(done: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(`SSE wait timed out after ${timeoutMs} ms; ${this.events.length} events: ${JSON.stringify(this.events.slice(-5))}`),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Events other than `reset`, their `data` parsed. */
  data<T = Record<string, unknown>>(kind?: string): T[] {
    return this.events.filter((e) => (kind === undefined ? e.event !== 'reset' : e.event === kind)).map((e) => JSON.parse(e.data) as T);
  }

  /** The id of the newest event, as EventSource would send in Last-Event-ID. */
  get lastEventId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  close(): void {
    this.#res.destroy();
  }

  #feed(chunk: string): void {
    this.#raw += chunk;
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + (this.#buffer.startsWith('\r\n', nl) ? 2 : 1));
      this.#line(line);
    }
    this.#wake();
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#dataLines.length > 0) {
        this.events.push({ ...this.#pending, data: this.#dataLines.join('\n') });
      }
      this.#pending = { id: this.#pending.id, event: 'message', data: '' };
      this.#dataLines = [];
      return;
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#dataLines.push(value);
    else if (field === 'event') this.#pending.event = value;
    else if (field === 'id') this.#pending.id = value;
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}
