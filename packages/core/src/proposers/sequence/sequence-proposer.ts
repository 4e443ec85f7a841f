/**
 * `sequence`: grid search with Auptimizer's semantics. Each parameter has a list of grid values
 * ({@link gridValues}); trial k is the k-th point of their cartesian product with the FIRST parameter
 * varying fastest, so `[x, y]` visits (x0,y0), (x1,y0), ..., (x0,y1), ...
 */
import type { AskResult, Json, Outcome, ParamValue, Params, Proposer, ProposerContext } from '../../types.js';
import type { BuiltinProposer } from '../definition.js';
import { checkNSamples, checkTell, SnapshotReader, type ToldCounts } from '../checks.js';
import { checkSpace, gridSize, gridValues } from '../space.js';

const NAME = 'sequence';
/** Snapshot format version; bump when the snapshot's shape changes. */
const SNAPSHOT_VERSION = 1;

/**
 * Grid search over the whole space: `done` once the grid is exhausted or after `nSamples` trials,
 * whichever comes first. Scores and the seed do not change the order.
 */
export class SequenceProposer implements Proposer {
  private readonly names: string[];
  private readonly grids: ParamValue[][];
  /** Points in the full grid (may exceed 2^53 for absurd spaces; then only `limit` matters). */
  readonly gridSize: number;
  private readonly limit: number;
  private asked = 0;
  private told: ToldCounts = { finished: 0, failed: 0, early_stopped: 0 };

  /** Builds the grid from `ctx.space` (throws AUP_ERR_PROPOSER_CONFIG when a parameter makes none). */
  constructor(ctx: ProposerContext, snapshot?: Json) {
    checkSpace(ctx.space);
    checkNSamples(NAME, ctx);
    this.names = ctx.space.map((s) => s.name);
    this.grids = ctx.space.map((s) => gridValues(s));
    this.gridSize = this.grids.reduce((n, g) => n * g.length, 1);
    this.limit = Math.min(this.gridSize, ctx.nSamples);
    if (snapshot !== undefined) {
      const r = new SnapshotReader(NAME, snapshot, SNAPSHOT_VERSION);
      const stored = r.raw('gridSize');
      // The trial counter only means something on the same grid: a changed space would silently
      // skip or repeat points.
      if (stored !== this.storedGridSize()) {
        throw r.fail('gridSize', `${this.gridSize} (the grid of the current parameter_config)`, stored);
      }
      this.asked = r.count('asked');
      this.told = r.told();
    }
  }

  ask(): AskResult {
    if (this.asked >= this.limit) return { kind: 'done' };
    const trialId = this.asked++;
    return { kind: 'trial', trialId, params: this.point(trialId) };
  }

  tell(outcome: Outcome): void {
    checkTell(NAME, outcome, this.asked);
    this.told[outcome.status]++;
  }

  snapshot(): Json {
    return { proposer: NAME, v: SNAPSHOT_VERSION, gridSize: this.storedGridSize(), asked: this.asked, told: { ...this.told } };
  }

  /** JSON has no Infinity; a grid that large is stored as null. */
  private storedGridSize(): number | null {
    return Number.isFinite(this.gridSize) ? this.gridSize : null;
  }

  /** The k-th grid point: k written in mixed radix, the first parameter as the lowest digit. */
  private point(k: number): Params {
    const params: Params = {};
    let rest = k;
    for (let i = 0; i < this.grids.length; i++) {
      const grid = this.grids[i] as ParamValue[];
      params[this.names[i] as string] = grid[rest % grid.length] as ParamValue;
      rest = Math.floor(rest / grid.length);
    }
    return params;
  }
}

/** The `sequence` proposer's registry entry. */
export const sequenceProposer: BuiltinProposer = {
  name: NAME,
  create: (ctx, snapshot) => new SequenceProposer(ctx, snapshot),
  options: {},
  multiObjective: true,
  trialCount: (space) => gridSize(space),
  summary: {
    does: 'grid search, first parameter varying fastest',
    seeded: false,
    finite: 'after the grid or `n_samples` trials, whichever comes first',
  },
};
