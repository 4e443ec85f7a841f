// Overhead of the `hyperopt` proposer per ask + tell (objective excluded) on Hartmann-6 over 1,000
// trials, reported for trials 1–100 and 901–1000 (Optuna's figures are measured beside it by the proposers benchmark).
// Build first: npx tsc -b packages/core
// Usage: node test/bench/proposers/hyperopt-overhead.mjs [--trials 1000] [--seeds 3] [--options '{}'] [--snapshot]
import { parseArgs } from 'node:util';
import { hyperoptProposer } from '../../../packages/core/dist/proposers/hyperopt/hyperopt-proposer.js';
import { hartmann6Function as f } from '../../../packages/core/dist/testing/benchmark-functions.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '1000' },
    seeds: { type: 'string', default: '3' },
    options: { type: 'string', default: '{}' },
    // Also time snapshot() after every ask and tell, as the runner stores it.
    snapshot: { type: 'boolean', default: false },
  },
});
const trials = Number(values.trials);
const options = JSON.parse(values.options);
const windows = [
  [1, 100],
  [trials - 99, trials],
];
console.log(
  `hyperopt options ${JSON.stringify(options)}, Hartmann-6, ${trials} trials${values.snapshot ? ', with snapshot() after every ask and tell' : ''}`,
);
for (let seed = 0; seed < Number(values.seeds); seed++) {
  const p = hyperoptProposer.create({ space: f.space, target: 'min', nSamples: trials, seed, options });
  const times = new Float64Array(trials + 1);
  let best = Infinity;
  let bytes = 0;
  for (let t = 1; t <= trials; t++) {
    const t0 = performance.now();
    const a = p.ask();
    if (values.snapshot) bytes = JSON.stringify(p.snapshot()).length;
    const t1 = performance.now();
    const y = f.evaluate(a.params);
    const t2 = performance.now();
    p.tell({ trialId: a.trialId, params: a.params, status: 'finished', score: y });
    if (values.snapshot) bytes = JSON.stringify(p.snapshot()).length;
    times[t] = t1 - t0 + (performance.now() - t2);
    best = Math.min(best, y);
  }
  const cells = windows.map(([a, b]) => {
    let s = 0;
    for (let t = a; t <= b; t++) s += times[t];
    return `trials ${a}–${b}: ${(s / (b - a + 1)).toFixed(3)} ms`;
  });
  console.log(
    `seed ${seed}: ${cells.join(', ')}; regret ${(best - f.optimum).toPrecision(3)}${values.snapshot ? `; snapshot ${bytes} bytes` : ''}`,
  );
}
