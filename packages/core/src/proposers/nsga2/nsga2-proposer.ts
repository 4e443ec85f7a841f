/**
 * `nsga2`: the non-dominated sorting genetic algorithm II (Deb, Pratap, Agarwal & Meyarivan 2002)
 * for one or several objectives (docs/decisions/0034-multi-objective.md).
 *
 * Every parameter is a coordinate of the unit cube (`toUnit`/`fromUnit`: log scales searched in
 * log space, an int the bin its coordinate falls in, a choice the bin of its option). The first
 * generation is `population_size` uniform draws. Each later child is bred from the parents (the
 * elite): two binary tournaments (lower front wins, then larger crowding distance), simulated
 * binary crossover (SBX, η = 20) of the numeric parameters and a uniform pick of each choice with
 * `crossover_prob`, then polynomial mutation (η = 20) of a numeric parameter, or a fresh uniform
 * option of a choice, each with `mutation_prob`. Once a generation's `population_size` trials are
 * handed out, the parents of the next are selected from the old parents and every result told
 * since (whole fronts first, the last front cut by crowding distance). Trials are handed out at
 * any parallelism and told in any order: a result that comes late joins the next selection, so
 * the proposer never waits. Failures are not selected. Maximised objectives are negated inside.
 */
import { isRngState, Rng } from '../../rng.js';
import type { AskResult, Json, Outcome, Params, ParamSpec, Proposer, ProposerContext, Target } from '../../types.js';
import type { BuiltinProposer } from '../definition.js';
import { checkNSamples, checkSeed, checkTell, SnapshotReader, type ToldCounts } from '../checks.js';
import { checkSpace, fromUnit, toUnit } from '../space.js';
import { selectElite, standings, type Standing } from './nsga2-sort.js';
import { NSGA2_OPTIONS, nsga2Settings, type Nsga2Settings } from './nsga2-settings.js';

const NAME = 'nsga2';
/** Snapshot format version; bump when the snapshot's shape changes. */
const SNAPSHOT_VERSION = 1;
/** Distribution indices of SBX and polynomial mutation (Deb's and pymoo's usual 20: children near their parents). */
const ETA_CROSSOVER = 20;
const ETA_MUTATION = 20;

/** One evaluated trial: its unit-cube point and its objective values, all minimised. */
interface Individual {
  u: number[];
  v: number[];
}

/** NSGA-II over the whole space; answers `done` after `nSamples` trials. */
export class Nsga2Proposer implements Proposer {
  private readonly settings: Nsga2Settings;
  private readonly space: readonly ParamSpec[];
  /** For each parameter: a numeric coordinate, a choice of k > 1 options, or fixed. */
  private readonly kinds: ('numeric' | 'choice' | 'fixed')[];
  private readonly targets: Target[];
  private readonly mutationProb: number;
  private readonly limit: number;
  private rng: Rng;
  private asked = 0;
  private adopted = 0;
  private told: ToldCounts = { finished: 0, failed: 0, early_stopped: 0 };
  private generation = 0;
  private askedInGeneration = 0;
  /** The parents of the current generation. */
  private elite: Individual[] = [];
  /** Results told since the parents were last selected. */
  private pool: Individual[] = [];
  /** The parents' standings, computed when first needed after a selection (not stored). */
  private eliteStandings: Standing[] | null = null;

  /** Starts fresh from `ctx.seed`, or continues exactly from a snapshot this class produced. */
  constructor(ctx: ProposerContext, snapshot?: Json) {
    checkSpace(ctx.space);
    checkNSamples(NAME, ctx);
    checkSeed(NAME, ctx);
    this.settings = nsga2Settings(ctx.options);
    this.space = ctx.space;
    this.kinds = ctx.space.map((spec) =>
      spec.type === 'choice' ? (spec.range.length > 1 ? 'choice' : 'fixed') : spec.range[0] < spec.range[1] ? 'numeric' : 'fixed',
    );
    this.targets = ctx.targets !== undefined && ctx.targets.length > 0 ? [...ctx.targets] : [ctx.target];
    const free = this.kinds.filter((k) => k !== 'fixed').length;
    this.mutationProb = this.settings.mutationProb ?? 1 / Math.max(1, free);
    // A space without parameters has one possible trial; repeating it would only rerun the same job.
    this.limit = ctx.space.length === 0 ? Math.min(1, ctx.nSamples) : ctx.nSamples;
    this.rng = new Rng(ctx.seed);
    if (snapshot !== undefined) this.restore(snapshot);
  }

  ask(): AskResult {
    if (this.asked - this.adopted >= this.limit) return { kind: 'done' };
    if (this.askedInGeneration >= this.settings.populationSize) this.nextGeneration();
    this.askedInGeneration++;
    const u = this.generation > 0 && this.elite.length > 0 ? this.breed() : this.space.map(() => this.rng.next());
    return { kind: 'trial', trialId: this.asked++, params: this.decode(u) };
  }

  /** A user's trial: its result joins the next selection like any other; no draw from the rng. */
  adopt(params: Params): AskResult {
    // toUnit throws AUP_ERR_PROPOSER_STATE for a value outside the space, before anything is recorded.
    this.space.forEach((spec) => toUnit(spec, params[spec.name] as Params[string]));
    this.adopted++;
    return { kind: 'trial', trialId: this.asked++, params: { ...params } };
  }

  tell(outcome: Outcome): void {
    checkTell(NAME, outcome, this.asked);
    this.told[outcome.status]++;
    if (outcome.status === 'failed') return;
    const values = outcome.values ?? (outcome.score === undefined ? undefined : [outcome.score]);
    if (values === undefined || values.length !== this.targets.length || !values.every(Number.isFinite)) return;
    // +0: −0 would not survive the snapshot's JSON, so a restored run would sort alike anyway.
    const v = values.map((x, k) => (this.targets[k] === 'max' ? -x : x) + 0);
    const u = this.space.map((spec) => toUnit(spec, outcome.params[spec.name] as Params[string]));
    this.pool.push({ u, v });
  }

  snapshot(): Json {
    const ind = (i: Individual): Json => ({ u: [...i.u], v: [...i.v] });
    return {
      proposer: NAME,
      v: SNAPSHOT_VERSION,
      asked: this.asked,
      ...(this.adopted > 0 ? { adopted: this.adopted } : {}),
      rng: this.rng.state(),
      told: { ...this.told },
      generation: this.generation,
      asked_in_generation: this.askedInGeneration,
      elite: this.elite.map(ind),
      pool: this.pool.map(ind),
    };
  }

  /** The generation being handed out and its parents' count (for tests and reports). */
  progress(): { generation: number; parents: number } {
    return { generation: this.generation, parents: this.elite.length };
  }

  /** Selects the next parents from the old ones and every result told since. */
  private nextGeneration(): void {
    const all = [...this.elite, ...this.pool];
    this.elite = selectElite(
      all.map((i) => i.v),
      this.settings.populationSize,
    ).map((i) => all[i]!);
    this.pool = [];
    this.eliteStandings = null;
    this.generation++;
    this.askedInGeneration = 0;
  }

  /** One child of two tournament winners: crossover with `crossover_prob`, then mutation. */
  private breed(): number[] {
    const a = this.tournament();
    const b = this.tournament();
    const cross = this.elite.length > 1 && this.rng.next() < this.settings.crossoverProb;
    const child = a.u.map((x, k) => {
      if (!cross || this.kinds[k] === 'fixed') return x;
      if (this.kinds[k] === 'choice') return this.rng.next() < 0.5 ? x : b.u[k]!;
      return sbx(x, b.u[k]!, this.rng);
    });
    return child.map((x, k) => {
      if (this.kinds[k] === 'fixed' || this.rng.next() >= this.mutationProb) return x;
      if (this.kinds[k] === 'choice') {
        const n = (this.space[k] as { range: unknown[] }).range.length;
        return (this.rng.int(0, n - 1) + 0.5) / n;
      }
      return polynomialMutation(x, this.rng);
    });
  }

  /** Binary tournament: the lower front wins, then the larger crowding distance, then the first drawn. */
  private tournament(): Individual {
    this.eliteStandings ??= standings(this.elite.map((i) => i.v));
    const s = this.eliteStandings;
    const i = this.rng.int(0, this.elite.length - 1);
    const j = this.rng.int(0, this.elite.length - 1);
    const better = s[j]!.rank < s[i]!.rank || (s[j]!.rank === s[i]!.rank && s[j]!.crowding > s[i]!.crowding);
    return this.elite[better ? j : i]!;
  }

  private decode(u: readonly number[]): Params {
    const params: Params = {};
    this.space.forEach((spec, k) => (params[spec.name] = fromUnit(spec, this.kinds[k] === 'fixed' ? 0 : u[k]!)));
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
    this.generation = r.count('generation');
    this.askedInGeneration = r.count('asked_in_generation');
    const list = (key: string): Individual[] => {
      const raw = r.raw(key);
      const d = this.space.length;
      const m = this.targets.length;
      const isNums = (x: unknown, n: number): x is number[] =>
        Array.isArray(x) && x.length === n && x.every((y) => typeof y === 'number' && Number.isFinite(y));
      if (!Array.isArray(raw)) throw r.fail(key, 'a list of individuals', raw);
      return raw.map((x) => {
        const o = x as { u?: unknown; v?: unknown } | null;
        if (o === null || typeof o !== 'object' || !isNums(o.u, d) || !isNums(o.v, m)) {
          throw r.fail(key, `individuals {u: ${d} numbers, v: ${m} numbers}`, x);
        }
        return { u: [...o.u], v: [...o.v] };
      });
    };
    this.elite = list('elite');
    this.pool = list('pool');
  }
}

/** Simulated binary crossover of one coordinate in [0, 1] (Deb & Agrawal 1995, bounded form), one child; each coordinate crosses with probability ½. */
export function sbx(x1: number, x2: number, rng: Rng): number {
  const u0 = rng.next();
  const u = rng.next();
  const swap = rng.next();
  if (u0 >= 0.5 || Math.abs(x1 - x2) < 1e-14) return x1;
  const y1 = Math.min(x1, x2);
  const y2 = Math.max(x1, x2);
  const spread = (beta: number): number => {
    const alpha = 2 - beta ** -(ETA_CROSSOVER + 1);
    return u <= 1 / alpha ? (u * alpha) ** (1 / (ETA_CROSSOVER + 1)) : (1 / (2 - u * alpha)) ** (1 / (ETA_CROSSOVER + 1));
  };
  const c1 = 0.5 * (y1 + y2 - spread(1 + (2 * y1) / (y2 - y1)) * (y2 - y1));
  const c2 = 0.5 * (y1 + y2 + spread(1 + (2 * (1 - y2)) / (y2 - y1)) * (y2 - y1));
  const c = swap < 0.5 ? c1 : c2;
  return Math.min(1, Math.max(0, c));
}

/** Polynomial mutation of one coordinate in [0, 1] (Deb & Goyal 1996, bounded form). */
export function polynomialMutation(x: number, rng: Rng): number {
  const r = rng.next();
  const pow = 1 / (ETA_MUTATION + 1);
  let dq: number;
  if (r < 0.5) {
    const xy = 1 - x;
    dq = (2 * r + (1 - 2 * r) * xy ** (ETA_MUTATION + 1)) ** pow - 1;
  } else {
    const xy = x;
    dq = 1 - (2 * (1 - r) + 2 * (r - 0.5) * xy ** (ETA_MUTATION + 1)) ** pow;
  }
  return Math.min(1, Math.max(0, x + dq));
}

/** The `nsga2` proposer's registry entry. */
export const nsga2Proposer: BuiltinProposer = {
  name: NAME,
  create: (ctx, snapshot) => new Nsga2Proposer(ctx, snapshot),
  options: NSGA2_OPTIONS,
  multiObjective: true,
  summary: {
    does: 'NSGA-II: non-dominated sorting and crowding, SBX crossover, polynomial mutation; one or several objectives',
    seeded: true,
    finite: 'after `n_samples` trials',
  },
};
