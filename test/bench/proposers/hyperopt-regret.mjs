// Regret of the `hyperopt` proposer on Branin, Hartmann-6 and Rosenbrock-4D (docs/benchmarks.md, "Benchmark problems").
// Build first: npx tsc -b packages/core
// Usage: node test/bench/proposers/hyperopt-regret.mjs [--seeds 5] [--budgets 25,50,100]
//        [--functions branin,hartmann6,rosenbrock4] [--options '{"multivariate":false}']
import { parseArgs } from 'node:util';
import { hyperoptProposer } from '../../../packages/core/dist/proposers/hyperopt/hyperopt-proposer.js';
import { TEST_FUNCTIONS } from '../../../packages/core/dist/testing/benchmark-functions.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    budgets: { type: 'string', default: '25,50,100' },
    functions: { type: 'string', default: 'branin,hartmann6,rosenbrock4' },
    options: { type: 'string', default: '{}' },
    'first-seed': { type: 'string', default: '0' },
  },
});
const seeds = Number(values.seeds);
const firstSeed = Number(values['first-seed']);
const budgets = values.budgets.split(',').map(Number);
const options = JSON.parse(values.options);
const maxBudget = Math.max(...budgets);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
};
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(3));

console.log(`hyperopt options ${JSON.stringify(options)}, seeds ${firstSeed}..${firstSeed + seeds - 1}`);
for (const f of TEST_FUNCTIONS.filter((t) => values.functions.split(',').includes(t.name))) {
  const regrets = budgets.map(() => []);
  const started = performance.now();
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const p = hyperoptProposer.create({ space: f.space, target: 'min', nSamples: maxBudget, seed, options });
    let best = Infinity;
    for (let t = 1; t <= maxBudget; t++) {
      const a = p.ask();
      if (a.kind !== 'trial') throw new Error(`unexpected ${a.kind}`);
      const y = f.evaluate(a.params);
      best = Math.min(best, y);
      p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: y });
      const bi = budgets.indexOf(t);
      if (bi >= 0) regrets[bi].push(best - f.optimum);
    }
  }
  const cells = budgets.map(
    (b, i) => `@${b} ${fmt(quantile(regrets[i], 0.5))} [${fmt(quantile(regrets[i], 0.25))}, ${fmt(quantile(regrets[i], 0.75))}]`,
  );
  console.log(`${f.name.padEnd(12)} ${cells.join('  ')}   (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
