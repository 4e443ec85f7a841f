// Shared driver of the multi-fidelity simulations (multifidelity-*.mjs): runs a registered proposer
// ask/tell on an objective with a budget, the way the runner does with n_parallel = 1, and records
// the incumbent (best observed value at the largest budget) against the budget spent.
import { getProposer, Rng } from '@aup/core';

/**
 * @param {object} o
 * @param {string} o.proposer registered name
 * @param {object} o.options proposer options
 * @param {import('@aup/core').ParamSpec[]} o.space
 * @param {number} o.seed
 * @param {'min'|'max'} [o.target]
 * @param {(params: object, budget: number, rng: Rng) => number} o.evaluate minimised objective at a proposer budget
 * @param {(budget: number) => number} o.cost budget spent by one evaluation, in full-budget units
 * @param {(budget: number) => boolean} o.isFull whether an evaluation counts as a full-budget one
 * @param {(params: object) => number} o.regret noise-free regret of a configuration
 * @param {number} o.maxUnits stop after this many full-budget units
 * @param {number} [o.nParallel]
 * @returns {{ units: number, regret: number }[]} the incumbent's regret after every evaluation
 */
export function simulate(o) {
  const target = o.target ?? 'min';
  const proposer = getProposer(o.proposer).create({ space: o.space, target, nSamples: 1_000_000, seed: o.seed, options: o.options });
  const noise = new Rng(o.seed + 7919);
  const nParallel = o.nParallel ?? 1;
  const pending = [];
  const trace = [];
  let units = 0;
  let best = Infinity;
  let regret = Infinity;
  let done = false;
  while (units < o.maxUnits) {
    while (!done && pending.length < nParallel) {
      const a = proposer.ask();
      if (a.kind === 'done') done = true;
      if (a.kind !== 'trial') break;
      pending.push(a);
    }
    if (pending.length === 0) break;
    const t = pending.shift();
    const value = o.evaluate(t.params, t.budget, noise);
    units += o.cost(t.budget);
    if (o.isFull(t.budget) && value < best) {
      best = value;
      regret = o.regret(t.params);
    }
    proposer.tell({ trialId: t.trialId, params: t.params, budget: t.budget, status: 'finished', score: target === 'max' ? -value : value });
    trace.push({ units, regret });
  }
  return trace;
}

/** The incumbent's regret once `units` were spent (Infinity before any full evaluation). */
export function regretAt(trace, units) {
  let r = Infinity;
  for (const p of trace) {
    if (p.units > units + 1e-9) break;
    r = p.regret;
  }
  return r;
}

/** Units spent when the incumbent's regret first reached `level` (Infinity if never). */
export function unitsTo(trace, level) {
  for (const p of trace) if (p.regret <= level) return p.units;
  return Infinity;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmt(x) {
  return Number.isFinite(x) ? x.toFixed(2) : 'inf';
}
