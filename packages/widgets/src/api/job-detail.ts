// The wire shape of GET /api/v1/jobs/:jid and its log route (the server's JobDetail, LogSlice schemas).
import type { JobStatus, ParamValue } from './experiment-detail.js';
import { arrayAt, numberAt, objectAt, stringAt } from './parse.js';

export interface JobAttempt {
  attempt: number;
  status: JobStatus;
  host: string | null;
  slot: string | null;
  worker_id: number | null;
  exit_code: number | null;
  score: number | null;
  error: string | null;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
}

/** One job in full. */
export interface JobDetail {
  id: number;
  experiment_id: number;
  trial: number;
  status: JobStatus;
  params: Record<string, ParamValue>;
  budget: number | null;
  score: number | null;
  metrics: Record<string, number>;
  warnings: string[];
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  attempts: JobAttempt[];
  records: {
    text: Array<{ name: string; step: number | null; text: string; time: string }>;
    histogram: Array<{ name: string; step: number | null; count: number; time: string }>;
    image: Array<{ index: number; name: string; step: number | null; path: string; time: string }>;
  };
  artifacts: Array<{ index: number; path: string; time: string }>;
}

/** A slice of an attempt's log. */
export interface LogSlice {
  job_id: number;
  attempt: number;
  size: number;
  offset: number;
  length: number;
  text: string;
}

/** Reads the body of GET /jobs/:jid. */
export function parseJobDetail(json: unknown): JobDetail {
  const o = objectAt(json, 'job');
  numberAt(o, 'id', 'job');
  arrayAt(o['attempts'], 'job.attempts');
  arrayAt(o['artifacts'], 'job.artifacts');
  arrayAt(o['warnings'], 'job.warnings');
  const records = objectAt(o['records'], 'job.records');
  for (const kind of ['text', 'histogram', 'image']) arrayAt(records[kind], `job.records.${kind}`);
  return o as unknown as JobDetail;
}

/** Reads the body of GET /jobs/:jid/attempts/:k/log. */
export function parseLogSlice(json: unknown): LogSlice {
  const o = objectAt(json, 'log');
  numberAt(o, 'size', 'log');
  stringAt(o, 'text', 'log');
  return o as unknown as LogSlice;
}
