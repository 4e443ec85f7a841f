/**
 * The transform applied to objective values (to be minimised) before they are standardised.
 * A GP with a stationary kernel models a heavy-tailed objective such as Rosenbrock badly: a few
 * huge values set the scale and flatten everything near the minimum. A log warp around the
 * current minimum restores resolution where it matters. It is opt-in: on Branin and Hartmann-6 it
 * hurts (Branin @50 2e-3 vs 3e-5 without), and no statistic of a few design points tells
 * Rosenbrock from Branin (their value distributions look alike), so no automatic switch either.
 */
import type { OutputWarp } from './spearmint-settings.js';

/**
 * The log warp's offset as a fraction of (median − min): the best value maps to log(δ), the
 * median to log(11 δ), so the good half of the data spans a few units, not a sliver.
 */
const LOG_OFFSET = 0.1;
function median(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** The warped values (same order); monotone increasing, so the minimum stays the minimum. */
export function warpOutputs(values: readonly number[], mode: OutputWarp): number[] {
  if (mode === 'none' || values.length === 0) return [...values];
  const s = [...values].sort((a, b) => a - b);
  const lo = s[0]!;
  const spread = median(s) - lo;
  // All values (nearly) equal: nothing to compress.
  if (!(spread > 0)) return [...values];
  const offset = LOG_OFFSET * spread;
  return values.map((v) => Math.log(v - lo + offset));
}
