/**
 * The seeded pseudo-random generator every proposer and pruner uses (never an unseeded global generator: docs/architecture.md §2.2).
 *
 * xoshiro128** (Blackman & Vigna): 128 bits of state in four 32-bit words, fast with 32-bit integer
 * arithmetic, period 2^128 − 1, and a state small enough to store in every proposer snapshot.
 * Seeds are expanded into the state with splitmix32 so that nearby seeds (0, 1, 2, ...) give
 * unrelated streams.
 */

/** The serialisable state of an {@link Rng}: plain JSON, stored inside proposer snapshots. */
export type RngState = { algorithm: 'xoshiro128**'; s: [number, number, number, number] };

const ALGORITHM = 'xoshiro128**';
const TWO_POW_32 = 0x1_0000_0000;
/** 2^-53: turns a 53-bit integer into a double in [0, 1) with every representable step. */
const TWO_POW_MINUS_53 = 1 / 9007199254740992;
/** Fractional part of the golden ratio × 2^32: the splitmix32 increment (Weyl sequence). */
const GOLDEN_GAMMA = 0x9e3779b9;
/** Replaces an all-zero state, the one state xoshiro can never leave. Any non-zero word works. */
const NONZERO_FALLBACK = 0x6a09e667;

/** murmur3's 32-bit finaliser: a bijection with full avalanche, the output step of splitmix32. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Four words of splitmix32 starting from `state`. */
function splitmix32(state: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    state = (state + GOLDEN_GAMMA) >>> 0;
    out.push(mix32(state));
  }
  return out;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A seeded generator with a JSON state.
 * @example
 * const rng = new Rng(42);
 * const x = rng.uniform(0, 10);
 * const again = Rng.fromState(JSON.parse(JSON.stringify(rng.state())));
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Seeds the generator from any safe integer (negative and > 2^32 seeds are distinct too). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng seed must be a safe integer, got ${String(seed)}`);
    // The low and high 32-bit halves each drive a splitmix32 stream; XOR-ing them keeps every
    // seed below 2^32 independent of the high half while still separating larger seeds.
    const lo = ((seed % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
    const hi = ((Math.floor(seed / TWO_POW_32) % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
    const a = splitmix32(lo);
    const b = hi === 0 ? [0, 0, 0, 0] : splitmix32(hi ^ GOLDEN_GAMMA);
    this.setWords((a[0] ^ b[0]) >>> 0, (a[1] ^ b[1]) >>> 0, (a[2] ^ b[2]) >>> 0, (a[3] ^ b[3]) >>> 0);
  }

  /** Restores a generator from {@link Rng.state}; throws TypeError when `state` is not one. */
  static fromState(state: unknown): Rng {
    if (!isRngState(state)) {
      throw new TypeError(`not an Rng state: expected {"algorithm":"${ALGORITHM}","s":[4 uint32]}, found ${JSON.stringify(state)}`);
    }
    const rng = new Rng(0);
    rng.setWords(state.s[0], state.s[1], state.s[2], state.s[3]);
    return rng;
  }

  /** A JSON copy of the state; the generator continues identically from `Rng.fromState(state)`. */
  state(): RngState {
    return { algorithm: ALGORITHM, s: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits (two 32-bit draws). */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_POW_MINUS_53;
  }

  /** A uniform double in [a, b) (or exactly `a` when a === b). */
  uniform(a: number, b: number): number {
    if (!(Number.isFinite(a) && Number.isFinite(b)) || b < a) {
      throw new RangeError(`uniform(a, b) needs finite a <= b, got (${a}, ${b})`);
    }
    if (a === b) return a;
    for (;;) {
      // a + (b - a)·u can round up to b for u close to 1; redraw so the interval stays half-open.
      const x = a + (b - a) * this.next();
      if (x < b) return x;
    }
  }

  /** A uniform integer in [lo, hiInclusive], without modulo bias (rejection sampling). */
  int(lo: number, hiInclusive: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hiInclusive) || hiInclusive < lo) {
      throw new RangeError(`int(lo, hi) needs safe integers lo <= hi, got (${lo}, ${hiInclusive})`);
    }
    const span = hiInclusive - lo + 1;
    if (!Number.isSafeInteger(span)) throw new RangeError(`int(lo, hi): the range (${lo}, ${hiInclusive}) is wider than 2^53`);
    if (span <= TWO_POW_32) {
      // Accept only draws below the largest multiple of `span` so every residue is equally likely.
      const limit = TWO_POW_32 - (TWO_POW_32 % span);
      for (;;) {
        const x = this.nextUint32();
        if (x < limit) return lo + (x % span);
      }
    }
    const TWO_POW_53 = 9007199254740992;
    const limit = TWO_POW_53 - (TWO_POW_53 % span);
    for (;;) {
      const x = this.next() * TWO_POW_53; // an exact 53-bit integer
      if (x < limit) return lo + (x % span);
    }
  }

  /** A standard normal deviate (Box–Muller; two draws per call, no cached spare to keep the state small). */
  normal(): number {
    const u1 = 1 - this.next(); // (0, 1]: log(u1) is finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A uniformly chosen element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('choice() needs a non-empty array');
    return items[this.int(0, items.length - 1)];
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  private setWords(a: number, b: number, c: number, d: number): void {
    if ((a | b | c | d) === 0) a = NONZERO_FALLBACK;
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
  }
}

function isUint32(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < TWO_POW_32;
}

/** True when `x` is a state {@link Rng.state} could have produced. */
export function isRngState(x: unknown): x is RngState {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as { algorithm?: unknown; s?: unknown };
  return o.algorithm === ALGORITHM && Array.isArray(o.s) && o.s.length === 4 && o.s.every(isUint32) && o.s.some((w) => w !== 0);
}
