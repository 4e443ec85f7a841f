import { describe, expect, it } from 'vitest';
import { getProposer, registerProposer } from '../registry.js';
import { AupError } from '../../errors.js';
import { mixedStatus, SimulatedRun } from '../../testing/proposer-conformance.js';
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
  Suggestion,
  Target,
} from '../../types.js';
import { iterationPlan, maxBracket } from './bracket-schedule.js';
import { hyperbandDefinition, hyperbandTrialCount } from './hyperband-proposer.js';
import { randomProposer } from '../random/random-proposer.js';

const hyperband = getProposer('hyperband');

const SPACE: ParamSpec[] = [
  { name: 'x', type: 'float', range: [0, 1] },
  { name: 'y', type: 'float', range: [0, 1] },
  { name: 'c', type: 'choice', range: ['a', 'b', 'c'] },
];

function ctx(options: JsonObject, over: Partial<ProposerContext> = {}): ProposerContext {
  return { space: SPACE, target: 'max', nSamples: 1000, seed: 5, options, ...over };
}

function trial(r: AskResult): Suggestion {
  if (r.kind !== 'trial') throw new Error(`expected a trial, got ${r.kind}`);
  return r;
}

/** Consecutive runs of equal budgets, written as "count@budget". */
function runs(budgets: number[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < budgets.length) {
    let j = i;
    while (j < budgets.length && budgets[j] === budgets[i]) j++;
    out.push(`${j - i}@${budgets[i]}`);
    i = j;
  }
  return out;
}

/** Asks and tells one trial at a time; returns every suggestion. */
function drive(p: Proposer, score: (s: Suggestion) => number, status: (s: Suggestion) => OutcomeStatus = () => 'finished'): Suggestion[] {
  const all: Suggestion[] = [];
  for (;;) {
    const r = p.ask();
    if (r.kind !== 'trial') break;
    all.push(r);
    const st = status(r);
    p.tell({ trialId: r.trialId, params: r.params, budget: r.budget, status: st, ...(st === 'failed' ? {} : { score: score(r) }) });
  }
  return all;
}

/** "n@b" entries expanded into the budget of every job. */
function expand(entries: string[]): number[] {
  return entries.flatMap((e) => {
    const [n, b] = e.split('@').map(Number) as [number, number];
    return Array.from({ length: n }, () => b);
  });
}

const TABLE_1 = ['81@1', '27@3', '9@9', '3@27', '1@81', '34@3', '11@9', '3@27', '1@81', '15@9', '5@27', '1@81', '8@27', '2@81', '5@81'];

describe('hyperband schedule', () => {
  it('computes s_max with integer arithmetic', () => {
    // log(243)/log(3) is 4.999999999999999 in Python and log(1000)/log(10) is 2.9999999999999996 in
    // JavaScript: a floating s_max loses a bracket, differently per language.
    expect(Math.floor(Math.log(1000) / Math.log(10))).toBe(2);
    expect(maxBracket(1000, 10)).toBe(3);
    expect(maxBracket(243, 3)).toBe(5);
    expect(maxBracket(1e6, 10)).toBe(6);
    expect(maxBracket(81, 3)).toBe(4);
    expect(maxBracket(80, 3)).toBe(3);
    expect(maxBracket(1, 3)).toBe(0);
    expect(maxBracket(1000, 10)).toBe(3);
  });

  it("reproduces Li et al.'s Table 1 for R = 81, eta = 3", () => {
    const plan = iterationPlan(4, 3, 81, 'hyperband');
    expect(plan.map((b) => b.map((r) => `${r.size}@${r.budget}`))).toEqual([
      ['81@1', '27@3', '9@9', '3@27', '1@81'],
      ['34@3', '11@9', '3@27', '1@81'],
      ['15@9', '5@27', '1@81'],
      ['8@27', '2@81'],
      ['5@81'],
    ]);
    expect(hyperbandTrialCount({ max_iter: 81, eta: 3 })).toBe(206);
    expect(hyperbandTrialCount()).toBe(206);
  });

  it('runs Table 1 as jobs, one bracket after the other, each job carrying its budget', () => {
    const p = hyperband.create(ctx({ max_iter: 81, eta: 3 }, { nSamples: 206 }));
    const all = drive(p, (s) => s.params.x as number);
    expect(all.map((s) => s.budget)).toEqual(expand(TABLE_1));
    expect(all.map((s) => s.trialId)).toEqual(Array.from({ length: 206 }, (_, i) => i));
    expect(p.ask()).toEqual({ kind: 'done' });
  });

  it('starts the next iteration while n_samples allows, and stops at n_samples', () => {
    const p = hyperband.create(ctx({ max_iter: 81, eta: 3 }, { nSamples: 206 + 90 }));
    const all = drive(p, (s) => s.params.y as number);
    expect(all.map((s) => s.budget)).toEqual(expand([...TABLE_1, '81@1', '9@3']));
  });

  it('skip_last drops the last rung of every bracket (and the bracket that has only one)', () => {
    const plan = iterationPlan(4, 3, 81, 'hyperband', 1);
    expect(plan.map((b) => b.length)).toEqual([4, 3, 2, 1, 0]);
    expect(hyperbandTrialCount({ skip_last: 1 })).toBe(206 - (1 + 1 + 1 + 2 + 5));
    const p = hyperband.create(ctx({ skip_last: true }, { nSamples: 196 }));
    const all = drive(p, (s) => s.params.x as number);
    expect(all.map((s) => s.budget)).toEqual(expand(['81@1', '27@3', '9@9', '3@27', '34@3', '11@9', '3@27', '15@9', '5@27', '8@27']));
  });
});

describe('hyperband successive halving', () => {
  for (const target of ['max', 'min'] as Target[]) {
    it(`promotes the best floor(n/eta) configurations of each rung (target ${target})`, () => {
      const score = (s: Suggestion) => (s.params.x as number) + (s.params.c === 'b' ? 0.5 : 0);
      const p = hyperband.create(ctx({ max_iter: 27, eta: 3 }, { nSamples: 40, target }));
      const all = drive(p, score);
      // Bracket s = 3: 27@1 → 9@3 → 3@9 → 1@27.
      const rung = (k: number) => all.slice([0, 27, 36, 39][k], [27, 36, 39, 40][k]);
      for (let k = 0; k < 3; k++) {
        const ranked = [...rung(k)].sort((a, b) => (target === 'max' ? score(b) - score(a) : score(a) - score(b)));
        const keep = ranked.slice(0, rung(k + 1).length).map((s) => s.extra!.tid);
        expect(rung(k + 1).map((s) => s.extra!.tid)).toEqual(keep);
        expect(rung(k + 1).map((s) => s.params)).toEqual(ranked.slice(0, rung(k + 1).length).map((s) => s.params));
      }
    });
  }

  it('never promotes failed or early-stopped configurations: fresh ones fill the rung', () => {
    const p = hyperband.create(ctx({ max_iter: 9, eta: 3 }, { nSamples: 13 }));
    // Bracket s = 2: 9@1 → 3@3 → 1@9. Only trial 4 finishes in the first rung, trial 0 is early-stopped with the best score.
    const status = (s: Suggestion): OutcomeStatus =>
      s.trialId >= 9 || s.trialId === 4 ? 'finished' : s.trialId === 0 ? 'early_stopped' : 'failed';
    const all = drive(p, (s) => (s.trialId === 0 ? 100 : s.trialId), status);
    expect(runs(all.map((s) => s.budget!))).toEqual(['9@1', '3@3', '1@9']);
    const second = all.slice(9, 12);
    expect(second[0]!.extra!.tid).toBe(all[4]!.extra!.tid);
    expect(second[0]!.params).toEqual(all[4]!.params);
    // The fillers are new configurations, never seen in the first rung.
    const firstIds = new Set(all.slice(0, 9).map((s) => s.extra!.tid));
    for (const s of second.slice(1)) expect(firstIds.has(s.extra!.tid)).toBe(false);
  });

  it('with n_parallel > 1 asks a whole rung, then opens the next bracket instead of waiting', () => {
    const p = hyperband.create(ctx({ max_iter: 9, eta: 3 }));
    const asked = Array.from({ length: 14 }, () => trial(p.ask()));
    // 9@1 of bracket s = 2, then bracket s = 1 (5@3) while the first rung is pending.
    expect(runs(asked.map((s) => s.budget!))).toEqual(['9@1', '5@3']);
    for (const s of asked.slice(0, 9))
      p.tell({ trialId: s.trialId, params: s.params, budget: s.budget, status: 'finished', score: s.params.x as number });
    // The first rung is complete: its best three come next at budget 3, before bracket s = 0.
    const next = Array.from({ length: 3 }, () => trial(p.ask()));
    expect(next.map((s) => s.budget)).toEqual([3, 3, 3]);
    const best = [...asked.slice(0, 9)].sort((a, b) => (b.params.x as number) - (a.params.x as number)).slice(0, 3);
    expect(next.map((s) => s.params)).toEqual(best.map((s) => s.params));
    expect(trial(p.ask()).budget).toBe(9);
  });

  it('resumes exactly after an interruption with trials pending', () => {
    const options = { max_iter: 9, eta: 3 };
    const c = ctx(options, { nSamples: 60 });
    const sim = { nParallel: 4, outOfOrder: true, orderSeed: 11, status: mixedStatus, score: (p: Params) => p.x as number };
    const reference = new SimulatedRun(hyperband, c, sim).runToEnd();
    for (const k of [5, 17, 40]) {
      const run = new SimulatedRun(hyperband, c, sim);
      while (run.trials.length < k && run.step());
      run.restore();
      run.runToEnd();
      expect(run.trials).toEqual(reference.trials);
      expect(run.events).toEqual(reference.events);
    }
  });

  it('takes configurations from the engine, and falls back to uniform draws when it runs out', () => {
    const space: ParamSpec[] = [{ name: 'k', type: 'int', range: [1, 3] }];
    const p = hyperband.create({ space, target: 'min', nSamples: 20, seed: 1, options: { max_iter: 9, eta: 3, engine: 'sequence' } });
    const first = Array.from({ length: 9 }, () => trial(p.ask()));
    expect(first.slice(0, 3).map((s) => s.params.k)).toEqual([1, 2, 3]);
    for (const s of first.slice(3)) expect([1, 2, 3]).toContain(s.params.k);
  });

  it('waits for an engine that waits for its results, then goes on; the engine hears each first result', () => {
    // A batch engine: proposes two configurations, then waits until both were told.
    const heard: Outcome[] = [];
    class BatchEngine implements Proposer {
      asked = 0;
      told = 0;
      ask(): AskResult {
        if (this.asked - this.told >= 2) return { kind: 'wait' };
        return { kind: 'trial', trialId: this.asked++, params: { x: this.asked / 10, y: 0.5, c: 'a' } };
      }
      tell(o: Outcome): void {
        heard.push(o);
        this.told++;
      }
      snapshot(): Json {
        return { asked: this.asked, told: this.told };
      }
    }
    registerProposer({ name: 'batch-engine-test', create: () => new BatchEngine() });
    const p = hyperband.create(ctx({ max_iter: 9, eta: 3, engine: 'batch-engine-test' }));
    const a = [trial(p.ask()), trial(p.ask())];
    expect(p.ask()).toEqual({ kind: 'wait' });
    for (const s of a) p.tell({ trialId: s.trialId, params: s.params, budget: s.budget, status: 'finished', score: 1 });
    expect(heard.map((o) => [o.trialId, o.budget, o.score])).toEqual([
      [0, 1, 1],
      [1, 1, 1],
    ]);
    expect(trial(p.ask()).params.x).toBe(0.3);
  });

  it('creates its engine with the lookup it was handed, and refuses an unknown one or one that schedules budgets', () => {
    const asked: string[] = [];
    const def = hyperbandDefinition((name) => {
      asked.push(name);
      if (name === 'mine') return randomProposer;
      return name === 'budgeted' ? { ...randomProposer, name, schedulesBudgets: true } : `"${name}" is unknown here`;
    });
    expect(trial(def.create(ctx({ max_iter: 9, engine: ' Mine ' })).ask()).budget).toBe(1);
    expect(asked).toEqual(['mine']);
    const refusal = (engine: string) => {
      try {
        def.create(ctx({ engine }));
      } catch (e) {
        return { code: (e as AupError).code, message: (e as Error).message, details: (e as AupError).details };
      }
      return undefined;
    };
    expect(refusal('other')).toEqual({
      code: 'AUP_ERR_PROPOSER_CONFIG',
      message: 'engine: "other" is unknown here',
      details: { path: 'engine' },
    });
    expect(refusal('budgeted')).toMatchObject({
      code: 'AUP_ERR_PROPOSER_CONFIG',
      message: 'engine: the hyperband proposer needs a proposer that samples configurations (e.g. "random"), found "budgeted"',
    });
  });

  it('passes the configuration id as `tid`, unless a parameter has that name', () => {
    const a = trial(hyperband.create(ctx({})).ask());
    expect(a.extra).toEqual({ tid: 0 });
    expect(a.budget).toBe(1);
    const b = trial(hyperband.create(ctx({}, { space: [{ name: 'tid', type: 'int', range: [0, 5] }] })).ask());
    expect(b.extra).toBeUndefined();
  });
});

describe('hyperband settings', () => {
  const code = (options: JsonObject) => {
    try {
      hyperband.create(ctx(options));
    } catch (e) {
      return { code: (e as AupError).code, message: (e as Error).message };
    }
    return undefined;
  };

  it('refuses bad settings with AUP_ERR_PROPOSER_CONFIG naming the key', () => {
    expect(code({ eta: 1 })).toEqual({
      code: 'AUP_ERR_PROPOSER_CONFIG',
      message: 'eta: the hyperband proposer needs a number > 1 (usually 2 or 3), found 1',
    });
    expect(code({ max_iter: 0.5 })?.message).toBe('max_iter: the hyperband proposer needs a number >= 1, found 0.5');
    expect(code({ max_iter: 9, skip_last: 3 })?.message).toBe(
      'skip_last: the hyperband proposer needs at most 2, the number of halvings max_iter 9 allows with eta 3, found 3',
    );
    expect(code({ engine: 'bohb' })?.code).toBe('AUP_ERR_PROPOSER_CONFIG');
    const unknown = code({ engine: 'rnadom' });
    expect(unknown?.code).toBe('AUP_ERR_PROPOSER_CONFIG');
    expect(unknown?.message).toMatch(/^engine: "rnadom" is not a registered proposer; did you mean "random"\?/);
    expect(code({ eta: 1.0001 })?.message).toMatch(/^eta: the hyperband proposer needs a rate that gives at most 32 brackets/);
  });

  it('accepts Auptimizer defaults and a non-integer eta', () => {
    expect(code({ max_iter: 81, eta: 3, skip_last: 0, engine: 'random' })).toBeUndefined();
    const p = hyperband.create(ctx({ max_iter: 10, eta: 2.5 }));
    expect(trial(p.ask()).budget).toBeCloseTo(10 / 2.5 ** 2, 12);
  });
});
