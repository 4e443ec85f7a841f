import type { OutgoingHttpHeaders } from 'node:http';

import { AupError } from '@aup/core';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';

import { ChangeHub, MAX_CLIENT_BUFFER_BYTES, type ChangeHubOptions, type HubClient } from './change-hub.js';
import type { RouteContext } from './route-context.js';
import { ERROR_RESPONSES, MAX_ID } from './schemas.js';

/** What a browser's EventSource waits before reconnecting after the stream drops, in ms (the SSE `retry:` field). */
export const SSE_RETRY_MS = 1_000;

export const EventsQuerySchema = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_ID,
        description: 'Send every change with a larger id, then live ones; omitted: live changes from now. A Last-Event-ID header wins over it.',
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

/** Options of the events routes beyond the shared context (tests shorten the intervals). */
export interface EventsContext extends RouteContext {
  hub?: ChangeHubOptions;
}

/**
 * `GET /events`: the change feed as Server-Sent Events (docs/reference/http-api.md). One ChangeHub
 * per server polls the store; it stops, and every stream ends, when the server closes.
 */
export async function eventsRoutes(api: FastifyInstance, ctx: EventsContext): Promise<void> {
  const hub = new ChangeHub(ctx.store, ctx.hub);
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
      openStream(reply);
      const raw = reply.raw;
      if (request.method === 'HEAD') {
        raw.end();
        return;
      }
      const client: HubClient = {
        experimentId,
        write(text) {
          if (raw.destroyed || raw.writableEnded) return false;
          raw.write(text);
          // A client that reads slower than changes arrive is dropped; it resumes from its Last-Event-ID.
          return raw.writableLength <= MAX_CLIENT_BUFFER_BYTES;
        },
        end() {
          if (!raw.writableEnded) raw.end();
        },
      };
      let detach: (() => void) | undefined;
      let gone = false;
      raw.once('close', () => {
        gone = true;
        detach?.();
      });
      try {
        detach = await hub.attach(client, after);
        if (gone) detach();
      } catch (e) {
        // Headers are sent: the error shape cannot be. End the stream; EventSource reconnects.
        request.log.error({ err: e }, 'event stream failed');
        client.end();
      }
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
    throw new AupError('AUP_ERR_BAD_REQUEST', `GET /api/v1/events: header Last-Event-ID is ${JSON.stringify(value)}: expected a change id (a non-negative integer) sent by this stream`, {
      details: { header: 'last-event-id', found: value },
    });
  }
  return id;
}
