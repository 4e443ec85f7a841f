import {
  parseConfigCheck,
  parseControlAnswer,
  parseControlled,
  parseHealth,
  parseObject,
  type BoardHealth,
  type ConfigCheck,
  type ControlAnswer,
  type ControlledExperiment,
  type DeleteExperimentResult,
  type DeleteJobResult,
  type EnvironmentResetResult,
  type ReportJobResult,
} from './answers.js';
import { AupApiError, apiErrorFrom } from './api-error.js';
import { parseExperimentDetail, parseExperimentSummaries, type ExperimentDetail, type ExperimentSummary } from './experiment-detail.js';
import { parseJobColumns, type JobColumns } from './job-columns.js';
import { parseJobDetail, parseLogSlice, type JobDetail, type LogSlice } from './job-detail.js';
import { jobQueryString, type JobQuery } from './job-query.js';
import { networkError } from './network-error.js';
import { parseJobPage, type ServedJobPage } from './job-summary.js';
import { pageToken } from './session-token.js';
import {
  parseBestSoFar,
  parseRecords,
  parseSeries,
  type BestSoFarSeries,
  type BestSoFarX,
  type IntermediateSeries,
  type JobRecordValue,
} from './series.js';
import type { CopyExperimentBody, CreateExperimentBody, SetExperimentBody } from './wire.js';

export type { BoardHealth };
export type ExportFormat = 'csv' | 'json' | 'xlsx';

/** The header the board reads the session token from. */
const AUTHORIZATION = 'authorization';
/** The query parameter that carries the token on URLs the browser opens itself (events, downloads). */
const ACCESS_TOKEN_PARAM = 'access_token';

/** API bases whose /health said reads need the token: URLs opened without a header must carry it. */
const readsNeedToken = new Map<string, boolean>();

/**
 * A typed client for the board API's read routes. Every failure is an `AupApiError` carrying the
 * API's `{ code, message, details }` (or one of ours naming the URL when the API sent none).
 * @example new AupApiClient('/api/v1').experiment(3, signal)
 */
export class AupApiClient {
  /** The API base without a trailing slash, e.g. `/api/v1` or `http://127.0.0.1:8000/api/v1`. */
  readonly base: string;

  /**
   * The session token aup-board printed at start (`?token=` of its URL, which the board page keeps
   * in sessionStorage), sent as `Authorization: Bearer <token>`. Default: the page's token when
   * the API is on the page's own origin.
   */
  token: string | undefined;

  constructor(base: string, token?: string) {
    this.base = base.replace(/\/+$/, '');
    this.token = token === '' ? undefined : (token ?? pageToken(this.base));
  }

  /** GET /health (and remembers whether this board's reads need the token). */
  async health(signal?: AbortSignal): Promise<BoardHealth> {
    const health = await this.get('/health', parseHealth, signal);
    readsNeedToken.set(this.base, health.read_token_required === true);
    return health;
  }

  /** GET /experiments. */
  experiments(signal?: AbortSignal): Promise<ExperimentSummary[]> {
    return this.get('/experiments', parseExperimentSummaries, signal);
  }

  /** GET /experiments/:id. */
  experiment(id: number, signal?: AbortSignal): Promise<ExperimentDetail> {
    return this.get(`/experiments/${id}`, parseExperimentDetail, signal);
  }

  /** GET /experiments/:id/jobs with paging, sort, filters and search. */
  jobs(experimentId: number, query: JobQuery = {}, signal?: AbortSignal): Promise<ServedJobPage> {
    const qs = jobQueryString(query);
    return this.get(`/experiments/${experimentId}/jobs${qs === '' ? '' : `?${qs}`}`, parseJobPage, signal);
  }

  /** GET /experiments/:id/job-columns: jobs in id order as one array per field. */
  jobColumns(experimentId: number, page: { offset?: number; limit?: number } = {}, signal?: AbortSignal): Promise<JobColumns> {
    const qs = new URLSearchParams();
    if (page.offset !== undefined) qs.set('offset', String(page.offset));
    if (page.limit !== undefined) qs.set('limit', String(page.limit));
    const q = qs.toString();
    return this.get(`/experiments/${experimentId}/job-columns${q === '' ? '' : `?${q}`}`, parseJobColumns, signal);
  }

  /** GET /jobs/:jid. */
  job(jobId: number, signal?: AbortSignal): Promise<JobDetail> {
    return this.get(`/jobs/${jobId}`, parseJobDetail, signal);
  }

  /** GET /jobs/:jid/attempts/:k/log: the last `tail` bytes of an attempt's log. */
  log(jobId: number, attempt: number, tail?: number, signal?: AbortSignal): Promise<LogSlice> {
    return this.get(`/jobs/${jobId}/attempts/${attempt}/log${tail === undefined ? '' : `?tail=${tail}`}`, parseLogSlice, signal);
  }

  /** GET /experiments/:id/series: intermediate results of these jobs, at most `points` values in all. */
  series(
    experimentId: number,
    jobIds: readonly number[],
    opts: { labels?: readonly string[]; points?: number } = {},
    signal?: AbortSignal,
  ): Promise<IntermediateSeries[]> {
    const p = new URLSearchParams({ jobs: jobIds.join(',') });
    if (opts.labels !== undefined && opts.labels.length > 0) p.set('labels', opts.labels.join(','));
    if (opts.points !== undefined) p.set('points', String(opts.points));
    return this.get(`/experiments/${experimentId}/series?${p.toString()}`, parseSeries, signal);
  }

  /** GET /best-so-far for one or several experiments. */
  bestSoFar(experimentIds: readonly number[], x: BestSoFarX = 'index', signal?: AbortSignal): Promise<BestSoFarSeries[]> {
    return this.get(`/best-so-far?experiments=${experimentIds.join(',')}&x=${x}`, parseBestSoFar, signal);
  }

  /** GET /jobs/:jid/records: text, histogram and image records, optionally of one kind or name. */
  records(jobId: number, filter: { kind?: JobRecordValue['kind']; name?: string } = {}, signal?: AbortSignal): Promise<JobRecordValue[]> {
    const p = new URLSearchParams();
    if (filter.kind !== undefined) p.set('kind', filter.kind);
    if (filter.name !== undefined) p.set('name', filter.name);
    const qs = p.toString();
    return this.get(`/jobs/${jobId}/records${qs === '' ? '' : `?${qs}`}`, parseRecords, signal);
  }

  /** URL of an image a job recorded (for an `<img src>`). */
  imageUrl(jobId: number, index: number): string {
    return this.opened(`${this.base}/jobs/${jobId}/images/${index}`);
  }

  // Mutating routes (each needs the token). Each answers the route's shape (wire.ts).

  /** POST /config/validate: `{ ok: true, config }` or `{ ok: false, problems }`. */
  validateConfig(config: unknown, signal?: AbortSignal): Promise<ConfigCheck> {
    return this.sendFor('POST', '/config/validate', config, parseConfigCheck, signal);
  }

  /** POST /experiments: create from a config object or YAML text, optionally starting it. */
  createExperiment(body: CreateExperimentBody, signal?: AbortSignal): Promise<ControlledExperiment> {
    return this.sendFor('POST', '/experiments', body, parseControlled, signal);
  }

  /** POST /experiments/:id/copy. */
  copyExperiment(id: number, body: CopyExperimentBody = {}, signal?: AbortSignal): Promise<ControlledExperiment> {
    return this.sendFor('POST', `/experiments/${id}/copy`, body, parseControlled, signal);
  }

  /** POST /experiments/:id/start, /resume or /stop (stop waits up to `waitMs` for the runner's answer). */
  control(id: number, action: 'start' | 'resume', waitMs?: number, signal?: AbortSignal): Promise<ControlledExperiment>;
  control(id: number, action: 'stop', waitMs?: number, signal?: AbortSignal): Promise<ControlAnswer>;
  control(
    id: number,
    action: 'start' | 'resume' | 'stop',
    waitMs?: number,
    signal?: AbortSignal,
  ): Promise<ControlledExperiment | ControlAnswer>;
  control(
    id: number,
    action: 'start' | 'resume' | 'stop',
    waitMs?: number,
    signal?: AbortSignal,
  ): Promise<ControlledExperiment | ControlAnswer> {
    if (action !== 'stop') return this.sendFor('POST', `/experiments/${id}/${action}`, undefined, parseControlled, signal);
    const wait = waitMs !== undefined ? `?wait=${waitMs}` : '';
    return this.sendFor('POST', `/experiments/${id}/stop${wait}`, undefined, parseControlAnswer, signal);
  }

  /** DELETE /experiments/:id (with its job files when `files`). */
  deleteExperiment(id: number, files = false, signal?: AbortSignal): Promise<DeleteExperimentResult> {
    return this.sendFor('DELETE', `/experiments/${id}${files ? '?files=true' : ''}`, undefined, parseObject('body'), signal);
  }

  /** PATCH /experiments/:id: change n_parallel and/or n_samples of a running experiment. */
  updateExperiment(id: number, body: SetExperimentBody, waitMs?: number, signal?: AbortSignal): Promise<ControlAnswer> {
    return this.sendFor('PATCH', `/experiments/${id}${waitMs === undefined ? '' : `?wait=${waitMs}`}`, body, parseControlAnswer, signal);
  }

  /** POST /experiments/:id/trials: run a trial with these params next. */
  enqueueTrial(
    id: number,
    params: Record<string, number | string | boolean>,
    waitMs?: number,
    signal?: AbortSignal,
  ): Promise<ControlAnswer> {
    const path = `/experiments/${id}/trials${waitMs === undefined ? '' : `?wait=${waitMs}`}`;
    return this.sendFor('POST', path, { params }, parseControlAnswer, signal);
  }

  /** POST /jobs/:jid/kill. */
  killJob(jobId: number, waitMs?: number, signal?: AbortSignal): Promise<ControlAnswer> {
    return this.sendFor(
      'POST',
      `/jobs/${jobId}/kill${waitMs === undefined ? '' : `?wait=${waitMs}`}`,
      undefined,
      parseControlAnswer,
      signal,
    );
  }

  /** DELETE /jobs/:jid (with its job files when `files`); 409 for a running or queued job. */
  deleteJob(jobId: number, files = false, signal?: AbortSignal): Promise<DeleteJobResult> {
    return this.sendFor('DELETE', `/jobs/${jobId}${files ? '?files=true' : ''}`, undefined, parseObject('body'), signal);
  }

  /** POST /jobs/:jid/report: the result of a passive job. */
  reportJob(jobId: number, score: number, metrics?: Record<string, number>, signal?: AbortSignal): Promise<ReportJobResult> {
    const body = metrics === undefined ? { score } : { score, metrics };
    return this.sendFor('POST', `/jobs/${jobId}/report`, body, parseObject('body'), signal);
  }

  /** POST /environment/reset: back up the database and start on an empty one. */
  resetEnvironment(workingDir?: string, signal?: AbortSignal): Promise<EnvironmentResetResult> {
    const body = workingDir === undefined ? {} : { working_dir: workingDir };
    return this.sendFor('POST', '/environment/reset', body, parseObject('body'), signal);
  }

  /** URL of GET /experiments/:id/export (a file download, so a link rather than a fetch). */
  exportUrl(experimentId: number, format: ExportFormat, jobIds?: readonly number[]): string {
    const p = new URLSearchParams({ format });
    if (jobIds !== undefined && jobIds.length > 0) p.set('jobs', jobIds.join(','));
    return this.opened(`${this.base}/experiments/${experimentId}/export?${p.toString()}`);
  }

  /** URL of an artifact download. */
  artifactUrl(jobId: number, index: number): string {
    return this.opened(`${this.base}/jobs/${jobId}/artifacts/${index}`);
  }

  /** URL of GET /events for one experiment (or all), resuming after cursor `after`. */
  eventsUrl(experimentId?: number, after?: number): string {
    const p = new URLSearchParams();
    if (experimentId !== undefined) p.set('experiment', String(experimentId));
    if (after !== undefined) p.set('after', String(after));
    const qs = p.toString();
    return this.opened(`${this.base}/events${qs === '' ? '' : `?${qs}`}`);
  }

  /**
   * A URL the browser opens itself (a link, an image, EventSource), so no header can carry the
   * token: on a board whose reads need it (known from health()), it goes in `access_token`, which
   * the board accepts on these routes only. On other boards the URL stays clean.
   */
  private opened(url: string): string {
    if (this.token === undefined || readsNeedToken.get(this.base) !== true) return url;
    return `${url}${url.includes('?') ? '&' : '?'}${ACCESS_TOKEN_PARAM}=${encodeURIComponent(this.token)}`;
  }

  /**
   * Sends a mutating request (`body` as JSON) with the token and returns the parsed JSON answer;
   * throws AupApiError with the API's code (e.g. `AUP_ERR_UNAUTHORIZED` without a valid token).
   */
  async send(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    return (await this.mutate(method, path, body, signal)).answer;
  }

  private async mutate(
    method: 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<{ answer: unknown; status: number; url: string }> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers[AUTHORIZATION] = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (e) {
      if (signal?.aborted === true) throw e;
      // The board's health route, a harmless GET, tells a board that refuses this origin from one that is not there.
      throw await networkError(url, `${this.base}/health`, e);
    }
    const answer: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw apiErrorFrom(response.status, response.statusText, url, answer);
    return { answer, status: response.status, url };
  }

  /** `send`, then the answer through `parse` (a shape it does not have is AUP_WIDGET_BAD_RESPONSE). */
  private async sendFor<T>(
    method: 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body: unknown,
    parse: (json: unknown) => T,
    signal?: AbortSignal,
  ): Promise<T> {
    const { answer, status, url } = await this.mutate(method, path, body, signal);
    return parsed(answer, parse, status, url);
  }

  /** GETs `path` under the base and parses the JSON body; throws AupApiError. */
  async get<T>(path: string, parse: (json: unknown) => T, signal?: AbortSignal): Promise<T> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    // Reads need the token on a board others can reach; elsewhere it is harmless.
    if (this.token !== undefined) headers[AUTHORIZATION] = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(url, { signal, headers });
    } catch (e) {
      if (signal?.aborted === true) throw e;
      throw await networkError(url, url, e);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw apiErrorFrom(response.status, response.statusText, url, body);
    return parsed(body, parse, response.status, url);
  }
}

/** `parse(body)`, or AUP_WIDGET_BAD_RESPONSE naming the URL and what was off. */
function parsed<T>(body: unknown, parse: (json: unknown) => T, status: number, url: string): T {
  try {
    return parse(body);
  } catch (e) {
    throw new AupApiError(
      { code: 'AUP_WIDGET_BAD_RESPONSE', message: `${url} answered an unexpected shape: ${(e as Error).message}`, details: {} },
      status,
      url,
      { cause: e },
    );
  }
}
