// Pure formatting of table cells, shared by the widgets.

/** What a cell shows for a missing value. */
export const MISSING = '—';
/** Significant digits of a score: enough to tell close trials apart, short enough for a column. */
export const SCORE_DIGITS = 4;
// Outside this range fixed notation gets long or loses the digits that matter; use exponent form.
const EXPONENT_ABOVE = 1e6;
const EXPONENT_BELOW = 1e-4;

/**
 * A score for display: SCORE_DIGITS significant digits, exponent form for very large or small values.
 * @example formatScore(0.934567) // '0.9346'
 */
export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined || Number.isNaN(score)) return MISSING;
  if (!Number.isFinite(score)) return score > 0 ? '∞' : '-∞';
  if (score === 0) return '0';
  const abs = Math.abs(score);
  if (abs >= EXPONENT_ABOVE || abs < EXPONENT_BELOW) return score.toExponential(SCORE_DIGITS - 1);
  // Integers with more digits than SCORE_DIGITS keep them all: 12345 is clearer than 1.235e+4.
  if (abs >= 10 ** SCORE_DIGITS) return String(Math.round(score));
  return String(Number(score.toPrecision(SCORE_DIGITS)));
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let f = dateFormats.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    dateFormats.set(key, f);
  }
  return f;
}

/**
 * An ISO timestamp as `YYYY-MM-DD HH:MM` in `timeZone` (default: the viewer's). Unparseable text is
 * shown as given, so a surprising value is visible rather than hidden.
 * @example formatTimestamp('2025-03-04T05:06:07Z', 'UTC') // '2025-03-04 05:06'
 */
export function formatTimestamp(iso: string | null | undefined, timeZone?: string): string {
  if (iso === null || iso === undefined || iso === '') return MISSING;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const parts: Record<string, string> = {};
  for (const p of dateFormat(timeZone).formatToParts(ms)) parts[p.type] = p.value;
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}`;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

/**
 * A duration as a short text in the one set of units every element uses: `45 s`, `3 min 20 s`,
 * `2 h 05 min`, `3 d 4 h`; MISSING when there is none. Under a minute `subSecond` keeps the
 * precision a short job needs (`850 ms`, `12.3 s`: the job table); without it whole seconds (a
 * running clock, the overview's elapsed time, would flicker in tenths).
 * @example formatDuration(200_000) // '3 min 20 s'
 * @example formatDuration(850, { subSecond: true }) // '850 ms'
 */
export function formatDuration(ms: number | null | undefined, opts: { subSecond?: boolean } = {}): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return MISSING;
  if (opts.subSecond === true && ms < MINUTE_MS) return ms < SECOND_MS ? `${Math.round(ms)} ms` : `${(ms / SECOND_MS).toFixed(1)} s`;
  const s = Math.round(ms / SECOND_MS);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * Jobs done out of the planned number.
 * @example formatProgress(3, 10) // '3 / 10'
 */
export function formatProgress(done: number, total: number): string {
  return `${done} / ${total}`;
}
