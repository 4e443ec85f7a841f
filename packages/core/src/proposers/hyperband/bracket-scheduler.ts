/**
 * Synchronous successive halving over Hyperband's brackets, shared by `hyperband` and `bohb`.
 * It decides which configuration runs next at which budget; where new configurations come from
 * (an engine proposer, a KDE model) is the caller's business, through the `sample` callback.
 *
 * Brackets run in order s = s_max, ..., 0 and then again. When every unasked slot of the open
 * brackets is taken and their rungs wait for results, the next bracket opens (as HpBandSter's
 * master does), so `n_parallel > 1` keeps every slot busy instead of idling at rung barriers.
 */
import type { SnapshotReader } from '../checks.js';
import { AupError } from '../../errors.js';
import type { Json, JsonObject, OutcomeStatus, Params } from '../../types.js';
import type { Rung } from './bracket-schedule.js';

/** Where a slot stands: unasked, pending (asked, not told), good (finished with a score), bad (failed or early-stopped). */
type SlotState = 'u' | 'p' | 'g' | 'b';

interface Slot {
  /** Configuration id (stable across rungs), or -1 for a fresh configuration not sampled yet. */
  c: number;
  /** Params once known. */
  p: Params | null;
  /** Trial id once asked. */
  t: number | null;
  st: SlotState;
  /** Loss (score negated for `target: max`) once told with a score. */
  l: number | null;
  /** The caller's tag for a configuration (e.g. the engine's trial id), carried across rungs. */
  tag: Json;
  /** True when the configuration was sampled for this slot (its first evaluation). */
  f: boolean;
}

interface Bracket {
  /** Index of the bracket since the start (0, 1, 2, ...). */
  k: number;
  /** Current rung index within the bracket's rungs. */
  i: number;
  slots: Slot[];
}

/** A slot the caller should run as a trial. */
export interface ScheduledTrial {
  trialId: number;
  params: Params;
  budget: number;
  configId: number;
  bracket: number;
  rung: number;
  /** True when this is the configuration's first evaluation. */
  fresh: boolean;
}

/** What a tell settled. */
export interface ToldSlot {
  configId: number;
  budget: number;
  /** True for the configuration's first evaluation. */
  first: boolean;
  /** The caller's tag given when the configuration was sampled. */
  tag: Json;
  /** Loss, or null for failed and early-stopped trials. */
  loss: number | null;
}

/** A new configuration from the caller, or null to wait for results (only allowed while trials are pending). */
export type Sampler = (budget: number, hasPending: boolean) => { params: Params; tag: Json } | null;

/** The scheduler's answer to an ask. */
export type ScheduleAnswer = ScheduledTrial | { kind: 'wait' } | { kind: 'exhausted' };

const WAITING = Symbol('waiting');

/** Runs brackets `plan[k mod plan.length]` for k = 0 .. maxBrackets − 1. */
export class BracketScheduler {
  private brackets: Bracket[] = [];
  private opened = 0;
  private configs = 0;
  private pending = 0;

  constructor(
    private readonly plan: readonly Rung[][],
    private readonly maxBrackets: number,
  ) {}

  /** The rungs of bracket k. */
  rungs(k: number): readonly Rung[] {
    return this.plan[k % this.plan.length]!;
  }

  /** The next trial to run, `wait` while rungs wait for results and no bracket may open, `exhausted` when all brackets are done. */
  next(trialId: number, sample: Sampler): ScheduleAnswer {
    for (const b of this.brackets) {
      const r = this.fill(b, trialId, sample);
      if (r === WAITING) return { kind: 'wait' };
      if (r !== undefined) return r;
    }
    while (this.opened < this.maxBrackets) {
      const k = this.opened;
      const rungs = this.rungs(k);
      this.opened++;
      if (rungs.length === 0) continue;
      const b: Bracket = { k, i: 0, slots: [] };
      for (let j = 0; j < rungs[0]!.size; j++) b.slots.push(freshSlot());
      this.brackets.push(b);
      const r = this.fill(b, trialId, sample);
      // A waiting sampler would wait in the next bracket too: opening more would only pile up empty ones.
      if (r === WAITING) return { kind: 'wait' };
      if (r !== undefined) return r;
    }
    return this.pending > 0 ? { kind: 'wait' } : { kind: 'exhausted' };
  }

  /** The first unasked slot of b's current rung as a trial; undefined when there is none, WAITING when the sampler waits. */
  private fill(b: Bracket, trialId: number, sample: Sampler): ScheduledTrial | typeof WAITING | undefined {
    const slot = b.slots.find((s) => s.st === 'u');
    if (slot === undefined) return undefined;
    const budget = this.rungs(b.k)[b.i]!.budget;
    const fresh = slot.p === null;
    if (fresh) {
      const got = sample(budget, this.pending > 0);
      if (got === null) {
        if (this.pending === 0) throw new AupError('AUP_ERR_INTERNAL', 'the configuration sampler answered "wait" with no trial pending');
        return WAITING;
      }
      slot.p = got.params;
      slot.tag = got.tag;
      slot.c = this.configs++;
      slot.f = true;
    }
    slot.t = trialId;
    slot.st = 'p';
    this.pending++;
    return { trialId, params: slot.p!, budget, configId: slot.c, bracket: b.k, rung: b.i, fresh };
  }

  /** Records a result; promotes the best of a rung once all its results are in. Throws for a trial that is not pending. */
  tell(trialId: number, status: OutcomeStatus, loss: number | null): ToldSlot {
    for (let bi = 0; bi < this.brackets.length; bi++) {
      const b = this.brackets[bi]!;
      const slot = b.slots.find((s) => s.t === trialId && s.st === 'p');
      if (slot === undefined) continue;
      const ok = status === 'finished' && loss !== null && Number.isFinite(loss);
      slot.st = ok ? 'g' : 'b';
      slot.l = ok ? loss : null;
      this.pending--;
      const told: ToldSlot = { configId: slot.c, budget: this.rungs(b.k)[b.i]!.budget, first: slot.f, tag: slot.tag, loss: slot.l };
      if (b.slots.every((s) => s.st === 'g' || s.st === 'b')) this.promote(bi);
      return told;
    }
    throw new AupError('AUP_ERR_INTERNAL', `told about trial ${trialId}, which is not pending`, { details: { trialId } });
  }

  /**
   * Keeps the best ⌊n_i/eta⌋ of a finished rung (the next rung's size) for the next budget. Failed and
   * early-stopped configurations are never promoted; if too few finished, fresh configurations fill
   * the rung so the schedule, and the number of jobs, stay as planned.
   */
  private promote(bi: number): void {
    const b = this.brackets[bi]!;
    const rungs = this.rungs(b.k);
    if (b.i + 1 >= rungs.length) {
      this.brackets.splice(bi, 1);
      return;
    }
    const size = rungs[b.i + 1]!.size;
    const good = b.slots.filter((s) => s.st === 'g');
    // A stable sort: equal losses keep slot order, so the choice never depends on the sort algorithm.
    good.sort((x, y) => x.l! - y.l!);
    const next: Slot[] = good.slice(0, size).map((s) => ({ c: s.c, p: s.p, t: null, st: 'u', l: null, tag: s.tag, f: false }));
    while (next.length < size) next.push(freshSlot());
    b.i++;
    b.slots = next;
  }

  /** Plain JSON of the whole state. */
  snapshot(): JsonObject {
    return {
      opened: this.opened,
      configs: this.configs,
      brackets: this.brackets.map((b) => ({ k: b.k, i: b.i, slots: b.slots.map((s) => ({ ...s }) as unknown as Json) })),
    };
  }

  /** Restores the state from {@link BracketScheduler.snapshot}, read through `r` so errors name the field. */
  restore(r: SnapshotReader, key: string): void {
    const raw = r.raw(key);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw r.fail(key, 'the bracket state', raw);
    const { opened, configs, brackets } = raw;
    const count = (x: Json | undefined) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
    if (!count(opened) || !count(configs) || !Array.isArray(brackets)) throw r.fail(key, '{opened, configs, brackets}', raw);
    this.opened = opened as number;
    this.configs = configs as number;
    this.brackets = brackets.map((b, n) => {
      const ok =
        typeof b === 'object' &&
        b !== null &&
        !Array.isArray(b) &&
        count(b.k) &&
        count(b.i) &&
        Array.isArray(b.slots) &&
        b.slots.every(isSlot);
      if (!ok || (b.i as number) >= this.rungs(b.k as number).length) throw r.fail(`${key}.brackets[${n}]`, 'a bracket {k, i, slots}', b);
      return { k: b.k as number, i: b.i as number, slots: (b.slots as unknown as Slot[]).map((s) => ({ ...s })) };
    });
    this.pending = 0;
    for (const b of this.brackets) for (const s of b.slots) if (s.st === 'p') this.pending++;
  }
}

function freshSlot(): Slot {
  return { c: -1, p: null, t: null, st: 'u', l: null, tag: null, f: false };
}

function isSlot(x: Json): boolean {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const okNum = (v: Json | undefined) => v === null || (typeof v === 'number' && Number.isFinite(v));
  return (
    typeof x.c === 'number' &&
    Number.isSafeInteger(x.c) &&
    (x.p === null || (typeof x.p === 'object' && !Array.isArray(x.p))) &&
    okNum(x.t) &&
    (x.st === 'u' || x.st === 'p' || x.st === 'g' || x.st === 'b') &&
    okNum(x.l) &&
    typeof x.f === 'boolean' &&
    'tag' in x
  );
}
