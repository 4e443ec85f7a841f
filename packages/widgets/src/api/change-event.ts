// The data of one event of GET /api/v1/events (Server-Sent Events; see the server's events-routes.ts).
import { numberAt, objectAt, stringAt } from './parse.js';

/** Kinds of change the stream sends; `reset` means too much was missed: refetch everything. */
export type ChangeKind = 'experiment' | 'experiment_deleted' | 'job' | 'intermediate' | 'records' | 'reset';
export const CHANGE_KINDS: readonly ChangeKind[] = ['experiment', 'experiment_deleted', 'job', 'intermediate', 'records', 'reset'];

/** One change: its cursor id, kind and what it touched (the job or experiment summary rides along). */
export interface ChangeEvent {
  id: number;
  kind: ChangeKind;
  experiment_id: number | null;
  job_id: number | null;
  time?: string;
  job?: unknown;
  experiment?: unknown;
}

/** Reads one event: `kind` from the SSE `event:` field, `data` its JSON text. */
export function parseChangeEvent(kind: string, data: string): ChangeEvent {
  if (!(CHANGE_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`event: expected one of ${CHANGE_KINDS.join(', ')}, found ${JSON.stringify(kind)}`);
  }
  const o = objectAt(JSON.parse(data) as unknown, `${kind} event data`);
  if (kind === 'reset') {
    const last = numberAt(o, 'last_id', 'reset event data');
    return { id: last, kind: 'reset', experiment_id: null, job_id: null };
  }
  const id = numberAt(o, 'id', `${kind} event data`);
  if (o['time'] !== undefined) stringAt(o, 'time', `${kind} event data`);
  return {
    ...(o as Omit<ChangeEvent, 'id' | 'kind'>),
    id,
    kind: kind as ChangeKind,
    experiment_id: typeof o['experiment_id'] === 'number' ? o['experiment_id'] : null,
    job_id: typeof o['job_id'] === 'number' ? o['job_id'] : null,
  };
}
