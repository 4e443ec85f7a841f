// The wire shape of one row of GET /api/v1/experiments: the api/ module's type, printed from the
// server's ExperimentSummary schema.
import type { ExperimentSummary } from '../api/experiment-detail.js';

export type { ExperimentStatus, ExperimentSummary } from '../api/experiment-detail.js';

/** Reads the body of GET /experiments, checking the outline the list relies on. */
export function parseExperimentList(json: unknown): ExperimentSummary[] {
  const list = typeof json === 'object' && json !== null ? (json as { experiments?: unknown }).experiments : undefined;
  if (!Array.isArray(list)) {
    throw new Error(`expected a JSON object { experiments: [...] }, found ${describe(json)}`);
  }
  list.forEach((row: unknown, i) => {
    if (typeof row !== 'object' || row === null || typeof (row as { id?: unknown }).id !== 'number') {
      throw new Error(`experiments[${i}] is ${describe(row)}: expected an object with a numeric id`);
    }
  });
  return list as ExperimentSummary[];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object without that key' : `a ${typeof v}`;
}
