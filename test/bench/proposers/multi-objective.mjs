// Hypervolume regret (optimal hypervolume − the hypervolume of the jobs found) of aup's `nsga2` and
// `random` beside Optuna 3.1's NSGAIISampler and multi-objective TPESampler, on ZDT1, ZDT2 (2
// objectives, 10-D) and DTLZ2 (3 objectives, 7-D), at the given budgets (docs/benchmarks.md).
// Build first: npx tsc -b packages/core. Optuna runs at /usr/bin/python3 (multi_objective_peer.py).
// Usage: node test/bench/proposers/multi-objective.mjs [--seeds 20] [--budgets 100,200]
//        [--problems zdt1,zdt2,dtlz2] [--peers nsga2,motpe] [--options '{"population_size":50}']
//        [--hyperopt-options '{}'] [--optuna-cache optuna.jsonl]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nsga2Proposer } from '../../../packages/core/dist/proposers/nsga2/nsga2-proposer.js';
import { randomProposer } from '../../../packages/core/dist/proposers/random/random-proposer.js';
import { hyperoptProposer } from '../../../packages/core/dist/proposers/hyperopt/hyperopt-proposer.js';
import { MULTI_OBJECTIVE_FUNCTIONS, hypervolume } from '../../../packages/core/dist/testing/multi-objective-functions.js';
import { mannWhitneyU, median, quantile } from '../../../packages/core/dist/testing/stats.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    budgets: { type: 'string', default: '100,200' },
    problems: { type: 'string', default: 'zdt1,zdt2,dtlz2' },
    peers: { type: 'string', default: 'nsga2,motpe' },
    options: { type: 'string', default: '{}' },
    'hyperopt-options': { type: 'string', default: '{}' },
    // Optuna's runs are deterministic per seed and slow: keep its output in this file and read it back when it exists.
    'optuna-cache': { type: 'string' },
  },
});
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i);
const budgets = args.budgets.split(',').map(Number);
const maxBudget = Math.max(...budgets);
const nsgaOptions = JSON.parse(args.options);
const hyperoptOptions = JSON.parse(args['hyperopt-options']);
const problems = MULTI_OBJECTIVE_FUNCTIONS.filter((f) => args.problems.split(',').includes(f.name));
const peers = args.peers.split(',').filter(Boolean);

/** The objective values of every trial of one aup run, asked and told one at a time. */
function runAup(def, fn, seed, options) {
  const p = def.create({
    space: fn.space,
    target: 'min',
    targets: new Array(fn.objectives).fill('min'),
    nSamples: maxBudget,
    seed,
    options,
  });
  const found = [];
  for (;;) {
    const a = p.ask();
    if (a.kind !== 'trial') break;
    const v = fn.evaluate(a.params);
    found.push(v);
    p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: v[0], values: v });
  }
  return found;
}

/** Regret at each budget of one run's values. */
const regrets = (fn, found) => budgets.map((b) => fn.optimalHypervolume - hypervolume(found.slice(0, b), fn.reference));

const results = {}; // problem -> method -> budget index -> regrets
const add = (problem, method, r) => {
  results[problem] ??= {};
  results[problem][method] ??= budgets.map(() => []);
  r.forEach((x, i) => results[problem][method][i].push(x));
};

for (const fn of problems) {
  for (const seed of seeds) {
    add(fn.name, 'aup nsga2', regrets(fn, runAup(nsga2Proposer, fn, seed, nsgaOptions)));
    add(fn.name, 'aup hyperopt', regrets(fn, runAup(hyperoptProposer, fn, seed, hyperoptOptions)));
    add(fn.name, 'aup random', regrets(fn, runAup(randomProposer, fn, seed, {})));
  }
}
if (peers.length > 0) {
  const spec = { problems: problems.map((f) => f.name), samplers: peers, seeds, n: maxBudget };
  const cache = args['optuna-cache'];
  const out =
    cache !== undefined && existsSync(cache)
      ? readFileSync(cache, 'utf8')
      : execFileSync('/usr/bin/python3', [join(dirname(fileURLToPath(import.meta.url)), 'multi_objective_peer.py'), JSON.stringify(spec)], {
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        });
  if (cache !== undefined && !existsSync(cache)) writeFileSync(cache, out);
  for (const line of out.trim().split('\n')) {
    const run = JSON.parse(line);
    const fn = problems.find((f) => f.name === run.problem);
    add(fn.name, `optuna ${run.sampler}`, regrets(fn, run.values));
  }
}

const fmt = (x) => x.toPrecision(3);
const cell = (xs) => `${fmt(median(xs))} [${fmt(quantile(xs, 0.25))}–${fmt(quantile(xs, 0.75))}]`;
console.log(
  `Hypervolume regret, median [25th–75th percentile] over ${seeds.length} seeds; nsga2 ${JSON.stringify(nsgaOptions)}, hyperopt ${JSON.stringify(hyperoptOptions)}`,
);
console.log(
  `\n| problem | proposer | ${budgets.map((b) => `@${b}`).join(' | ')} | ${budgets.map((b) => `@${b} best aup vs best Optuna`).join(' | ')} |`,
);
console.log(`|---|---|${budgets.map(() => '---|').join('')}${budgets.map(() => '---|').join('')}`);
for (const fn of problems) {
  const methods = results[fn.name];
  const best = (prefix, i) =>
    Object.entries(methods)
      .filter(([m]) => m.startsWith(prefix))
      .sort((a, b) => median(a[1][i]) - median(b[1][i]))[0];
  const versus = budgets.map((_, i) => {
    const a = best('aup', i);
    const o = best('optuna', i);
    if (!o) return '';
    const { p } = mannWhitneyU(a[1][i], o[1][i]);
    return `${a[0]} / ${o[0]} = ${(median(a[1][i]) / median(o[1][i])).toFixed(2)} (p ${p.toPrecision(2)})`;
  });
  Object.entries(methods).forEach(([m, r], k) => {
    console.log(`| ${fn.name} | ${m} | ${r.map(cell).join(' | ')} | ${(k === 0 ? versus : budgets.map(() => '')).join(' | ')} |`);
  });
}
