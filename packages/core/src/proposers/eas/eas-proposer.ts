/**
 * `eas`: architecture search by network transformation (Cai et al. 2018, "Efficient Architecture
 * Search by Network Transformation"). The first trial is the starting network (`net_config`); every
 * later trial is a child of a finished trial made wider (Net2Wider) or deeper (Net2Deeper), so the job
 * can start from its parent's weights. Which parent and which edit come from a softmax policy trained
 * by REINFORCE on the child's score improvement over its parent, with a moving-average baseline.
 */
import { isRngState, Rng } from '../../rng.js';
import type { AskResult, Json, JsonObject, Outcome, OutcomeStatus, ParamSpec, Params, Proposer, ProposerContext } from '../../types.js';
import { Type } from '@sinclair/typebox';
import { Int } from '../../config/schema-builders.js';
import type { BuiltinProposer } from '../definition.js';
import { AupError } from '../../errors.js';
import { checkNSamples, checkSeed, checkTell, SnapshotReader, type ToldCounts } from '../checks.js';
import { checkSpace, sampleParams } from '../space.js';
import {
  actionCount,
  applyAction,
  readNetConfig,
  validActions,
  type NetDescription,
  type NetLayer,
  type Transformation,
} from './net-description.js';

const NAME = 'eas';
/** Snapshot format version; bump when the snapshot's shape changes. */
const SNAPSHOT_VERSION = 1;

/** Children a parent gets before others are preferred (Auptimizer's episode batch size was 3). */
export const DEFAULT_N_CHILDREN = 3;
/** The best parents the policy chooses among, by rank: a fixed-size head whatever the history. */
export const PARENT_SLOTS = 4;
/** Step size of the REINFORCE update on the policy's logits (advantages are normalised, so this is scale-free). */
export const POLICY_LEARNING_RATE = 0.3;
/** Weight of the old value in the moving-average baseline and scale (Auptimizer's reward decay was 0.95). */
export const BASELINE_DECAY = 0.9;
/** Normalised advantages are clipped to ±this, so one lucky child cannot make the policy deterministic. */
export const ADVANTAGE_CLIP = 3;
/** Floor of the advantage scale, so equal rewards do not divide by zero. */
const MIN_SCALE = 1e-12;

/** The `eas` settings after defaults. */
export interface EasSettings {
  net: NetDescription;
  nChildren: number;
}

/** Reads `net_config` and `n_children` from the proposer options; throws AUP_ERR_PROPOSER_CONFIG naming the key. */
export function easSettings(options: JsonObject): EasSettings {
  const n = options['n_children'];
  if (n !== undefined && (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1)) {
    throw new AupError('AUP_ERR_PROPOSER_CONFIG', `n_children: the eas proposer expected an integer >= 1, found ${JSON.stringify(n)}`, {
      details: { path: 'n_children', found: n },
    });
  }
  return { net: readNetConfig(options['net_config']), nChildren: n ?? DEFAULT_N_CHILDREN };
}

type TrialStatus = 'pending' | OutcomeStatus;

/** What the proposer remembers of one trial (stored as is in the snapshot). */
interface TrialRecord {
  layers: NetLayer[];
  /** The trial whose weights the job may start from; null for the starting network and for children of it made before it had a result. */
  parent: number | null;
  /** The policy's action, or null when no transformation was made. */
  action: number | null;
  /** The actions that were allowed when `action` was drawn. */
  valid: number[];
  /** The parent's rank among the candidates, and how many there were (null/0: no parent choice). */
  rank: number | null;
  nRanks: number;
  /** The parent's score, sign-adjusted so higher is better; null without a scored parent. */
  parentValue: number | null;
  status: TrialStatus;
  /** The trial's score, sign-adjusted so higher is better; null until told (and for failures). */
  value: number | null;
  children: number;
}

/** Samples an index of `logits[idx]` for idx in `allowed` with softmax probabilities. */
function sampleSoftmax(logits: Float64Array, allowed: readonly number[], rng: Rng): number {
  const p = softmax(logits, allowed);
  const u = rng.next();
  let acc = 0;
  for (let k = 0; k < allowed.length; k++) {
    acc += p[k]!;
    if (u < acc) return allowed[k]!;
  }
  return allowed[allowed.length - 1]!;
}

function softmax(logits: Float64Array, allowed: readonly number[]): Float64Array {
  const out = new Float64Array(allowed.length);
  let max = -Infinity;
  for (const a of allowed) max = Math.max(max, logits[a]!);
  let sum = 0;
  allowed.forEach((a, k) => {
    out[k] = Math.exp(logits[a]! - max);
    sum += out[k]!;
  });
  for (let k = 0; k < out.length; k++) out[k]! /= sum;
  return out;
}

/** One REINFORCE step: raises the log-probability of `chosen` among `allowed` in proportion to `advantage`. */
function reinforce(logits: Float64Array, allowed: readonly number[], chosen: number, advantage: number): void {
  const p = softmax(logits, allowed);
  allowed.forEach((a, k) => {
    logits[a]! += POLICY_LEARNING_RATE * advantage * ((a === chosen ? 1 : 0) - p[k]!);
  });
}

/** Efficient Architecture Search: proposes Net2Wider / Net2Deeper children of good networks; `done` after `nSamples` trials. */
export class EasProposer implements Proposer {
  private readonly space: readonly ParamSpec[];
  private readonly settings: EasSettings;
  private readonly sign: 1 | -1;
  private readonly limit: number;
  private rng: Rng;
  private asked = 0;
  private told: ToldCounts = { finished: 0, failed: 0, early_stopped: 0 };
  private trials: TrialRecord[] = [];
  private actionLogits: Float64Array;
  private rankLogits = new Float64Array(PARENT_SLOTS);
  private baseline: number | null = null;
  private scale: number | null = null;

  /** Starts fresh from `ctx.seed`, or continues exactly from a snapshot this class produced. */
  constructor(ctx: ProposerContext, snapshot?: Json) {
    checkSpace(ctx.space);
    checkNSamples(NAME, ctx);
    checkSeed(NAME, ctx);
    this.space = ctx.space;
    this.settings = easSettings(ctx.options);
    // The policy maximises; for `target: min` the values are negated scores (BOHB in Auptimizer ignored this).
    this.sign = ctx.target === 'min' ? -1 : 1;
    this.limit = ctx.nSamples;
    this.rng = new Rng(ctx.seed);
    this.actionLogits = new Float64Array(actionCount(this.settings.net.maxLayers));
    if (snapshot !== undefined) this.restore(snapshot);
  }

  ask(): AskResult {
    if (this.asked >= this.limit) return { kind: 'done' };
    const trialId = this.asked;
    let record: TrialRecord;
    if (trialId === 0) {
      record = this.fresh(this.settings.net.layers, null, null);
    } else {
      const picked = this.pickParent();
      if (picked === 'wait') return { kind: 'wait' };
      record = picked;
    }
    const params: Params = sampleParams(this.space, this.rng);
    this.trials.push(record);
    this.asked++;
    const transformation: Transformation | null = record.action === null ? null : this.transformationOf(record);
    const extra: JsonObject = {
      architecture: { layers: structuredClone(record.layers) },
      parent_trial: record.parent,
      trial_id: trialId,
      transformation,
    };
    return { kind: 'trial', trialId, params, extra };
  }

  tell(outcome: Outcome): void {
    checkTell(NAME, outcome, this.asked);
    this.told[outcome.status]++;
    const t = this.trials[outcome.trialId]!;
    t.status = outcome.status;
    const score = outcome.score;
    // `+ 0` turns -0 into 0, which a JSON round trip would do anyway.
    t.value = outcome.status !== 'failed' && typeof score === 'number' && Number.isFinite(score) ? this.sign * score + 0 : null;
    // Failures teach nothing about the edit (the job may have crashed for any reason), so they leave the policy alone.
    if (t.value === null || t.parentValue === null) return;
    this.learn(t, t.value - t.parentValue);
  }

  snapshot(): Json {
    return {
      proposer: NAME,
      v: SNAPSHOT_VERSION,
      asked: this.asked,
      rng: this.rng.state(),
      told: { ...this.told },
      trials: structuredClone(this.trials) as unknown as Json,
      action_logits: Array.from(this.actionLogits),
      rank_logits: Array.from(this.rankLogits),
      baseline: this.baseline,
      scale: this.scale,
    };
  }

  private fresh(layers: readonly NetLayer[], parent: number | null, parentValue: number | null): TrialRecord {
    return {
      layers: layers.map((l) => ({ ...l })),
      parent,
      action: null,
      valid: [],
      rank: null,
      nRanks: 0,
      parentValue,
      status: 'pending',
      value: null,
      children: 0,
    };
  }

  private transformationOf(record: TrialRecord): Transformation {
    const parentLayers = record.parent === null ? this.settings.net.layers : this.trials[record.parent]!.layers;
    return applyAction(parentLayers, record.action!, this.settings.net).transformation;
  }

  /** A child of a policy-chosen parent, or 'wait' while the trials that could become parents are still running. */
  private pickParent(): TrialRecord | 'wait' {
    const net = this.settings.net;
    const scored = this.trials
      .map((t, id) => ({ t, id }))
      .filter(({ t, id }) => t.status === 'finished' && t.value !== null && this.untried(id).length > 0)
      .sort((a, b) => b.t.value! - a.t.value! || a.id - b.id);
    const pending = this.trials.some((t) => t.status === 'pending');
    let candidates = scored.filter(({ t }) => t.children < this.settings.nChildren);
    if (candidates.length === 0) {
      // Waiting lets a running trial become a fresh parent; with nothing running, parents get extra children.
      if (pending) return 'wait';
      candidates = scored;
    }
    if (candidates.length === 0) {
      // No finished network with an untried edit (none finished yet, or every edit of every finished
      // network was tried): transform the starting network again, to be trained from scratch.
      const valid = validActions(net.layers, net);
      if (valid.length === 0) return this.fresh(net.layers, null, null);
      const action = sampleSoftmax(this.actionLogits, valid, this.rng);
      return { ...this.fresh(applyAction(net.layers, action, net).layers, null, null), action, valid };
    }
    const top = candidates.slice(0, PARENT_SLOTS);
    const ranks = top.map((_, r) => r);
    const rank = sampleSoftmax(this.rankLogits, ranks, this.rng);
    const { t: parent, id: parentId } = top[rank]!;
    const valid = this.untried(parentId);
    const action = sampleSoftmax(this.actionLogits, valid, this.rng);
    parent.children++;
    return {
      ...this.fresh(applyAction(parent.layers, action, net).layers, parentId, parent.value),
      action,
      valid,
      rank,
      nRanks: top.length,
    };
  }

  /** The actions on trial `id`'s network that give a network none of its children has (no child is proposed twice; ×1.5 and ×2 can meet at `max_units`). */
  private untried(id: number): number[] {
    const net = this.settings.net;
    const parent = this.trials[id]!.layers;
    const taken = new Set(this.trials.filter((t) => t.parent === id).map((t) => JSON.stringify(t.layers)));
    return validActions(parent, net).filter((a) => !taken.has(JSON.stringify(applyAction(parent, a, net).layers)));
  }

  /** REINFORCE with a moving-average baseline; the advantage is normalised by a moving average of its size. */
  private learn(t: TrialRecord, reward: number): void {
    const baseline = this.baseline ?? 0;
    const scale = Math.max(this.scale ?? Math.abs(reward), MIN_SCALE);
    const advantage = Math.max(-ADVANTAGE_CLIP, Math.min(ADVANTAGE_CLIP, (reward - baseline) / scale));
    if (t.action !== null) reinforce(this.actionLogits, t.valid, t.action, advantage);
    if (t.rank !== null)
      reinforce(
        this.rankLogits,
        Array.from({ length: t.nRanks }, (_, r) => r),
        t.rank,
        advantage,
      );
    this.baseline = BASELINE_DECAY * baseline + (1 - BASELINE_DECAY) * reward;
    this.scale = BASELINE_DECAY * scale + (1 - BASELINE_DECAY) * Math.abs(reward - baseline);
  }

  private restore(snapshot: Json): void {
    const r = new SnapshotReader(NAME, snapshot, SNAPSHOT_VERSION);
    this.asked = r.count('asked');
    this.told = r.told();
    const state = r.raw('rng');
    if (!isRngState(state)) throw r.fail('rng', 'an Rng state', state);
    this.rng = Rng.fromState(state);
    this.actionLogits = Float64Array.from(numbers(r, 'action_logits', this.actionLogits.length));
    this.rankLogits = Float64Array.from(numbers(r, 'rank_logits', PARENT_SLOTS));
    this.baseline = nullableNumber(r, 'baseline');
    this.scale = nullableNumber(r, 'scale');
    const trials = r.raw('trials');
    if (!Array.isArray(trials) || trials.length !== this.asked || !trials.every(isTrialRecord)) {
      throw r.fail('trials', `an array of ${this.asked} trial records`, trials);
    }
    this.trials = structuredClone(trials) as unknown as TrialRecord[];
  }
}

function numbers(r: SnapshotReader, key: string, length: number): number[] {
  const x = r.raw(key);
  if (!Array.isArray(x) || x.length !== length || !x.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw r.fail(key, `an array of ${length} finite numbers`, x);
  }
  return x as number[];
}

function nullableNumber(r: SnapshotReader, key: string): number | null {
  const x = r.raw(key);
  if (x === null) return null;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw r.fail(key, 'a finite number or null', x);
  return x;
}

const STATUSES: readonly string[] = ['pending', 'finished', 'failed', 'early_stopped'];
const intOrNull = (x: Json | undefined): boolean => x === null || (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
const numOrNull = (x: Json | undefined): boolean => x === null || (typeof x === 'number' && Number.isFinite(x));

function isTrialRecord(x: Json): boolean {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const layers = x['layers'];
  const valid = x['valid'];
  return (
    Array.isArray(layers) &&
    layers.every(
      (l) =>
        typeof l === 'object' &&
        l !== null &&
        !Array.isArray(l) &&
        typeof l['units'] === 'number' &&
        Number.isSafeInteger(l['units']) &&
        l['units'] >= 1,
    ) &&
    Array.isArray(valid) &&
    valid.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) &&
    intOrNull(x['parent']) &&
    intOrNull(x['action']) &&
    intOrNull(x['rank']) &&
    typeof x['nRanks'] === 'number' &&
    Number.isSafeInteger(x['nRanks']) &&
    numOrNull(x['parentValue']) &&
    numOrNull(x['value']) &&
    typeof x['status'] === 'string' &&
    STATUSES.includes(x['status']) &&
    typeof x['children'] === 'number' &&
    Number.isSafeInteger(x['children'])
  );
}

/** EAS's config keys. */
const OPTIONS = {
  net_config: Type.Unknown({ description: 'The starting network description.' }),
  n_children: Int(1, 'Networks derived from each parent per round.'),
};

/** The `eas` proposer's registry entry. */
export const easProposer: BuiltinProposer = {
  name: NAME,
  create: (ctx, snapshot) => new EasProposer(ctx, snapshot),
  options: OPTIONS,
  summary: {
    does: 'architecture search by network transformation (Net2Wider, Net2Deeper) from a starting network',
    seeded: true,
    finite: 'after `n_samples` trials',
  },
};
