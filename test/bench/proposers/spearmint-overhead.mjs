// Overhead of the `spearmint` proposer per ask+tell (the objective, Hartmann-6, costs microseconds) on Hartmann-6, by trial range.
// Build first: npx tsc -b packages/core
// Usage: node test/bench/proposers/spearmint-overhead.mjs [--trials 500] [--seed 0] [--dist packages/core/dist]
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '500' },
    seed: { type: 'string', default: '0' },
    options: { type: 'string', default: '{}' },
    dist: { type: 'string', default: path.join(import.meta.dirname, '../../../packages/core/dist') },
  },
});
const dist = path.resolve(values.dist);
const { spearmintProposer } = await import(pathToFileURL(path.join(dist, 'proposers/spearmint/spearmint-proposer.js')).href);
const { hartmann6Function: f } = await import(pathToFileURL(path.join(dist, 'testing/benchmark-functions.js')).href);

const trials = Number(values.trials);
const p = spearmintProposer.create({
  space: f.space,
  target: 'min',
  nSamples: trials,
  seed: Number(values.seed),
  options: JSON.parse(values.options),
});
const times = [];
const cpuTimes = [];
let best = Infinity;
for (let t = 0; t < trials; t++) {
  // CPU time as well as wall time: on a shared machine the wall time includes other processes' turns.
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const s = p.ask();
  const value = f.evaluate(s.params);
  p.tell({ trialId: s.trialId, params: s.params, status: 'finished', score: value });
  times.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpuTimes.push((c.user + c.system) / 1000);
  best = Math.min(best, value);
}
const windows = [
  [1, 100],
  [91, 100],
  [191, 200],
  [291, 300],
  [391, 400],
  [491, 500],
].filter(([, hi]) => hi <= trials);
console.log(`spearmint overhead per ask+tell, Hartmann-6, seed ${values.seed} (regret at ${trials}: ${(best - f.optimum).toPrecision(3)})`);
for (const [lo, hi] of windows) {
  const w = times.slice(lo - 1, hi);
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const cw = cpuTimes.slice(lo - 1, hi);
  const cpu = cw.reduce((a, b) => a + b, 0) / cw.length;
  console.log(
    `  trials ${String(lo).padStart(3)}–${hi}: wall mean ${mean.toFixed(1)} ms (max ${Math.max(...w).toFixed(1)}), CPU mean ${cpu.toFixed(1)} ms`,
  );
}
