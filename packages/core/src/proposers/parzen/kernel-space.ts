/**
 * The coordinates kernel models work in: a search space's parameters as a vector, numeric ones in
 * [0, 1] (log scale for `log: true`, ints at their bin centres, as `toUnit` maps them) and choices
 * as their index in the list.
 */
import type { ParamSpec, Params } from '../../types.js';
import { fromUnit, toUnit } from '../space.js';
import type { KernelDim } from './parzen-mixture.js';

/** Encodes parameters to kernel coordinates and back. */
export class KernelSpace {
  /** The kernel model of each coordinate. */
  readonly dims: readonly KernelDim[];
  /** Number of coordinates (= parameters). */
  readonly d: number;

  /** Builds the coordinate system of a checked space (see `checkSpace`). */
  constructor(readonly space: readonly ParamSpec[]) {
    this.d = space.length;
    this.dims = space.map((spec): KernelDim => {
      if (spec.type === 'choice') return { kind: 'categorical', choices: spec.range.length };
      // Linear ints have equal-width bins in unit space; log ints have log-spaced bins, so they are
      // modelled as continuous and their candidates snapped to a bin centre (see snap()).
      if (spec.type === 'int' && spec.log !== true) return { kind: 'discrete', bins: spec.range[1] - spec.range[0] + 1 };
      return { kind: 'continuous' };
    });
  }

  /** The coordinates of a full parameter set; throws AUP_ERR_PROPOSER_STATE for a value outside the space. */
  encode(params: Params): Float64Array {
    const x = new Float64Array(this.d);
    for (let j = 0; j < this.d; j++) {
      const spec = this.space[j]!;
      const u = toUnit(spec, params[spec.name] as Params[string]);
      // +0 turns −0 into 0, which JSON keeps apart from nothing but tests do.
      x[j] = spec.type === 'choice' ? Math.min(spec.range.length - 1, Math.floor(u * spec.range.length)) : u + 0;
    }
    return x;
  }

  /** The parameter set at coordinates `x` (row `row` of a row-major array). */
  decode(x: Float64Array, row = 0): Params {
    const params: Params = {};
    for (let j = 0; j < this.d; j++) {
      const spec = this.space[j]!;
      const v = x[row * this.d + j]!;
      params[spec.name] = spec.type === 'choice' ? spec.range[v]! : fromUnit(spec, v);
    }
    return params;
  }

  /** Moves coordinate j of a point to the unit value its parameter value maps back to (ints land on bin centres). */
  snap(j: number, u: number): number {
    const spec = this.space[j]!;
    if (spec.type !== 'int') return u;
    return toUnit(spec, fromUnit(spec, u));
  }

  /** Snaps every int coordinate of `count` row-major points in place. */
  snapAll(points: Float64Array, count: number): void {
    for (let j = 0; j < this.d; j++) {
      if (this.space[j]!.type !== 'int') continue;
      for (let p = 0; p < count; p++) points[p * this.d + j] = this.snap(j, points[p * this.d + j]!);
    }
  }
}
