/**
 * How spearmint sees a search space: a point in the unit cube [0, 1]^D. Floats and ints take one
 * coordinate each (`toUnit`, so log parameters are in log space); an int is modelled at its bin
 * centre, so candidates are rounded before they are scored; a choice with k > 1 options takes k
 * one-hot coordinates (the largest wins); a parameter with a single value takes none.
 */
import { fromUnit, toUnit } from '../space.js';
import type { ParamSpec, Params } from '../../types.js';

type Slot =
  | { kind: 'float'; spec: ParamSpec; col: number }
  | { kind: 'int'; spec: ParamSpec; col: number }
  | { kind: 'onehot'; spec: ParamSpec & { type: 'choice' }; col: number; k: number }
  | { kind: 'const'; spec: ParamSpec };

/** The unit-cube encoding of one search space. */
export class SpaceEncoding {
  /** Number of coordinates D. */
  readonly dim: number;
  /** 1 for coordinates a gradient may move (floats), 0 for rounded or one-hot ones. */
  readonly continuous: Uint8Array;
  /** 1 for coordinates of a one-hot block. */
  readonly oneHot: Uint8Array;
  private readonly slots: Slot[];

  constructor(space: readonly ParamSpec[]) {
    let col = 0;
    this.slots = space.map((spec): Slot => {
      if (spec.type === 'choice') {
        if (spec.range.length <= 1) return { kind: 'const', spec };
        const slot: Slot = { kind: 'onehot', spec, col, k: spec.range.length };
        col += spec.range.length;
        return slot;
      }
      if (spec.range[0] === spec.range[1]) return { kind: 'const', spec };
      return { kind: spec.type, spec, col: col++ };
    });
    this.dim = col;
    this.continuous = new Uint8Array(col);
    this.oneHot = new Uint8Array(col);
    for (const s of this.slots) {
      if (s.kind === 'float') this.continuous[s.col] = 1;
      if (s.kind === 'onehot') this.oneHot.fill(1, s.col, s.col + s.k);
    }
  }

  /** The unit-cube point of a parameter set (throws AUP_ERR_PROPOSER_STATE for a value outside the space). */
  encode(params: Params, out: Float64Array = new Float64Array(this.dim)): Float64Array {
    for (const s of this.slots) {
      if (s.kind === 'const') continue;
      const value = params[s.spec.name]!;
      if (s.kind === 'onehot') {
        const i = Math.min(s.k - 1, Math.floor(toUnit(s.spec, value) * s.k));
        for (let j = 0; j < s.k; j++) out[s.col + j] = j === i ? 1 : 0;
      } else {
        out[s.col] = toUnit(s.spec, value);
      }
    }
    return out;
  }

  /** Snaps a point of the cube onto the points the space can produce (int bin centres, one-hot vectors), in place. */
  round(z: Float64Array): Float64Array {
    for (const s of this.slots) {
      if (s.kind === 'int') {
        z[s.col] = toUnit(s.spec, fromUnit(s.spec, z[s.col]!));
      } else if (s.kind === 'onehot') {
        let best = 0;
        for (let j = 1; j < s.k; j++) if (z[s.col + j]! > z[s.col + best]!) best = j;
        for (let j = 0; j < s.k; j++) z[s.col + j] = j === best ? 1 : 0;
      } else if (s.kind === 'float') {
        z[s.col] = Math.min(1, Math.max(0, z[s.col]!));
      }
    }
    return z;
  }

  /** The parameter set of a (rounded) point. */
  decode(z: Float64Array): Params {
    const params: Params = {};
    for (const s of this.slots) {
      if (s.kind === 'const') {
        params[s.spec.name] = s.spec.type === 'choice' ? s.spec.range[0]! : s.spec.range[0];
      } else if (s.kind === 'onehot') {
        let best = 0;
        for (let j = 1; j < s.k; j++) if (z[s.col + j]! > z[s.col + best]!) best = j;
        params[s.spec.name] = s.spec.range[best]!;
      } else {
        params[s.spec.name] = fromUnit(s.spec, z[s.col]!);
      }
    }
    return params;
  }
}
