// `npm run bench`: every benchmark, one after the other (the machine has 2 cores; one heavy process
// at a time). Builds @aup/core first. The proposer benchmark runs with --quick here (fewer seeds,
// shorter runs) so the whole thing stays under 20 minutes; `--full` runs the published set instead.
// Usage: node test/bench/run.mjs [--full]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const full = process.argv.includes('--full');

const steps = [
  ['build @aup/core', [tsc, '-b', 'packages/core']],
  ['ingest', ['test/bench/ingest.mjs']],
  ['proposers', ['test/bench/proposers/bench-proposers.mjs', ...(full ? [] : ['--quick'])]],
];

let failed = false;
for (const [name, args] of steps) {
  const t0 = performance.now();
  process.stderr.write(`\n== ${name} ==\n`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  process.stderr.write(`== ${name}: ${r.status === 0 ? 'ok' : `exit ${r.status ?? r.signal}`} in ${((performance.now() - t0) / 1000).toFixed(0)} s ==\n`);
  if (r.status !== 0) {
    failed = true;
    // Without a build nothing else can run.
    if (name.startsWith('build')) break;
  }
}
process.exitCode = failed ? 1 : 0;
