import { yOf, type HigGeometry } from './hig-model.js';

/** Colour buckets of the score shade: enough for a smooth ramp, few enough to stroke each once. */
export const SHADE_BUCKETS = 24;

export interface HigLines {
  geometry: HigGeometry;
  /** Positions per shown axis, in axis order (each one value per job; NaN for none). */
  cols: readonly Float64Array[];
  n: number;
  /** Jobs that are drawn at all (the top-k filter); undefined: every job. */
  include: Uint8Array | undefined;
  /** Jobs inside every brush; undefined: no brush, every included job is selected. */
  selected: Uint8Array | undefined;
  /** Score shade per job, 0 worst .. 1 best, NaN without a score. */
  shades: Float64Array;
  /** SHADE_BUCKETS colours, worst to best. */
  ramp: readonly string[];
  noScoreColor: string;
  fadedColor: string;
  alpha: number;
}

/**
 * Draws the lines of a parallel-coordinates plot on a 2D canvas (already scaled to CSS pixels):
 * brushed-out lines first in one faint colour, then the selected ones bucketed by score shade,
 * worst first so the best end up on top. One path per bucket keeps 10,000 lines to a few dozen
 * strokes. Answers how many lines it drew selected and faded.
 */
export function drawHigLines(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  lines: HigLines,
): { selected: number; faded: number } {
  ctx.clearRect(0, 0, width, height);
  const { n, include, selected, shades } = lines;
  const buckets: number[][] = Array.from({ length: SHADE_BUCKETS + 1 }, () => []);
  const faded: number[] = [];
  for (let i = 0; i < n; i++) {
    if (include !== undefined && include[i] === 0) continue;
    if (selected !== undefined && selected[i] === 0) {
      faded.push(i);
      continue;
    }
    const s = shades[i]!;
    // Bucket 0 holds the jobs without a score; 1..SHADE_BUCKETS the shades.
    buckets[Number.isNaN(s) ? 0 : 1 + Math.min(SHADE_BUCKETS - 1, Math.floor(s * SHADE_BUCKETS))]!.push(i);
  }
  ctx.lineWidth = 1;
  ctx.lineJoin = 'round';
  if (faded.length > 0) {
    ctx.globalAlpha = Math.min(0.5, lines.alpha);
    ctx.strokeStyle = lines.fadedColor;
    strokeLines(ctx, lines, faded);
  }
  ctx.globalAlpha = lines.alpha;
  let drawn = 0;
  buckets.forEach((bucket, b) => {
    if (bucket.length === 0) return;
    ctx.strokeStyle = b === 0 ? lines.noScoreColor : lines.ramp[b - 1]!;
    strokeLines(ctx, lines, bucket);
    drawn += bucket.length;
  });
  ctx.globalAlpha = 1;
  return { selected: drawn, faded: faded.length };
}

function strokeLines(ctx: CanvasRenderingContext2D, lines: HigLines, jobs: readonly number[]): void {
  const { geometry, cols } = lines;
  const { xs } = geometry;
  ctx.beginPath();
  for (const i of jobs) {
    let pen = false;
    for (let k = 0; k < cols.length; k++) {
      const t = cols[k]![i]!;
      if (Number.isNaN(t)) {
        pen = false;
        continue;
      }
      const y = yOf(geometry, t);
      if (pen) ctx.lineTo(xs[k]!, y);
      else {
        ctx.moveTo(xs[k]!, y);
        // A job with a value on only one axis still shows: a short tick across it.
        if (k === cols.length - 1 || Number.isNaN(cols[k + 1]![i]!)) ctx.lineTo(xs[k]! + 0.5, y);
        pen = true;
      }
    }
  }
  ctx.stroke();
}
