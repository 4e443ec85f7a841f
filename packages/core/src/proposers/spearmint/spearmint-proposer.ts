/**
 * `spearmint`: Bayesian optimisation with a Gaussian process and expected improvement.
 *
 * Sobol initial design; then, for every proposal, a Matérn-5/2 ARD GP on the unit-cube encoding
 * of the space (see space-encoding.ts) with hyperparameters fitted by maximising the marginal
 * likelihood (analytic gradients, warm-started from the previous fit), outputs warped (heavy-tailed
 * objectives) and standardised, pending trials filled in by the kriging believer (or a constant
 * liar), and EI maximised over Sobol candidates plus perturbations of the best points, the best few
 * refined by projected L-BFGS. Always minimises: with `target: max` the model sees −score.
 */
import { isRngState, Rng } from '../../rng.js';
import { minimizeBox } from '../../math/minimize-box.js';
import { SobolSequence } from '../../math/sobol.js';
import type { AskResult, Json, Outcome, OutcomeStatus, Params, Proposer, ProposerContext, Target } from '../../types.js';
import { Type } from '@sinclair/typebox';
import { Int, Str } from '../../config/schema-builders.js';
import type { BuiltinProposer } from '../definition.js';
import { ENGINE_OPTION } from '../common-options.js';
import { checkNSamples, checkSeed, checkTell, SnapshotReader } from '../checks.js';
import { checkSpace } from '../space.js';
import { logExpectedImprovement } from './expected-improvement.js';
import { MaternGp, negLogPosterior, type GpData, type ThetaPrior } from './matern-gp.js';
import { SpaceEncoding } from './space-encoding.js';
import { spearmintSettings, type SpearmintSettings } from './spearmint-settings.js';
import { warpOutputs } from './output-warp.js';

const NAME = 'spearmint';
/** Snapshot format version; bump when the snapshot's shape changes. */
const SNAPSHOT_VERSION = 1;

/** Observations needed before the GP is used at all (with fewer, the design continues). */
const MIN_OBSERVATIONS = 2;
/** Smallest default initial design: enough points to fit a few length-scales in 1–4 dimensions. */
const MIN_DEFAULT_INIT = 5;
/** Largest default initial design: beyond ~20 dimensions a d+1 design would eat the budget. */
const MAX_DEFAULT_INIT = 20;

/** Length-scale bounds on the unit cube: 0.01 resolves features of 1% of a range; 20 switches a dimension off. */
const LOG_LS_MIN = Math.log(0.01);
const LOG_LS_MAX = Math.log(20);
/** Signal variance bounds on standardised outputs. */
const LOG_S2_MIN = Math.log(0.01);
const LOG_S2_MAX = Math.log(100);
/** Noise floor 1e-6 (standardised units): keeps K well conditioned for a deterministic objective. */
const LOG_NOISE_MIN = Math.log(1e-6);
const LOG_NOISE_MAX = Math.log(1);
/**
 * Weak log-normal priors that only matter with few points: length-scales around half the range
 * (wide: e^±1.5 spans 0.11..2.2), signal variance around 1, noise around 1e-4 but free to move.
 */
const PRIOR_LOG_LS = { mean: Math.log(0.5), sd: 1.5 };
const PRIOR_LOG_S2 = { mean: 0, sd: 1.5 };
const PRIOR_LOG_NOISE = { mean: Math.log(1e-4), sd: 4 };

/** Random restarts of the hyperparameter fit while the data are few and the likelihood multimodal. */
const RESTARTS_SMALL = 2;
/** Up to this many observations, the fit gets RESTARTS_SMALL extra starts. */
const SMALL_N = 40;
/** L-BFGS iterations per fit start; fewer once n is large (each costs O(n³)) and the warm start is close. */
const FIT_ITERATIONS = 60;
const FIT_ITERATIONS_LARGE = 15;
const LARGE_N = 150;
/**
 * Points the hyperparameters are fitted on at most: half the best, half the most recent. At 500
 * trials a full fit is ~15× the cost of one on 200; length-scales estimated on 200 points barely move.
 */
const FIT_SUBSET = 200;

/** Candidates scored per unit of n² work at most: keeps a proposal near 0.3 s at 500 points. */
const CANDIDATE_WORK = 3e8;
/** Fewest candidates whatever n is. */
const MIN_CANDIDATES = 256;
/** Best observations the perturbation candidates are centred on. */
const PERTURB_CENTRES = 5;
/** Perturbation scales (unit-cube standard deviations) are log-uniform in this range: local polish to wide jumps. */
const PERTURB_LOG_SD_MIN = Math.log(0.002);
const PERTURB_LOG_SD_MAX = Math.log(0.2);
/** A one-hot coordinate of a perturbed candidate switches to a random option with this probability. */
const PERTURB_SWITCH = 0.2;
/** Relative slack on the variance bound so rounding can never make it smaller than the exact variance. */
const BOUND_SLACK = 1 + 1e-9;
/** Best candidates refined by gradient ascent on log EI, and iterations each. */
const REFINE_STARTS = 5;
const REFINE_ITERATIONS = 25;

interface ToldTrial {
  trialId: number;
  params: Params;
  status: OutcomeStatus;
  score?: number;
}
interface PendingTrial {
  trialId: number;
  params: Params;
}

/** GP-EI Bayesian optimisation; answers `done` after `nSamples` trials. */
export class SpearmintProposer implements Proposer {
  private readonly settings: SpearmintSettings;
  private readonly enc: SpaceEncoding;
  private readonly target: Target;
  private readonly limit: number;
  private readonly nInit: number;
  private readonly design: SobolSequence;
  private rng: Rng;
  private asked = 0;
  /** Trials a user gave (adopt); they are modelled but do not count against `limit`. */
  private adopted = 0;
  private designIndex = 0;
  private theta: number[] | null = null;
  private told: ToldTrial[] = [];
  private pending: PendingTrial[] = [];

  /** Starts fresh from `ctx.seed`, or continues exactly from a snapshot this class produced. */
  constructor(ctx: ProposerContext, snapshot?: Json) {
    checkSpace(ctx.space);
    checkNSamples(NAME, ctx);
    checkSeed(NAME, ctx);
    this.settings = spearmintSettings(ctx.options);
    this.enc = new SpaceEncoding(ctx.space);
    this.target = ctx.target;
    this.limit = ctx.space.length === 0 ? Math.min(1, ctx.nSamples) : ctx.nSamples;
    this.nInit = this.settings.nInit ?? Math.min(MAX_DEFAULT_INIT, Math.max(MIN_DEFAULT_INIT, this.enc.dim + 1));
    // The design's shift comes first from the seed's stream, so a restore can rebuild it from the seed.
    this.rng = new Rng(ctx.seed);
    this.design = new SobolSequence(this.enc.dim, this.rng);
    if (snapshot !== undefined) this.restore(snapshot);
  }

  ask(): AskResult {
    if (this.asked - this.adopted >= this.limit) return { kind: 'done' };
    let z: Float64Array;
    if (this.enc.dim === 0) {
      z = new Float64Array(0);
    } else if (this.asked < this.nInit || this.observationCount() < MIN_OBSERVATIONS) {
      z = this.enc.round(this.design.point(this.designIndex++));
    } else {
      z = this.proposeByEi();
    }
    const params = this.enc.decode(z);
    const trialId = this.asked++;
    this.pending.push({ trialId, params });
    return { kind: 'trial', trialId, params: { ...params } };
  }

  /** A user's trial, pending like an asked one until its tell; the GP then models its result. */
  adopt(params: Params): AskResult {
    // Encoding throws for a value outside the space, before anything is recorded.
    this.enc.encode(params);
    const trialId = this.asked++;
    this.adopted++;
    this.pending.push({ trialId, params: { ...params } });
    return { kind: 'trial', trialId, params: { ...params } };
  }

  tell(outcome: Outcome): void {
    checkTell(NAME, outcome, this.asked);
    const i = this.pending.findIndex((p) => p.trialId === outcome.trialId);
    if (i >= 0) this.pending.splice(i, 1);
    const t: ToldTrial = { trialId: outcome.trialId, params: { ...outcome.params }, status: outcome.status };
    if (outcome.status !== 'failed' && typeof outcome.score === 'number' && Number.isFinite(outcome.score)) t.score = outcome.score;
    // Encoding now surfaces a value outside the space at the tell, not at some later ask.
    this.enc.encode(t.params);
    this.told.push(t);
  }

  snapshot(): Json {
    return {
      proposer: NAME,
      v: SNAPSHOT_VERSION,
      asked: this.asked,
      ...(this.adopted > 0 ? { adopted: this.adopted } : {}),
      design: this.designIndex,
      rng: this.rng.state(),
      theta: this.theta === null ? null : [...this.theta],
      told: this.told.map((t) => ({
        trialId: t.trialId,
        params: { ...t.params },
        status: t.status,
        ...(t.score === undefined ? {} : { score: t.score }),
      })),
      pending: this.pending.map((p) => ({ trialId: p.trialId, params: { ...p.params } })),
    };
  }

  private restore(snapshot: Json): void {
    const r = new SnapshotReader(NAME, snapshot, SNAPSHOT_VERSION);
    this.asked = r.count('asked');
    // Snapshots written before adopt existed have no count: none adopted.
    this.adopted = r.raw('adopted') === undefined ? 0 : r.count('adopted');
    this.designIndex = r.count('design');
    const state = r.raw('rng');
    if (!isRngState(state)) throw r.fail('rng', 'an Rng state', state);
    this.rng = Rng.fromState(state);
    const theta = r.raw('theta');
    if (theta === null) this.theta = null;
    else if (Array.isArray(theta) && theta.length === this.enc.dim + 2 && theta.every((x) => typeof x === 'number' && Number.isFinite(x)))
      this.theta = theta as number[];
    else throw r.fail('theta', `null or ${this.enc.dim + 2} finite numbers`, theta);
    const isParams = (x: Json | undefined): x is { [k: string]: Json } => typeof x === 'object' && x !== null && !Array.isArray(x);
    const told = r.raw('told');
    if (!Array.isArray(told)) throw r.fail('told', 'a list of outcomes', told);
    this.told = told.map((t, i) => {
      const ok =
        isParams(t) &&
        typeof t.trialId === 'number' &&
        Number.isSafeInteger(t.trialId) &&
        (t.status === 'finished' || t.status === 'failed' || t.status === 'early_stopped') &&
        isParams(t.params) &&
        (t.score === undefined || (typeof t.score === 'number' && Number.isFinite(t.score)));
      if (!ok) throw r.fail(`told[${i}]`, '{trialId, params, status, score?}', t);
      const o = t as unknown as ToldTrial;
      this.enc.encode(o.params);
      return o.score === undefined ? { trialId: o.trialId, params: o.params, status: o.status } : { ...o };
    });
    const pending = r.raw('pending');
    if (!Array.isArray(pending)) throw r.fail('pending', 'a list of trials', pending);
    this.pending = pending.map((p, i) => {
      if (!(isParams(p) && typeof p.trialId === 'number' && Number.isSafeInteger(p.trialId) && isParams(p.params)))
        throw r.fail(`pending[${i}]`, '{trialId, params}', p);
      this.enc.encode(p.params as Params);
      return { trialId: p.trialId, params: p.params as Params };
    });
  }

  private observationCount(): number {
    let n = 0;
    for (const t of this.told) if (t.score !== undefined) n++;
    return n;
  }

  /** The next point: fit the GP, add the pending trials, maximise EI. */
  private proposeByEi(): Float64Array {
    const D = this.enc.dim;
    // Model values are always minimised: −score under `target: max`.
    const sign = this.target === 'max' ? -1 : 1;
    const scored = this.told.filter((t) => t.score !== undefined);
    const failed = this.told.filter((t) => t.score === undefined);
    const raw = scored.map((t) => sign * t.score!);
    const values = warpOutputs(raw, this.settings.outputWarp);
    const points = scored.map((t) => this.enc.encode(t.params));
    const n = points.length;
    let mean = 0;
    for (const v of values) mean += v;
    mean /= n;
    let sd = 0;
    for (const v of values) sd += (v - mean) ** 2;
    sd = Math.sqrt(sd / n);
    if (!(sd > 0)) sd = 1;
    const x = new Float64Array(n * D);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x.set(points[i]!, i * D);
      y[i] = (values[i]! - mean) / sd;
    }
    const data: GpData = { x, y, n, dim: D };
    const theta = this.fitTheta(data);
    this.theta = [...theta];

    let best = Infinity;
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      best = Math.min(best, y[i]!);
      order.push(i);
    }
    order.sort((a, b) => y[a]! - y[b]! || a - b);

    let gp = new MaternGp(data, theta);
    // Fantasies: pending trials, and failed ones. A failure carries no value, and imputing the
    // worst value (SMAC's choice) wrecks the fit when failures are unrelated to the parameters (a
    // crashed node): Branin regret 12 instead of 0.01 with a third of trials failing at random. As a
    // believer fantasy a failed point only loses its variance, so it is not proposed again as is.
    const fantasies = [
      ...this.pending.map((p) => ({ params: p.params, liar: this.settings.pending === 'liar' })),
      ...failed.map((t) => ({ params: t.params, liar: false })),
    ];
    if (fantasies.length > 0) {
      const m = fantasies.length;
      const px = new Float64Array((n + m) * D);
      const py = new Float64Array(n + m);
      px.set(x);
      py.set(y);
      let worst = -Infinity;
      for (let i = 0; i < n; i++) worst = Math.max(worst, y[i]!);
      for (let j = 0; j < m; j++) {
        const z = this.enc.encode(fantasies[j]!.params);
        px.set(z, (n + j) * D);
        // Kriging believer: the GP's own forecast, which removes the variance there without
        // pretending the point is good or bad; constant liar: the worst value, which pushes away harder.
        py[n + j] = fantasies[j]!.liar ? worst : gp.predict(z).mean;
      }
      gp = new MaternGp({ x: px, y: py, n: n + m, dim: D }, theta);
    }
    const centres = order.slice(0, PERTURB_CENTRES).map((i) => x.subarray(i * D, (i + 1) * D));
    return this.maximiseEi(gp, best, centres);
  }

  /** Hyperparameters maximising the marginal likelihood (plus weak priors), warm-started from the last fit. */
  private fitTheta(full: GpData): Float64Array {
    const D = full.dim;
    const data = full.n > FIT_SUBSET ? subset(full, FIT_SUBSET) : full;
    const lower = new Float64Array(D + 2).fill(LOG_LS_MIN);
    const upper = new Float64Array(D + 2).fill(LOG_LS_MAX);
    lower[D] = LOG_S2_MIN;
    upper[D] = LOG_S2_MAX;
    lower[D + 1] = LOG_NOISE_MIN;
    upper[D + 1] = this.settings.noiseless ? LOG_NOISE_MIN : LOG_NOISE_MAX;
    const prior: ThetaPrior = { mean: new Float64Array(D + 2).fill(PRIOR_LOG_LS.mean), sd: new Float64Array(D + 2).fill(PRIOR_LOG_LS.sd) };
    prior.mean[D] = PRIOR_LOG_S2.mean;
    prior.sd[D] = PRIOR_LOG_S2.sd;
    prior.mean[D + 1] = PRIOR_LOG_NOISE.mean;
    prior.sd[D + 1] = PRIOR_LOG_NOISE.sd;

    const starts: Float64Array[] = [];
    if (this.theta !== null) starts.push(Float64Array.from(this.theta));
    else starts.push(Float64Array.from(prior.mean));
    if (data.n <= SMALL_N) {
      for (let r = 0; r < RESTARTS_SMALL; r++) {
        const s = new Float64Array(D + 2);
        for (let k = 0; k < D; k++) s[k] = this.rng.uniform(Math.log(0.05), Math.log(2));
        s[D] = this.rng.uniform(-1, 1);
        s[D + 1] = this.rng.uniform(Math.log(1e-6), Math.log(1e-2));
        starts.push(s);
      }
    }
    const maxIterations = data.n > LARGE_N ? FIT_ITERATIONS_LARGE : FIT_ITERATIONS;
    let bestTheta = starts[0]!;
    let bestValue = Infinity;
    for (const s of starts) {
      const r = minimizeBox((t, g) => negLogPosterior(data, t, prior, g), s, lower, upper, {
        maxIterations,
        fTolerance: 1e-7,
        gTolerance: 1e-5,
      });
      if (r.f < bestValue) {
        bestValue = r.f;
        bestTheta = r.x;
      }
    }
    // Clamp: a warm start from an older fit may lie outside the box of a changed setting.
    for (let k = 0; k < D + 2; k++) bestTheta[k] = Math.min(upper[k]!, Math.max(lower[k]!, bestTheta[k]!));
    return bestTheta;
  }

  /** The candidate with the largest EI: Sobol points and perturbed best points, the best few refined. */
  private maximiseEi(gp: MaternGp, best: number, centres: Float64Array[]): Float64Array {
    const D = this.enc.dim;
    const n = gp.n;
    const budget = Math.max(MIN_CANDIDATES, Math.floor(CANDIDATE_WORK / Math.max(1, n * n)));
    const nSobol = Math.max(1, Math.min(this.settings.gridSize, Math.ceil(budget / 2)));
    const nPerturb = centres.length === 0 ? 0 : Math.min(this.settings.gridSize, Math.floor(budget / 2));
    const sobol = new SobolSequence(D, this.rng);
    const score = (z: Float64Array): number => {
      const p = gp.predict(z);
      return logExpectedImprovement(p.mean, Math.sqrt(p.variance), best).value;
    };
    // The REFINE_STARTS best candidates, kept sorted by descending log EI.
    const top: { z: Float64Array; v: number }[] = [];
    const consider = (z: Float64Array): void => {
      const v = score(z);
      if (!Number.isFinite(v) && top.length >= REFINE_STARTS) return;
      if (top.length >= REFINE_STARTS && v <= top[top.length - 1]!.v) return;
      for (const t of top) if (t.v === v && sameArray(t.z, z)) return;
      top.push({ z: Float64Array.from(z), v });
      top.sort((a, b) => (b.v === a.v ? 0 : Number.isNaN(a.v) ? 1 : Number.isNaN(b.v) ? -1 : b.v - a.v));
      if (top.length > REFINE_STARTS) top.pop();
    };
    const total = nSobol + nPerturb;
    const cands = new Float64Array(total * D);
    for (let i = 0; i < nSobol; i++) this.enc.round(sobol.point(i, cands.subarray(i * D, (i + 1) * D)));
    for (let i = nSobol; i < total; i++) {
      const z = cands.subarray(i * D, (i + 1) * D);
      const c = centres[this.rng.int(0, centres.length - 1)]!;
      const sdPerturb = Math.exp(this.rng.uniform(PERTURB_LOG_SD_MIN, PERTURB_LOG_SD_MAX));
      for (let k = 0; k < D; k++) {
        if (this.enc.oneHot[k] === 0) z[k] = c[k]! + sdPerturb * this.rng.normal();
        else z[k] = this.rng.next() < PERTURB_SWITCH ? this.rng.next() : c[k]!;
      }
      this.enc.round(z);
    }
    // Screening: EI grows with the standard deviation, so EI at a variance upper bound (O(n·D))
    // bounds each candidate's EI; exact EI (O(n²)) is computed in decreasing order of that bound
    // until no remaining bound can enter the top. The result is what scoring every candidate gives.
    const bound = new Float64Array(total);
    for (let i = 0; i < total; i++) {
      const b = gp.meanAndVarianceBound(cands.subarray(i * D, (i + 1) * D));
      bound[i] = logExpectedImprovement(b.mean, Math.sqrt(b.varianceBound * BOUND_SLACK), best).value;
    }
    const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => bound[b]! - bound[a]! || a - b);
    for (const i of order) {
      if (top.length >= REFINE_STARTS && bound[i]! <= top[top.length - 1]!.v) break;
      consider(cands.subarray(i * D, (i + 1) * D));
    }

    let chosen = top[0]!;
    const anyContinuous = this.enc.continuous.some((c) => c === 1);
    if (anyContinuous) {
      const dMean = new Float64Array(D);
      const dVar = new Float64Array(D);
      for (const start of top) {
        if (!Number.isFinite(start.v)) continue;
        const lower = new Float64Array(D);
        const upper = new Float64Array(D);
        for (let k = 0; k < D; k++) {
          const free = this.enc.continuous[k] === 1;
          lower[k] = free ? 0 : start.z[k]!;
          upper[k] = free ? 1 : start.z[k]!;
        }
        const r = minimizeBox(
          (p, g) => {
            const pred = gp.predictWithGradient(p, dMean, dVar);
            const sdv = Math.sqrt(pred.variance);
            const ei = logExpectedImprovement(pred.mean, sdv, best);
            for (let k = 0; k < D; k++) g[k] = -(ei.dMean * dMean[k]! + (ei.dSd * dVar[k]!) / (2 * sdv));
            return -ei.value;
          },
          start.z,
          lower,
          upper,
          { maxIterations: REFINE_ITERATIONS, fTolerance: 1e-9, gTolerance: 1e-7 },
        );
        const v = -r.f;
        if (Number.isFinite(v) && v > chosen.v) chosen = { z: r.x, v };
      }
    }
    return this.enc.round(Float64Array.from(chosen.z));
  }
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The best half and the most recent rest of the data, in their original order. */
function subset(data: GpData, size: number): GpData {
  const { n, dim } = data;
  const byValue = Array.from({ length: n }, (_, i) => i).sort((a, b) => data.y[a]! - data.y[b]! || a - b);
  const keep = new Uint8Array(n);
  let count = 0;
  for (const i of byValue.slice(0, Math.floor(size / 2))) {
    keep[i] = 1;
    count++;
  }
  for (let i = n - 1; i >= 0 && count < size; i--) {
    if (keep[i] === 0) {
      keep[i] = 1;
      count++;
    }
  }
  const x = new Float64Array(count * dim);
  const y = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (keep[i] === 0) continue;
    x.set(data.x.subarray(i * dim, (i + 1) * dim), j * dim);
    y[j++] = data.y[i]!;
  }
  return { x, y, n: count, dim };
}

/** Spearmint's config keys. */
const OPTIONS = {
  engine: ENGINE_OPTION,
  grid_size: Int(1, 'Candidate points scored per proposal (default 1000).'),
  n_init: Int(1, 'Points of the Sobol initial design before the Gaussian process is used (default max(5, d+1), at most 20).'),
  engine_config: Type.Record(Type.String(), Type.Unknown(), { description: "Options for spearmint's chooser." }),
  spearmint_dir: Str("Auptimizer's spearmint working folder; accepted and unused."),
};

/** The `spearmint` proposer's registry entry. */
export const spearmintProposer: BuiltinProposer = {
  name: NAME,
  create: (ctx, snapshot) => new SpearmintProposer(ctx, snapshot),
  options: OPTIONS,
  summary: {
    does: 'Bayesian optimisation: a Gaussian process with expected improvement (GP-EI)',
    seeded: true,
    finite: 'after `n_samples` trials',
  },
};
