// Synthetic learning curves (docs/benchmarks.md, "Benchmark problems"): Hartmann-6's domain, 81 steps; a trial at budget b
// returns the curve's value at step b. Prints, per proposer, the full-trial budgets needed to reach a
// noise-free final regret of 0.3 and the regret at 46 budgets.
// Usage: npx tsc -b packages/core && node test/bench/proposers/multifidelity-learning-curve.mjs [--seeds 5] [--engine random]
import { parseArgs } from 'node:util';
import {
  hartmann6Function,
  LEARNING_CURVE_STEPS,
  learningCurve,
  learningCurveRegret,
} from '../../../packages/core/dist/testing/benchmark-functions.js';
import { fmt, median, regretAt, simulate, unitsTo } from './multifidelity-common.mjs';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    engine: { type: 'string', default: 'random' },
    target: { type: 'string', default: 'min' },
    units: { type: 'string', default: '100' },
  },
});
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i);
const T = LEARNING_CURVE_STEPS;
const LEVEL = 0.3;
const TARGET_UNITS = 46;

const setups = {
  hyperband: { max_iter: T, eta: 3, engine: values.engine },
  bohb: { min_budget: 1, max_budget: T, eta: 3, n_iterations: 1000 },
};

console.log(`Learning curves (Hartmann-6, ${T} steps), ${seeds.length} seeds, hyperband engine ${values.engine}, target ${values.target}`);
for (const [name, options] of Object.entries(setups)) {
  const traces = seeds.map((seed) =>
    simulate({
      proposer: name,
      options,
      space: hartmann6Function.space,
      seed,
      target: values.target,
      evaluate: (p, b, rng) => learningCurve(p, Math.round(b), rng),
      cost: (b) => b / T,
      isFull: (b) => b >= T,
      regret: learningCurveRegret,
      maxUnits: Number(values.units),
    }),
  );
  const to = traces.map((t) => unitsTo(t, LEVEL));
  const at = traces.map((t) => regretAt(t, TARGET_UNITS));
  const hits = to.filter((u) => u <= TARGET_UNITS).length;
  console.log(
    `${name.padEnd(10)} budgets to ${LEVEL}: ${fmt(median(to))} [${to.map(fmt).join(' ')}]  within ${TARGET_UNITS}: ${hits}/${seeds.length}  regret @${TARGET_UNITS}: ${fmt(median(at))} [${at.map(fmt).join(' ')}]`,
  );
}
