/**
 * @aup/server/wire: the HTTP API's shapes, defined once by the route schemas (TypeBox, so each is
 * JSON Schema and a TypeScript type at once). `WIRE_SCHEMAS` names the shapes a client reads or
 * sends; the types are their `Static<>`. The widgets carry a generated copy of these types
 * (packages/widgets/src/api/wire.ts, by scripts/wire-types.mjs), so they import no server code.
 * @packageDocumentation
 */
import {
  ControlledExperimentSchema,
  ControlRequestSchema,
  CopyExperimentBodySchema,
  CreateExperimentBodySchema,
  EnqueueTrialBodySchema,
  EnvironmentResetBodySchema,
  EnvironmentResetResultSchema,
  ReportJobBodySchema,
  ReportJobResultSchema,
  RunnerInfoSchema,
  SetExperimentBodySchema,
} from './api/control-schemas.js';
import { JobColumnsSchema } from './api/job-columns-routes.js';
import {
  AttemptSchema,
  DeleteJobResultSchema,
  JobDetailSchema,
  JobRecordSchema,
  JobRecordsSchema,
  LogSliceSchema,
  WorkerListSchema,
  WorkerSchema,
} from './api/job-schemas.js';
import {
  BestSoFarResponseSchema,
  BestSoFarSeriesSchema,
  IntermediateSeriesSchema,
  JobPageSchema,
  SeriesResponseSchema,
} from './api/query-schemas.js';
import {
  BestJobSchema,
  ConfigProblemSchema,
  ConfigValidationSchema,
  DeleteExperimentResultSchema,
  ErrorBodySchema,
  ExperimentDetailSchema,
  ExperimentListRowSchema,
  ExperimentListSchema,
  ExperimentStatusSchema,
  ExperimentSummarySchema,
  StopReasonSchema,
  WarmStartSchema,
  HealthSchema,
  JobCountsSchema,
  JobStatusSchema,
  JobSummarySchema,
  ParamValueSchema,
} from './api/schemas.js';

/** Every shape a client of the API reads or sends, by the name its type has. */
export const WIRE_SCHEMAS = {
  ErrorBody: ErrorBodySchema,
  Health: HealthSchema,
  ExperimentStatus: ExperimentStatusSchema,
  JobStatus: JobStatusSchema,
  ParamValue: ParamValueSchema,
  JobCounts: JobCountsSchema,
  StopReason: StopReasonSchema,
  ExperimentSummary: ExperimentSummarySchema,
  ExperimentListRow: ExperimentListRowSchema,
  ExperimentList: ExperimentListSchema,
  BestJob: BestJobSchema,
  WarmStart: WarmStartSchema,
  ExperimentDetail: ExperimentDetailSchema,
  JobSummary: JobSummarySchema,
  JobPage: JobPageSchema,
  JobColumns: JobColumnsSchema,
  Attempt: AttemptSchema,
  JobDetail: JobDetailSchema,
  LogSlice: LogSliceSchema,
  JobRecord: JobRecordSchema,
  JobRecords: JobRecordsSchema,
  IntermediateSeries: IntermediateSeriesSchema,
  SeriesResponse: SeriesResponseSchema,
  BestSoFarSeries: BestSoFarSeriesSchema,
  BestSoFarResponse: BestSoFarResponseSchema,
  Worker: WorkerSchema,
  WorkerList: WorkerListSchema,
  ConfigProblem: ConfigProblemSchema,
  ConfigValidation: ConfigValidationSchema,
  DeleteExperimentResult: DeleteExperimentResultSchema,
  DeleteJobResult: DeleteJobResultSchema,
  RunnerInfo: RunnerInfoSchema,
  ControlledExperiment: ControlledExperimentSchema,
  ControlRequest: ControlRequestSchema,
  ReportJobResult: ReportJobResultSchema,
  EnvironmentResetResult: EnvironmentResetResultSchema,
  CreateExperimentBody: CreateExperimentBodySchema,
  CopyExperimentBody: CopyExperimentBodySchema,
  SetExperimentBody: SetExperimentBodySchema,
  EnqueueTrialBody: EnqueueTrialBodySchema,
  ReportJobBody: ReportJobBodySchema,
  EnvironmentResetBody: EnvironmentResetBodySchema,
} as const;

export type {
  BestJob,
  ConfigProblem,
  ConfigValidation,
  DeleteExperimentResult,
  ErrorBody,
  ExperimentDetail,
  ExperimentList,
  ExperimentListRow,
  ExperimentSummary,
  Health,
  StopReason,
  WarmStart,
  JobCounts,
  JobSummary,
} from './api/schemas.js';
export type { ExperimentStatus, JobStatus, ParamValue } from '@aup/core';
export type { JobColumns } from './api/job-columns-routes.js';
export type { Attempt, DeleteJobResult, JobDetail, JobRecord, JobRecords, LogSlice, Worker, WorkerList } from './api/job-schemas.js';
export type { BestSoFarResponse, BestSoFarSeries, IntermediateSeries, JobPage, SeriesResponse } from './api/query-schemas.js';
export type {
  ControlledExperiment,
  ControlRequestDto as ControlRequest,
  CopyExperimentBody,
  CreateExperimentBody,
  EnqueueTrialBody,
  EnvironmentResetBody,
  EnvironmentResetResult,
  ReportJobBody,
  ReportJobResult,
  RunnerInfo,
  SetExperimentBody,
} from './api/control-schemas.js';
