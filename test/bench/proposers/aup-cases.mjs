// The aup side of `npm run bench:proposers`: drives a registered proposer by name through ask/tell,
// the way the runner does (docs/architecture.md §2.2), on the benchmark functions of docs/benchmarks.md. Objectives are
// minimised and proposers run with target 'min' unless a case says otherwise.
import { getProposer, Rng } from '@aup/core';
import {
  COUNTING_ONES_MAX_BUDGET,
  COUNTING_ONES_SPACE,
  countingOnes,
  countingOnesRegret,
  hartmann6Function,
  LEARNING_CURVE_STEPS,
  learningCurve,
  learningCurveRegret,
  TEST_FUNCTIONS,
} from '@aup/core/testing';

/** Offset of the objective's noise stream from the proposer's seed, so the two never share draws. */
const NOISE_SEED_OFFSET = 7919;
/** nSamples given to proposers: larger than any run here, the harness stops them by budget. */
const UNBOUNDED = 1_000_000;

/** Loads the pruners if this build has them (another helper writes them); null otherwise. */
export async function loadPruners() {
  try {
    return await import('../../../packages/core/dist/pruners/index.js');
  } catch {
    return null;
  }
}

function create(name, space, seed, options, target = 'min') {
  return getProposer(name).create({ space, target, nSamples: UNBOUNDED, seed, options });
}

/**
 * Asks until `parallel` trials are pending, `budget` trials were asked, or the proposer waits or is done.
 * @returns {{ open: boolean, asked: number }} open is false once the proposer said `done`
 */
function fill(proposer, pending, parallel, budget = Infinity) {
  let asked = 0;
  while (pending.length < parallel && asked < budget) {
    const a = proposer.ask();
    if (a.kind === 'done') return { open: false, asked };
    if (a.kind === 'wait') break;
    pending.push(a);
    asked++;
  }
  return { open: true, asked };
}

/**
 * Best-so-far regret after each of `nTrials` evaluations of a test function, with `parallel` trials
 * pending at a time (the oldest is told first, as when jobs take equal time).
 */
export function runFunction({ proposer, options = {} }, fnName, seed, nTrials, parallel) {
  const f = TEST_FUNCTIONS.find((t) => t.name === fnName);
  const p = create(proposer, f.space, seed, options);
  const pending = [];
  const regrets = [];
  let asked = 0;
  let best = Infinity;
  while (regrets.length < nTrials) {
    asked += fill(p, pending, parallel, nTrials - asked).asked;
    if (pending.length === 0) break;
    const t = pending.shift();
    const v = f.evaluate(t.params);
    p.tell({ trialId: t.trialId, params: t.params, status: 'finished', score: v });
    best = Math.min(best, v);
    regrets.push(best - f.optimum);
  }
  return regrets;
}

/**
 * Drives a multi-fidelity case: a proposer (with `Suggestion.budget` when it sets one) and
 * optionally a pruner fed every intermediate value. Returns the incumbent trace
 * [units spent, noise-free regret of the best completed full-budget evaluation].
 * @param {object} o
 * @param {(params: object, budget: number|undefined, noise: Rng) => {values: number[], full: boolean, cost: number}} o.evaluate
 *        the values the job reports (one per step), whether it ran at the largest budget, and its cost in units
 */
function runMultiFidelity(o) {
  const target = o.target ?? 'min';
  const p = create(o.proposer, o.space, o.seed, o.options, target);
  const noise = new Rng(o.seed + NOISE_SEED_OFFSET);
  const orient = (v) => (target === 'max' ? -v : v);
  const pending = [];
  const trace = [];
  let units = 0;
  let best = Infinity;
  let regret = Infinity;
  let open = true;
  while (units < o.maxUnits) {
    if (open) open = fill(p, pending, o.parallel ?? 1).open;
    if (pending.length === 0) break;
    const t = pending.shift();
    const run = o.evaluate(t.params, t.budget, noise);
    let last = run.values[0];
    let stopped = false;
    let steps = 0;
    o.pruner?.start(t.trialId);
    for (const v of run.values) {
      steps++;
      last = v;
      if (o.pruner?.report(t.trialId, orient(v)) === true && steps < run.values.length) {
        stopped = true;
        break;
      }
    }
    const full = run.full && !stopped;
    o.pruner?.complete(t.trialId, stopped ? 'early_stopped' : 'finished');
    units += stopped ? (run.cost * steps) / run.values.length : run.cost;
    if (full && last < best) {
      best = last;
      regret = o.regret(t.params);
    }
    p.tell({ trialId: t.trialId, params: t.params, budget: t.budget, status: stopped ? 'early_stopped' : 'finished', score: orient(last) });
    if (trace.length === 0 || trace[trace.length - 1][1] !== regret) trace.push([units, regret]);
  }
  // The last point carries the total spent, so "reached within the run" can be told from "ran out".
  trace.push([units, regret]);
  return trace;
}

/**
 * Counting Ones (8 binary + 8 continuous, budgets 9..729 draws). A setup's `draws(budget)` maps the
 * proposer's budget to draws (undefined budget: a full 729-draw evaluation).
 */
export function runCountingOnes(setup, seed, maxUnits) {
  const MAX = COUNTING_ONES_MAX_BUDGET;
  return runMultiFidelity({
    proposer: setup.proposer,
    options: setup.options ?? {},
    space: COUNTING_ONES_SPACE,
    seed,
    maxUnits,
    regret: countingOnesRegret,
    evaluate: (params, budget, noise) => {
      const draws = budget === undefined ? MAX : setup.draws(budget);
      return { values: [countingOnes(params, draws, noise)], full: draws >= MAX, cost: draws / MAX };
    },
  });
}

/**
 * Synthetic learning curves (Hartmann-6 domain, 81 steps): a trial reports one value per step up to
 * its budget (all 81 without one); with `setup.earlyStop` a pruner may stop it at any step.
 */
export function runLearningCurve(setup, seed, maxUnits, pruners) {
  const T = LEARNING_CURVE_STEPS;
  const pruner =
    setup.earlyStop === undefined ? undefined : pruners.createPruner({ curve_fitting_max_iters: T, ...setup.earlyStop }, 'min');
  return runMultiFidelity({
    proposer: setup.proposer,
    options: setup.options ?? {},
    space: hartmann6Function.space,
    seed,
    maxUnits,
    pruner,
    regret: learningCurveRegret,
    evaluate: (params, budget, noise) => {
      const steps = budget === undefined ? T : Math.min(T, Math.max(1, Math.round(budget)));
      const values = [];
      for (let s = 1; s <= steps; s++) values.push(learningCurve(params, s, noise));
      return { values, full: steps >= T, cost: steps / T };
    },
  });
}

/**
 * Mean milliseconds per ask + tell (objective excluded) in each window [first, last] of 1-based
 * trial numbers, on Hartmann-6 (6-D), sequential.
 */
export function runOverhead(setup, nTrials, windows) {
  const f = hartmann6Function;
  const p = create(setup.proposer, f.space, 0, setup.options ?? {});
  const times = [];
  for (let i = 0; i < nTrials; i++) {
    const t0 = performance.now();
    const a = p.ask();
    const t1 = performance.now();
    if (a.kind !== 'trial') break;
    const v = f.evaluate(a.params);
    const t2 = performance.now();
    p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: v });
    times.push(t1 - t0 + performance.now() - t2);
  }
  const out = {};
  for (const [a, b] of windows) {
    if (b > times.length) continue;
    let s = 0;
    for (let i = a - 1; i < b; i++) s += times[i];
    out[`${a}-${b}`] = s / (b - a + 1);
  }
  return out;
}

/** The incumbent's regret once `units` were spent (Infinity before any full evaluation). */
export function regretAt(trace, units) {
  let r = Infinity;
  for (const [u, reg] of trace) {
    if (u > units + 1e-9) break;
    r = reg ?? Infinity;
  }
  return r;
}

/** Units spent when the incumbent's regret first reached `level` (Infinity if never). */
export function unitsTo(trace, level) {
  for (const [u, reg] of trace) if (reg !== null && reg <= level) return u;
  return Infinity;
}
