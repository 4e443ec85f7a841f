// The events the elements fire to each other and to the page (docs/architecture.md §6: `aup-*`, bubbling and
// composed). One declaration per event, so a page or <aup-board> can wire elements together:
// a brush on <aup-hig> sets `selection` on <aup-job-table>, <aup-job-chart> and <aup-intermediate>.

/**
 * A range on one column: `[min, max]` inclusive for a numeric column, or the values kept for a
 * categorical one. Columns use the API's names: `score`, `param:<name>`, `metric:<label>`, ...
 */
export type SelectionRange = readonly [number, number] | ReadonlyArray<string | number | boolean>;

/** What is selected: jobs matching every range (AND), and/or these job ids; `null`/empty = no selection. */
export interface JobSelection {
  /** The element that made the selection (its tag name), so it can ignore its own echo. */
  source: string;
  /** Per-column ranges that a job must all satisfy; `{}` when the selection is by ids only. */
  ranges: Readonly<Record<string, SelectionRange>>;
  /** Explicitly selected jobs (a click, a lasso), or null. */
  jobIds: readonly number[] | null;
}

/** `aup-selection-change`: the user changed the selection (brushed an axis, clicked rows); `detail` is the whole new selection. */
export type AupSelectionChangeEvent = CustomEvent<JobSelection>;

/** `detail` of `aup-open-job`: a job was activated (a point clicked, a row opened). */
export interface OpenJobDetail {
  experimentId: number;
  jobId: number;
}
export type AupOpenJobEvent = CustomEvent<OpenJobDetail>;

/** An empty selection. */
export const NO_SELECTION: JobSelection = Object.freeze({ source: '', ranges: Object.freeze({}), jobIds: null });

/** Whether a selection selects anything. */
export function isEmptySelection(s: JobSelection | null | undefined): boolean {
  return s == null || (Object.keys(s.ranges).length === 0 && (s.jobIds === null || s.jobIds.length === 0));
}

/** Fires an `aup-*` event from `host`: bubbling and composed, so it crosses shadow roots. */
export function fire<T>(host: EventTarget, type: `aup-${string}`, detail: T): boolean {
  return host.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
}
