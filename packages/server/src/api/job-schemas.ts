import { Type, type Static } from '@sinclair/typebox';

import { MAX_ID, Nullable, ParamValue, StringEnum, Timestamp } from './schema-kit.js';
import { JobStatusSchema } from './schemas.js';

// Wire shapes of one job in full (job-routes.ts), the export (export-routes.ts) and the workers
// (worker-routes.ts). Paths are given as the job recorded them: the working directory and other
// absolute server paths never reach the client.

/** Bytes of a log served when the request names no range: the end of the log, a screenful or two. */
export const DEFAULT_LOG_TAIL = 64 * 1024;
/** The most bytes one log request serves, so a log of gigabytes is only ever read in slices. */
export const MAX_LOG_CHUNK = 1024 * 1024;

const Id = Type.Integer({ minimum: 1, maximum: MAX_ID });

export const RECORD_KINDS = ['text', 'histogram', 'image'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const JobIdParamsSchema = Type.Object({ jid: Id }, { additionalProperties: false });
export type JobIdParams = Static<typeof JobIdParamsSchema>;

export const DeleteJobQuerySchema = Type.Object(
  {
    files: Type.Boolean({
      default: false,
      description: "Also remove the job's runner files (<id>.json, <id>.<attempt>.out) from its experiment's job folder",
    }),
  },
  { additionalProperties: false },
);
export type DeleteJobQuery = Static<typeof DeleteJobQuerySchema>;

export const DeleteJobResultSchema = Type.Object({
  id: Type.Integer(),
  experiment_id: Type.Integer(),
  deleted: Type.Literal(true),
  files_removed: Type.Integer({ description: 'Job files removed (0 unless files=true)' }),
  files_skipped: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() })),
});
export type DeleteJobResult = Static<typeof DeleteJobResultSchema>;

export const AttemptParamsSchema = Type.Object(
  { jid: Id, k: Type.Integer({ minimum: 1, maximum: MAX_ID, description: 'Attempt number, from 1' }) },
  { additionalProperties: false },
);
export type AttemptParams = Static<typeof AttemptParamsSchema>;

export const FileIndexParamsSchema = Type.Object(
  { jid: Id, index: Type.Integer({ minimum: 0, maximum: MAX_ID, description: 'Position in the job’s list, from 0' }) },
  { additionalProperties: false },
);
export type FileIndexParams = Static<typeof FileIndexParamsSchema>;

export const AttemptSchema = Type.Object({
  attempt: Type.Integer(),
  kind: Type.Union([Type.Literal('trial'), Type.Literal('save_model')], {
    description:
      "trial: a run of the job's parameters; save_model: the best job run again after the experiment to save its model (it leaves the job's status and score alone)",
  }),
  status: JobStatusSchema,
  host: Nullable(Type.String()),
  slot: Nullable(Type.String({ description: "Resource slot, e.g. 'cpu:0', 'gpu:1', 'user@host'" })),
  worker_id: Nullable(Type.Integer()),
  exit_code: Nullable(Type.Integer()),
  score: Nullable(Type.Number()),
  error: Nullable(Type.String()),
  started_at: Timestamp,
  ended_at: Nullable(Timestamp),
  duration_ms: Nullable(Type.Number({ description: 'ended_at - started_at; null while running' })),
});
export type Attempt = Static<typeof AttemptSchema>;

export const TextRecordSchema = Type.Object({ name: Type.String(), step: Nullable(Type.Number()), text: Type.String(), time: Timestamp });
export const HistogramSummarySchema = Type.Object({
  name: Type.String(),
  step: Nullable(Type.Number()),
  count: Type.Integer({ description: 'How many values; GET .../records?kind=histogram has them' }),
  time: Timestamp,
});
export const ImageRecordSchema = Type.Object({
  index: Type.Integer({ description: 'For GET /jobs/{jid}/images/{index}' }),
  name: Type.String(),
  step: Nullable(Type.Number()),
  path: Type.String({ description: 'As the job recorded it (relative to the working directory, or absolute)' }),
  time: Timestamp,
});
export const ArtifactSchema = Type.Object({
  index: Type.Integer({ description: 'For GET /jobs/{jid}/artifacts/{index}' }),
  path: Type.String({ description: 'As the job recorded it (relative to the working directory, or absolute)' }),
  time: Timestamp,
});

export const JobDetailSchema = Type.Object({
  id: Type.Integer(),
  experiment_id: Type.Integer(),
  trial: Type.Integer(),
  status: JobStatusSchema,
  params: Type.Record(Type.String(), ParamValue),
  budget: Nullable(Type.Number()),
  score: Nullable(Type.Number()),
  metrics: Type.Record(Type.String(), Type.Number()),
  warnings: Type.Array(Type.String()),
  created_at: Timestamp,
  started_at: Nullable(Timestamp),
  ended_at: Nullable(Timestamp),
  attempts: Type.Array(AttemptSchema),
  records: Type.Object({
    text: Type.Array(TextRecordSchema),
    histogram: Type.Array(HistogramSummarySchema),
    image: Type.Array(ImageRecordSchema),
  }),
  artifacts: Type.Array(ArtifactSchema),
});
export type JobDetail = Static<typeof JobDetailSchema>;

export const LogQuerySchema = Type.Object(
  {
    tail: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_LOG_CHUNK,
        description: `Serve the last N bytes (default ${DEFAULT_LOG_TAIL} when no range is given)`,
      }),
    ),
    offset: Type.Optional(Type.Integer({ minimum: 0, description: 'Serve from this byte; with length, not with tail' })),
    length: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_LOG_CHUNK, description: `Bytes from offset (default and at most ${MAX_LOG_CHUNK})` }),
    ),
  },
  { additionalProperties: false },
);
export type LogQuery = Static<typeof LogQuerySchema>;

export const LogSliceSchema = Type.Object({
  job_id: Type.Integer(),
  attempt: Type.Integer(),
  size: Type.Integer({ description: 'Size of the whole log in bytes' }),
  offset: Type.Integer({ description: 'First byte served' }),
  length: Type.Integer({ description: 'Bytes served; offset + length = size when the slice reaches the end' }),
  text: Type.String({
    description: 'The bytes served, as UTF-8 (a range never splits a character: its ends move to character boundaries)',
  }),
});
export type LogSlice = Static<typeof LogSliceSchema>;

export const RecordsQuerySchema = Type.Object(
  {
    kind: Type.Optional(StringEnum(RECORD_KINDS, { description: 'Only records of this kind' })),
    name: Type.Optional(Type.String({ minLength: 1, description: 'Only records of this name' })),
  },
  { additionalProperties: false },
);
export type RecordsQuery = Static<typeof RecordsQuerySchema>;

export const JobRecordSchema = Type.Object({
  kind: StringEnum(RECORD_KINDS),
  name: Type.String(),
  step: Nullable(Type.Number()),
  time: Timestamp,
  text: Type.Optional(Type.String({ description: 'kind text' })),
  values: Type.Optional(Type.Array(Nullable(Type.Number()), { description: 'kind histogram (non-finite values are null)' })),
  image_index: Type.Optional(Type.Integer({ description: 'kind image: for GET /jobs/{jid}/images/{index}' })),
  path: Type.Optional(Type.String({ description: 'kind image: the path as recorded' })),
});
export type JobRecord = Static<typeof JobRecordSchema>;
export const JobRecordsSchema = Type.Object({ job_id: Type.Integer(), records: Type.Array(JobRecordSchema) });
export type JobRecords = Static<typeof JobRecordsSchema>;

export const FileBodySchema = Type.Unknown({ description: 'The file itself (not JSON), with its content type' });

export const EXPORT_FORMATS = ['csv', 'xlsx', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const ExportQuerySchema = Type.Object(
  {
    format: StringEnum(EXPORT_FORMATS, { default: 'csv' }),
    jobs: Type.Optional(
      Type.String({
        pattern: '^[0-9]+(,[0-9]+)*$',
        description: 'Comma-separated job ids to export (default: every job of the experiment)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ExportQuery = Static<typeof ExportQuerySchema>;

export const WorkerSchema = Type.Object({
  id: Type.Integer(),
  host: Type.String(),
  pid: Nullable(Type.Integer()),
  slots: Type.Integer(),
  resource: Type.String(),
  tags: Type.Array(Type.String()),
  status: Type.String(),
  started_at: Timestamp,
  heartbeat_at: Timestamp,
  stale: Type.Boolean({ description: 'No heartbeat for longer than the lease while not stopped: the worker is probably dead' }),
  current_jobs: Type.Array(Type.Integer(), { description: 'Jobs with a running attempt on this worker' }),
});
export type Worker = Static<typeof WorkerSchema>;
export const WorkerListSchema = Type.Object({ workers: Type.Array(WorkerSchema) });
export type WorkerList = Static<typeof WorkerListSchema>;
