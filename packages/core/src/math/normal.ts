/** The standard normal density and distribution function, accurate in both tails. */

const INV_SQRT_2PI = 0.3989422804014327;
/** log(√(2π)). */
export const LOG_SQRT_2PI = 0.9189385332046728;

/** φ(z), the standard normal density. */
export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/**
 * erfc(x) with relative error below 1.2e-7 over the whole line (Numerical Recipes' Chebyshev fit
 * `erfcc`): far tails keep their relative accuracy, which expected improvement needs.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ(z), the standard normal distribution function. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}

/** Terms of the continued fraction for Mills' ratio; ample for t >= MILLS_FROM (error < 1e-15). */
const MILLS_TERMS = 60;
/** Below this −z the direct formulas are accurate; above it they cancel and the continued fraction takes over. */
export const MILLS_FROM = 5;

/**
 * Mills' ratio R(t) = (1 − Φ(t)) / φ(t) for t >= MILLS_FROM, by Laplace's continued fraction
 * R(t) = 1/(t + 1/(t + 2/(t + 3/(t + ...)))), evaluated from the tail.
 */
export function millsRatio(t: number): number {
  let f = t;
  for (let k = MILLS_TERMS; k >= 1; k--) f = t + k / f;
  return 1 / f;
}
