import type { ParamValue } from '../api/experiment-detail.js';
import type { JobSummary } from '../api/job-summary.js';

/** Params a legend names by default: enough to tell lines apart, few enough to read. */
export const DEFAULT_LEGEND_PARAMS = 3;
/** Significant digits of a numeric param in a legend. */
const LEGEND_DIGITS = 3;

/** Every param name of the jobs, in the order they first appear (the config's order). */
export function paramOrder(jobs: readonly JobSummary[]): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const j of jobs) {
    for (const k of Object.keys(j.params)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  return names;
}

/** The params whose values differ between the jobs (at most `max`, in param order): what tells their lines apart. */
export function varyingParams(jobs: readonly JobSummary[], max = DEFAULT_LEGEND_PARAMS): string[] {
  return paramOrder(jobs)
    .filter((name) => new Set(jobs.map((j) => formatParam(j.params[name]))).size > 1)
    .slice(0, max);
}

/** A param value as a legend shows it: numbers to 3 significant digits, text as is. */
export function formatParam(v: ParamValue | undefined): string {
  if (v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(LEGEND_DIGITS)));
  return String(v);
}

/**
 * Each job's legend text from the chosen params, `lr=0.01, opt=adam`; `job <id>` without params.
 * Jobs whose texts would be equal get their id added, so no two lines share a legend entry.
 */
export function legendLabels(jobs: readonly JobSummary[], params: readonly string[]): Map<number, string> {
  const text = new Map<number, string>();
  for (const j of jobs)
    text.set(j.id, params.length === 0 ? `job ${j.id}` : params.map((p) => `${p}=${formatParam(j.params[p])}`).join(', '));
  const counts = new Map<string, number>();
  for (const t of text.values()) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [id, t] of text) if (counts.get(t)! > 1 && params.length > 0) text.set(id, `${t} (job ${id})`);
  return text;
}
