// The query string of GET /experiments/:id/jobs: paging, sort by any column, filters and search.
// Columns are the API's names: id, trial, status, score, budget, attempts, created_at, started_at,
// ended_at, duration, `param:<name>` and `metric:<label>`. The filter syntax (repeated
// `filter=<column><op><value>`) is the one place to change if the server settles on another.

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains';
export const FILTER_OPS: readonly FilterOp[] = ['=', '!=', '<', '<=', '>', '>=', 'contains'];

/** One condition on one column. */
export interface JobFilter {
  column: string;
  op: FilterOp;
  value: string | number;
}

/** What a page of jobs is asked with. */
export interface JobQuery {
  offset?: number;
  limit?: number;
  sort?: { column: string; order: 'asc' | 'desc' };
  filters?: readonly JobFilter[];
  /** Global search over every column's text. */
  search?: string;
}

/** `filter=` value for one condition: `metric:acc>=0.9`, `status=finished`, `param:opt contains ad`. */
export function formatFilter(f: JobFilter): string {
  return f.op === 'contains' ? `${f.column} contains ${f.value}` : `${f.column}${f.op}${f.value}`;
}

/** The query string (without `?`) of a jobs request. */
export function jobQueryString(q: JobQuery): string {
  const p = new URLSearchParams();
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.offset !== undefined && q.offset > 0) p.set('offset', String(q.offset));
  if (q.sort !== undefined) {
    p.set('sort', q.sort.column);
    p.set('order', q.sort.order);
  }
  for (const f of q.filters ?? []) p.append('filter', formatFilter(f));
  if (q.search !== undefined && q.search !== '') p.set('q', q.search);
  return p.toString();
}
