/**
 * @aup/server: the board server (`aup-board`): a JSON API over an aup store, the board page and
 * the widgets bundle.
 * @packageDocumentation
 */
export { createServer, API_PREFIX, BODY_LIMIT_BYTES, TOKEN_HEADER, type CreateServerOptions } from './create-server.js';
export {
  buildOpenApi,
  openApiPath,
  routeEntries,
  BEARER_SCHEME,
  type OpenApiInfo,
  type RouteEntry,
  type RouteSchema,
} from './api/openapi.js';
export { addCors, parseCorsOrigins, CORS_METHODS } from './api/cors.js';
export { MAX_STREAMS, MAX_STREAMS_PER_ADDRESS, STREAM_RETRY_AFTER_S, type StreamLimits } from './api/stream-slots.js';
export { MAX_CLIENT_BUFFER_BYTES, MAX_REPLAY_CHANGES } from './api/change-hub.js';
export type { EventStreamOptions } from './api/events-routes.js';
export { removeJobFiles, JOBS_FOLDER, type RemovedFiles } from './api/remove-job-files.js';
export { isLoopbackHost } from './loopback.js';
export { openUrl } from './open-url.js';
export { listenOnFreePort, boardUrl, PORT_SEARCH_SPAN, type ListenResult } from './listen-on-free-port.js';
export {
  DEFAULT_JOB_PAGE_SIZE,
  MAX_JOB_PAGE_SIZE,
  type ConfigValidation,
  type DeleteExperimentResult,
  type ErrorBody,
  type ExperimentDetail,
  type ExperimentList,
  type ExperimentSummary,
  type Health,
  type JobCounts,
  type JobSummary,
  type SortOrder,
} from './api/schemas.js';
export type { JobPage } from './api/query-schemas.js';
