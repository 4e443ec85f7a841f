/**
 * BOHB's kernel density estimate (Falkner et al. 2018): a product kernel per observation, Gaussian
 * for continuous dimensions (coordinates in [0, 1]) and Aitchison–Aitken for categorical ones
 * (coordinates are category indices), with statsmodels' normal-reference bandwidths.
 */
import type { Rng } from '../../rng.js';

/** Scott's normal-reference constant, as statsmodels' KDEMultivariate `bw='normal_reference'` uses. */
const NORMAL_REFERENCE = 1.06;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Draws before a truncated-normal sample gives up and clamps; the mode lies inside [0, 1], so acceptance is rarely below 20%. */
const MAX_TRUNCATED_NORMAL_TRIES = 64;

/**
 * A fitted product KDE. `cards[j]` is 0 for a continuous dimension and the number of categories
 * for a categorical one.
 */
export class ProductKde {
  /** Bandwidth per dimension: a standard deviation (continuous) or λ, the probability mass moved off the observed category. */
  readonly bandwidths: Float64Array;
  private readonly n: number;
  private readonly d: number;

  /** Fits the KDE on `rows` (each a Float64Array of length cards.length); bandwidths are at least `minBandwidth`. */
  constructor(
    readonly rows: readonly Float64Array[],
    readonly cards: readonly number[],
    minBandwidth: number,
  ) {
    this.n = rows.length;
    this.d = cards.length;
    this.bandwidths = new Float64Array(this.d);
    const shrink = this.n ** (-1 / (4 + this.d));
    for (let j = 0; j < this.d; j++) {
      let mean = 0;
      for (const r of rows) mean += r[j]!;
      mean /= this.n;
      let v = 0;
      for (const r of rows) v += (r[j]! - mean) ** 2;
      let bw = Math.max(minBandwidth, NORMAL_REFERENCE * Math.sqrt(v / this.n) * shrink);
      const c = cards[j]!;
      // Past (c−1)/c a categorical kernel would favour the categories NOT observed.
      if (c > 1) bw = Math.min(bw, (c - 1) / c);
      this.bandwidths[j] = bw;
    }
  }

  /** log of the density at x. */
  logPdf(x: Float64Array): number {
    const terms = new Float64Array(this.n);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.n; i++) {
      const r = this.rows[i]!;
      let s = 0;
      for (let j = 0; j < this.d; j++) {
        const c = this.cards[j]!;
        const h = this.bandwidths[j]!;
        if (c === 0) {
          const z = (x[j]! - r[j]!) / h;
          s += -0.5 * z * z - Math.log(h) - LOG_SQRT_2PI;
        } else if (c > 1) {
          s += Math.log(x[j] === r[j] ? 1 - h : h / (c - 1));
        }
      }
      terms[i] = s;
      if (s > max) max = s;
    }
    if (max === Number.NEGATIVE_INFINITY) return max;
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += Math.exp(terms[i]! - max);
    return max + Math.log(sum / this.n);
  }

  /**
   * A draw near a random observation: continuous dimensions from a normal truncated to [0, 1] with
   * the bandwidth times `widen`; categorical ones keep the observed category with probability 1 − λ,
   * otherwise take a uniform one (HpBandSter's sampling).
   */
  sample(rng: Rng, widen: number): Float64Array {
    const r = this.rows[rng.int(0, this.n - 1)]!;
    const x = new Float64Array(this.d);
    for (let j = 0; j < this.d; j++) {
      const c = this.cards[j]!;
      const m = r[j]!;
      if (c === 0) x[j] = truncatedNormal(rng, m, this.bandwidths[j]! * widen);
      else if (c === 1) x[j] = 0;
      else x[j] = rng.next() < 1 - this.bandwidths[j]! ? m : rng.int(0, c - 1);
    }
    return x;
  }
}

/** A normal(m, sd) draw conditioned on [0, 1] by rejection (m lies in [0, 1], so the mode is inside). */
function truncatedNormal(rng: Rng, m: number, sd: number): number {
  let x = m;
  for (let k = 0; k < MAX_TRUNCATED_NORMAL_TRIES; k++) {
    x = m + sd * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, x));
}
