/**
 * The runner's side of control requests: while an experiment runs, take its requests from the store
 * every CONTROL_POLL_MS, hand each to the runner, and record the answer. The board or CLI that sent
 * a request may be another process or machine (PostgreSQL), so the store is the only channel.
 */
import { isAupError } from '../errors.js';
import type { ControlRequest, ControlRequestStore } from '../store/store-types.js';
import type { JsonObject } from '../types.js';

/**
 * How often a running experiment looks for control requests. 250 ms feels immediate to a person at
 * the board, and an idle poll is one indexed read (no write lock), so four a second cost nothing.
 */
export const CONTROL_POLL_MS = 250;

/** What the runner says about a request: the result now, or a promise of it (when the action takes effect later). */
export type ControlAnswer = { result: JsonObject } | { later: Promise<JsonObject> };

/** Acts on one request. A thrown error becomes `{ ok: false, code, message }`. */
export type ControlHandler = (request: ControlRequest) => Promise<ControlAnswer>;

/** The result for a request that failed: `{ ok: false, code, message }` (AupError codes; others are internal faults). */
export function controlError(e: unknown): JsonObject {
  if (isAupError(e)) return { ok: false, code: e.code, message: e.message };
  return { ok: false, code: 'AUP_ERR_INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** Polls one experiment's control requests and answers each exactly once. */
export class ControlPoller {
  readonly #store: ControlRequestStore;
  readonly #experimentId: number;
  readonly #handler: ControlHandler;
  readonly #onError: (message: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #tick: Promise<void> = Promise.resolve();
  readonly #pending = new Set<Promise<void>>();

  constructor(store: ControlRequestStore, experimentId: number, handler: ControlHandler, onError: (message: string) => void) {
    this.#store = store;
    this.#experimentId = experimentId;
    this.#handler = handler;
    this.#onError = onError;
  }

  /**
   * Answers requests left from an earlier run (sent as it ended, never taken) with an error, so a
   * stale stop does not end this run; then polls every CONTROL_POLL_MS.
   */
  async start(): Promise<void> {
    const stale = await this.#store.takeControlRequests(this.#experimentId);
    for (const req of stale) {
      await this.#finish(req, {
        ok: false,
        code: 'AUP_ERR_EXPERIMENT_STATE',
        message: `request ${req.id} (${req.action}) arrived while no runner was running experiment ${this.#experimentId}; send it again`,
      });
    }
    this.#schedule();
  }

  /**
   * Stops polling, waits for answers still due (the caller settles them first), and answers any
   * request that arrived meanwhile with `ending` (why the runner no longer acts on requests);
   * with `takeLate: false` they are left for the next runner.
   */
  async close(ending: string, options: { takeLate?: boolean } = {}): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#tick;
    await Promise.all(this.#pending);
    if (options.takeLate === false) return;
    const late = await this.#store.takeControlRequests(this.#experimentId).catch((e: unknown) => {
      this.#onError(`control requests: ${(e as Error).message}`);
      return [];
    });
    for (const req of late) await this.#finish(req, { ok: false, code: 'AUP_ERR_EXPERIMENT_STATE', message: ending });
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#poll().finally(() => this.#schedule());
    }, CONTROL_POLL_MS);
  }

  async #poll(): Promise<void> {
    let requests: ControlRequest[];
    try {
      requests = await this.#store.takeControlRequests(this.#experimentId);
    } catch (e) {
      // A database hiccup must not end the experiment; the next poll tries again.
      this.#onError(`control requests: ${(e as Error).message}`);
      return;
    }
    // One at a time, in id order: a `set` after another `set` wins, as the sender expects.
    for (const req of requests) {
      let answer: ControlAnswer;
      try {
        answer = await this.#handler(req);
      } catch (e) {
        answer = { result: controlError(e) };
      }
      if ('result' in answer) {
        await this.#finish(req, answer.result);
      } else {
        const done: Promise<void> = answer.later
          .catch((e: unknown) => controlError(e))
          .then((result) => this.#finish(req, result))
          .finally(() => this.#pending.delete(done));
        this.#pending.add(done);
      }
    }
  }

  async #finish(req: ControlRequest, result: JsonObject): Promise<void> {
    try {
      await this.#store.finishControlRequest(req.id, result);
    } catch (e) {
      this.#onError(`control request ${req.id} (${req.action}): cannot record its result: ${(e as Error).message}`);
    }
  }
}
