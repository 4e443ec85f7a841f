/**
 * Sobol low-discrepancy points (Bratley–Fox construction with Joe and Kuo's direction numbers,
 * new-joe-kuo-6.21201, the table SciPy and PyTorch use), randomised by a digital shift.
 *
 * A point is computed from its index alone (Gray-code form), so a proposer only has to remember
 * the next index to continue the sequence exactly after a restore.
 */
import type { Rng } from '../rng.js';

/** Bits of every coordinate: points are multiples of 2^-32, like SciPy's default. */
const BITS = 32;
const TWO_POW_32 = 0x1_0000_0000;

/**
 * Joe–Kuo primitive polynomials (with the leading and trailing 1 bits, as in SciPy's table) and
 * initial direction numbers m_1..m_s, for dimensions 2..40; dimension 1 is van der Corput.
 */
const JOE_KUO: ReadonlyArray<readonly [number, readonly number[]]> = [
  [3, [1]],
  [7, [1, 3]],
  [11, [1, 3, 1]],
  [13, [1, 1, 1]],
  [19, [1, 1, 3, 3]],
  [25, [1, 3, 5, 13]],
  [37, [1, 1, 5, 5, 17]],
  [41, [1, 1, 5, 5, 5]],
  [47, [1, 1, 7, 11, 19]],
  [55, [1, 1, 5, 1, 1]],
  [59, [1, 1, 1, 3, 11]],
  [61, [1, 3, 5, 5, 31]],
  [67, [1, 3, 3, 9, 7, 49]],
  [91, [1, 1, 1, 15, 21, 21]],
  [97, [1, 3, 1, 13, 27, 49]],
  [103, [1, 1, 1, 15, 7, 5]],
  [109, [1, 3, 1, 15, 13, 25]],
  [115, [1, 1, 5, 5, 19, 61]],
  [131, [1, 3, 7, 11, 23, 15, 103]],
  [137, [1, 3, 7, 13, 13, 15, 69]],
  [143, [1, 1, 3, 13, 7, 35, 63]],
  [145, [1, 3, 5, 9, 1, 25, 53]],
  [157, [1, 3, 1, 13, 9, 35, 107]],
  [167, [1, 3, 1, 5, 27, 61, 31]],
  [171, [1, 1, 5, 11, 19, 41, 61]],
  [185, [1, 3, 5, 3, 3, 13, 69]],
  [191, [1, 1, 7, 13, 1, 19, 1]],
  [193, [1, 3, 7, 5, 13, 19, 59]],
  [203, [1, 1, 3, 9, 25, 29, 41]],
  [211, [1, 3, 5, 13, 23, 1, 55]],
  [213, [1, 3, 7, 3, 13, 59, 17]],
  [229, [1, 3, 1, 3, 5, 53, 69]],
  [239, [1, 1, 5, 5, 23, 33, 13]],
  [241, [1, 1, 7, 7, 1, 61, 123]],
  [247, [1, 1, 7, 9, 13, 61, 49]],
  [253, [1, 3, 3, 5, 3, 55, 33]],
  [285, [1, 3, 1, 15, 31, 13, 49, 245]],
  [299, [1, 3, 5, 15, 31, 59, 63, 97]],
  [301, [1, 3, 1, 11, 11, 11, 77, 249]],
];

/** Dimensions with true Sobol coordinates; further ones are filled by the caller's generator (see {@link SobolSequence}). */
export const SOBOL_MAX_DIMENSION = JOE_KUO.length + 1;

/** The 32 direction numbers v_1..v_32 (as uint32, v_k = m_k · 2^(32−k)) of every dimension. */
function directionNumbers(dims: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (let j = 0; j < dims; j++) {
    const v = new Uint32Array(BITS);
    if (j === 0) {
      for (let k = 0; k < BITS; k++) v[k] = (1 << (BITS - 1 - k)) >>> 0;
    } else {
      const [poly, m] = JOE_KUO[j - 1]!;
      const s = m.length;
      for (let k = 0; k < s; k++) v[k] = (m[k]! << (BITS - 1 - k)) >>> 0;
      for (let k = s; k < BITS; k++) {
        // v_k = a_1 v_{k-1} ^ ... ^ a_{s-1} v_{k-s+1} ^ v_{k-s} ^ (v_{k-s} >> s), a_i the inner polynomial bits.
        let x = (v[k - s]! ^ (v[k - s]! >>> s)) >>> 0;
        for (let i = 1; i < s; i++) {
          if (((poly >>> (s - i)) & 1) === 1) x = (x ^ v[k - i]!) >>> 0;
        }
        v[k] = x;
      }
    }
    out.push(v);
  }
  return out;
}

/**
 * A digitally shifted Sobol sequence in [0, 1)^dim. The shift (one random 32-bit word per
 * dimension, XOR-ed into every point) keeps the net structure, makes the first point something
 * other than the origin, and makes different seeds give different designs.
 * @example
 * const sobol = new SobolSequence(3, new Rng(0));
 * const first = sobol.point(0); // Float64Array(3)
 */
export class SobolSequence {
  private readonly v: Uint32Array[];
  private readonly shift: Uint32Array;
  private readonly extraSeeds: Uint32Array;

  /**
   * Draws the shift from `rng` (dim words, plus one per dimension beyond {@link SOBOL_MAX_DIMENSION}
   * to hash those coordinates). With `scramble: false` the plain sequence (first point 0) results.
   */
  constructor(
    readonly dim: number,
    rng: Rng | undefined,
    scramble = true,
  ) {
    if (!Number.isSafeInteger(dim) || dim < 0) throw new RangeError(`SobolSequence: dim must be an integer >= 0, got ${dim}`);
    const sobolDims = Math.min(dim, SOBOL_MAX_DIMENSION);
    this.v = directionNumbers(sobolDims);
    this.shift = new Uint32Array(dim);
    this.extraSeeds = new Uint32Array(Math.max(0, dim - sobolDims));
    if (scramble && rng !== undefined) {
      for (let j = 0; j < dim; j++) this.shift[j] = rng.nextUint32();
      for (let j = 0; j < this.extraSeeds.length; j++) this.extraSeeds[j] = rng.nextUint32();
    }
  }

  /** The point with this index (0, 1, 2, ...), written into `out` when given. */
  point(index: number, out: Float64Array = new Float64Array(this.dim)): Float64Array {
    if (!Number.isSafeInteger(index) || index < 0 || index >= TWO_POW_32)
      throw new RangeError(`SobolSequence: index must be an integer in [0, 2^32), got ${index}`);
    const gray = (index ^ Math.floor(index / 2)) >>> 0;
    const sobolDims = this.v.length;
    for (let j = 0; j < sobolDims; j++) {
      const v = this.v[j]!;
      let x = 0;
      for (let k = 0, g = gray; g !== 0; k++, g >>>= 1) if ((g & 1) === 1) x ^= v[k]!;
      out[j] = ((x ^ this.shift[j]!) >>> 0) / TWO_POW_32;
    }
    // Beyond the table: a hashed uniform per (index, dimension), still a pure function of the index.
    for (let j = sobolDims; j < this.dim; j++)
      out[j] = ((hash32(index, this.extraSeeds[j - sobolDims]!) ^ this.shift[j]!) >>> 0) / TWO_POW_32;
    return out;
  }
}

/** A 32-bit hash of (index, seed): murmur3's finaliser over their mix. */
function hash32(index: number, seed: number): number {
  let z = (Math.imul(index >>> 0, 0x9e3779b1) ^ seed) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
