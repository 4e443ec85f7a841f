// `npm run bench`: every benchmark, one after the other (the machine has 2 cores; one heavy process
// at a time). Builds @aup/core first. The proposer benchmark runs with --quick here (fewer seeds,
// shorter runs) so the whole thing stays under 20 minutes; `--full` runs the published set instead.
// Usage: node test/bench/run.mjs [--full]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const rollup = createRequire(import.meta.url).resolve('rollup/dist/bin/rollup');
const full = process.argv.includes('--full');

const steps = [
  ['build @aup/core', [tsc, '-b', 'packages/core']],
  ['build @aup/server', [tsc, '-b', 'packages/server']],
  ['ingest', ['test/bench/ingest.mjs']],
  // One job printing 1 GiB without a newline: the runner's peak RSS (about 20 s, 1 GiB of disk in /tmp).
  ['runaway output', ['test/bench/runaway-output.mjs']],
  ['proposers', ['test/bench/proposers/bench-proposers.mjs', ...(full ? [] : ['--quick'])]],
  // Warm starts on Hartmann-6 (issue 16): 5 seeds here (about 1 min, printed only); --full runs the published 30 (about 10 min).
  ['warm starts', ['test/bench/proposers/warm-start.mjs', ...(full ? [] : ['--quick'])]],
  // The widgets in Chromium: <aup-hig> with 10,000 jobs (needs the browser bundle; about 2 min).
  ['build @aup/widgets', [tsc, '-b', 'packages/widgets', 'packages/server']],
  ['bundle @aup/widgets', [rollup, '-c', 'rollup.config.mjs']],
  ['browser: <aup-hig>', ['test/bench/browser-hig.mjs']],
  // <aup-job-table> with 100,000 jobs (the store is built once, about 3 min, then cached under /tmp).
  ['browser: <aup-job-table>', ['test/bench/browser-job-table.mjs']],
  // The board server against SQLite and PostgreSQL; here on 10,000 jobs and 1,000,000 values (a
  // store built in about a minute each, then cached); --full uses the published 100,000 / 10,000,000
  // (building that store takes about 5 min on SQLite and 25 min on PostgreSQL, once).
  ['board server', ['test/bench/server.mjs', ...(full ? [] : ['--jobs', '10000', '--values', '1000000'])]],
  // 300 event streams that never read, after=0 and the deepest replay (issue 12): here on the board
  // server's 10,000-job store (built above) with a 10-s window, about 30 s; --full uses a
  // 100,000-job store (built once in about 10 min, then cached) and the published 20-s window.
  ['event-stream storm', ['test/bench/sse-storm.mjs', ...(full ? [] : ['--jobs', '10000', '--seconds', '10'])]],
  // Driver + workers on an embedded PostgreSQL, then the kill -9 fault run: here 1 and 8 workers
  // (about 2 min); --full runs the published 1, 2, 4, 8 and the 8-worker run with 1-s jobs (about 5 min).
  ['distributed', ['test/bench/distributed.mjs', ...(full ? [] : ['--workers', '1,8', '--long-job-seconds', '0'])]],
  // `aup import optuna` of an Optuna study (needs /usr/bin/python3 with python3-optuna and
  // psycopg2): here 10,000 trials from SQLite into SQLite (about 20 s with the study's build,
  // cached under /tmp); --full runs the published 100,000 trials on SQLite and PostgreSQL (about 4 min).
  ['import optuna', ['test/bench/import-optuna.mjs', ...(full ? [] : ['--trials', '10000', '--source', 'sqlite'])]],
];

let failed = false;
for (const [name, args] of steps) {
  const t0 = performance.now();
  process.stderr.write(`\n== ${name} ==\n`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  process.stderr.write(
    `== ${name}: ${r.status === 0 ? 'ok' : `exit ${r.status ?? r.signal}`} in ${((performance.now() - t0) / 1000).toFixed(0)} s ==\n`,
  );
  if (r.status !== 0) {
    failed = true;
    // Without a build nothing else can run.
    if (name.startsWith('build')) break;
  }
}
process.exitCode = failed ? 1 : 0;
