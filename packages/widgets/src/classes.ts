/**
 * @aup/widgets/classes: every element class and helper of the package, registering nothing. For a
 * page that registers the elements under its own names (`customElements.define('my-table',
 * AupJobTable)`) and wants no `aup-*` tag defined, and for bundlers: this module has no side
 * effects, so what a page does not use is left out.
 * @packageDocumentation
 */
export {
  AupExperimentList,
  type AupOpenExperimentEvent,
  type OpenExperimentDetail,
  type ExperimentView,
  type ExperimentListView,
  type ExperimentActionName,
  type ExperimentActionDetail,
  type AupExperimentActionEvent,
} from './experiment-list/experiment-list.js';
export { experimentActions, progressShare, type ExperimentActions, type RunAction } from './experiment-list/experiment-actions.js';
export {
  AupExperimentOverview,
  type ExperimentChangeDetail,
  type AupExperimentChangeEvent,
  type OverviewSection,
} from './experiment-overview/experiment-overview.js';
export { runEstimate, isOneShot, type RunEstimate } from './experiment-overview/estimate.js';
export {
  AupConfigEditor,
  EXAMPLE_CONFIG,
  VALIDATE_DEBOUNCE_MS,
  type ConfigProblem,
  type ValidationState,
  type ExperimentCreatedDetail,
  type AupExperimentCreatedEvent,
} from './config-editor/config-editor.js';
export { parseConfigText, detectFormat, type ConfigFormat, type ParsedConfigText } from './config-editor/config-text.js';
export {
  AupEnvironmentWizard,
  type EnvironmentResetResult,
  type AupEnvironmentResetEvent,
} from './environment-wizard/environment-wizard.js';
export { AupBoard, BOARD_CHILD_TAGS } from './board/board.js';
export {
  parseRoute,
  routeHash,
  routeTitle,
  liveIndicator,
  type BoardRoute,
  type ExperimentPage,
  type LiveIndicator,
} from './board/board-route.js';
export { initialTheme, THEME_STORAGE_KEY, type BoardTheme } from './board/theme-preference.js';
export { capabilitiesFrom, CapabilitiesController, type Capabilities } from './controllers/board-capabilities.js';
export { parseExperimentList, type ExperimentStatus, type ExperimentSummary } from './experiment-list/experiment-summary.js';
export { JsonFetchController, type FetchState } from './controllers/json-fetch-controller.js';
export { formatDuration, formatProgress, formatScore, formatTimestamp, MISSING, SCORE_DIGITS } from './format/format.js';
export { AupApiClient, type BoardHealth, type ExportFormat } from './api/api-client.js';
export { AupApiError, type ApiErrorBody } from './api/api-error.js';
export type { IntermediateSeries, BestSoFarSeries, BestSoFarX, JobRecordValue } from './api/series.js';
export type { JobQuery, JobFilter, FilterOp } from './api/job-query.js';
export type { JobSummary, JobPage, ServedJobPage } from './api/job-summary.js';
export type { JobColumns } from './api/job-columns.js';
export type { JobDetail, JobAttempt, LogSlice } from './api/job-detail.js';
export type { ExperimentDetail, GitState, JobStatus, ParamValue, JobCounts } from './api/experiment-detail.js';
export type {
  ConfigCheck,
  ControlAnswer,
  ControlResult,
  ControlledExperiment,
  DeleteExperimentResult,
  DeleteJobResult,
  ReportJobResult,
} from './api/answers.js';
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
export { AupJobChart } from './job-chart/job-chart.js';
export { jobChartData, metricLabels, type JobChartData, type JobChartValue } from './job-chart/job-chart-data.js';
export { fetchAllJobs, fetchAllJobColumns, JOB_PAGE_SIZE, JOB_COLUMNS_PAGE_SIZE } from './api/fetch-all-jobs.js';
export {
  jobColumnValue,
  jobInSelection,
  selectedJobIds,
  selectionFilters,
  isIntervalRange,
  matchesRange,
} from './selection/job-selection.js';
export { AupHig, TOP_PERCENT_CHOICES, jobTooltip, type AxesChangeDetail, type AupAxesChangeEvent } from './hig/hig.js';
export {
  higAxes,
  higParamsFromConfig,
  defaultAxisKeys,
  axisPosition,
  brushRange,
  brushFromRange,
  type HigData,
  type HigParam,
  type HigAxis,
  type HigAxisKind,
  type Brush,
} from './hig/hig-model.js';
export { AupJobTable, DEFAULT_PAGE_SIZE as JOB_TABLE_PAGE_SIZE } from './job-table/job-table.js';
export {
  jobColumns,
  jobRow,
  paramsFromConfig,
  metricsFromConfig,
  inferFromJobs,
  type JobColumn,
  type JobRow,
  type ColumnKind,
  type ParamInfo,
} from './job-table/job-columns.js';
export {
  headerFilterToJobFilter,
  selectionQuery,
  rowMatchesFilter,
  rowMatchesSearch,
  type HeaderFilterValue,
  type SelectionQuery,
} from './job-table/job-filters.js';
export { AupIntermediate, MAX_SELECTED_JOBS, SERIES_POINTS_PER_JOB, type IntermediateData } from './intermediate/intermediate.js';
export { legendLabels, varyingParams, formatParam } from './intermediate/legend-labels.js';
export { AupCompare } from './compare/compare.js';
export { compareSeriesFrom, experimentLabel, type CompareData } from './compare/compare-data.js';
export type { CompareSeries } from './specs/compare-spec.js';
export { AupChartElement, type ChartSlot } from './charts/chart-element.js';
export { VegaChart, embedOptions, embedVegaLite, type ChartContent } from './charts/vega-chart.js';
export { readChartTheme } from './charts/read-chart-theme.js';
export { LIGHT_CHART_THEME, DARK_CHART_THEME, type ChartTheme } from './specs/chart-theme.js';
