import type { ExperimentSummary } from '../experiment-list/experiment-summary.js';
import { AupApiError, apiErrorFrom } from './api-error.js';
import { parseExperimentDetail, parseExperimentSummaries, type ExperimentDetail } from './experiment-detail.js';
import { parseJobDetail, parseLogSlice, type JobDetail, type LogSlice } from './job-detail.js';
import { jobQueryString, type JobQuery } from './job-query.js';
import { parseJobPage, type JobPage } from './job-summary.js';

export type ExportFormat = 'csv' | 'json' | 'xlsx';

/**
 * A typed client for the board API's read routes. Every failure is an `AupApiError` carrying the
 * API's `{ code, message, details }` (or one of ours naming the URL when the API sent none).
 * @example new AupApiClient('/api/v1').experiment(3, signal)
 */
export class AupApiClient {
  /** The API base without a trailing slash, e.g. `/api/v1` or `http://127.0.0.1:8000/api/v1`. */
  readonly base: string;

  constructor(base: string) {
    this.base = base.replace(/\/+$/, '');
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
  jobs(experimentId: number, query: JobQuery = {}, signal?: AbortSignal): Promise<JobPage> {
    const qs = jobQueryString(query);
    return this.get(`/experiments/${experimentId}/jobs${qs === '' ? '' : `?${qs}`}`, parseJobPage, signal);
  }

  /** GET /jobs/:jid. */
  job(jobId: number, signal?: AbortSignal): Promise<JobDetail> {
    return this.get(`/jobs/${jobId}`, parseJobDetail, signal);
  }

  /** GET /jobs/:jid/attempts/:k/log: the last `tail` bytes of an attempt's log. */
  log(jobId: number, attempt: number, tail?: number, signal?: AbortSignal): Promise<LogSlice> {
    return this.get(`/jobs/${jobId}/attempts/${attempt}/log${tail === undefined ? '' : `?tail=${tail}`}`, parseLogSlice, signal);
  }

  /** URL of GET /experiments/:id/export (a file download, so a link rather than a fetch). */
  exportUrl(experimentId: number, format: ExportFormat, jobIds?: readonly number[]): string {
    const p = new URLSearchParams({ format });
    if (jobIds !== undefined && jobIds.length > 0) p.set('jobs', jobIds.join(','));
    return `${this.base}/experiments/${experimentId}/export?${p.toString()}`;
  }

  /** URL of an artifact download. */
  artifactUrl(jobId: number, index: number): string {
    return `${this.base}/jobs/${jobId}/artifacts/${index}`;
  }

  /** URL of GET /events for one experiment (or all), resuming after cursor `after`. */
  eventsUrl(experimentId?: number, after?: number): string {
    const p = new URLSearchParams();
    if (experimentId !== undefined) p.set('experiment', String(experimentId));
    if (after !== undefined) p.set('after', String(after));
    const qs = p.toString();
    return `${this.base}/events${qs === '' ? '' : `?${qs}`}`;
  }

  /** GETs `path` under the base and parses the JSON body; throws AupApiError. */
  async get<T>(path: string, parse: (json: unknown) => T, signal?: AbortSignal): Promise<T> {
    const url = `${this.base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, { signal, headers: { accept: 'application/json' } });
    } catch (e) {
      if (signal?.aborted === true) throw e;
      throw new AupApiError({ code: 'AUP_WIDGET_NETWORK', message: `${url}: ${(e as Error)?.message ?? String(e)}`, details: {} }, 0, url, { cause: e });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw apiErrorFrom(response.status, response.statusText, url, body);
    try {
      return parse(body);
    } catch (e) {
      throw new AupApiError(
        { code: 'AUP_WIDGET_BAD_RESPONSE', message: `${url} answered an unexpected shape: ${(e as Error).message}`, details: {} },
        response.status,
        url,
        { cause: e },
      );
    }
  }
}
