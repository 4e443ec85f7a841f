/**
 * The good/bad split of multi-objective TPE (MOTPE: Ozaki, Tanigaki, Watanabe & Onishi 2020, as
 * Optuna 3.1's TPESampler does it with several directions): the good trials are whole
 * non-domination fronts in order; the front that does not fit whole gives the members that add
 * the most hypervolume, chosen greedily (the hypervolume subset selection problem), against a
 * reference point just beyond that front's worst values.
 */
import { hypervolume } from '../../math/hypervolume.js';
import { nonDominatedFronts } from '../nsga2/nsga2-sort.js';

/** Optuna's margin of the reference point beyond the worst value of the front being cut. */
const REFERENCE_MARGIN = 0.1;
/** A reference coordinate of exactly 0 is moved to this, so the front still has volume (Optuna's EPS). */
const EPS = 1e-12;

/**
 * The indices of the `nBelow` good entries of `losses` (every objective minimised, all finite), in
 * ascending order.
 */
export function multiObjectiveBelow(losses: ReadonlyArray<readonly number[]>, nBelow: number): number[] {
  const below: number[] = [];
  for (const front of nonDominatedFronts(losses)) {
    if (below.length + front.length <= nBelow) {
      below.push(...front);
      if (below.length === nBelow) break;
      continue;
    }
    below.push(...selectByHypervolume(losses, front, nBelow - below.length));
    break;
  }
  return below.sort((a, b) => a - b);
}

/** Greedy hypervolume subset selection: `k` members of `front`, each the one adding the most volume (ties: lower index). */
function selectByHypervolume(losses: ReadonlyArray<readonly number[]>, front: readonly number[], k: number): number[] {
  const m = losses[front[0]!]!.length;
  const reference = Array.from({ length: m }, (_, j) => {
    const worst = Math.max(...front.map((i) => losses[i]![j]!));
    const r = Math.max((1 + REFERENCE_MARGIN) * worst, (1 - REFERENCE_MARGIN) * worst);
    return r === 0 ? EPS : r;
  });
  const chosen: number[] = [];
  const left = [...front];
  while (chosen.length < k && left.length > 0) {
    let best = 0;
    let bestVolume = -Infinity;
    left.forEach((i, at) => {
      const v = hypervolume(
        [...chosen, i].map((c) => losses[c]!),
        reference,
      );
      if (v > bestVolume) {
        bestVolume = v;
        best = at;
      }
    });
    chosen.push(left.splice(best, 1)[0]!);
  }
  return chosen;
}

/**
 * The kernel weights of the good trials (Optuna 3.1's): each one's hypervolume contribution (the
 * volume lost without it) over the largest, against a reference 10 % beyond their worst values;
 * a good trial another good one dominates adds nothing and weighs 0.
 */
export function belowWeights(losses: ReadonlyArray<readonly number[]>): Float64Array {
  const n = losses.length;
  if (n <= 1) return new Float64Array(n).fill(1);
  const m = losses[0]!.length;
  const reference = Array.from({ length: m }, (_, j) => {
    const worst = Math.max(...losses.map((l) => l[j]!));
    const r = Math.max((1 + REFERENCE_MARGIN) * worst, (1 - REFERENCE_MARGIN) * worst);
    return r === 0 ? EPS : r;
  });
  const whole = hypervolume(losses, reference);
  const contributions = losses.map((_, i) => whole - hypervolume([...losses.slice(0, i), ...losses.slice(i + 1)], reference));
  const top = Math.max(...contributions);
  return Float64Array.from(contributions, (c) => (top > 0 ? Math.min(1, Math.max(0, c / top)) : 1));
}
