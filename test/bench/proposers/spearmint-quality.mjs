// Regret of the `spearmint` proposer on Branin, Hartmann-6 and Rosenbrock-4D (docs/benchmarks.md, "Benchmark problems").
// Build first: npx tsc -b packages/core
// Usage: node test/bench/proposers/spearmint-quality.mjs [--seeds 5] [--budgets 25,50,100]
//        [--functions branin,hartmann6,rosenbrock4] [--options '{"engine_config":{"output_warp":"none"}}']
//        [--dist packages/core/dist]   (another build of @aup/core, e.g. one compiled to a temp folder)
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    budgets: { type: 'string', default: '25,50,100' },
    functions: { type: 'string', default: 'branin,hartmann6,rosenbrock4' },
    options: { type: 'string', default: '{}' },
    'first-seed': { type: 'string', default: '0' },
    dist: { type: 'string', default: path.join(import.meta.dirname, '../../../packages/core/dist') },
  },
});
const dist = path.resolve(values.dist);
const { spearmintProposer } = await import(pathToFileURL(path.join(dist, 'proposers/spearmint/spearmint-proposer.js')).href);
const { TEST_FUNCTIONS } = await import(pathToFileURL(path.join(dist, 'testing/benchmark-functions.js')).href);

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

console.log(`spearmint options ${JSON.stringify(options)}, seeds ${firstSeed}..${firstSeed + seeds - 1}`);
for (const f of TEST_FUNCTIONS.filter((t) => values.functions.split(',').includes(t.name))) {
  const regrets = budgets.map(() => []);
  const started = performance.now();
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const p = spearmintProposer.create({ space: f.space, target: 'min', nSamples: maxBudget, seed, options });
    let best = Infinity;
    for (let t = 1; t <= maxBudget; t++) {
      const s = p.ask();
      if (s.kind !== 'trial') throw new Error(`unexpected ${s.kind}`);
      const value = f.evaluate(s.params);
      best = Math.min(best, value);
      p.tell({ trialId: s.trialId, params: s.params, status: 'finished', score: value });
      const b = budgets.indexOf(t);
      if (b >= 0) regrets[b].push(best - f.optimum);
    }
  }
  const ms = (performance.now() - started) / (seeds * maxBudget);
  const cells = budgets.map(
    (b, i) => `@${b} ${fmt(quantile(regrets[i], 0.5))} [${fmt(quantile(regrets[i], 0.25))}, ${fmt(quantile(regrets[i], 0.75))}]`,
  );
  console.log(`${f.name.padEnd(12)} ${cells.join('  ')}  (${ms.toFixed(1)} ms/trial)`);
  console.log(`  per seed @${maxBudget}: ${regrets[regrets.length - 1].map(fmt).join(' ')}`);
}
