/**
 * The hypervolume indicator (Zitzler & Thiele 1998): the volume a set of points dominates, all
 * objectives minimised, bounded by a reference point. Used by multi-objective TPE's split and by
 * the multi-objective benchmarks.
 */

/** The area dominated by 2-D points (minimised) and bounded by `ref`. */
function hypervolume2(points: ReadonlyArray<readonly number[]>, ref: readonly number[]): number {
  const pts = points.filter((p) => p[0]! < ref[0]! && p[1]! < ref[1]!).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let hv = 0;
  let bestY = ref[1]!;
  for (let i = 0; i < pts.length; i++) {
    const [x, y] = pts[i]! as [number, number];
    if (y >= bestY) continue;
    // The strip from x to the next point's x (or the reference) is dominated down from bestY to y.
    hv += (ref[0]! - x) * (bestY - y);
    bestY = y;
  }
  return hv;
}

/**
 * The hypervolume dominated by `points` (all objectives minimised) and bounded by `ref`: exact, for
 * 2 objectives by a sweep, for more by slicing along the last objective (fine for hundreds of points).
 */
export function hypervolume(points: ReadonlyArray<readonly number[]>, ref: readonly number[]): number {
  const m = ref.length;
  const inside = points.filter((p) => p.every((x, i) => x < ref[i]!));
  if (inside.length === 0) return 0;
  if (m === 1) return ref[0]! - Math.min(...inside.map((p) => p[0]!));
  if (m === 2) return hypervolume2(inside, ref);
  const sorted = [...inside].sort((a, b) => a[m - 1]! - b[m - 1]!);
  let hv = 0;
  for (let i = 0; i < sorted.length; i++) {
    const lo = sorted[i]![m - 1]!;
    const hi = i + 1 < sorted.length ? sorted[i + 1]![m - 1]! : ref[m - 1]!;
    if (hi <= lo) continue;
    const slice = sorted.slice(0, i + 1).map((p) => p.slice(0, m - 1));
    hv += (hi - lo) * hypervolume(slice, ref.slice(0, m - 1));
  }
  return hv;
}
