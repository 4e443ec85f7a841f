/**
 * `bohb` (Falkner et al. 2018): Hyperband's brackets between `min_budget` and `max_budget`, with new
 * configurations chosen by maximising l(x)/g(x) of two kernel densities fitted on the best and the
 * worst results of the largest budget that has enough of them. The densities are the multivariate
 * Parzen estimators `hyperopt` uses (proposers/parzen), not HpBandSter's statsmodels product KDE:
 * measured, they met the learning-curve target on more seeds (docs/reference/proposers.md#bohb).
 */
import { Type } from '@sinclair/typebox';
import { isRngState, Rng } from '../../rng.js';
import type { AskResult, Json, JsonObject, Outcome, ParamSpec, Proposer, ProposerContext } from '../../types.js';
import { Int, Positive } from '../../config/schema-builders.js';
import { checkNSamples, checkSeed, checkTell, SnapshotReader, type ToldCounts } from '../checks.js';
import type { BuiltinProposer, OptionProblem } from '../definition.js';
import { ETA_OPTION } from '../common-options.js';
import { checkSpace, sampleParams } from '../space.js';
import {
  CONFIG_ID_KEY,
  iterationPlan,
  iterationTrialCount,
  MAX_BRACKETS,
  maxBracket,
  type BracketSizing,
  type Rung,
} from '../hyperband/bracket-schedule.js';
import { BracketScheduler, type Sampler } from '../hyperband/bracket-scheduler.js';
import { ETA, INTEGER_AT_LEAST_1, optionError, POSITIVE, readNumber } from '../hyperband/read-option.js';
import { KernelSpace } from '../parzen/kernel-space.js';
import { HYPEROPT_DEFAULTS, type HyperoptSettings } from '../hyperopt/hyperopt-settings.js';
import { proposeTpe } from '../hyperopt/tpe-sampler.js';

const NAME = 'bohb';
/** Snapshot format version; bump when the snapshot's shape changes. */
const SNAPSHOT_VERSION = 1;

/**
 * Defaults: HpBandSter's and Auptimizer's budgets and brackets (min_points_in_model: the number of
 * parameters + 1); the model's knobs were chosen by measurement on seeds 0–19 of both multi-fidelity
 * benchmarks (docs/reference/proposers.md#bohb): top_n_percent 10 (HpBandSter 15), num_samples 24
 * (64), random_fraction 0.1 (1/3), bandwidth_factor 1 (3).
 */
export const BOHB_DEFAULTS = {
  min_budget: 0.01,
  max_budget: 1,
  eta: 3,
  n_iterations: 4,
  top_n_percent: 10,
  num_samples: 24,
  random_fraction: 0.1,
  bandwidth_factor: 1,
  min_bandwidth: 1e-3,
} as const;

/**
 * Li et al.'s bracket sizes (⌈(s_max+1)·eta^s/(s+1)⌉ first-rung configurations), not HpBandSter's
 * ⌊(s_max+1)/(s+1)⌋·eta^s: on 10 seeds of test/bench/proposers/multifidelity-*.mjs they met more of
 * the targets (Counting Ones regret 3.0 within 23 budgets on every seed, learning curves within 46 on
 * 7 of 10 against 5 of 10), at a slightly higher Counting Ones regret after 50 budgets (1.59 vs 1.38).
 */
const SIZING: BracketSizing = 'hyperband';

/** BOHB's settings after defaults and checks. */
export interface BohbSettings {
  minBudget: number;
  maxBudget: number;
  eta: number;
  nIterations: number;
  /** Observations a budget needs before its model is used is this + 2 (Falkner et al., §4.1). */
  minPointsInModel: number;
  topNPercent: number;
  numSamples: number;
  randomFraction: number;
  bandwidthFactor: number;
  minBandwidth: number;
  sMax: number;
  plan: Rung[][];
}

/** Reads and checks bohb's keys from `options` for a space of `dims` parameters; throws AUP_ERR_PROPOSER_CONFIG naming the key. */
export function bohbSettings(options: JsonObject, dims: number): BohbSettings {
  const minBudget = readNumber(NAME, options, 'min_budget', BOHB_DEFAULTS.min_budget, POSITIVE);
  const maxBudget = readNumber(NAME, options, 'max_budget', BOHB_DEFAULTS.max_budget, POSITIVE);
  if (maxBudget < minBudget) throw optionError(NAME, 'max_budget', `a budget >= min_budget (${minBudget})`, maxBudget);
  const eta = readNumber(NAME, options, 'eta', BOHB_DEFAULTS.eta, ETA);
  const nIterations = readNumber(NAME, options, 'n_iterations', BOHB_DEFAULTS.n_iterations, INTEGER_AT_LEAST_1);
  // Auptimizer's configs write an empty string for "use the default".
  const mp = options.min_points_in_model === '' ? null : (options.min_points_in_model ?? null);
  const minPointsInModel = readNumber(NAME, { min_points_in_model: mp }, 'min_points_in_model', dims + 1, INTEGER_AT_LEAST_1);
  const topNPercent = readNumber(NAME, options, 'top_n_percent', BOHB_DEFAULTS.top_n_percent, {
    expected: 'a percentage in (0, 100)',
    ok: (x) => x > 0 && x < 100,
  });
  const numSamples = readNumber(NAME, options, 'num_samples', BOHB_DEFAULTS.num_samples, INTEGER_AT_LEAST_1);
  const randomFraction = readNumber(NAME, options, 'random_fraction', BOHB_DEFAULTS.random_fraction, {
    expected: 'a fraction in [0, 1]',
    ok: (x) => x >= 0 && x <= 1,
  });
  const bandwidthFactor = readNumber(NAME, options, 'bandwidth_factor', BOHB_DEFAULTS.bandwidth_factor, POSITIVE);
  const minBandwidth = readNumber(NAME, options, 'min_bandwidth', BOHB_DEFAULTS.min_bandwidth, POSITIVE);
  const sMax = maxBracket(maxBudget / minBudget, eta);
  if (sMax >= MAX_BRACKETS)
    throw optionError(NAME, 'eta', `a rate that gives at most ${MAX_BRACKETS} brackets between min_budget and max_budget`, eta);
  return {
    minBudget,
    maxBudget,
    eta,
    nIterations,
    minPointsInModel,
    topNPercent,
    numSamples,
    randomFraction,
    bandwidthFactor,
    minBandwidth,
    sMax,
    plan: iterationPlan(sMax, eta, maxBudget, SIZING),
  };
}

/** The number of jobs `n_iterations` brackets take (what `n_samples` should be to run them all). */
export function bohbTrialCount(options: JsonObject = {}): number {
  const s = bohbSettings(options, 0);
  const perIteration = s.plan.length;
  const full = Math.floor(s.nIterations / perIteration);
  let n = full * iterationTrialCount(s.plan);
  for (let k = 0; k < s.nIterations % perIteration; k++) n += iterationTrialCount([s.plan[k]!]);
  return n;
}

/** One observation: the configuration in KDE coordinates and its loss (null: failed or early-stopped, counted as worst). */
type Observation = { x: number[]; l: number | null };

/** BOHB: `done` after `n_iterations` brackets or `n_samples` trials, whichever comes first. */
export class BohbProposer implements Proposer {
  private readonly space: readonly ParamSpec[];
  private readonly limit: number;
  private readonly target: ProposerContext['target'];
  private readonly settings: BohbSettings;
  private readonly scheduler: BracketScheduler;
  private readonly kernels: KernelSpace;
  private readonly tpe: HyperoptSettings;
  private readonly withConfigId: boolean;
  /** Observations per budget, keyed by the budget's rung level (0 = smallest budget). */
  private observations: Observation[][];
  private rng: Rng;
  private asked = 0;
  private told: ToldCounts = { finished: 0, failed: 0, early_stopped: 0 };

  /** Starts fresh from `ctx.seed`, or continues exactly from a snapshot this class produced. */
  constructor(ctx: ProposerContext, snapshot?: Json) {
    checkSpace(ctx.space);
    checkNSamples(NAME, ctx);
    checkSeed(NAME, ctx);
    this.settings = bohbSettings(ctx.options, ctx.space.length);
    this.space = ctx.space;
    this.target = ctx.target;
    this.limit = ctx.nSamples;
    this.kernels = new KernelSpace(ctx.space);
    this.tpe = { ...HYPEROPT_DEFAULTS, multivariate: true, n_ei_candidates: this.settings.numSamples };
    this.withConfigId = !ctx.space.some((p) => p.name === CONFIG_ID_KEY);
    const oneShot = ctx.space.length === 0;
    this.scheduler = oneShot
      ? new BracketScheduler([[{ size: 1, budget: this.settings.maxBudget }]], 1)
      : new BracketScheduler(this.settings.plan, this.settings.nIterations);
    this.observations = Array.from({ length: this.settings.sMax + 1 }, () => []);
    this.rng = new Rng(ctx.seed);
    if (snapshot === undefined) return;
    const r = new SnapshotReader(NAME, snapshot, SNAPSHOT_VERSION);
    this.asked = r.count('asked');
    this.told = r.told();
    const state = r.raw('rng');
    if (!isRngState(state)) throw r.fail('rng', 'an Rng state', state);
    this.rng = Rng.fromState(state);
    this.scheduler.restore(r, 'schedule');
    const obs = r.raw('observations');
    const d = ctx.space.length;
    const okObs = (o: Json) =>
      typeof o === 'object' &&
      o !== null &&
      !Array.isArray(o) &&
      Array.isArray(o.x) &&
      o.x.length === d &&
      o.x.every((v) => typeof v === 'number') &&
      (o.l === null || typeof o.l === 'number');
    if (
      !Array.isArray(obs) ||
      obs.length !== this.observations.length ||
      !obs.every((level) => Array.isArray(level) && level.every(okObs))
    ) {
      throw r.fail('observations', `${this.observations.length} lists of {x, l}`, obs);
    }
    this.observations = obs as unknown as Observation[][];
  }

  ask(): AskResult {
    if (this.asked >= this.limit) return { kind: 'done' };
    const r = this.scheduler.next(this.asked, this.sampler);
    if ('kind' in r) return r.kind === 'wait' ? r : { kind: 'done' };
    this.asked++;
    const s: AskResult = { kind: 'trial', trialId: r.trialId, params: r.params, budget: r.budget };
    if (this.withConfigId) s.extra = { [CONFIG_ID_KEY]: r.configId };
    return s;
  }

  private readonly sampler: Sampler = () => {
    const model = this.model();
    if (model === undefined || this.rng.next() < this.settings.randomFraction) {
      return { params: sampleParams(this.space, this.rng), tag: null };
    }
    const x = proposeTpe(this.kernels, model.good, model.bad, this.tpe, this.rng, {
      widen: this.settings.bandwidthFactor,
      minBandwidth: this.settings.minBandwidth,
    });
    return { params: this.kernels.decode(x), tag: null };
  };

  /**
   * The good and bad KDEs of the largest budget with at least min_points_in_model + 2 observations
   * (Falkner et al. 2018, §4.1): l on the best max(N_min, q·N) observations, g on the worst
   * max(N_min, N − that); the two overlap while N is small. HpBandSter's code instead waits until the
   * next max(N_min, (1−q)·N) after the good ones exceed d rows; on the learning-curve benchmark that
   * waited on misleading low budgets (2 of 10 seeds within 46 budgets against 7 of 10).
   */
  private model(): { good: Float64Array[]; bad: Float64Array[] } | undefined {
    const nMin = this.settings.minPointsInModel;
    for (let level = this.observations.length - 1; level >= 0; level--) {
      const obs = this.observations[level]!;
      const n = obs.length;
      if (n < nMin + 2) continue;
      const order = obs.map((o, i) => ({ l: o.l ?? Number.POSITIVE_INFINITY, i }));
      order.sort((a, b) => a.l - b.l || a.i - b.i);
      const nGood = Math.max(nMin, Math.floor((this.settings.topNPercent * n) / 100));
      const nBad = Math.max(nMin, n - nGood);
      // Oldest first, as the estimator's forgetting weights expect.
      const rows = (picked: { i: number }[]) =>
        picked
          .map((o) => o.i)
          .sort((a, b) => a - b)
          .map((i) => Float64Array.from(obs[i]!.x));
      return { good: rows(order.slice(0, nGood)), bad: rows(order.slice(n - nBad)) };
    }
    return undefined;
  }

  tell(outcome: Outcome): void {
    checkTell(NAME, outcome, this.asked);
    const scored = outcome.status === 'finished' && typeof outcome.score === 'number' && Number.isFinite(outcome.score);
    // BOHB minimises a loss: the score itself for target min, its negation for max (Auptimizer always maximised).
    const loss = scored ? (this.target === 'max' ? -outcome.score! : outcome.score!) : null;
    const slot = this.scheduler.tell(outcome.trialId, outcome.status, loss);
    this.told[outcome.status]++;
    if (this.space.length > 0) {
      const level = this.settings.sMax - levelsBelowMax(slot.budget, this.settings.maxBudget, this.settings.eta);
      this.observations[level]!.push({ x: [...this.kernels.encode(outcome.params)], l: slot.loss });
    }
  }

  snapshot(): Json {
    return {
      proposer: NAME,
      v: SNAPSHOT_VERSION,
      asked: this.asked,
      rng: this.rng.state(),
      told: { ...this.told },
      schedule: this.scheduler.snapshot(),
      observations: this.observations.map((level) => level.map((o) => ({ x: [...o.x], l: o.l }))),
    };
  }
}

/** How many eta-steps `budget` lies below `maxBudget` (budgets are maxBudget/eta^k). */
function levelsBelowMax(budget: number, maxBudget: number, eta: number): number {
  return Math.round(Math.log(maxBudget / budget) / Math.log(eta));
}

/** BOHB's config keys; the defaults they state are BOHB_DEFAULTS (HpBandSter's were 15, 64, 1/3 and 3). */
const OPTIONS = {
  min_budget: Positive(`Smallest budget a configuration is evaluated on (default ${BOHB_DEFAULTS.min_budget}).`),
  max_budget: Positive(`Largest budget (default ${BOHB_DEFAULTS.max_budget}).`),
  eta: ETA_OPTION,
  n_iterations: Int(1, `Number of successive-halving iterations (default ${BOHB_DEFAULTS.n_iterations}).`),
  min_points_in_model: Type.Union([Int(1, 'Results needed before the model is used.'), Type.Null(), Type.Literal('')], {
    description: 'Results needed before the model is used; null or "" = number of parameters + 1.',
  }),
  top_n_percent: Type.Number({
    exclusiveMinimum: 0,
    maximum: 100,
    description: `Percent of results counted as good (default ${BOHB_DEFAULTS.top_n_percent}).`,
  }),
  num_samples: Int(1, `Samples drawn to optimise expected improvement (default ${BOHB_DEFAULTS.num_samples}).`),
  random_fraction: Type.Number({
    minimum: 0,
    maximum: 1,
    description: `Fraction of configurations sampled at random (default ${BOHB_DEFAULTS.random_fraction}).`,
  }),
  bandwidth_factor: Positive(`Widening of the kernel density estimate when sampling (default ${BOHB_DEFAULTS.bandwidth_factor}).`),
  min_bandwidth: Positive(`Smallest kernel bandwidth (default ${BOHB_DEFAULTS.min_bandwidth}).`),
};

/** Budgets in the wrong order, refused by the config check with the schema's problems. */
function budgetProblems(config: JsonObject): OptionProblem[] {
  const { min_budget: min, max_budget: max } = config;
  if (typeof min !== 'number' || typeof max !== 'number' || min < max) return [];
  return [{ key: 'max_budget', expected: `a budget larger than min_budget (${min})`, found: max }];
}

/** The `bohb` proposer's registry entry. */
export const bohbProposer: BuiltinProposer = {
  name: NAME,
  create: (ctx, snapshot) => new BohbProposer(ctx, snapshot),
  options: OPTIONS,
  optionProblems: budgetProblems,
  trialCount: (_space, options) => bohbTrialCount(options),
  schedulesBudgets: true,
  summary: {
    does: "Hyperband's brackets between `min_budget` and `max_budget`, configurations from kernel densities of the best results",
    seeded: true,
    finite: 'after `n_iterations` brackets or `n_samples` trials, whichever comes first',
  },
};
