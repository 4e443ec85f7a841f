// Counting Ones (Falkner et al. 2018; docs/benchmarks.md, "Benchmark problems"): 8 binary + 8 continuous parameters,
// budgets 9..729 Bernoulli draws, eta 3. Prints, per proposer, the noise-free regret of the incumbent
// at 23 and 50 full budgets and the budget needed to reach regret 3.0, then how often bohb beats hyperband.
// Usage: npx tsc -b packages/core && node test/bench/proposers/multifidelity-counting-ones.mjs [--seeds 5] [--target min|max]
import { parseArgs } from 'node:util';
import { COUNTING_ONES_SPACE, countingOnes, countingOnesRegret } from '../../../packages/core/dist/testing/benchmark-functions.js';
import { fmt, median, regretAt, simulate, unitsTo } from './multifidelity-common.mjs';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    target: { type: 'string', default: 'min' },
    parallel: { type: 'string', default: '1' },
  },
});
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i);
const MAX = 729;
const UNITS = 50;

const setups = {
  // Hyperband's budgets 1..81 are draws / 9, so both proposers see budgets 9..729.
  hyperband: { options: { max_iter: 81, eta: 3 }, draws: (b) => 9 * b },
  bohb: { options: { min_budget: 9, max_budget: MAX, eta: 3, n_iterations: 1000 }, draws: (b) => b },
};

const results = {};
for (const [name, s] of Object.entries(setups)) {
  results[name] = seeds.map((seed) =>
    simulate({
      proposer: name,
      options: s.options,
      space: COUNTING_ONES_SPACE,
      seed,
      target: values.target,
      nParallel: Number(values.parallel),
      evaluate: (p, b, rng) => countingOnes(p, s.draws(b), rng),
      cost: (b) => s.draws(b) / MAX,
      isFull: (b) => s.draws(b) >= MAX,
      regret: countingOnesRegret,
      maxUnits: UNITS,
    }),
  );
}

console.log(`Counting Ones 16-D, ${seeds.length} seeds, target ${values.target}, n_parallel ${values.parallel}: median regret (per seed)`);
for (const [name, traces] of Object.entries(results)) {
  const at23 = traces.map((t) => regretAt(t, 23));
  const at50 = traces.map((t) => regretAt(t, 50));
  const to3 = traces.map((t) => unitsTo(t, 3.0));
  console.log(
    `${name.padEnd(10)} @23: ${fmt(median(at23))} [${at23.map(fmt).join(' ')}]  @50: ${fmt(median(at50))} [${at50.map(fmt).join(' ')}]  budgets to 3.0: ${fmt(median(to3))} [${to3.map(fmt).join(' ')}]`,
  );
}
let wins = 0;
for (let i = 0; i < seeds.length; i++) if (regretAt(results.bohb[i], UNITS) < regretAt(results.hyperband[i], UNITS)) wins++;
console.log(`bohb beats hyperband at ${UNITS} budgets on ${wins} of ${seeds.length} seeds`);
