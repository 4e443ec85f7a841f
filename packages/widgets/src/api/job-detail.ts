// The wire shapes of GET /api/v1/jobs/:jid and its log route (wire.ts, printed from the server's
// JobDetail and LogSlice schemas).
import { arrayAt, numberAt, objectAt, stringAt } from './parse.js';
import type { Attempt, JobDetail, LogSlice } from './wire.js';

/** One attempt of a job. */
export type JobAttempt = Attempt;
export type { JobDetail, LogSlice };

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
