/**
 * `hyperband` (Li et al. 2018): successive halving over brackets s = s_max..0 with budgets up to
 * `max_iter`, configurations from an `engine` proposer (default `random`).
 */
import { Type } from '@sinclair/typebox';
import { AupError } from '../../errors.js';
import { isRngState, Rng } from '../../rng.js';
import type { AskResult, Json, JsonObject, Outcome, ParamSpec, Proposer, ProposerContext, ProposerDefinition } from '../../types.js';
import { Int, Positive } from '../../config/schema-builders.js';
import { checkNSamples, checkSeed, checkTell, SnapshotReader, type ToldCounts } from '../checks.js';
import type { BuiltinProposer, ProposerLookup } from '../definition.js';
import { ENGINE_OPTION, ETA_OPTION } from '../common-options.js';
import { checkSpace, sampleParams } from '../space.js';
import { CONFIG_ID_KEY, iterationPlan, iterationTrialCount, MAX_BRACKETS, maxBracket, type Rung } from './bracket-schedule.js';
import { BracketScheduler, type Sampler } from './bracket-scheduler.js';
import { ETA, optionError, readNumber, readString } from './read-option.js';

const NAME = 'hyperband';
/** Snapshot format version; bump when the snapshot's shape changes. */
const SNAPSHOT_VERSION = 1;

/** Auptimizer's defaults (HyperbandProposer.py). */
export const HYPERBAND_DEFAULTS = { max_iter: 81, eta: 3, skip_last: 0, engine: 'random' } as const;

/** Hyperband's config keys; the rest of `options` goes to the engine. */
const OPTIONS = {
  max_iter: Positive('Most resource (e.g. epochs) one configuration gets (default 81).'),
  eta: ETA_OPTION,
  skip_last: Type.Union([Int(0, 'Skip the last rounds of each bracket (0 or 1).'), Type.Boolean()], {
    description: 'Skip the last round of each bracket.',
  }),
  engine: ENGINE_OPTION,
};

/** Hyperband's settings after defaults and checks. */
export interface HyperbandSettings {
  maxIter: number;
  eta: number;
  skipLast: number;
  engine: string;
  sMax: number;
  /** The brackets of one full iteration, s = s_max first. */
  plan: Rung[][];
}

/** Reads and checks hyperband's keys from `options`; throws AUP_ERR_PROPOSER_CONFIG naming the key. */
export function hyperbandSettings(options: JsonObject): HyperbandSettings {
  const maxIter = readNumber(NAME, options, 'max_iter', HYPERBAND_DEFAULTS.max_iter, { expected: 'a number >= 1', ok: (x) => x >= 1 });
  const eta = readNumber(NAME, options, 'eta', HYPERBAND_DEFAULTS.eta, ETA);
  const rawSkip = options.skip_last;
  const skipLast =
    rawSkip === true
      ? 1
      : rawSkip === false
        ? 0
        : readNumber(NAME, options, 'skip_last', 0, {
            expected: 'an integer >= 0 or a boolean',
            ok: (x) => Number.isSafeInteger(x) && x >= 0,
          });
  const engine = readString(NAME, options, 'engine', HYPERBAND_DEFAULTS.engine).toLowerCase();
  const sMax = maxBracket(maxIter, eta);
  if (sMax >= MAX_BRACKETS) {
    throw optionError(NAME, 'eta', `a rate that gives at most ${MAX_BRACKETS} brackets for max_iter ${maxIter}`, eta);
  }
  if (skipLast > sMax) {
    throw optionError(NAME, 'skip_last', `at most ${sMax}, the number of halvings max_iter ${maxIter} allows with eta ${eta}`, skipLast);
  }
  return { maxIter, eta, skipLast, engine, sMax, plan: iterationPlan(sMax, eta, maxIter, 'hyperband', skipLast) };
}

/** The number of jobs of one full Hyperband iteration (every rung of every bracket) for these options. */
export function hyperbandTrialCount(options: JsonObject = {}): number {
  return iterationTrialCount(hyperbandSettings(options).plan);
}

/**
 * Hyperband: brackets s_max..0, then again, until `n_samples` trials; `done` when n_samples is reached.
 * New configurations come from the engine; each is told to the engine once, with its first result.
 */
export class HyperbandProposer implements Proposer {
  private readonly space: readonly ParamSpec[];
  private readonly limit: number;
  private readonly target: ProposerContext['target'];
  private readonly scheduler: BracketScheduler;
  private readonly engine: Proposer;
  private readonly withConfigId: boolean;
  private rng: Rng;
  private asked = 0;
  private told: ToldCounts = { finished: 0, failed: 0, early_stopped: 0 };

  /**
   * Starts fresh from `ctx.seed`, or continues exactly from a snapshot this class produced; the
   * engine named by the `engine` option is looked up with `engines` (the registry hands it in).
   */
  constructor(ctx: ProposerContext, engines: ProposerLookup, snapshot?: Json) {
    checkSpace(ctx.space);
    checkNSamples(NAME, ctx);
    checkSeed(NAME, ctx);
    const settings = hyperbandSettings(ctx.options);
    this.space = ctx.space;
    this.target = ctx.target;
    this.limit = ctx.nSamples;
    this.withConfigId = !ctx.space.some((p) => p.name === CONFIG_ID_KEY);
    // A space without parameters has one configuration: one job at the full budget says all there is.
    const oneShot = ctx.space.length === 0;
    this.scheduler = oneShot
      ? new BracketScheduler([[{ size: 1, budget: settings.maxIter }]], 1)
      : new BracketScheduler(settings.plan, Number.POSITIVE_INFINITY);
    this.rng = new Rng(ctx.seed);
    // The engine gets its own stream, derived from the seed, so our fallback draws never shift its proposals.
    const engineSeed = new Rng(ctx.seed).nextUint32() ^ 0x5bd1e995;
    const engineOptions: JsonObject = {};
    for (const [k, v] of Object.entries(ctx.options)) if (!Object.hasOwn(OPTIONS, k)) engineOptions[k] = v;
    const engineDef = engineDefinition(engines, settings.engine);
    const engineCtx: ProposerContext = {
      space: ctx.space,
      target: ctx.target,
      nSamples: ctx.nSamples,
      seed: engineSeed >>> 0,
      options: engineOptions,
    };
    if (snapshot === undefined) {
      this.engine = engineDef.create(engineCtx);
      return;
    }
    const r = new SnapshotReader(NAME, snapshot, SNAPSHOT_VERSION);
    this.asked = r.count('asked');
    this.told = r.told();
    const state = r.raw('rng');
    if (!isRngState(state)) throw r.fail('rng', 'an Rng state', state);
    this.rng = Rng.fromState(state);
    this.scheduler.restore(r, 'schedule');
    const engineState = r.raw('engine');
    if (engineState === undefined) throw r.fail('engine', `the ${settings.engine} engine's snapshot`, engineState);
    this.engine = engineDef.create(engineCtx, engineState);
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

  private readonly sampler: Sampler = (_budget, hasPending) => {
    const a = this.engine.ask();
    if (a.kind === 'trial') return { params: { ...a.params }, tag: a.trialId };
    // An engine waiting for its results gets them once our pending trials come back.
    if (a.kind === 'wait' && hasPending) return null;
    // An exhausted engine (a finished grid) or a confused one must not stall the brackets.
    return { params: sampleParams(this.space, this.rng), tag: null };
  };

  tell(outcome: Outcome): void {
    checkTell(NAME, outcome, this.asked);
    const scored = outcome.status === 'finished' && typeof outcome.score === 'number' && Number.isFinite(outcome.score);
    const loss = scored ? (this.target === 'max' ? -outcome.score! : outcome.score!) : null;
    const slot = this.scheduler.tell(outcome.trialId, outcome.status, loss);
    this.told[outcome.status]++;
    if (slot.first && typeof slot.tag === 'number') {
      const told: Outcome = { trialId: slot.tag, params: outcome.params, status: outcome.status, budget: slot.budget };
      if (outcome.score !== undefined) told.score = outcome.score;
      this.engine.tell(told);
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
      engine: this.engine.snapshot(),
    };
  }
}

/** The definition registered as `engine`: one that samples configurations; throws AUP_ERR_PROPOSER_CONFIG naming the key otherwise. */
function engineDefinition(engines: ProposerLookup, engine: string): ProposerDefinition {
  const found = engines(engine);
  if (typeof found === 'string') throw new AupError('AUP_ERR_PROPOSER_CONFIG', `engine: ${found}`, { details: { path: 'engine' } });
  if (found.schedulesBudgets === true) throw optionError(NAME, 'engine', 'a proposer that samples configurations (e.g. "random")', engine);
  return found;
}

/** The `hyperband` proposer, creating its engines with what `engines` finds (the registry's lookup). */
export function hyperbandDefinition(engines: ProposerLookup): BuiltinProposer {
  return {
    name: NAME,
    create: (ctx, snapshot) => new HyperbandProposer(ctx, engines, snapshot),
    options: OPTIONS,
    trialCount: (_space, options) => hyperbandTrialCount(options),
    schedulesBudgets: true,
    summary: {
      does: 'successive halving over brackets of budgets up to `max_iter`; configurations from an `engine` proposer',
      seeded: true,
      finite: 'after `n_samples` trials (the brackets repeat)',
    },
  };
}
