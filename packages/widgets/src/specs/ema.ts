/** Greatest smoothing weight: 1 would freeze the curve at its first value. */
export const MAX_EMA_WEIGHT = 0.999;

/**
 * Exponential moving average with TensorBoard's debiasing, so the smoothed curve starts at the
 * first value instead of rising from 0: `weight` 0 returns the values unchanged, towards 1 smooths
 * more. Non-finite values are passed through without disturbing the average.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), MAX_EMA_WEIGHT);
  if (w === 0) return [...values];
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    n += 1;
    return last / (1 - w ** n);
  });
}
