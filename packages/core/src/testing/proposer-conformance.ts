/**
 * The conformance suite every proposer passes (docs/architecture.md §2.2), shipped for outside implementers too.
 *
 * It drives a proposer the way the runner does (ask until `n_parallel` trials are out, tell one,
 * repeat; store a snapshot after every ask and tell; on resume rebuild the proposer from the last
 * snapshot and finish the pending trials without asking for them again) and checks the contract
 * at every step.
 * @example
 * // my-proposer.test.ts
 * import { proposerConformance } from '@aup/core/testing';
 * proposerConformance(myProposer);
 */
import { describe, expect, it } from 'vitest';
import type { AupError } from '../errors.js';
import { toUnit } from '../proposers/space.js';
import { Rng } from '../rng.js';
import type {
  AskResult,
  Json,
  JsonObject,
  Outcome,
  OutcomeStatus,
  ParamSpec,
  Params,
  Proposer,
  ProposerContext,
  ProposerDefinition,
  Suggestion,
  Target,
} from '../types.js';

/** Search spaces the suite runs every check on: mixed types, log scales, degenerate ranges, a small grid. */
export const CONFORMANCE_SPACES: Readonly<Record<string, ParamSpec[]>> = {
  mixed: [
    { name: 'lr', type: 'float', range: [1e-5, 1e-1], log: true, n: 5 },
    { name: 'momentum', type: 'float', range: [0, 0.9], interval: 0.3 },
    { name: 'layers', type: 'int', range: [1, 4] },
    { name: 'units', type: 'int', range: [16, 256], log: true, n: 4 },
    { name: 'activation', type: 'choice', range: ['relu', 'tanh', 0.5, true] },
  ],
  edges: [
    { name: 'x', type: 'float', range: [-5, 5] },
    { name: 'fixed', type: 'int', range: [3, 3] },
    { name: 'k', type: 'int', range: [1, 64], log: true },
    { name: 'only', type: 'choice', range: ['same'] },
  ],
  small: [
    { name: 'k', type: 'int', range: [0, 2] },
    { name: 'c', type: 'choice', range: ['a', 'b'] },
  ],
};

/** How {@link proposerConformance} runs a proposer. */
export interface ProposerConformanceOptions {
  /** Proposer-specific settings passed as `ctx.options` (default `{}`). */
  options?: JsonObject;
  /** `n_samples` of every simulated experiment (default 24). */
  nSamples?: number;
  /** `n_parallel` of the parallel scenarios (default 3). */
  nParallel?: number;
  /** The proposer answers `done` by itself within `nSamples` trials (default true). */
  finite?: boolean;
  /** A different seed gives different trials (default true; false for `sequence`, whose grid order is fixed). */
  seedSensitive?: boolean;
  /** Spaces to run on, replacing {@link CONFORMANCE_SPACES}. */
  spaces?: Record<string, ParamSpec[]>;
  /**
   * Objectives of every simulated experiment (default 1). With 2 or more the contexts carry
   * `targets` (each the context's `target`) and every tell `values`: the score first, then
   * conflicting functions of the params (for multi-objective proposers).
   */
  objectives?: number;
}

/** What a simulated runner recorded: every ask's answer and every tell, in order. */
export type RunEvent = { ask: AskResult } | { tell: Outcome };

/** How {@link SimulatedRun} plays the runner's part. */
export interface SimulationOptions {
  /** Trials in flight at most (default 1). */
  nParallel?: number;
  /** Tell a pseudo-randomly chosen pending trial instead of the oldest (default false). */
  outOfOrder?: boolean;
  /** Seed of the tell order when `outOfOrder` (default 0). */
  orderSeed?: number;
  /** The outcome status of each trial (default: every trial finishes). */
  status?: (trialId: number) => OutcomeStatus;
  /** The score a finished trial reports (default {@link defaultScore} over the space). */
  score?: (params: Params) => number;
  /** Stop asking once `nSamples` trials exist, as the runner does (default true). */
  stopAtNSamples?: boolean;
}

/** A smooth test objective over the unit cube: lowest at 0.3 in every coordinate. */
export function defaultScore(space: readonly ParamSpec[], params: Params): number {
  let s = 0;
  for (const spec of space) s += (toUnit(spec, params[spec.name] as Params[string]) - 0.3) ** 2;
  return s;
}

/** Failures and early stops sprinkled over trial ids, so every scenario exercises them. */
export function mixedStatus(trialId: number): OutcomeStatus {
  if (trialId % 5 === 1) return 'failed';
  if (trialId % 7 === 3) return 'early_stopped';
  return 'finished';
}

function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

/** Checks one suggestion against the space: every parameter present, nothing else, each value legal. */
export function expectInSpace(space: readonly ParamSpec[], s: Suggestion): void {
  const where = `trial ${s.trialId}`;
  expect(typeof s.params === 'object' && s.params !== null, `${where}: params must be an object`).toBe(true);
  expect(Object.keys(s.params).sort(), `${where}: params must hold exactly the space's parameters`).toEqual(
    space.map((p) => p.name).sort(),
  );
  for (const spec of space) {
    const v = s.params[spec.name];
    const shown = `${where}: ${spec.name} = ${JSON.stringify(v)}`;
    if (spec.type === 'choice') {
      expect(spec.range.includes(v as Params[string]), `${shown} is not one of ${JSON.stringify(spec.range)}`).toBe(true);
      continue;
    }
    const [min, max] = spec.range;
    const isNumber = typeof v === 'number' && Number.isFinite(v);
    expect(isNumber, `${shown} is not a finite number`).toBe(true);
    if (spec.type === 'int') expect(Number.isInteger(v), `${shown} is not an integer`).toBe(true);
    expect((v as number) >= min && (v as number) <= max, `${shown} is outside [${min}, ${max}]`).toBe(true);
    if (spec.log === true) expect((v as number) > 0, `${shown} must be positive (log scale)`).toBe(true);
  }
  if (s.budget !== undefined)
    expect(Number.isFinite(s.budget) && s.budget > 0, `${where}: budget ${s.budget} must be a positive number`).toBe(true);
}

/**
 * Plays the runner's part against a proposer: asks while fewer than `nParallel` trials are pending,
 * otherwise tells one; checks every answer. {@link SimulatedRun.restore} rebuilds the proposer from
 * a JSON copy of its snapshot, as `aup resume` does; the pending trials carry over.
 */
export class SimulatedRun {
  /** Every answer and tell so far. */
  readonly events: RunEvent[] = [];
  /** Every trial asked so far. */
  readonly trials: Suggestion[] = [];
  /** True once the proposer answered `done`. */
  done = false;
  proposer: Proposer;
  private readonly pending: Suggestion[] = [];
  private readonly orderRng: Rng;
  private waiting = false;
  private readonly opts: Required<Omit<SimulationOptions, 'score'>> & { score: (params: Params) => number };

  constructor(
    private readonly def: ProposerDefinition,
    readonly ctx: ProposerContext,
    opts: SimulationOptions = {},
  ) {
    this.opts = {
      nParallel: opts.nParallel ?? 1,
      outOfOrder: opts.outOfOrder ?? false,
      orderSeed: opts.orderSeed ?? 0,
      status: opts.status ?? (() => 'finished'),
      score: opts.score ?? ((p) => defaultScore(ctx.space, p)),
      stopAtNSamples: opts.stopAtNSamples ?? true,
    };
    this.orderRng = new Rng(this.opts.orderSeed);
    this.proposer = def.create(ctx);
  }

  /** One ask or one tell; false when the experiment is over (nothing pending and nothing more to ask). */
  step(): boolean {
    const canAsk = !this.done && !this.waiting && !(this.opts.stopAtNSamples && this.trials.length >= this.ctx.nSamples);
    if (canAsk && this.pending.length < this.opts.nParallel) {
      this.ask();
      return true;
    }
    if (this.pending.length === 0) return false;
    this.tellOne();
    return true;
  }

  /** Steps until the experiment is over. */
  runToEnd(): this {
    while (this.step());
    return this;
  }

  /** Replaces the proposer by one restored from a JSON round trip of its snapshot. */
  restore(): void {
    const snap = JSON.parse(JSON.stringify(this.proposer.snapshot())) as Json;
    this.proposer = this.def.create(this.ctx, snap);
  }

  private ask(): void {
    const r = this.proposer.ask();
    const where = `ask #${this.events.length} (after ${this.trials.length} trials)`;
    expect(['trial', 'wait', 'done'], `${where}: unknown answer ${JSON.stringify(r)}`).toContain(r?.kind);
    if (r.kind === 'done') {
      this.done = true;
    } else if (r.kind === 'wait') {
      // Nothing can change without a tell, so a wait with nothing outstanding would wait forever.
      expect(this.pending.length, `${where}: answered "wait" with no trial outstanding`).toBeGreaterThan(0);
      this.waiting = true;
    } else {
      expect(r.trialId, `${where}: trial ids must be 0, 1, 2, ... in ask order`).toBe(this.trials.length);
      expectInSpace(this.ctx.space, r);
      if (!this.opts.stopAtNSamples) {
        expect(this.trials.length, `${where}: asked more than n_samples = ${this.ctx.nSamples} trials without "done"`).toBeLessThan(
          this.ctx.nSamples,
        );
      }
      deepFreeze(r);
      this.trials.push(r);
      this.pending.push(r);
    }
    this.events.push({ ask: r });
  }

  private tellOne(): void {
    const i = this.opts.outOfOrder ? this.orderRng.int(0, this.pending.length - 1) : 0;
    const [s] = this.pending.splice(i, 1) as [Suggestion];
    const status = this.opts.status(s.trialId);
    const outcome: Outcome = { trialId: s.trialId, params: s.params, status };
    if (s.budget !== undefined) outcome.budget = s.budget;
    if (status !== 'failed') outcome.score = this.opts.score(s.params) * (status === 'early_stopped' ? 1.5 : 1);
    const targets = this.ctx.targets;
    if (status !== 'failed' && targets !== undefined && targets.length > 1) {
      // A maximised objective is the negated minimised one, so `max` with s mirrors `min` with −s.
      outcome.values = [
        outcome.score!,
        ...targets.slice(1).map((t, k) => (t === 'max' ? -1 : 1) * otherObjective(this.ctx.space, s.params, k)),
      ];
    }
    this.proposer.tell(deepFreeze(outcome));
    this.waiting = false;
    this.events.push({ tell: outcome });
  }
}

/** The (k+1)-th objective of a multi-objective simulation: a bowl centred away from the score's, so the two conflict. */
function otherObjective(space: readonly ParamSpec[], params: Params, k: number): number {
  let s = 0;
  for (const spec of space) s += (toUnit(spec, params[spec.name] as Params[string]) - 0.8 + 0.1 * k) ** 2;
  return s;
}

function trialParams(run: SimulatedRun): Params[] {
  return run.trials.map((t) => t.params);
}

/** The error `fn` throws, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/**
 * Registers (with vitest's describe/it) the checks every proposer must pass: suggestions inside the
 * space; trial ids 0, 1, 2, ...; determinism per seed; JSON snapshots that reproduce the rest of the
 * run exactly from any point, pending trials included; progress after failed and early-stopped
 * trials (the same number of trials as without failures); `target: max` with scores s proposing
 * exactly what `target: min` with −s does; a space without parameters; `done` within n_samples
 * for finite proposers; `wait` only while trials are outstanding; AUP_ERR_PROPOSER_STATE for a
 * snapshot that is not one.
 */
export function proposerConformance(def: ProposerDefinition, opts: ProposerConformanceOptions = {}): void {
  const nSamples = opts.nSamples ?? 24;
  const nParallel = opts.nParallel ?? 3;
  const spaces = opts.spaces ?? CONFORMANCE_SPACES;
  const options = opts.options ?? {};
  const suite: Suite = {
    nSamples,
    nParallel,
    finite: opts.finite ?? true,
    seedSensitive: opts.seedSensitive ?? true,
    parallel: { nParallel, outOfOrder: true, orderSeed: 3, status: mixedStatus },
    context: (space, over = {}) => {
      const ctx: ProposerContext = {
        space: structuredClone(space),
        target: 'min' as Target,
        nSamples,
        seed: 7,
        options: structuredClone(options),
        ...over,
      };
      if ((opts.objectives ?? 1) > 1) ctx.targets = new Array<Target>(opts.objectives!).fill(ctx.target);
      return deepFreeze(ctx);
    },
  };
  const { context } = suite;

  describe(`proposer conformance: ${def.name}`, () => {
    for (const [spaceName, space] of Object.entries(spaces)) {
      describe(`space "${spaceName}"`, () => {
        runChecks(def, space, suite);
        snapshotChecks(def, space, suite);
        outcomeChecks(def, space, suite);
      });
    }

    it('runs a space without parameters (a one-shot experiment)', () => {
      const run = new SimulatedRun(def, context([]), { nParallel }).runToEnd();
      expect(run.trials.length).toBeGreaterThan(0);
      expect(run.events[0]).toEqual({ ask: expect.objectContaining({ kind: 'trial', trialId: 0, params: {} }) });
      for (const t of run.trials) expect(t.params).toEqual({});
    });

    it('refuses a snapshot that is not one with AUP_ERR_PROPOSER_STATE', () => {
      const ctx = context(Object.values(spaces)[0] ?? []);
      for (const bad of ['garbage', [1, 2, 3], {}] as Json[]) {
        const e = thrown(() => def.create(ctx, bad));
        expect(e, `create(ctx, ${JSON.stringify(bad)}) must throw`).toBeInstanceOf(Error);
        expect((e as AupError).code, `create(ctx, ${JSON.stringify(bad)}): ${String(e)}`).toBe('AUP_ERR_PROPOSER_STATE');
      }
    });
  });
}

/** What every check of one {@link proposerConformance} call shares. */
interface Suite {
  nSamples: number;
  nParallel: number;
  finite: boolean;
  seedSensitive: boolean;
  /** The parallel scenario: n_parallel trials in flight, told out of order, with failures and early stops. */
  parallel: SimulationOptions;
  /** A frozen context on `space`: target min, seed 7, the suite's n_samples and options. */
  context: (space: ParamSpec[], over?: Partial<ProposerContext>) => ProposerContext;
}

/** Values in the space, trial ids, determinism and the seed. */
function runChecks(def: ProposerDefinition, space: ParamSpec[], suite: Suite): void {
  const { parallel } = suite;
  it('suggests values inside the space with trial ids 0, 1, 2, ...', () => {
    const run = new SimulatedRun(def, suite.context(space), { status: mixedStatus }).runToEnd();
    expect(run.trials.length).toBeGreaterThan(0);
    expect(run.trials.length).toBeLessThanOrEqual(suite.nSamples);
  });

  it('is deterministic for a seed', () => {
    const a = new SimulatedRun(def, suite.context(space), parallel).runToEnd();
    const b = new SimulatedRun(def, suite.context(space), parallel).runToEnd();
    expect(b.events).toEqual(a.events);
  });

  const varies = space.some((p) => (p.type === 'choice' ? p.range.length > 1 : p.range[0] !== p.range[1]));
  if (suite.seedSensitive && varies) {
    it('suggests different trials for a different seed', () => {
      const a = new SimulatedRun(def, suite.context(space, { seed: 1 }), { status: mixedStatus }).runToEnd();
      const b = new SimulatedRun(def, suite.context(space, { seed: 2 }), { status: mixedStatus }).runToEnd();
      expect(trialParams(b)).not.toEqual(trialParams(a));
    });
  }
}

/** Snapshots: plain JSON, unchanged afterwards, and restoring exactly from any point. */
function snapshotChecks(def: ProposerDefinition, space: ParamSpec[], suite: Suite): void {
  const { parallel } = suite;
  it('takes snapshots that are plain JSON and do not change afterwards', () => {
    const run = new SimulatedRun(def, suite.context(space), parallel);
    let previous: { snap: Json; json: string } | undefined;
    do {
      if (previous) expect(JSON.stringify(previous.snap), 'a snapshot changed after it was taken').toBe(previous.json);
      const snap = run.proposer.snapshot();
      const json = JSON.stringify(snap);
      expect(typeof json, 'snapshot() must return JSON').toBe('string');
      expect(
        JSON.parse(json),
        'snapshot() must survive a JSON round trip unchanged (no undefined, NaN, Infinity, class instances)',
      ).toStrictEqual(snap);
      previous = { snap, json };
    } while (run.step());
  });

  it('continues exactly after a restore at any point, with pending trials told out of order', () => {
    const reference = new SimulatedRun(def, suite.context(space), parallel).runToEnd();
    for (let cut = 0; cut <= reference.events.length; cut++) {
      const run = new SimulatedRun(def, suite.context(space), parallel);
      for (let i = 0; i < cut; i++) run.step();
      run.restore();
      run.runToEnd();
      expect(run.events, `restored after event ${cut}`).toEqual(reference.events);
    }
  });

  it('continues exactly when restored after every single ask and tell', () => {
    const reference = new SimulatedRun(def, suite.context(space), parallel).runToEnd();
    const run = new SimulatedRun(def, suite.context(space), parallel);
    do run.restore();
    while (run.step());
    expect(run.events).toEqual(reference.events);
  });
}

/** Failures and early stops, the target, `wait` and `done`. */
function outcomeChecks(def: ProposerDefinition, space: ParamSpec[], suite: Suite): void {
  const { parallel } = suite;
  it('keeps proposing after failed and early-stopped trials', () => {
    const ok = new SimulatedRun(def, suite.context(space), { nParallel: suite.nParallel }).runToEnd();
    const allFailed = new SimulatedRun(def, suite.context(space), { nParallel: suite.nParallel, status: () => 'failed' }).runToEnd();
    const allStopped = new SimulatedRun(def, suite.context(space), {
      nParallel: suite.nParallel,
      status: () => 'early_stopped',
    }).runToEnd();
    expect(allFailed.trials.length, 'every trial failed').toBe(ok.trials.length);
    expect(allStopped.trials.length, 'every trial was early-stopped').toBe(ok.trials.length);
  });

  it('respects the target: max with scores s proposes exactly what min with scores -s does', () => {
    const score = (p: Params) => defaultScore(space, p);
    const max = new SimulatedRun(def, suite.context(space, { target: 'max' }), { ...parallel, score }).runToEnd();
    const min = new SimulatedRun(def, suite.context(space, { target: 'min' }), { ...parallel, score: (p) => -score(p) }).runToEnd();
    expect(trialParams(min)).toEqual(trialParams(max));
  });

  it('answers "wait" only while trials are outstanding, even with many in parallel', () => {
    const run = new SimulatedRun(def, suite.context(space), {
      nParallel: suite.nSamples,
      outOfOrder: true,
      status: mixedStatus,
    }).runToEnd();
    expect(run.trials.length).toBeGreaterThan(0);
  });

  if (suite.finite) {
    it('answers "done" by itself within n_samples trials, and keeps answering it after a restore', () => {
      const run = new SimulatedRun(def, suite.context(space), { ...parallel, stopAtNSamples: false }).runToEnd();
      expect(run.done, 'never answered "done"').toBe(true);
      expect(run.trials.length).toBeLessThanOrEqual(suite.nSamples);
      run.restore();
      expect(run.proposer.ask().kind).toBe('done');
    });
  }
}
