// Runaway output benchmark (issue 12, finding 6): the runner's peak memory while a job prints a
// long run of output without a newline (a progress bar gone wrong, a binary dump), then its score.
// Goal: the runner's peak RSS stays under 300 MB while a job prints 1 GiB without a newline, and
// the score printed after it is recorded.
// Usage: node test/bench/runaway-output.mjs [--mib 0,1024] [--aup packages/core/bin/aup.js] [--write-docs]
// --mib: how many MiB the job prints without a newline (a comma list runs each case; 0 is the
// runner's own baseline). --aup: another build's CLI to measure (e.g. a checkout from before the
// line limit). --write-docs replaces the "Runaway output" section of docs/benchmarks.md.
// Rebuild first (`npx tsc -b packages/core`): the CLI runs from packages/core/dist.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { openStore } from '../../packages/core/dist/index.js';

const GOAL_RSS_MB = 300;
const GOAL_MIB = 1024;
/** How often the runner's memory is read (ms): its peak (VmHWM) is kept by the kernel, so this only bounds how late the last reading is. */
const SAMPLE_MS = 50;
const SECTION = '## Runaway output';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docsPath = join(root, 'docs/benchmarks.md');
const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: `0,${GOAL_MIB}` },
    aup: { type: 'string', default: join(root, 'packages/core/bin/aup.js') },
    'write-docs': { type: 'boolean', default: false },
  },
});
const sizes = values.mib.split(',').map(Number);
if (sizes.some((n) => !(n >= 0) || !Number.isInteger(n))) throw new Error(`--mib: expected whole numbers of MiB, found "${values.mib}"`);
const aupBin = resolve(values.aup);

/** The kernel's figures for a process, in kB: its resident memory now and at its peak. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKb: kb('VmRSS'), peakKb: kb('VmHWM') };
  } catch {
    return undefined; // the process has ended
  }
}

async function runCase(mib) {
  const dir = mkdtempSync(join(tmpdir(), 'aup-bench-runaway-'));
  try {
    const bytes = mib * 1024 * 1024;
    writeFileSync(
      join(dir, 'job.sh'),
      `#!/bin/sh\n${bytes > 0 ? `head -c ${bytes} /dev/zero | tr '\\0' x\n` : ''}printf '\\n#Auptimizer:1\\n'\n`,
    );
    chmodSync(join(dir, 'job.sh'), 0o755);
    writeFileSync(
      join(dir, 'experiment.json'),
      JSON.stringify({ name: 'runaway', script: 'job.sh', n_samples: 1, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] }),
    );
    const db = join(dir, 'runaway.db');
    const started = performance.now();
    const child = spawn(process.execPath, [aupBin, 'run', 'experiment.json', '--db', db], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let peakKb = 0;
    const timer = setInterval(() => {
      const m = memoryOf(child.pid);
      if (m) peakKb = Math.max(peakKb, m.peakKb);
    }, SAMPLE_MS);
    const code = await new Promise((r) => child.on('close', (c, signal) => r(c ?? signal)));
    clearInterval(timer);
    const seconds = (performance.now() - started) / 1000;
    let score = null;
    let warnings = [];
    let logBytes = null;
    try {
      const store = await openStore(db, { create: false });
      try {
        const [job] = await store.listJobs(1);
        score = job?.score ?? null;
        warnings = job?.warnings ?? [];
      } finally {
        await store.close();
      }
      const logs = readdirSync(join(dir, 'jobs'), { recursive: true }).filter((f) => String(f).endsWith('.1.out'));
      logBytes = logs.length === 1 ? statSync(join(dir, 'jobs', String(logs[0]))).size : null;
    } catch {
      // The runner died before it recorded the job: the row below says so.
    }
    return {
      mib,
      exit: code,
      seconds: Number(seconds.toFixed(1)),
      peakRssMb: Math.round(peakKb / 1024),
      score,
      warnings: warnings.length,
      logBytes,
      crash: code === 0 ? null : (out.split('\n').find((l) => /Error|error/.test(l)) ?? out.slice(-200)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases = [];
for (const mib of sizes) {
  const c = await runCase(mib);
  cases.push(c);
  console.log(JSON.stringify(c));
}
const big = cases.find((c) => c.mib === GOAL_MIB);
const goalMet = big === undefined ? null : big.exit === 0 && big.score === 1 && big.peakRssMb < GOAL_RSS_MB;
console.log(JSON.stringify({ goal: `peak RSS < ${GOAL_RSS_MB} MB at ${GOAL_MIB} MiB, score recorded`, goalMet }));
if (values['write-docs']) writeDocs();

function writeDocs() {
  const now = new Date();
  const date = `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const machine = `nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`;
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const bin = relative(root, aupBin);
  const lines = [
    SECTION,
    '',
    `One job that prints N MiB without a newline (\`head -c N /dev/zero | tr '\\0' x\`), then \`\\n#Auptimizer:1\`: \`aup run\` on the local \`cpu\` resource with SQLite in a temp dir. Peak RSS is the runner's \`VmHWM\` (\`/proc/<pid>/status\`, the kernel's high-water mark of its resident memory), read every ${SAMPLE_MS} ms until it exits. Goal: under ${GOAL_RSS_MB} MB at ${GOAL_MIB} MiB, with the score recorded. Written by \`node test/bench/runaway-output.mjs --mib ${sizes.join(',')}${bin === 'packages/core/bin/aup.js' ? '' : ` --aup ${bin}`} --write-docs\` (rebuild first with \`npx tsc -b packages/core\`).`,
    '',
    `Machine: ${machine}; run ${date}, load average at the end ${load} (other work shares the cores).`,
    '',
    '| printed without a newline (MiB) | exit | wall (s) | runner peak RSS (MB) | score recorded | warnings | log on disk (bytes) |',
    '|---|---|---|---|---|---|---|',
    ...cases.map(
      (c) => `| ${c.mib} | ${c.exit} | ${c.seconds} | **${c.peakRssMb}** | ${c.score ?? 'no'} | ${c.warnings} | ${c.logBytes ?? '-'} |`,
    ),
    '',
    `Goal (peak RSS < ${GOAL_RSS_MB} MB while a job prints ${GOAL_MIB} MiB without a newline): ${goalMet === null ? `not measured (no ${GOAL_MIB} MiB case)` : goalMet ? 'met' : 'missed'}. The runner reads at most 1,048,576 characters of a line (\`MAX_LINE_CHARS\`); the rest of the line goes only to the log, which keeps it whole, and the job's output is paused while the log catches up.`,
  ];
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
