/**
 * NSGA-II's selection (Deb et al. 2002): fast non-dominated sorting, crowding distance, and the
 * elitist choice of the next parents from the fronts in order, the last front cut by crowding.
 * Values are minimised (the proposer flips the sign of maximised objectives).
 */

/** Whether `a` dominates `b`, all objectives minimised: no worse in each and better in one. */
export function dominatesMin(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/** The fronts of `values` (indices), the first holding the non-dominated ones; each front in index order. */
export function nonDominatedFronts(values: ReadonlyArray<readonly number[]>): number[][] {
  const n = values.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominating: number[][] = values.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominatesMin(values[i]!, values[j]!)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dominatesMin(values[j]!, values[i]!)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const fronts: number[][] = [];
  let front = values.map((_, i) => i).filter((i) => dominatedBy[i] === 0);
  while (front.length > 0) {
    fronts.push(front);
    const next: number[] = [];
    for (const i of front) {
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    front = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * The crowding distance of each member of one front (same order as `front`): the sum over the
 * objectives of the normalised gap between its neighbours; the extremes get +∞.
 */
export function crowdingDistances(values: ReadonlyArray<readonly number[]>, front: readonly number[]): number[] {
  const d = new Array<number>(front.length).fill(0);
  if (front.length <= 2) return d.fill(Infinity);
  const m = values[front[0]!]!.length;
  for (let k = 0; k < m; k++) {
    // Stable: ties keep index order, so the distances do not depend on the sort's implementation.
    const order = front.map((_, i) => i).sort((a, b) => values[front[a]!]![k]! - values[front[b]!]![k]! || a - b);
    const lo = values[front[order[0]!]!]![k]!;
    const hi = values[front[order[order.length - 1]!]!]![k]!;
    d[order[0]!] = Infinity;
    d[order[order.length - 1]!] = Infinity;
    if (hi === lo) continue;
    for (let r = 1; r < order.length - 1; r++) {
      const gap = values[front[order[r + 1]!]!]![k]! - values[front[order[r - 1]!]!]![k]!;
      d[order[r]!] += gap / (hi - lo);
    }
  }
  return d;
}

/** A member's place in NSGA-II's order: its front (0 best) and crowding distance (larger better). */
export interface Standing {
  rank: number;
  crowding: number;
}

/** The rank and crowding distance of every entry of `values`. */
export function standings(values: ReadonlyArray<readonly number[]>): Standing[] {
  const out = new Array<Standing>(values.length);
  nonDominatedFronts(values).forEach((front, rank) => {
    const crowd = crowdingDistances(values, front);
    front.forEach((i, r) => (out[i] = { rank, crowding: crowd[r]! }));
  });
  return out;
}

/**
 * The indices of the `size` entries NSGA-II keeps: whole fronts in order, then the most crowded-apart
 * members of the front that does not fit (ties in index order). In ascending index order.
 */
export function selectElite(values: ReadonlyArray<readonly number[]>, size: number): number[] {
  if (values.length <= size) return values.map((_, i) => i);
  const kept: number[] = [];
  for (const front of nonDominatedFronts(values)) {
    if (kept.length + front.length <= size) {
      kept.push(...front);
      if (kept.length === size) break;
      continue;
    }
    const crowd = crowdingDistances(values, front);
    const order = front.map((_, i) => i).sort((a, b) => crowd[b]! - crowd[a]! || a - b);
    for (const r of order.slice(0, size - kept.length)) kept.push(front[r]!);
    break;
  }
  return kept.sort((a, b) => a - b);
}
