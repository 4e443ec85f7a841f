/**
 * hyperopt's annealing engine (Bergstra's `anneal.py`): pick one of the best trials so far (its rank
 * drawn from a geometric distribution with mean `avg_best_idx`), then draw every parameter from a
 * neighbourhood of that trial's value whose width shrinks as 1 / (1 + trials · shrink_coef).
 */
import type { Rng } from '../../rng.js';
import type { KernelSpace } from '../parzen/kernel-space.js';
import type { HyperoptSettings } from './hyperopt-settings.js';

/** Rank 0, 1, 2, ... drawn from a geometric distribution with mean `mean` − 1, capped at `count` − 1. */
export function geometricRank(rng: Rng, mean: number, count: number): number {
  const p = 1 / mean;
  if (p >= 1 || count <= 1) return 0;
  // Inversion: the number of failures before the first success of a Bernoulli(p).
  const k = Math.floor(Math.log(1 - rng.next()) / Math.log(1 - p));
  return Math.min(count - 1, k);
}

/**
 * The next point in kernel coordinates around one of `ranked` (best first, non-empty), after
 * `trials` trials. A numeric coordinate is uniform on a window of width w = 1 / (1 + trials ·
 * shrink_coef) centred on the chosen value and shifted to fit in [0, 1]; a choice keeps the chosen
 * value with probability 1 − w and is otherwise drawn uniformly.
 */
export function proposeAnneal(
  space: KernelSpace,
  ranked: readonly Float64Array[],
  trials: number,
  settings: HyperoptSettings,
  rng: Rng,
): Float64Array {
  const base = ranked[geometricRank(rng, settings.avg_best_idx, ranked.length)]!;
  const width = 1 / (1 + trials * settings.shrink_coef);
  const half = width / 2;
  const x = new Float64Array(space.d);
  for (let j = 0; j < space.d; j++) {
    const dim = space.dims[j]!;
    if (dim.kind === 'categorical') {
      x[j] = rng.next() < width ? rng.int(0, dim.choices - 1) : base[j]!;
      continue;
    }
    const mid = Math.min(1 - half, Math.max(half, base[j]!));
    x[j] = space.snap(j, mid - half + width * rng.next());
  }
  return x;
}
