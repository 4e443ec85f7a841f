/** `random`: every parameter drawn independently and uniformly (log-uniformly with `log: true`). */
import { isRngState, Rng } from '../../rng.js';
import type { AskResult, Json, Outcome, Params, ParamSpec, Proposer, ProposerContext } from '../../types.js';
import type { BuiltinProposer } from '../definition.js';
import { checkNSamples, checkSeed, checkTell, SnapshotReader, type ToldCounts } from '../checks.js';
import { checkSpace, sampleParams } from '../space.js';

const NAME = 'random';
/** Snapshot format version; bump when the snapshot's shape changes. */
const SNAPSHOT_VERSION = 1;

/** Random search: answers `done` after `nSamples` trials (one trial for a space without parameters). */
export class RandomProposer implements Proposer {
  private readonly space: readonly ParamSpec[];
  private readonly limit: number;
  private rng: Rng;
  private asked = 0;
  /** Trials a user gave (adopt); they take trial ids but not the proposer's own budget. */
  private adopted = 0;
  private told: ToldCounts = { finished: 0, failed: 0, early_stopped: 0 };

  /** Starts fresh from `ctx.seed`, or continues exactly from a snapshot this class produced. */
  constructor(ctx: ProposerContext, snapshot?: Json) {
    checkSpace(ctx.space);
    checkNSamples(NAME, ctx);
    checkSeed(NAME, ctx);
    this.space = ctx.space;
    // A space without parameters has one possible trial; repeating it would only rerun the same job.
    this.limit = ctx.space.length === 0 ? Math.min(1, ctx.nSamples) : ctx.nSamples;
    this.rng = new Rng(ctx.seed);
    if (snapshot !== undefined) {
      const r = new SnapshotReader(NAME, snapshot, SNAPSHOT_VERSION);
      this.asked = r.count('asked');
      // Snapshots written before adopt existed have no count: none adopted.
      this.adopted = r.raw('adopted') === undefined ? 0 : r.count('adopted');
      this.told = r.told();
      const state = r.raw('rng');
      if (!isRngState(state)) throw r.fail('rng', 'an Rng state', state);
      this.rng = Rng.fromState(state);
    }
  }

  ask(): AskResult {
    if (this.asked - this.adopted >= this.limit) return { kind: 'done' };
    const params = sampleParams(this.space, this.rng);
    return { kind: 'trial', trialId: this.asked++, params };
  }

  /** A user's trial: the next trial id, with no draw from the rng, so later proposals are unchanged. */
  adopt(params: Params): AskResult {
    this.adopted++;
    return { kind: 'trial', trialId: this.asked++, params: { ...params } };
  }

  tell(outcome: Outcome): void {
    checkTell(NAME, outcome, this.asked);
    // Scores do not steer random search; the counts are kept so a snapshot shows what it was told.
    this.told[outcome.status]++;
  }

  snapshot(): Json {
    return {
      proposer: NAME,
      v: SNAPSHOT_VERSION,
      asked: this.asked,
      ...(this.adopted > 0 ? { adopted: this.adopted } : {}),
      rng: this.rng.state(),
      told: { ...this.told },
    };
  }
}

/** The `random` proposer's registry entry. */
export const randomProposer: BuiltinProposer = {
  name: NAME,
  create: (ctx, snapshot) => new RandomProposer(ctx, snapshot),
  options: {},
  multiObjective: true,
  summary: {
    does: 'independent uniform samples per parameter',
    seeded: true,
    finite: 'after `n_samples` trials',
  },
};
