// Runner overhead benchmark (issue 6 §4): 200 jobs of a script that exits at once, run by
// `aup run` (local cpu resource, n_parallel 2, SQLite in a temp dir) and by a plain shell loop with
// the same parallelism (`xargs -P 2`). Goal: aup's wall time <= 1.2x the loop's.
// Usage: node test/bench/runner-overhead.mjs [--jobs 200] [--parallel 2] [--reps 3] [--job-seconds 0[,0.1]] [--write-docs] [--profile]
// --job-seconds: how long each job sleeps before it prints (a comma list runs each case; 0, the goal's case, exits at once).
// --write-docs replaces the "Runner overhead" section at the end of docs/benchmarks.md;
// --profile runs aup once more under `node --cpu-prof` and prints the functions with the most self time.
// Rebuild first (`npx tsc -b packages/core`): the CLI runs from packages/core/dist.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const GOAL_RATIO = 1.2;
const TOP_FUNCTIONS = 15;
const SECTION = '## Runner overhead';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');
const docsPath = join(root, 'docs/benchmarks.md');

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    parallel: { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    'job-seconds': { type: 'string', default: '0' },
    'write-docs': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const jobs = Number(values.jobs);
const parallel = Number(values.parallel);
const reps = Number(values.reps);
const durations = values['job-seconds'].split(',').map(Number);
if (durations.some((d) => !(d >= 0))) throw new Error(`--job-seconds: expected non-negative numbers, found "${values['job-seconds']}"`);

const scriptFor = (seconds) => `#!/bin/sh\n${seconds > 0 ? `sleep ${seconds}\n` : ''}echo "#Auptimizer:1"\n`;

/** A fresh working dir with the script and experiment.json, so every run starts from nothing. */
function workDir(seconds, n = jobs) {
  const dir = mkdtempSync(join(tmpdir(), 'aup-bench-overhead-'));
  writeFileSync(join(dir, 'exit.sh'), scriptFor(seconds));
  chmodSync(join(dir, 'exit.sh'), 0o755);
  writeFileSync(
    join(dir, 'experiment.json'),
    JSON.stringify({
      name: 'overhead',
      script: 'exit.sh',
      n_samples: n,
      n_parallel: parallel,
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
    }),
  );
  return dir;
}

function timed(file, args, cwd) {
  const t0 = performance.now();
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout.slice(-2000)}`);
  return { seconds, stdout: r.stdout };
}

function runAup(seconds, extraNodeArgs = [], n = jobs) {
  const dir = workDir(seconds, n);
  try {
    const { seconds, stdout } = timed(
      process.execPath,
      [...extraNodeArgs, aupBin, 'run', 'experiment.json', '--db', join(dir, 'bench.db')],
      dir,
    );
    const finished = (stdout.match(/\] job \d+ finished/g) ?? []).length;
    if (finished !== n) throw new Error(`aup finished ${finished} of ${n} jobs:\n${stdout.slice(-2000)}`);
    return { seconds, dir };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

// The loop launches the same executable the same number of times, `parallel` at a time; its output
// goes to a pipe that is read, as aup reads its jobs' output.
const loopCommand = `seq 1 ${jobs} | xargs -P ${parallel} -n 1 ./exit.sh`;
function runLoop(seconds) {
  const dir = workDir(seconds);
  try {
    const { seconds, stdout } = timed('/bin/sh', ['-c', loopCommand], dir);
    const lines = stdout.split('\n').filter((l) => l === '#Auptimizer:1').length;
    if (lines !== jobs) throw new Error(`the loop printed ${lines} results, expected ${jobs}`);
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 3) => Number(x.toFixed(d));

// Node startup alone, to tell the fixed cost of one `aup` process from the per-job cost.
function runNodeStartup() {
  return timed(process.execPath, ['-e', ''], root).seconds;
}

const startupTimes = [];
/** One case: `reps` interleaved runs of each side, so a change in the machine's load touches both alike. */
function measure(seconds) {
  const aupTimes = [];
  const loopTimes = [];
  // aup with a single job: its fixed cost (startup, schema, experiment rows), to separate it from the per-job cost.
  const oneJobTimes = [];
  for (let i = 0; i < reps; i++) {
    loopTimes.push(runLoop(seconds));
    const r = runAup(seconds);
    rmSync(r.dir, { recursive: true, force: true });
    aupTimes.push(r.seconds);
    const one = runAup(seconds, [], 1);
    rmSync(one.dir, { recursive: true, force: true });
    oneJobTimes.push(one.seconds);
    startupTimes.push(runNodeStartup());
  }
  const aupMedian = median(aupTimes);
  const loopMedian = median(loopTimes);
  const ratio = aupMedian / loopMedian;
  return {
    jobSeconds: seconds,
    aupSeconds: aupTimes.map((x) => round(x)),
    loopSeconds: loopTimes.map((x) => round(x)),
    aupMedianSeconds: round(aupMedian),
    loopMedianSeconds: round(loopMedian),
    ratio: round(ratio, 2),
    goalMet: ratio <= GOAL_RATIO,
    aupPerJobMs: round((aupMedian / jobs) * 1000, 2),
    aupOneJobMedianSeconds: round(median(oneJobTimes)),
    // What each job beyond the first adds, `parallel` at a time: the runner's marginal cost per job.
    aupMarginalPerJobMs: round(((aupMedian - median(oneJobTimes)) / (jobs - 1)) * 1000, 2),
    loopPerJobMs: round((loopMedian / jobs) * 1000, 2),
  };
}

const cases = durations.map(measure);
const result = {
  bench: 'runner-overhead',
  jobs,
  parallel,
  reps,
  goalRatio: GOAL_RATIO,
  // The goal is stated for jobs that exit at once.
  goalMet: cases.find((c) => c.jobSeconds === 0)?.goalMet ?? null,
  nodeStartupMedianSeconds: round(median(startupTimes)),
  cases,
};

if (values.profile) result.profile = profileAup();
console.log(JSON.stringify(result, null, 2));
if (values['write-docs']) writeDocs(result);

/** One more aup run under --cpu-prof: the functions with the most self time, grouped by file. */
function profileAup() {
  const profDir = mkdtempSync(join(tmpdir(), 'aup-bench-prof-'));
  const r = runAup(durations[0], ['--cpu-prof', '--cpu-prof-dir', profDir]);
  rmSync(r.dir, { recursive: true, force: true });
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
  rmSync(profDir, { recursive: true, force: true });
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const node = byId.get(prof.samples[i]);
    const dt = prof.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(root, '');
    const key = `${functionName || '(anonymous)'} ${where}${where ? `:${lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const totalMs = (prof.endTime - prof.startTime) / 1000;
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP_FUNCTIONS);
  return {
    wallSeconds: round(r.seconds),
    profiledMs: round(totalMs, 0),
    top: top.map(([fn, us]) => ({ fn, selfMs: round(us / 1000, 1), share: round(us / 1000 / totalMs, 3) })),
  };
}

function writeDocs(r) {
  const now = new Date();
  const date = `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const machine = `nproc ${cpus().length}, ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`;
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const lines = [
    SECTION,
    '',
    `${r.jobs} jobs of a script that sleeps the given time and then prints \`#Auptimizer:1\` (\`#!/bin/sh\`; 0 s: it exits at once, the goal's case), ${r.parallel} at a time: \`aup run\` on the local \`cpu\` resource with SQLite in a temp dir (the whole command: Node startup, module loading and the database included) vs the same script launched ${r.jobs} times by \`${loopCommand}\`. Median of ${r.reps} runs each, interleaved. Written by \`node test/bench/runner-overhead.mjs --job-seconds ${durations.join(',')} --write-docs${values.profile ? ' --profile' : ''}\` (rebuild first with \`npx tsc -b packages/core\`).`,
    '',
    `Machine: ${machine}; run ${date}, load average at the end ${load} (other work may share the cores). Node startup alone (\`node -e ''\`): ${r.nodeStartupMedianSeconds} s.`,
    '',
    '| job sleeps (s) | aup runs (s) | aup median (s) | aup with 1 job (s) | aup marginal per job (ms) | loop runs (s) | loop median (s) | loop per job (ms) | ratio aup / loop | goal ≤ ' +
      r.goalRatio +
      ' |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.cases.map(
      (c) =>
        `| ${c.jobSeconds} | ${c.aupSeconds.join(', ')} | ${c.aupMedianSeconds} | ${c.aupOneJobMedianSeconds.toFixed(3)} | ${c.aupMarginalPerJobMs} | ${c.loopSeconds.join(', ')} | ${c.loopMedianSeconds} | ${c.loopPerJobMs} | **${c.ratio}** | ${c.goalMet ? 'met' : 'missed'} |`,
    ),
    '',
    `Goal (aup ≤ ${r.goalRatio}× the loop for jobs that exit at once): ${r.goalMet === null ? 'not measured (no 0 s case)' : r.goalMet ? 'met' : 'missed'}.`,
    ...r.cases
      .filter((c) => c.jobSeconds === 0)
      .map(
        (c) =>
          `For 0-s jobs, aup's fixed cost alone (the run with 1 job: Node startup, loading, the store, the experiment's records) is ${c.aupOneJobMedianSeconds.toFixed(3)} s, ${Math.round((c.aupOneJobMedianSeconds / c.loopMedianSeconds) * 100)} % of the loop's whole run: with no cost per job at all the ratio would be ${((c.aupOneJobMedianSeconds + c.loopMedianSeconds) / c.loopMedianSeconds).toFixed(2)}. Each job beyond the first adds ${c.aupMarginalPerJobMs} ms to aup's run and ${c.loopPerJobMs} ms to the loop's.`,
      ),
  ];
  if (r.profile) {
    lines.push(
      '',
      `Where aup's time goes (one more run under \`node --cpu-prof\`, ${r.profile.wallSeconds} s wall; self time of the top functions, of ${r.profile.profiledMs} ms profiled):`,
      '',
      '| function | self (ms) | share |',
      '|---|---|---|',
      ...r.profile.top.map((t) => `| \`${t.fn.replace(/\|/g, '\\|')}\` | ${t.selfMs} | ${(t.share * 100).toFixed(1)}% |`),
    );
  }
  const text = readFileSync(docsPath, 'utf8');
  const start = text.indexOf(`\n${SECTION}\n`);
  let before = text;
  let after = '';
  if (start >= 0) {
    before = text.slice(0, start);
    const next = text.indexOf('\n## ', start + SECTION.length + 1);
    after = next >= 0 ? text.slice(next) : '';
  }
  writeFileSync(docsPath, `${before.trimEnd()}\n\n${lines.join('\n')}\n${after}`);
}
