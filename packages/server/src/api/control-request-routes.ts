import { requestEnqueue, requestKillJob, requestSet, requestStop, waitForControlResult, type ControlRequest, type Store } from '@aup/core';
import type { FastifyInstance, FastifyReply } from 'fastify';

import {
  ControlRequestSchema,
  ControlWaitQuerySchema,
  EnqueueTrialBodySchema,
  SetExperimentBodySchema,
  type ControlRequestDto,
  type ControlWaitQuery,
  type EnqueueTrialBody,
  type SetExperimentBody,
} from './control-schemas.js';
import { JobIdParamsSchema, type JobIdParams } from './job-schemas.js';
import type { RouteContext } from './route-context.js';
import { ERROR_RESPONSES, ExperimentIdParamsSchema, type ExperimentIdParams } from './schemas.js';
import { isoTime } from './to-dto.js';

/** 202 while the runner has not answered (the request waits in the store), 200 with its result once it has. */
const RESPONSES = { 200: ControlRequestSchema, 202: ControlRequestSchema, ...ERROR_RESPONSES };

/**
 * Requests to the runner of a running experiment, through the store's control table, so they reach
 * it wherever it runs (a runner the board started, an `aup run` in a terminal, another machine):
 * stop, kill one job, change n_parallel / n_samples, enqueue a trial. Allowed on an attached board.
 */
export async function controlRequestRoutes(api: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { store } = ctx;

  api.post<{ Params: ExperimentIdParams; Querystring: ControlWaitQuery }>(
    '/experiments/:id/stop',
    {
      schema: {
        summary: "Ask a running experiment's runner to stop (running jobs end interrupted; resumable)",
        'x-mutating': true,
        params: ExperimentIdParamsSchema,
        querystring: ControlWaitQuerySchema,
        response: RESPONSES,
      },
    },
    async (request, reply) => answer(store, reply, await requestStop(store, request.params.id), request.query.wait),
  );

  api.post<{ Params: JobIdParams; Querystring: ControlWaitQuery }>(
    '/jobs/:jid/kill',
    {
      schema: {
        summary: 'Ask the runner to kill one running job (it ends failed; the experiment goes on)',
        'x-mutating': true,
        params: JobIdParamsSchema,
        querystring: ControlWaitQuerySchema,
        response: RESPONSES,
      },
    },
    async (request, reply) => answer(store, reply, await requestKillJob(store, request.params.jid), request.query.wait),
  );

  api.post<{ Params: ExperimentIdParams; Querystring: ControlWaitQuery; Body: EnqueueTrialBody }>(
    '/experiments/:id/trials',
    {
      schema: {
        summary: 'Ask the runner to run a trial with these params next and tell the proposer its result',
        'x-mutating': true,
        params: ExperimentIdParamsSchema,
        querystring: ControlWaitQuerySchema,
        body: EnqueueTrialBodySchema,
        response: RESPONSES,
      },
    },
    async (request, reply) => answer(store, reply, await requestEnqueue(store, request.params.id, request.body.params), request.query.wait),
  );

  api.patch<{ Params: ExperimentIdParams; Querystring: ControlWaitQuery; Body: SetExperimentBody }>(
    '/experiments/:id',
    {
      schema: {
        summary: 'Change n_parallel and/or n_samples of a running experiment',
        'x-mutating': true,
        params: ExperimentIdParamsSchema,
        querystring: ControlWaitQuerySchema,
        body: SetExperimentBodySchema,
        response: RESPONSES,
      },
    },
    async (request, reply) => {
      const { n_parallel: nParallel, n_samples: nSamples } = request.body;
      return answer(store, reply, await requestSet(store, request.params.id, { nParallel, nSamples }), request.query.wait);
    },
  );
}

async function answer(store: Store, reply: FastifyReply, req: ControlRequest, waitMs: number): Promise<ControlRequestDto> {
  const now = waitMs > 0 ? await waitForControlResult(store, req.id, waitMs) : req;
  reply.code(now.doneAt === null ? 202 : 200);
  return toControlRequestDto(now);
}

/** The wire shape of a control request. */
export function toControlRequestDto(r: ControlRequest): ControlRequestDto {
  return {
    id: r.id,
    experiment_id: r.experimentId,
    job_id: r.jobId,
    action: r.action,
    payload: r.payload,
    created_at: isoTime(r.createdAt)!,
    taken_at: isoTime(r.takenAt),
    done_at: isoTime(r.doneAt),
    result: r.result,
  };
}
