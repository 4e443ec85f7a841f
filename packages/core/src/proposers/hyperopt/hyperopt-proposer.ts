/**
 * `hyperopt`: Auptimizer's hyperopt proposer re-done natively, with the engines `tpe` (default:
 * multivariate TPE with a constant liar for pending trials), `rand` and `anneal`. With several
 * objectives `tpe` is multi-objective TPE (motpe-split.ts: the good trials by non-domination rank
 * and hypervolume contribution); `anneal` handles one objective only.
 */
import { isRngState, Rng } from '../../rng.js';
import { AupError } from '../../errors.js';
import type { AskResult, Json, Outcome, OutcomeStatus, Params, Proposer, ProposerContext, Target } from '../../types.js';
import { belowWeights, multiObjectiveBelow } from './motpe-split.js';
import { Type } from '@sinclair/typebox';
import { Int, Positive } from '../../config/schema-builders.js';
import type { BuiltinProposer } from '../definition.js';
import { ENGINE_OPTION } from '../common-options.js';
import { checkNSamples, checkSeed, checkTell, SnapshotReader, type ToldCounts } from '../checks.js';
import { KernelSpace } from '../parzen/kernel-space.js';
import { checkSpace } from '../space.js';
import { proposeAnneal } from './anneal-sampler.js';
import { isHyperoptSettings, resolveHyperoptSettings, type HyperoptSettings } from './hyperopt-settings.js';
import { proposeTpe } from './tpe-sampler.js';

const NAME = 'hyperopt';
/** Snapshot format version; bump when the snapshot's shape changes. */
const SNAPSHOT_VERSION = 1;
/**
 * Most observations counted as good, however many there are (Optuna's and hyperopt's cap): past
 * this l(x) stops sharpening and only costs time.
 */
const MAX_GOOD = 25;

/** What is known about a trial. Codes are stored in snapshots: do not renumber. */
const PENDING = 0;
const FINISHED = 1;
const FAILED = 2;
const EARLY_STOPPED = 3;
const STATE_OF: Record<OutcomeStatus, number> = { finished: FINISHED, failed: FAILED, early_stopped: EARLY_STOPPED };

interface TrialRecord {
  state: number;
  /** The score turned into a loss to minimise (−score for `target: max`); NaN when there is none. */
  loss: number;
  /** Kernel coordinates of the trial's params. */
  x: Float64Array;
  /** With several objectives: every objective's value as a loss to minimise (`loss` is the first); absent without a result. */
  losses?: number[];
}

/** The good/bad split: each side ordered oldest first (the order the forgetting weights use). */
export interface TpeSplit {
  below: Float64Array[];
  above: Float64Array[];
  /** With several objectives: the good observations' kernel weights (motpe-split.ts `belowWeights`). */
  belowWeights?: Float64Array;
}

/** TPE, random search or annealing over the space; answers `done` after `nSamples` trials. */
export class HyperoptProposer implements Proposer {
  /** The resolved settings (from the snapshot when restoring, so a resumed run keeps its own). */
  readonly settings: HyperoptSettings;
  private readonly space: KernelSpace;
  private readonly limit: number;
  private readonly target: 'min' | 'max';
  /** Each objective's direction when there are several, else undefined. */
  private readonly targets: Target[] | undefined;
  private rng: Rng;
  private records: TrialRecord[] = [];
  /** Trials a user gave (adopt); they are learnt from but do not count against `limit`. */
  private adopted = 0;
  private told: ToldCounts = { finished: 0, failed: 0, early_stopped: 0 };

  /** Starts fresh from `ctx.seed` and `ctx.options`, or continues exactly from a snapshot this class produced. */
  constructor(ctx: ProposerContext, snapshot?: Json) {
    checkSpace(ctx.space);
    checkNSamples(NAME, ctx);
    checkSeed(NAME, ctx);
    this.space = new KernelSpace(ctx.space);
    this.target = ctx.target;
    this.targets = ctx.targets !== undefined && ctx.targets.length > 1 ? [...ctx.targets] : undefined;
    // A space without parameters has one possible trial; repeating it would only rerun the same job.
    this.limit = ctx.space.length === 0 ? Math.min(1, ctx.nSamples) : ctx.nSamples;
    if (snapshot === undefined) {
      this.settings = resolveHyperoptSettings(ctx.options);
      this.refuseAnnealOfSeveral();
      this.rng = new Rng(ctx.seed);
      return;
    }
    const r = new SnapshotReader(NAME, snapshot, SNAPSHOT_VERSION);
    const settings = r.raw('settings');
    if (!isHyperoptSettings(settings)) throw r.fail('settings', 'the hyperopt settings object', settings);
    this.settings = resolveHyperoptSettings(settings);
    const state = r.raw('rng');
    if (!isRngState(state)) throw r.fail('rng', 'an Rng state', state);
    this.rng = Rng.fromState(state);
    this.told = r.told();
    // Snapshots written before adopt existed have no count: none adopted.
    this.adopted = r.raw('adopted') === undefined ? 0 : r.count('adopted');
    const trials = r.raw('trials');
    const d = this.space.d;
    if (!Array.isArray(trials)) throw r.fail('trials', 'an array of [state, loss, ...coordinates]', trials);
    this.records = trials.map((row, i) => {
      const ok =
        Array.isArray(row) &&
        row.length === d + 2 &&
        [PENDING, FINISHED, FAILED, EARLY_STOPPED].includes(row[0] as number) &&
        (row[1] === null || typeof row[1] === 'number') &&
        row.slice(2).every((v) => typeof v === 'number' && Number.isFinite(v));
      if (!ok) throw r.fail(`trials[${i}]`, `[state 0-3, loss or null, ${d} coordinates] (a space of ${d} parameters)`, row);
      return {
        state: row[0] as number,
        loss: row[1] === null ? Number.NaN : (row[1] as number),
        x: Float64Array.from(row.slice(2) as number[]),
      };
    });
    if (this.targets !== undefined) {
      const m = this.targets.length;
      const losses = r.raw('losses');
      if (!Array.isArray(losses) || losses.length !== this.records.length) {
        throw r.fail('losses', `one entry per trial (${m} losses or null)`, losses);
      }
      losses.forEach((l, i) => {
        if (l === null) return;
        if (!Array.isArray(l) || l.length !== m || !l.every((v) => typeof v === 'number' && Number.isFinite(v))) {
          throw r.fail(`losses[${i}]`, `${m} finite numbers or null`, l);
        }
        this.records[i]!.losses = l as number[];
      });
    }
  }

  /** Annealing walks around the best trial, which several objectives do not define. */
  private refuseAnnealOfSeveral(): void {
    if (this.targets === undefined || this.settings.engine !== 'anneal') return;
    throw new AupError(
      'AUP_ERR_PROPOSER_CONFIG',
      `engine: the hyperopt engine "anneal" handles one objective, but the experiment has ${this.targets.length}: use engine "tpe" (multi-objective TPE) or "rand"`,
      { details: { path: 'engine', expected: '"tpe" or "rand"', found: 'anneal' } },
    );
  }

  ask(): AskResult {
    const id = this.records.length;
    if (id - this.adopted >= this.limit) return { kind: 'done' };
    const x = this.propose(id);
    const params: Params = this.space.decode(x);
    this.records.push({ state: PENDING, loss: Number.NaN, x: this.space.encode(params) });
    return { kind: 'trial', trialId: id, params };
  }

  /** A user's trial, recorded as pending like an asked one: TPE learns from its result. */
  adopt(params: Params): AskResult {
    const id = this.records.length;
    this.records.push({ state: PENDING, loss: Number.NaN, x: this.space.encode(params) });
    this.adopted++;
    return { kind: 'trial', trialId: id, params: { ...params } };
  }

  tell(outcome: Outcome): void {
    checkTell(NAME, outcome, this.records.length);
    const rec = this.records[outcome.trialId]!;
    const score = outcome.score;
    const hasScore = outcome.status !== 'failed' && typeof score === 'number' && Number.isFinite(score);
    // +0: a max target with score 0 would store −0, which a JSON round trip turns into 0.
    rec.loss = hasScore ? (this.target === 'max' ? -score : score) + 0 : Number.NaN;
    if (this.targets !== undefined) {
      const v = outcome.values;
      const ok = hasScore && v !== undefined && v.length === this.targets.length && v.every(Number.isFinite);
      if (ok) rec.losses = v.map((x, k) => (this.targets![k] === 'max' ? -x : x) + 0);
      // Without every objective's value the trial cannot be ranked: it counts as one without a score.
      else rec.loss = Number.NaN;
    }
    rec.state = STATE_OF[outcome.status];
    this.told[outcome.status]++;
  }

  snapshot(): Json {
    return {
      proposer: NAME,
      v: SNAPSHOT_VERSION,
      settings: { ...this.settings },
      rng: this.rng.state(),
      told: { ...this.told },
      ...(this.adopted > 0 ? { adopted: this.adopted } : {}),
      trials: this.records.map((t) => [t.state, Number.isNaN(t.loss) ? null : t.loss, ...t.x]),
      ...(this.targets !== undefined ? { losses: this.records.map((t) => (t.losses === undefined ? null : [...t.losses])) } : {}),
    };
  }

  /**
   * The good/bad split TPE models. Ranked: finished trials by loss, then early-stopped ones by their
   * last score (a pruner judged them, so they rank below every finished trial, as in Optuna), then
   * trials without a score and, with the constant liar, pending ones (the "lie" is the worst loss).
   * The first min(⌈gamma·n⌉, 25) scored trials are good; failed trials are left out.
   */
  split(): TpeSplit {
    if (this.targets !== undefined) return this.multiObjectiveSplit();
    const byLoss = (a: number, b: number): number => this.records[a]!.loss - this.records[b]!.loss || a - b;
    const finished: number[] = [];
    const stopped: number[] = [];
    const rest: number[] = [];
    this.records.forEach((t, i) => {
      if (t.state === FAILED) return;
      if (t.state === PENDING) {
        if (this.settings.constant_liar) rest.push(i);
      } else if (Number.isNaN(t.loss)) rest.push(i);
      else (t.state === FINISHED ? finished : stopped).push(i);
    });
    finished.sort(byLoss);
    stopped.sort(byLoss);
    const ranked = [...finished, ...stopped, ...rest];
    const scored = finished.length + stopped.length;
    const nBelow = Math.min(Math.ceil(this.settings.gamma * scored), MAX_GOOD, scored);
    const oldestFirst = (ids: number[]): Float64Array[] => ids.sort((a, b) => a - b).map((i) => this.records[i]!.x);
    return { below: oldestFirst(ranked.slice(0, nBelow)), above: oldestFirst(ranked.slice(nBelow)) };
  }

  /**
   * The split with several objectives: the good trials by non-domination rank, the front that does
   * not fit cut by hypervolume contribution (motpe-split.ts), at most min(⌈gamma·n⌉, 25) of them;
   * every other trial but the failed ones is bad (pending ones too, with the constant liar).
   */
  private multiObjectiveSplit(): TpeSplit {
    const scored: number[] = [];
    const rest: number[] = [];
    this.records.forEach((t, i) => {
      if (t.state === FAILED) return;
      if (t.state === PENDING) {
        if (this.settings.constant_liar) rest.push(i);
      } else if (t.losses === undefined) rest.push(i);
      else scored.push(i);
    });
    const nBelow = Math.min(Math.ceil(this.settings.gamma * scored.length), MAX_GOOD, scored.length);
    const good = new Set(
      multiObjectiveBelow(
        scored.map((i) => this.records[i]!.losses!),
        nBelow,
      ).map((k) => scored[k]!),
    );
    const below = scored.filter((i) => good.has(i));
    const above = [...scored.filter((i) => !good.has(i)), ...rest].sort((a, b) => a - b);
    return {
      below: below.map((i) => this.records[i]!.x),
      above: above.map((i) => this.records[i]!.x),
      belowWeights: belowWeights(below.map((i) => this.records[i]!.losses!)),
    };
  }

  private propose(id: number): Float64Array {
    const { settings, space } = this;
    if (space.d === 0) return new Float64Array(0);
    if (settings.engine === 'rand' || id < settings.n_startup_jobs) return this.uniform();
    if (settings.engine === 'tpe') {
      const { below, above, belowWeights } = this.split();
      return proposeTpe(space, below, above, settings, this.rng, belowWeights === undefined ? {} : { belowWeights });
    }
    const ranked = this.records
      .map((t, i) => ({ t, i }))
      .filter(({ t }) => (t.state === FINISHED || t.state === EARLY_STOPPED) && !Number.isNaN(t.loss))
      .sort((a, b) => (a.t.state === b.t.state ? 0 : a.t.state === FINISHED ? -1 : 1) || a.t.loss - b.t.loss || a.i - b.i)
      .map(({ t }) => t.x);
    if (ranked.length === 0) return this.uniform();
    return proposeAnneal(space, ranked, id, settings, this.rng);
  }

  /** A uniform draw, one rng.next() per parameter in order: the same trials `random` proposes. */
  private uniform(): Float64Array {
    const x = new Float64Array(this.space.d);
    for (let j = 0; j < x.length; j++) {
      const dim = this.space.dims[j]!;
      const u = this.rng.next();
      x[j] = dim.kind === 'categorical' ? Math.min(dim.choices - 1, Math.floor(u * dim.choices)) : u;
    }
    return x;
  }
}

/** Hyperopt's config keys. */
const OPTIONS = {
  engine: ENGINE_OPTION,
  n_startup_jobs: Int(0, 'Random proposals before the TPE model is used (default 10).'),
  n_ei_candidates: Int(1, 'Candidates drawn from the good density per proposal (default 24).'),
  gamma: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Fraction of results counted as good (default 0.1).' }),
  bandwidth: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1,
    description: 'Kernel bandwidth constant of multivariate TPE (default 0.07; larger explores more).',
  }),
  prior_weight: Positive('Weight of the uniform prior in each Parzen estimator (default 1).'),
  multivariate: Type.Boolean({ description: 'Joint kernels over all parameters (default true).' }),
  constant_liar: Type.Boolean({ description: 'Count pending trials as bad results (default true).' }),
  linear_forgetting: Int(1, 'Observations after which older ones weigh less (default 25).'),
  avg_best_idx: Type.Number({ minimum: 1, description: "anneal: mean rank of the trial sampled around (hyperopt's default 2)." }),
  shrink_coef: Type.Number({ minimum: 0, description: "anneal: how fast the neighbourhood shrinks (hyperopt's default 0.1)." }),
};

/** The `hyperopt` proposer's registry entry. */
export const hyperoptProposer: BuiltinProposer = {
  name: NAME,
  create: (ctx, snapshot) => new HyperoptProposer(ctx, snapshot),
  options: OPTIONS,
  multiObjective: true,
  summary: {
    does: 'Tree-structured Parzen Estimator (`engine: "tpe"`), or hyperopt\'s random and annealing engines',
    seeded: true,
    finite: 'after `n_samples` trials',
  },
};
