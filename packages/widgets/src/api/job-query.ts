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
  /** Only these jobs. */
  jobIds?: readonly number[];
}

/** URL spelling of each comparator (`~` is contains). */
const URL_OPS: Readonly<Record<FilterOp, string>> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=', contains: '~' };
const LOOKS_NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const STARTS_WITH_OP = /^[=<>!~]/;

/**
 * `filter=` value for one condition, as the server reads it: `metric:acc>=0.9`, `status=finished`,
 * `param:opt~ad`. A text value that would read as a number or an operator is sent in double quotes.
 */
export function formatFilter(f: JobFilter): string {
  const text = String(f.value);
  const value =
    typeof f.value === 'string' && (LOOKS_NUMERIC.test(text) || STARTS_WITH_OP.test(text) || text.startsWith('"')) ? `"${text}"` : text;
  return `${f.column}${URL_OPS[f.op]}${value}`;
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
  if (q.jobIds !== undefined && q.jobIds.length > 0) p.set('jobs', q.jobIds.join(','));
  return p.toString();
}
