// Browser benchmark of <aup-job-table> (issue 5 §3): how long a user waits for the first rows of
// an experiment of 100,000 jobs (10 params, 3 metrics) in headless Chromium, against a real
// aup-board over a SQLite store written through the store API; the median of 5 cold page loads
// (a new browser context each: nothing cached), and the time to show the middle page.
//
// The page is the board's own (`/`, with its Content-Security-Policy), holding one
// <aup-job-table api experiment> instead of the dashboard, so the figure includes fetching and
// parsing the widgets bundle as a user's first visit does. "First render" is the first animation
// frame, counted from navigation start, in which the table's shadow root holds a job row: the
// rows are in the DOM and painted in that frame (rAF granularity, ~16 ms).
//
// Usage: node test/bench/browser-job-table.mjs [--write-docs] [--jobs N] [--loads N] [--cache FILE]
// The store is built once into --cache (default /tmp/aup-bench-cache/job-table-<N>.db) and reused.
/* global window, document, requestAnimationFrame -- used by the functions page.evaluate runs in the page */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createExperiment, normalizeConfig, openStore, Rng } from '@aup/core';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BOARD_BIN = join(ROOT, 'packages/server/bin/aup-board.js');
const DOC = join(ROOT, 'docs/benchmarks.md');
const SECTION = '## Board widgets in the browser';
const ROW_PREFIX = '| `<aup-job-table>`';
const NOTE_PREFIX = '- `<aup-job-table>`:';
const EXPERIMENT = 'bench-job-table';
/** Jobs created (and then completed) per round of concurrent store calls: big enough to keep the store's writer busy, small enough to bound memory. */
const WRITE_BATCH = 2_000;
/** A cold load of a 3 MB bundle and two API calls should take well under this; beyond it the run failed. */
const LOAD_TIMEOUT_MS = 60_000;
const GOAL_MS = 1_000;
const SEED = 20261124;

const { values } = parseArgs({
  options: {
    'write-docs': { type: 'boolean', default: false },
    jobs: { type: 'string', default: '100000' },
    loads: { type: 'string', default: '5' },
    cache: { type: 'string' },
  },
});
const JOBS = Number(values.jobs);
const LOADS = Number(values.loads);
const cache = values.cache ?? `/tmp/aup-bench-cache/job-table-${JOBS}.db`;

/** 10 parameters (floats, log floats, ints, a choice) and 3 metrics, as a real sweep has. */
const PARAMETER_CONFIG = [
  { name: 'lr', range: [1e-5, 1e-1], type: 'float', log: true },
  { name: 'momentum', range: [0.5, 0.99], type: 'float' },
  { name: 'dropout', range: [0, 0.7], type: 'float' },
  { name: 'weight_decay', range: [1e-6, 1e-2], type: 'float', log: true },
  { name: 'warmup', range: [0, 0.2], type: 'float' },
  { name: 'layers', range: [1, 12], type: 'int' },
  { name: 'units', range: [16, 1024], type: 'int' },
  { name: 'batch_size', range: [16, 512], type: 'int' },
  { name: 'epochs', range: [5, 100], type: 'int' },
  { name: 'activation', range: ['relu', 'tanh', 'gelu', 'silu'], type: 'choice' },
];
const METRICS = ['accuracy', 'f1', 'loss'];

/** The cached store's experiment id, building the store first when the cache has none of the right size. */
async function ensureStore() {
  if (existsSync(cache)) {
    const store = await openStore(cache, { create: false });
    try {
      const exp = (await store.listExperiments()).find((e) => e.name === EXPERIMENT);
      if (exp !== undefined && (await store.queryJobs({ experimentId: exp.id, offset: 0, limit: 0 })).total === JOBS) {
        log(`reusing ${cache} (experiment ${exp.id}, ${JOBS.toLocaleString('en-US')} jobs)`);
        return { id: exp.id, built: null };
      }
    } finally {
      await store.close();
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(cache + suffix, { force: true });
  }
  mkdirSync(dirname(cache), { recursive: true });
  const workingdir = join(dirname(cache), `job-table-${JOBS}-work`);
  mkdirSync(workingdir, { recursive: true });
  writeFileSync(join(workingdir, 'train.py'), 'from aup import print_result\nprint_result(0.5)\n');
  const raw = {
    name: EXPERIMENT,
    proposer: 'random',
    n_samples: JOBS,
    script: 'train.py',
    target: 'max',
    workingdir,
    parameter_config: PARAMETER_CONFIG,
    resource_args: { multi_res_labels: METRICS },
    job_failure: { ignore_fail: true },
  };
  const t0 = performance.now();
  const store = await openStore(cache);
  try {
    const exp = await createExperiment(store, raw, normalizeConfig(raw, { baseDir: workingdir }));
    const rng = new Rng(SEED);
    const start = Date.now() - JOBS * 60_000;
    let best = { id: null, score: -Infinity };
    for (let first = 0; first < JOBS; first += WRITE_BATCH) {
      const trials = Array.from({ length: Math.min(WRITE_BATCH, JOBS - first) }, (_, k) => first + k);
      const jobs = await Promise.all(trials.map((trial) => store.createJob({ experimentId: exp.id, trial, params: sample(rng) })));
      await Promise.all(
        jobs.map((job) => {
          const failed = rng.next() < 0.02;
          const accuracy = failed ? null : 0.5 + 0.5 * rng.next();
          if (accuracy !== null && accuracy > best.score) best = { id: job.id, score: accuracy };
          const startedAt = start + job.trial * 60_000;
          return store.completeJob(
            job.id,
            {
              status: failed ? 'failed' : 'finished',
              score: accuracy,
              metrics: accuracy === null ? {} : { accuracy, f1: accuracy - 0.05 * rng.next(), loss: 1 - accuracy + 0.1 * rng.next() },
              attempts: 1,
              startedAt,
              endedAt: startedAt + 20_000 + Math.floor(580_000 * rng.next()),
            },
            { id: exp.id, bestJobId: best.id, bestScore: best.score === -Infinity ? null : best.score },
          );
        }),
      );
      if ((first / WRITE_BATCH) % 10 === 0) log(`  ${(first + trials.length).toLocaleString('en-US')} jobs written`);
    }
    await store.updateExperiment(exp.id, { status: 'finished', startedAt: start, endedAt: Date.now() });
    const seconds = (performance.now() - t0) / 1000;
    log(`built ${cache}: ${JOBS.toLocaleString('en-US')} jobs in ${seconds.toFixed(1)} s`);
    return { id: exp.id, built: seconds };
  } finally {
    await store.close();
  }
}

function sample(rng) {
  const params = {};
  for (const p of PARAMETER_CONFIG) {
    const [lo, hi] = p.range;
    const u = rng.next();
    if (p.type === 'choice') params[p.name] = p.range[Math.floor(u * p.range.length)];
    else if (p.type === 'int') params[p.name] = lo + Math.floor(u * (hi - lo + 1));
    else params[p.name] = p.log ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
  }
  return params;
}

/** aup-board on a free port of 127.0.0.1 without a token (loopback only; nothing here mutates). */
function startBoard() {
  const child = spawn(process.execPath, [BOARD_BIN, '--db', cache, '--port', '0', '--no-token', '--read-only'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^aup-board: (http:\/\/\S+)$/m.exec(out);
      if (m) ok({ child, url: `${new URL(m[1]).origin}/` });
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => fail(new Error(`aup-board exited with ${code}: ${out}`)));
  });
}

/** Counts the first frame with a job row, from navigation start; installed before any page script. */
const FIRST_ROW_PROBE = `(() => {
  const tick = () => {
    const root = document.querySelector('aup-job-table')?.shadowRoot;
    if (root && root.querySelector('.tabulator-row [tabulator-field="id"]')) { window.__firstRowMs = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

async function measure(browser, boardUrl, experimentId) {
  const firstRender = [];
  let middle;
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.addInitScript(FIRST_ROW_PROBE);
    // The board's page (its head, its CSP) with the job table as its body, instead of the dashboard.
    await page.route(boardUrl, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(
        /<body>[\s\S]*<\/body>/,
        `<body><aup-job-table api="/api/v1" experiment="${experimentId}"></aup-job-table></body>`,
      );
      await route.fulfill({ response, body });
    });
    await page.goto(boardUrl);
    await page.waitForFunction(() => window.__firstRowMs !== undefined, null, { timeout: LOAD_TIMEOUT_MS });
    firstRender.push(await page.evaluate(() => window.__firstRowMs));
    const total = await page.locator('aup-job-table [part="toolbar"] .info').innerText();
    if (!total.includes(JOBS.toLocaleString('en-US'))) throw new Error(`the table does not show ${JOBS} jobs: "${total}"`);
    if (i === LOADS - 1) middle = await middlePage(page, experimentId);
    if (errors.length > 0) throw new Error(`the page logged errors: ${errors.join('; ')}`);
    await context.close();
  }
  return { firstRender, middle };
}

/** From asking for the middle page to its first row shown: one page request and one render. */
async function middlePage(page) {
  const size = 100;
  const pageNo = Math.floor(JOBS / size / 2);
  return page.evaluate(
    async ({ pageNo, size }) => {
      const table = document.querySelector('aup-job-table');
      const t0 = performance.now();
      await table.goToPage(pageNo);
      const firstId = () => Number(table.shadowRoot.querySelector('.tabulator-row [tabulator-field="id"]')?.textContent);
      const expected = (pageNo - 1) * size;
      // The page is in once its first row is the (pageNo - 1) * size + 1-th job of the id order.
      while (!(firstId() > expected)) await new Promise((r) => requestAnimationFrame(r));
      await new Promise((r) => requestAnimationFrame(r));
      return { ms: performance.now() - t0, page: pageNo, firstRow: expected + 1, lastRow: expected + size };
    },
    { pageNo, size },
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmtMs = (ms) => `${Math.round(ms).toLocaleString('en-US')} ms`;
function log(s) {
  process.stderr.write(`${s}\n`);
}

function machine(browserVersion) {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() || String(cpus().length);
  return `nproc ${nproc}, ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, Chromium ${browserVersion}`;
}

function markdown({ firstRender, middle }) {
  const m = median(firstRender);
  const jobs = JOBS.toLocaleString('en-US');
  // The section's one table (shared with test/bench/browser-hig.mjs):
  // | measurement | data | median | runs | goal | goal met |
  return [
    `${ROW_PREFIX} first render (first rows painted, from navigation start) | ${jobs} jobs, 10 params, 3 metrics | **${fmtMs(m)}** | ${firstRender.map((x) => Math.round(x)).join(', ')} | ≤ ${fmtMs(GOAL_MS)} | ${m <= GOAL_MS ? 'met' : 'missed'} |`,
    `${ROW_PREFIX} middle page shown (page ${middle.page.toLocaleString('en-US')}: rows ${middle.firstRow.toLocaleString('en-US')}–${middle.lastRow.toLocaleString('en-US')}) | ${jobs} jobs | ${fmtMs(middle.ms)} | 1 | | |`,
  ];
}

/** Adds or replaces our rows and note in the section, leaving other widgets' rows and notes alone. */
function writeDocs(rows, note) {
  let text = readFileSync(DOC, 'utf8');
  const heading = `\n${SECTION}\n`;
  if (!text.includes(heading)) {
    text = `${text.trimEnd()}\n\n${SECTION}\n\n${INTRO}\n\n| measurement | data | median | runs | goal | goal met |\n|---|---|---|---|---|---|\n`;
  }
  const start = text.indexOf(heading) + 1;
  const next = text.indexOf('\n## ', start);
  const end = next === -1 ? text.length : next + 1;
  const lines = text
    .slice(start, end)
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith(ROW_PREFIX) && !l.startsWith(NOTE_PREFIX));
  const lastRow = lines.findLastIndex((l) => l.startsWith('|'));
  lines.splice(lastRow + 1, 0, ...rows);
  const tableEnd = lastRow + rows.length;
  const after = lines.slice(tableEnd + 1);
  while (after.length > 0 && after[0].trim() === '') after.shift();
  while (after.length > 0 && after.at(-1).trim() === '') after.pop();
  const gap = after.length > 0 && !after.at(-1).startsWith('- ') ? [''] : [];
  const section = [...lines.slice(0, tableEnd + 1), '', ...after, ...gap, note].join('\n');
  writeFileSync(DOC, `${text.slice(0, start)}${section}\n${next === -1 ? '' : `\n${text.slice(end)}`}`);
  log(`wrote ${DOC}`);
}

const INTRO =
  "Headless Chromium (playwright-core) against a real aup-board over a SQLite store, each widget on the board's own page (its Content-Security-Policy kept) instead of the dashboard, the widgets bundle fetched and parsed on every load (a new browser context: nothing cached). One row per measurement; each widget's command, machine and date are in the notes below the table.";

const { id, built } = await ensureStore();
const board = await startBoard();
const browser = await chromium.launch({
  executablePath: process.env.AUP_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
});
const browserVersion = browser.version();
let result;
try {
  result = await measure(browser, board.url, id);
} finally {
  await browser.close().catch(() => undefined);
  board.child.kill('SIGTERM');
}
const rows = markdown(result);
const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
const load = loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
const note = `${NOTE_PREFIX} \`node test/bench/browser-job-table.mjs${values['write-docs'] ? ' --write-docs' : ''}\` on ${when} UTC; ${machine(browserVersion)}; load average ${load} at the end (other work may share the cores). Store: ${JOBS.toLocaleString('en-US')} jobs (10 params, 3 metrics, 2% failed) written with createJob + completeJob in concurrent rounds of ${WRITE_BATCH.toLocaleString('en-US')}${built === null ? ' (reused from the cache)' : ` in ${built.toFixed(0)} s`}; pages of 100 rows from \`GET /experiments/{id}/jobs\`.`;
process.stdout.write(
  `\n| measurement | data | median | runs | goal | goal met |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n\n${note}\n`,
);
if (values['write-docs']) writeDocs(rows, note);
