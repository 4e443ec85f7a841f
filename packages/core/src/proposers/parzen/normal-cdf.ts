/** Normal masses for truncated Gaussian kernels; erfc and Φ come from math/normal.ts. */
import { erfc, normalCdf } from '../../math/normal.js';

export { erfc, normalCdf };

/**
 * Beyond this many standard deviations a normal tail is below 1e-23, far under a double's
 * resolution next to 1: the mass of [a, b] with a < −TAIL_CUTOFF and b > TAIL_CUTOFF is exactly 1.
 */
const TAIL_CUTOFF = 10;

/**
 * Φ(b) − Φ(a) for a <= b, computed from the tail nearer to both so that two values close to 1
 * do not cancel (a narrow kernel far right of a bin would otherwise give 0 or a negative mass).
 */
export function normalMass(a: number, b: number): number {
  // The common case for narrow kernels well inside [0, 1]: no erfc needed.
  if (a < -TAIL_CUTOFF && b > TAIL_CUTOFF) return 1;
  if (a >= 0) return 0.5 * (erfc(a * Math.SQRT1_2) - erfc(b * Math.SQRT1_2));
  if (b <= 0) return 0.5 * (erfc(-b * Math.SQRT1_2) - erfc(-a * Math.SQRT1_2));
  return 1 - 0.5 * (erfc(-a * Math.SQRT1_2) + erfc(b * Math.SQRT1_2));
}
