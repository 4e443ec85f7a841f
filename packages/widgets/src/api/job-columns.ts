// The wire shape of GET /api/v1/experiments/:id/job-columns (wire.ts, printed from the server's
// JobColumns schema): the jobs route's jobs, unfiltered and in id order, as one array per field.
import { arrayAt, numberAt, objectAt } from './parse.js';
import type { JobColumns, JobSummary, ParamValue } from './wire.js';

export type { JobColumns };

const ROW_COLUMNS = ['trial', 'status', 'score', 'budget', 'attempts', 'started_at', 'ended_at'] as const;

/** Reads the body of GET /experiments/:id/job-columns: every column as long as `id`. */
export function parseJobColumns(json: unknown): JobColumns {
  const o = objectAt(json, 'body');
  numberAt(o, 'total', 'body');
  const n = arrayAt(o['id'], 'body.id').length;
  const sameLength = (v: unknown, path: string) => {
    const a = arrayAt(v, path);
    if (a.length !== n) throw new Error(`${path}: expected ${n} cells (one per id), found ${a.length}`);
  };
  for (const k of ROW_COLUMNS) sameLength(o[k], `body.${k}`);
  for (const group of ['params', 'metrics'] as const) {
    for (const [name, cells] of Object.entries(objectAt(o[group], `body.${group}`))) sameLength(cells, `body.${group}.${name}`);
  }
  return o as unknown as JobColumns;
}

/** The jobs the columns hold, as the jobs route lists them (a null param or metric is left out). */
export function jobSummariesOf(c: JobColumns): JobSummary[] {
  const params = Object.entries(c.params);
  const metrics = Object.entries(c.metrics);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return c.id.map((id, i) => {
    const p: Record<string, ParamValue> = {};
    for (const [name, cells] of params) {
      const v = cells[i];
      if (v !== null && v !== undefined) p[name] = v;
    }
    const m: Record<string, number> = {};
    for (const [name, cells] of metrics) {
      const v = cells[i];
      if (v !== null && v !== undefined) m[name] = v;
    }
    return {
      id,
      trial: c.trial[i]!,
      status: c.status[i]!,
      score: c.score[i] ?? null,
      metrics: m,
      params: p,
      budget: c.budget[i] ?? null,
      attempts: c.attempts[i]!,
      started_at: iso(c.started_at[i] ?? null),
      ended_at: iso(c.ended_at[i] ?? null),
    };
  });
}
