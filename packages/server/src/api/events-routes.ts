import type { OutgoingHttpHeaders } from 'node:http';

import { AupError } from '@aup/core';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';

import { ChangeHub, type ChangeHubOptions, type HubClient } from './change-hub.js';
import { toErrorReply } from './error-reply.js';
import type { RouteContext } from './route-context.js';
import { ERROR_RESPONSES, MAX_ID } from './schemas.js';
import { StreamSlots, type StreamLimits } from './stream-slots.js';

/** What a browser's EventSource waits before reconnecting after the stream drops, in ms (the SSE `retry:` field). */
export const SSE_RETRY_MS = 1_000;

export const EventsQuerySchema = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_ID,
        description:
          'Send every change with a larger id, then live ones; omitted: live changes from now. A Last-Event-ID header wins over it.',
      }),
    ),
    experiment: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID, description: 'Only changes of this experiment' })),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuerySchema>;

/** Documentation only: the stream is written directly, never serialized from this schema. */
export const EventStreamSchema = Type.String({
  description:
    'text/event-stream. Each event: `id: <change id>`, `event: experiment | experiment_deleted | job | intermediate | records | reset`, ' +
    '`data: {id, kind, experiment_id, job_id, time, job | experiment}` (the current job summary or experiment summary). ' +
    '`reset` (data {last_id, reason}): too much was missed; refetch, then keep reading.',
});

/** How many streams the board holds and how far behind a client may fall (createServer's `streams` option). */
export type EventStreamOptions = StreamLimits & Pick<ChangeHubOptions, 'maxClientBufferBytes' | 'replayStallMs'>;

/** Options of the events routes beyond the shared context (tests shorten the intervals and lower the limits). */
export interface EventsContext extends RouteContext {
  hub?: ChangeHubOptions;
  streams?: EventStreamOptions;
}

/**
 * `GET /events`: the change feed as Server-Sent Events (docs/reference/http-api.md). One ChangeHub
 * per server polls the store; it stops, and every stream ends, when the server closes.
 */
export async function eventsRoutes(api: FastifyInstance, ctx: EventsContext): Promise<void> {
  const hub = new ChangeHub(ctx.store, {
    ...ctx.hub,
    maxClientBufferBytes: ctx.streams?.maxClientBufferBytes ?? ctx.hub?.maxClientBufferBytes,
    replayStallMs: ctx.streams?.replayStallMs ?? ctx.hub?.replayStallMs,
  });
  const slots = new StreamSlots(ctx.streams);
  // preClose, not only onClose: Fastify's close waits for in-flight requests, and a stream never
  // finishes on its own, so the streams must end before the server waits for them.
  api.addHook('preClose', (done) => {
    hub.close();
    done();
  });
  api.addHook('onClose', (_instance, done) => {
    hub.close();
    done();
  });

  api.get<{ Querystring: EventsQuery }>(
    '/events',
    {
      schema: {
        summary: 'Live job and experiment changes as Server-Sent Events, resumable with after= or Last-Event-ID',
        querystring: EventsQuerySchema,
        response: { 200: EventStreamSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const after = lastEventId(request.headers['last-event-id']) ?? request.query.after;
      const experimentId = request.query.experiment;
      // The cap is checked before anything is sent or read: a refused stream costs no store read.
      // Answered here rather than thrown, so that a storm of refusals skips the error pipeline.
      const slot = slots.take(request.ip, `GET ${request.url}`);
      if (typeof slot !== 'function') {
        const out = toErrorReply(slot.error, { method: request.method, url: request.url });
        return reply.code(out.statusCode).header('retry-after', String(slot.retryAfterS)).send(out.body);
      }
      const raw = reply.raw;
      if (raw.socket === null || raw.socket.destroyed) {
        // The client left before its stream began: nothing to send, and 'close' will not come again.
        slot();
        reply.hijack();
        return;
      }
      raw.once('close', slot);
      openStream(reply);
      if (request.method === 'HEAD') {
        raw.end();
        return;
      }
      const client: HubClient = {
        experimentId,
        unread: () => raw.writableLength,
        write(text) {
          if (!raw.destroyed && !raw.writableEnded) raw.write(text);
        },
        onDrain(then) {
          const socket = raw.socket;
          // The socket emits 'drain' only after a write it could not take at once.
          if (socket === null || !socket.writableNeedDrain) {
            const soon = setImmediate(then);
            return () => clearImmediate(soon);
          }
          socket.once('drain', then);
          return () => socket.off('drain', then);
        },
        end() {
          // What a client has not read cannot be flushed to it on the way out: cut it, so the server can close.
          if (raw.writableLength > 0) raw.destroy();
          else if (!raw.writableEnded) raw.end();
        },
        drop(reason) {
          request.log.warn({ reason }, 'event stream cut off: the client reads too slowly; it resumes with Last-Event-ID');
          raw.destroy();
        },
        fail(e) {
          // Headers are sent: the error shape cannot be. End the stream; EventSource reconnects.
          request.log.error({ err: e }, 'event stream failed');
          if (!raw.writableEnded) raw.end();
        },
      };
      const detach = hub.attach(client, after);
      raw.once('close', detach);
    },
  );
}

/** Sends the stream's headers, keeping those hooks set on the reply (CORS, Vary). */
function openStream(reply: FastifyReply): void {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  reply.hijack();
  reply.raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and similar proxies buffer responses unless told not to; events must pass at once.
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  reply.raw.write(`retry: ${SSE_RETRY_MS}\n: connected\n\n`);
}

/** The Last-Event-ID header as a change id; undefined when absent or empty (EventSource's first connection). */
export function lastEventId(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header.at(-1) : header;
  if (value === undefined || value.trim() === '') return undefined;
  const id = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw new AupError(
      'AUP_ERR_BAD_REQUEST',
      `GET /api/v1/events: header Last-Event-ID is ${JSON.stringify(value)}: expected a change id (a non-negative integer) sent by this stream`,
      {
        details: { header: 'last-event-id', found: value },
      },
    );
  }
  return id;
}
