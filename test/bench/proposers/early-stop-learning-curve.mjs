// Early stopping on the synthetic learning curves (docs/benchmarks.md, "Benchmark problems"): a proposer (random by
// default) asks, each trial reports its 81 step values to a pruner, which may stop it. Budget is
// counted in full 81-step trials; regret is the noise-free final regret of the best trial that ran
// all 81 steps (ranked by its last, noisy, value, as a user would). Prints, per seed, the budget at
// which regret first falls to <= 0.3 and the regret at 50 budgets.
//
// Usage: node test/bench/proposers/early-stop-learning-curve.mjs [--policy asha] [--proposer random]
//          [--seeds 6] [--units 100] [--core packages/core/dist] [--options '{"min_resource":1}']
// --core points at a build of @aup/core (default: its dist/).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    policy: { type: 'string', default: 'asha' },
    proposer: { type: 'string', default: 'random' },
    seeds: { type: 'string', default: '6' },
    units: { type: 'string', default: '100' },
    core: { type: 'string', default: 'packages/core/dist' },
    options: { type: 'string', default: '{}' },
  },
});
const core = (p) => pathToFileURL(resolve(args.core, p)).href;
const { getProposer } = await import(core('index.js'));
const {
  Rng,
  hartmann6Function,
  learningCurve,
  learningCurveRegret,
  LEARNING_CURVE_STEPS: T,
} = await import(core('testing/index.js')).then(async (t) => ({ ...t, Rng: (await import(core('rng.js'))).Rng }));
const { createPruner } = await import(core('pruners/index.js'));

const LEVEL = 0.3;
const REPORT_AT = 50;
/** The objective's noise stream is seeded apart from the proposer's. */
const NOISE_SEED_OFFSET = 7919;

const DEFAULTS = {
  asha: { min_resource: 1, reduction_factor: 3 },
  median: {},
  bandit: {},
  truncation: {},
  curve_fitting: {},
  none: {},
};

function runSeed(seed) {
  const maxUnits = Number(args.units);
  const proposer = getProposer(args.proposer).create({
    space: hartmann6Function.space,
    target: 'min',
    nSamples: 1_000_000,
    seed,
    options: {},
  });
  const pruner =
    args.policy === 'none'
      ? undefined
      : createPruner({ aup_policy: args.policy, curve_fitting_max_iters: T, ...DEFAULTS[args.policy], ...JSON.parse(args.options) }, 'min');
  const noise = new Rng(seed + NOISE_SEED_OFFSET);
  let units = 0;
  let best = Infinity;
  let regret = Infinity;
  let reachedAt;
  let regretAt50;
  let trials = 0;
  let stoppedCount = 0;
  while (units < maxUnits) {
    const ask = proposer.ask();
    if (ask.kind !== 'trial') break;
    trials++;
    pruner?.start(ask.trialId);
    let last = NaN;
    let steps = 0;
    let stopped = false;
    for (let s = 1; s <= T; s++) {
      last = learningCurve(ask.params, s, noise);
      steps = s;
      if (pruner?.report(ask.trialId, last) === true && s < T) {
        stopped = true;
        break;
      }
    }
    pruner?.complete(ask.trialId, stopped ? 'early_stopped' : 'finished');
    if (stopped) stoppedCount++;
    units += steps / T;
    if (regretAt50 === undefined && units > REPORT_AT) regretAt50 = regret;
    if (!stopped && last < best) {
      best = last;
      regret = learningCurveRegret(ask.params);
      if (reachedAt === undefined && regret <= LEVEL) reachedAt = units;
    }
    proposer.tell({ trialId: ask.trialId, params: ask.params, status: stopped ? 'early_stopped' : 'finished', score: last });
  }
  return { seed, reachedAt, regretAt50: regretAt50 ?? regret, finalRegret: regret, trials, stopped: stoppedCount, units };
}

const rows = [];
for (let seed = 0; seed < Number(args.seeds); seed++) rows.push(runSeed(seed));
const fmt = (x, d = 3) => (x === undefined ? '—' : x.toFixed(d));
console.log(`policy ${args.policy} ${args.options}, proposer ${args.proposer}, ${args.seeds} seeds, ${args.units} budgets`);
console.log('seed | budgets to regret <= 0.3 | regret @50 | trials | stopped');
for (const r of rows) console.log(`${r.seed} | ${fmt(r.reachedAt, 1)} | ${fmt(r.regretAt50)} | ${r.trials} | ${r.stopped}`);
const reached = rows
  .map((r) => r.reachedAt)
  .filter((x) => x !== undefined)
  .sort((a, b) => a - b);
const median = (xs) => (xs.length === 0 ? undefined : xs.length % 2 ? xs[xs.length >> 1] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2);
console.log(
  `reached on ${reached.length}/${rows.length} seeds; median budgets ${fmt(median(reached), 1)}; max ${fmt(reached.at(-1), 1)}; ` +
    `median regret @50 ${fmt(median(rows.map((r) => r.regretAt50).sort((a, b) => a - b)))}`,
);
