/** Expected improvement for minimisation, on the log scale so that far-off candidates still rank. */
import { LOG_SQRT_2PI, MILLS_FROM, millsRatio, normalCdf, normalPdf } from '../../math/normal.js';

/** log EI and its derivatives with respect to the predictive mean and standard deviation. */
export interface LogEi {
  value: number;
  dMean: number;
  dSd: number;
}

/**
 * log E[max(best − f, 0)] for f ~ N(mean, sd²): EI = sd·h(z), z = (best − mean)/sd,
 * h(z) = zΦ(z) + φ(z). For z below −MILLS_FROM, h is computed as φ(z)(1 − tR(t)), t = −z, with
 * Mills' ratio R, which avoids the cancellation that would make EI 0 there.
 */
export function logExpectedImprovement(mean: number, sd: number, best: number): LogEi {
  const z = (best - mean) / sd;
  let logH: number;
  let cdfOverH: number;
  let pdfOverH: number;
  if (z > -MILLS_FROM) {
    const cdf = normalCdf(z);
    const pdf = normalPdf(z);
    const h = Math.max(z * cdf + pdf, Number.MIN_VALUE);
    logH = Math.log(h);
    cdfOverH = cdf / h;
    pdfOverH = pdf / h;
  } else {
    const t = -z;
    const r = millsRatio(t);
    const c = 1 - t * r;
    logH = -0.5 * z * z - LOG_SQRT_2PI + Math.log(c);
    cdfOverH = r / c;
    pdfOverH = 1 / c;
  }
  // d log EI = dsd/sd + (Φ/h) dz, dz = −dmean/sd − z dsd/sd, and h − zΦ = φ.
  return { value: Math.log(sd) + logH, dMean: -cdfOverH / sd, dSd: pdfOverH / sd };
}
