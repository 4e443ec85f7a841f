/** The standard normal distribution function and its complement, for truncated Gaussian kernels. */

/**
 * Chebyshev fit of erfc (Numerical Recipes' `erfcc`): relative error below 1.2e-7 everywhere, one
 * exp per call and no branches on the magnitude, which is what kernel loops over thousands of
 * observations need. Kernel densities only ever enter as ratios, where that error is invisible.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ(z), the standard normal distribution function. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}

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
