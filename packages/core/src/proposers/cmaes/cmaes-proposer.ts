/**
 * `cmaes`: the covariance matrix adaptation evolution strategy (cma-es.ts) over the numeric
 * parameters, with IPOP restarts (Auger & Hansen 2005: on convergence, start again from a random
 * point with twice the population).
 *
 * Every float and int with a range is one coordinate of the unit cube (`toUnit`/`fromUnit`, so
 * `log: true` parameters are searched in log space and an int is the bin its coordinate falls in,
 * as Optuna rounds them). A choice is not a coordinate: it is drawn uniformly for every trial,
 * independently of everything else (Optuna's CmaEsSampler falls back to its independent sampler
 * the same way). A generation's λ trials are handed out one per ask, in any number at a time,
 * and told in any order; once all λ of them hold a value the distribution moves and the next
 * generation starts. While every trial of the generation is out and some have no result yet the
 * proposer answers `wait`. Always minimises: with `target: max` it sees −score.
 */
import { isRngState, Rng } from '../../rng.js';
import type { AskResult, Json, Outcome, Params, ParamSpec, Proposer, ProposerContext } from '../../types.js';
import type { BuiltinProposer } from '../definition.js';
import { checkNSamples, checkSeed, checkTell, SnapshotReader, type ToldCounts } from '../checks.js';
import { checkSpace, fromUnit, toUnit } from '../space.js';
import { CmaEs, defaultPopulation } from './cma-es.js';
import { CMAES_OPTIONS, cmaesSettings, type CmaesSettings } from './cmaes-settings.js';
import { readMember, readCmaState, readPoint, type Member } from './cmaes-snapshot.js';

const NAME = 'cmaes';
/** Snapshot format version; bump when the snapshot's shape changes. */
const SNAPSHOT_VERSION = 1;

/** A user's trial (adopt) whose result has not come yet, and the unit-cube point it is. */
interface AdoptedTrial {
  trialId: number;
  x: number[];
}

/** CMA-ES with IPOP restarts over the numeric parameters; answers `done` after `nSamples` trials. */
export class CmaesProposer implements Proposer {
  private readonly settings: CmaesSettings;
  private readonly space: readonly ParamSpec[];
  /** Indices into `space` of the parameters CMA-ES searches (floats and ints with min < max). */
  private readonly numeric: number[];
  /** Indices into `space` of the choices with more than one option (drawn uniformly). */
  private readonly categorical: number[];
  private readonly sign: number;
  private readonly limit: number;
  private rng: Rng;
  private asked = 0;
  private adopted = 0;
  private told: ToldCounts = { finished: 0, failed: 0, early_stopped: 0 };
  /** The search distribution; null when no parameter is numeric (every trial is then an independent draw). */
  private cma: CmaEs | null = null;
  private restarts = 0;
  /** The current generation's trials: asked (pending or told) and injected users' results; at most λ. */
  private members: Member[] = [];
  private adoptedPending: AdoptedTrial[] = [];
  /** Results of users' trials waiting for room in a generation. */
  private injections: Member[] = [];

  /** Starts fresh from `ctx.seed`, or continues exactly from a snapshot this class produced. */
  constructor(ctx: ProposerContext, snapshot?: Json) {
    checkSpace(ctx.space);
    checkNSamples(NAME, ctx);
    checkSeed(NAME, ctx);
    this.settings = cmaesSettings(ctx.options);
    this.space = ctx.space;
    this.numeric = [];
    this.categorical = [];
    ctx.space.forEach((spec, i) => {
      if (spec.type === 'choice') {
        if (spec.range.length > 1) this.categorical.push(i);
      } else if (spec.range[0] < spec.range[1]) this.numeric.push(i);
    });
    this.sign = ctx.target === 'max' ? -1 : 1;
    // A space without parameters has one possible trial; repeating it would only rerun the same job.
    this.limit = ctx.space.length === 0 ? Math.min(1, ctx.nSamples) : ctx.nSamples;
    this.rng = new Rng(ctx.seed);
    const d = this.numeric.length;
    if (d > 0) this.cma = CmaEs.start(new Array<number>(d).fill(0.5), this.settings.sigma0, this.settings.popsize ?? defaultPopulation(d));
    if (snapshot !== undefined) this.restore(snapshot);
  }

  ask(): AskResult {
    if (this.asked - this.adopted >= this.limit) return { kind: 'done' };
    if (this.cma !== null && this.members.length >= this.cma.strategy.lambda) return { kind: 'wait' };
    const trialId = this.asked++;
    const member: Member = { trialId, x: this.cma === null ? [] : Array.from(this.cma.sample(this.rng)), choices: this.drawChoices() };
    if (this.cma !== null) this.members.push(member);
    return { kind: 'trial', trialId, params: this.decode(member) };
  }

  /** A user's trial: its result joins a generation as an injected solution (its step clipped, Hansen 2011). */
  adopt(params: Params): AskResult {
    // toUnit throws AUP_ERR_PROPOSER_STATE for a value outside the space, before anything is recorded.
    const unit = this.space.map((spec) => toUnit(spec, params[spec.name] as Params[string]));
    const trialId = this.asked++;
    this.adopted++;
    if (this.cma !== null) this.adoptedPending.push({ trialId, x: this.numeric.map((i) => unit[i]!) });
    return { kind: 'trial', trialId, params: { ...params } };
  }

  tell(outcome: Outcome): void {
    checkTell(NAME, outcome, this.asked);
    this.told[outcome.status]++;
    if (this.cma === null) return;
    const scored = outcome.status !== 'failed' && typeof outcome.score === 'number' && Number.isFinite(outcome.score);
    // −0 would not survive the snapshot's JSON: +0 makes it 0 here too, so a restored run sorts alike.
    const value = scored ? this.sign * outcome.score! + 0 : undefined;
    const m = this.members.findIndex((x) => x.trialId === outcome.trialId);
    if (m >= 0) {
      // A failure carries no value: its place in the generation goes to a fresh sample at the next ask.
      if (value === undefined) this.members.splice(m, 1);
      else this.members[m]!.value = value;
    } else {
      const a = this.adoptedPending.findIndex((x) => x.trialId === outcome.trialId);
      if (a >= 0) {
        const [{ trialId, x }] = this.adoptedPending.splice(a, 1) as [AdoptedTrial];
        if (value !== undefined) this.injections.push({ trialId, x, choices: [], value, injected: true });
      }
    }
    this.advance();
  }

  snapshot(): Json {
    const member = (m: Member): Json => ({
      trialId: m.trialId,
      x: [...m.x],
      choices: [...m.choices],
      ...(m.value === undefined ? {} : { value: m.value }),
      ...(m.injected === true ? { injected: true } : {}),
    });
    return {
      proposer: NAME,
      v: SNAPSHOT_VERSION,
      asked: this.asked,
      ...(this.adopted > 0 ? { adopted: this.adopted } : {}),
      rng: this.rng.state(),
      told: { ...this.told },
      restarts: this.restarts,
      cma: this.cma === null ? null : (this.cma.state() as unknown as Json),
      members: this.members.map(member),
      adopted_pending: this.adoptedPending.map((a) => ({ trialId: a.trialId, x: [...a.x] })),
      injections: this.injections.map(member),
    };
  }

  /** How many IPOP restarts happened, and the population and step size of the current run (for tests and reports). */
  progress(): { restarts: number; popsize: number; sigma: number } | null {
    return this.cma === null ? null : { restarts: this.restarts, popsize: this.cma.strategy.lambda, sigma: this.cma.stepSize };
  }

  /** Places waiting injections into the generation, and updates the distribution whenever a generation is complete. */
  private advance(): void {
    for (;;) {
      const cma = this.cma!;
      const lambda = cma.strategy.lambda;
      // Injected points take at most half a generation, so most of it always comes from the distribution.
      let room = Math.min(lambda - this.members.length, Math.floor(lambda / 2) - this.members.filter((m) => m.injected === true).length);
      while (room-- > 0 && this.injections.length > 0) this.members.push(this.injections.shift()!);
      if (this.members.length < lambda || this.members.some((m) => m.value === undefined)) return;
      cma.update(this.members.map((m) => ({ x: m.x, value: m.value!, injected: m.injected === true })));
      this.members = [];
      if (this.settings.restarts === 'ipop' && cma.stopReason() !== null) {
        this.restarts++;
        const mean = this.numeric.map(() => this.rng.next());
        this.cma = CmaEs.start(mean, this.settings.sigma0, lambda * this.settings.incPopsize);
      }
    }
  }

  private drawChoices(): number[] {
    return this.categorical.map((i) => this.rng.int(0, (this.space[i] as { range: unknown[] }).range.length - 1));
  }

  private decode(m: Member): Params {
    const params: Params = {};
    let k = 0;
    let c = 0;
    this.space.forEach((spec, i) => {
      if (this.numeric[k] === i) params[spec.name] = fromUnit(spec, m.x[k++]!);
      else if (this.categorical[c] === i) params[spec.name] = spec.range[m.choices[c++]!] as Params[string];
      else params[spec.name] = fromUnit(spec, 0);
    });
    return params;
  }

  private restore(snapshot: Json): void {
    const r = new SnapshotReader(NAME, snapshot, SNAPSHOT_VERSION);
    this.asked = r.count('asked');
    this.adopted = r.raw('adopted') === undefined ? 0 : r.count('adopted');
    this.told = r.told();
    const state = r.raw('rng');
    if (!isRngState(state)) throw r.fail('rng', 'an Rng state', state);
    this.rng = Rng.fromState(state);
    this.restarts = r.count('restarts');
    const d = this.numeric.length;
    const cma = r.raw('cma');
    if (d === 0) {
      if (cma !== null) throw r.fail('cma', 'null (no numeric parameter)', cma);
    } else {
      this.cma = new CmaEs(readCmaState(r, cma, d));
    }
    const shape = { d, choices: this.categorical.map((i) => (this.space[i] as { range: unknown[] }).range.length) };
    const list = (key: string): Json[] => {
      const x = r.raw(key);
      if (!Array.isArray(x)) throw r.fail(key, 'a list', x);
      return x;
    };
    this.members = list('members').map((m, i) => readMember(r, `members[${i}]`, m, shape));
    this.injections = list('injections').map((m, i) => readMember(r, `injections[${i}]`, m, { d, choices: [] }));
    this.adoptedPending = list('adopted_pending').map((a, i) => {
      const key = `adopted_pending[${i}]`;
      if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof a.trialId !== 'number' || !Number.isSafeInteger(a.trialId))
        throw r.fail(key, '{trialId, x}', a);
      return { trialId: a.trialId, x: readPoint(r, `${key}.x`, a.x, d) };
    });
  }
}

/** The `cmaes` proposer's registry entry. */
export const cmaesProposer: BuiltinProposer = {
  name: NAME,
  create: (ctx, snapshot) => new CmaesProposer(ctx, snapshot),
  options: CMAES_OPTIONS,
  summary: {
    does: 'CMA-ES with IPOP restarts over the numeric parameters (choices drawn at random)',
    seeded: true,
    finite: 'after `n_samples` trials',
  },
};
