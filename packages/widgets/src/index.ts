/**
 * @aup/widgets: aup's dashboard views as Lit custom elements. Importing this module registers
 * every element (each under its `aup-*` tag, once).
 * @packageDocumentation
 */
import './define/experiment-list.js';

export { AupExperimentList, type AupOpenExperimentEvent, type OpenExperimentDetail } from './experiment-list/experiment-list.js';
export { parseExperimentList, type ExperimentStatus, type ExperimentSummary } from './experiment-list/experiment-summary.js';
export { JsonFetchController, type FetchState } from './controllers/json-fetch-controller.js';
export { formatProgress, formatScore, formatTimestamp, MISSING, SCORE_DIGITS } from './format/format.js';
export { AupApiClient, type BoardHealth, type ExportFormat } from './api/api-client.js';
export { AupApiError, type ApiErrorBody } from './api/api-error.js';
export type { IntermediateSeries, BestSoFarSeries, BestSoFarX, JobRecordValue } from './api/series.js';
export type { JobQuery, JobFilter, FilterOp } from './api/job-query.js';
export type { JobSummary, JobPage } from './api/job-summary.js';
export type { JobDetail, JobAttempt, LogSlice } from './api/job-detail.js';
export type { ExperimentDetail, JobStatus, ParamValue, JobCounts } from './api/experiment-detail.js';
export {
  NO_SELECTION,
  isEmptySelection,
  fire,
  type JobSelection,
  type SelectionRange,
  type AupSelectionChangeEvent,
  type OpenJobDetail,
  type AupOpenJobEvent,
} from './events.js';
