// The wire shape of one row of GET /api/v1/experiments (the server's ExperimentSummary schema).
// Widgets take no run-time code from the server, so the type is spelled out here.

export type ExperimentStatus = 'created' | 'running' | 'stopping' | 'stopped' | 'finished' | 'failed';

/** One experiment as the board API lists it; also what the `data` property of `<aup-experiment-list>` takes. */
export interface ExperimentSummary {
  id: number;
  name: string;
  status: ExperimentStatus;
  proposer: string;
  target: 'min' | 'max';
  n_samples: number;
  /** Jobs that reached an end state (finished, failed or early_stopped). */
  jobs_done: number;
  best_score: number | null;
  user: string;
  /** The machine the experiment was created on; absent or null when unknown. */
  hostname?: string | null;
  /** ISO 8601 timestamps. */
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

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
