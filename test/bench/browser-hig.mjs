/* global window, document -- the page callbacks below run in the browser */
// Browser benchmark of <aup-hig> (issue 5 §3): time to first render of the hyperparameter
// interaction graph with 10,000 jobs (10 params including log and choice params, 3 metrics) in
// Debian's Chromium, and the time one brush takes to update the plot.
//
// The store is a SQLite file written through the store API (createJob + completeJob, in
// batches) and cached under /tmp; a real aup-board serves it (--read-only, --cors for the page's
// origin); a static page on another port loads the widgets bundle and one <aup-hig api=...>.
// "First render" is the time from navigation start until the canvas has all 10,000 lines drawn:
// bundle load, GET /experiments/1 and GET /experiments/1/job-columns (10,000 jobs a request),
// building the axes and drawing. Median of 5 loads, each in a fresh browser context.
//
// `--vega-lite` also measures the alternative the decision record weighs (docs/decisions):
// the same 10,000 jobs as a Vega-Lite parallel-coordinates chart (canvas renderer), its first
// render and the update after a filter change.
//
// Usage: node test/bench/browser-hig.mjs [--jobs 10000] [--loads 5] [--vega-lite] [--write-docs]
// (build first: npx tsc -b && npm run build -w @aup/widgets)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { openStore } from '@aup/core';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = join(ROOT, 'packages/widgets/dist/aup-widgets.js');
const BOARD_BIN = join(ROOT, 'packages/server/bin/aup-board.js');
const CACHE = join(os.tmpdir(), 'aup-bench-browser-hig');
/** Bump when the generated store changes shape, so an old cache is not reused. */
const STORE_VERSION = 1;
const GOAL_MS = 2000;
/** Jobs written per batch: each batch's writes are issued together and awaited together. */
const BATCH = 500;
const VIEWPORT = { width: 1440, height: 900 };
/** Jobs per request of the columns route the HIG loads through (JOB_COLUMNS_PAGE_SIZE in packages/widgets/src/api/fetch-all-jobs.ts). */
const COLUMNS_PAGE = 10_000;
/** Pointer moves in the measured brush gesture. */
const BRUSH_MOVES = 20;

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    loads: { type: 'string', default: '5' },
    'vega-lite': { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
    chromium: { type: 'string', default: process.env.AUP_CHROMIUM || '/usr/bin/chromium' },
  },
});
const N = Number(args.jobs);
const LOADS = Number(args.loads);

/** The params of the benchmark experiment: 10, with log floats, log ints and choices. */
const PARAMS = [
  { name: 'lr', type: 'float', range: [1e-5, 1e-1], log: true },
  { name: 'momentum', type: 'float', range: [0, 0.99] },
  { name: 'weight_decay', type: 'float', range: [1e-6, 1e-2], log: true },
  { name: 'dropout', type: 'float', range: [0, 0.5] },
  { name: 'batch_size', type: 'choice', range: [16, 32, 64, 128, 256] },
  { name: 'optimizer', type: 'choice', range: ['sgd', 'adam', 'adamw', 'rmsprop'] },
  { name: 'activation', type: 'choice', range: ['relu', 'gelu', 'tanh'] },
  { name: 'layers', type: 'int', range: [1, 8] },
  { name: 'units', type: 'int', range: [16, 1024], log: true },
  { name: 'warmup', type: 'int', range: [0, 1000] },
];

/** A small seeded generator (Park–Miller): the store is the same on every machine. */
function rng(seed) {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

function sample(p, r) {
  const u = r();
  if (p.type === 'choice') return p.range[Math.min(p.range.length - 1, Math.floor(u * p.range.length))];
  const [lo, hi] = p.range;
  const v = p.log ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
  return p.type === 'int' ? Math.round(v) : v;
}

/** Builds (or reuses) the cached store: one finished experiment of N jobs with 3 metrics each. */
async function buildStore() {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `hig-${N}-v${STORE_VERSION}.db`);
  if (existsSync(file)) return { file, built: false, seconds: 0 };
  const tmp = `${file}.building`;
  rmSync(tmp, { force: true });
  const t0 = performance.now();
  const store = await openStore(tmp);
  const config = {
    name: 'hig-bench',
    proposer: 'random',
    n_samples: N,
    random_seed: 1,
    parameter_config: PARAMS,
    target: 'min',
    resource: 'cpu',
    n_parallel: 1,
    workingdir: CACHE,
  };
  const exp = await store.createExperiment({
    name: 'hig-bench',
    user: 'bench',
    proposer: 'random',
    target: 'min',
    nSamples: N,
    configRaw: config,
    config,
    workingDir: CACHE,
    host: {},
    git: {},
  });
  const r = rng(7);
  let best = { id: null, score: Infinity };
  const start = Date.now() - N * 1000;
  for (let b = 0; b < N; b += BATCH) {
    const specs = [];
    for (let i = b; i < Math.min(N, b + BATCH); i++) {
      const params = Object.fromEntries(PARAMS.map((p) => [p.name, sample(p, r)]));
      const loss = (Math.log10(params.lr) + 3) ** 2 / 4 + params.dropout + (params.optimizer === 'sgd' ? 0.3 : 0) + 0.1 * r();
      specs.push({
        trial: i,
        params,
        loss,
        metrics: { accuracy: 1 / (1 + loss), loss, latency_ms: params.layers * params.units * 0.01 + 5 * r() },
      });
    }
    const jobs = await Promise.all(specs.map((s) => store.createJob({ experimentId: exp.id, trial: s.trial, params: s.params })));
    await Promise.all(
      jobs.map((job, k) => {
        const s = specs[k];
        if (s.loss < best.score) best = { id: job.id, score: s.loss };
        return store.completeJob(
          job.id,
          {
            status: 'finished',
            score: s.loss,
            metrics: s.metrics,
            startedAt: start + s.trial * 1000,
            endedAt: start + s.trial * 1000 + 900,
          },
          { id: exp.id, bestJobId: best.id, bestScore: best.score },
        );
      }),
    );
  }
  await store.updateExperiment(exp.id, { status: 'finished', startedAt: start, endedAt: Date.now() });
  await store.close();
  renameSync(tmp, file);
  for (const ext of ['-wal', '-shm']) if (existsSync(`${tmp}${ext}`)) renameSync(`${tmp}${ext}`, `${file}${ext}`);
  return { file, built: true, seconds: (performance.now() - t0) / 1000 };
}

function startBoard(db, cors) {
  const child = spawn(process.execPath, [BOARD_BIN, '--db', db, '--port', '0', '--read-only', '--cors', cors], {
    cwd: CACHE,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^aup-board: (http:\/\/\S+)$/m.exec(out);
      if (m) ok({ child, origin: new URL(m[1]).origin });
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => fail(new Error(`aup-board exited with ${code}: ${out}`)));
  });
}

function serve(pages) {
  const bundle = readFileSync(BUNDLE);
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/aup-widgets.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      return res.end(bundle);
    }
    if (pages[path] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(pages[path]);
    }
    res.writeHead(404).end();
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (v) => Math.round(v);

// The page of one load: the bundle and one HIG; a MutationObserver notes when the canvas first
// holds every line (the live stream's reload a moment later draws again; that is not the first render).
function higPage(api) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>aup-hig benchmark</title>
<script type="module" src="/aup-widgets.js"></script></head>
<body style="margin:0"><aup-hig api="${api}" experiment="1" style="width:${VIEWPORT.width - 40}px"></aup-hig>
<script type="module">
await customElements.whenDefined('aup-hig');
const el = document.querySelector('aup-hig');
await el.updateComplete;
const canvas = el.shadowRoot.querySelector('canvas');
window.draws = [];
new MutationObserver(() => {
  window.draws.push(performance.now());
  if (window.firstRender === undefined && Number(canvas.dataset.lines) === ${N}) window.firstRender = { at: performance.now(), drawMs: el.lastDraw.ms };
}).observe(canvas, { attributes: true, attributeFilter: ['data-lines'] });
</script></body></html>`;
}

async function measureLoad(browser, url) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.firstRender !== undefined, null, { timeout: 120_000 });
  const load = await page.evaluate(
    (expected) => {
      const res = performance.getEntriesByType('resource');
      const bundle = res.find((r) => r.name.endsWith('/aup-widgets.js'));
      const api = res.filter((r) => r.name.includes('/api/v1/experiments/1'));
      const firstApi = Math.min(...api.map((r) => r.startTime));
      // The first load's requests: GET /experiments/1 and one per 10,000 jobs, the first answered
      // (a live refresh queued behind the first load may start its requests before the lines are drawn).
      const first = api
        .filter((r) => r.responseEnd > 0)
        .sort((a, b) => a.responseEnd - b.responseEnd)
        .slice(0, expected);
      return {
        firstRender: window.firstRender.at,
        drawMs: window.firstRender.drawMs,
        bundleEnd: bundle?.responseEnd ?? NaN,
        apiStart: firstApi,
        apiEnd: first.at(-1).responseEnd,
        requests: first.length,
      };
    },
    1 + Math.ceil(N / COLUMNS_PAGE),
  );
  if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
  return { page, context, load };
}

async function measureBrush(page) {
  // Let the live stream's first reload land, so the brush is not racing it.
  await page.waitForFunction(
    () => {
      const d = document.querySelector('aup-hig').lastDraw;
      const now = performance.now();
      window.lastSeen ??= d.at;
      if (d.at !== window.lastSeen) window.lastSeen = d.at;
      window.stableSince = d.at === window.lastSeen && window.stableSince !== undefined ? window.stableSince : now;
      return now - Math.max(window.stableSince, d.at) > 1500;
    },
    null,
    { timeout: 30_000, polling: 100 },
  );
  await page.evaluate(() => {
    // When each move reaches the page (capture phase, before the element's handler) and when the
    // pointer goes up; the canvas draws are in window.draws.
    window.moves = [];
    window.addEventListener('pointermove', (e) => e.buttons === 1 && window.moves.push(performance.now()), true);
    window.addEventListener('pointerup', () => (window.upAt = performance.now()), true);
  });
  const hit = await page.locator('aup-hig rect.hit[data-key="param:lr"]').boundingBox();
  const x = hit.x + hit.width / 2;
  await page.mouse.move(x, hit.y + hit.height * 0.3);
  await page.mouse.down();
  for (let i = 1; i <= BRUSH_MOVES; i++) {
    await page.mouse.move(x, hit.y + hit.height * (0.3 + (0.4 * i) / BRUSH_MOVES));
    // A user's pointer reports about once a frame; so does this one.
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  await page.waitForFunction(() => window.draws.at(-1) > window.upAt);
  return page.evaluate(() => {
    const el = document.querySelector('aup-hig');
    const next = (t) => window.draws.find((d) => d >= t);
    const moves = window.moves.map((t) => next(t) - t).filter((v) => Number.isFinite(v));
    return { up: next(window.upAt) - window.upAt, drawMs: el.lastDraw.ms, moves, selected: el.lastDraw.selected };
  });
}

// The Vega-Lite alternative: the same jobs (positions normalised to [0, 1] per axis, as the HIG
// computes them, categories by index) folded into one line per job; a filter on lr drives the
// opacity, as a brush would. Canvas renderer (SVG with 110,000 vertices is slower still).
function vegaLitePage(api) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vega-Lite parallel coordinates</title>
<script type="module" src="/aup-widgets.js"></script></head>
<body style="margin:0"><div id="chart" style="width:${VIEWPORT.width - 40}px"></div>
<script type="module">
const m = await import('/aup-widgets.js');
const client = new m.AupApiClient(${JSON.stringify(api)});
const [experiment, { jobs }] = await Promise.all([client.experiment(1), m.fetchAllJobs(client, 1)]);
const data = { target: experiment.target, params: m.higParamsFromConfig(experiment.config), jobs };
const axes = m.higAxes(data).filter((a) => a.group !== 'metric');
const t0 = performance.now();
const rows = jobs.map((j) => {
  const row = { id: j.id, score: j.score };
  for (const a of axes) row[a.key.replace(/[^a-z0-9]/gi, '_')] = m.axisPosition(a, a.key === 'score' ? j.score : j.params[a.key.slice(6)] ?? null);
  return row;
});
const keys = axes.map((a) => a.key.replace(/[^a-z0-9]/gi, '_'));
const spec = {
  width: ${VIEWPORT.width - 120}, height: 360,
  data: { name: 'jobs', values: rows },
  params: [{ name: 'lo', value: 0 }, { name: 'hi', value: 1 }],
  transform: [{ calculate: 'datum.param_lr >= lo && datum.param_lr <= hi ? 1 : 0', as: 'kept' }, { fold: keys, as: ['axis', 'position'] }],
  mark: { type: 'line', strokeWidth: 1 },
  encoding: {
    x: { field: 'axis', type: 'nominal', sort: keys, title: null },
    y: { field: 'position', type: 'quantitative', scale: { domain: [0, 1] } },
    detail: { field: 'id' },
    color: { field: 'score', type: 'quantitative', scale: { scheme: 'viridis', reverse: true } },
    opacity: { condition: { test: 'datum.kept === 1', value: 0.12 }, value: 0.02 },
  },
};
const result = await m.embedVegaLite(document.getElementById('chart'), spec, { renderer: 'canvas' });
const first = performance.now() - t0;
const t1 = performance.now();
await result.view.signal('lo', 0.3).signal('hi', 0.7).runAsync();
window.vl = { first, update: performance.now() - t1, fetched: t0 };
</script></body></html>`;
}

async function main() {
  const executablePath = args.chromium;
  const store = await buildStore();
  process.stderr.write(store.built ? `built ${store.file} in ${store.seconds.toFixed(1)} s\n` : `reusing ${store.file}\n`);
  const site = await serve({});
  const board = await startBoard(store.file, site.origin);
  const api = `${board.origin}/api/v1`;
  const pages = { '/hig.html': higPage(api), '/vega-lite.html': vegaLitePage(api) };
  site.server.removeAllListeners('request');
  const bundle = readFileSync(BUNDLE);
  site.server.on('request', (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    // Chromium asks for it on every page; a 404 would read as a page error.
    if (path === '/favicon.ico') return res.writeHead(204).end();
    if (path === '/aup-widgets.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      return res.end(bundle);
    }
    if (pages[path] === undefined) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(pages[path]);
  });
  const browser = await chromium.launch({ executablePath, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  const out = { loads: [], brush: undefined, vegaLite: [] };
  try {
    // One warm-up load (Chromium's first start of a renderer and the board's first queries), not counted.
    const warm = await measureLoad(browser, `${site.origin}/hig.html`);
    await warm.context.close();
    for (let i = 0; i < LOADS; i++) {
      const { page, context, load } = await measureLoad(browser, `${site.origin}/hig.html`);
      out.loads.push(load);
      process.stderr.write(
        `load ${i + 1}: first render ${ms(load.firstRender)} ms (bundle ${ms(load.bundleEnd)}, API ${ms(load.apiStart)}–${ms(load.apiEnd)} in ${load.requests} requests, draw ${ms(load.drawMs)})\n`,
      );
      if (i === LOADS - 1) out.brush = await measureBrush(page);
      await context.close();
    }
    if (args['vega-lite']) {
      for (let i = 0; i < 3; i++) {
        const context = await browser.newContext({ viewport: VIEWPORT });
        const page = await context.newPage();
        await page.goto(`${site.origin}/vega-lite.html`);
        await page.waitForFunction(() => window.vl !== undefined, null, { timeout: 300_000 });
        const vl = await page.evaluate(() => window.vl);
        out.vegaLite.push(vl);
        process.stderr.write(
          `vega-lite ${i + 1}: first render ${ms(vl.first)} ms after the data arrived, filter update ${ms(vl.update)} ms\n`,
        );
        await context.close();
      }
    }
    out.chromium = browser.version();
  } finally {
    await browser.close();
    board.child.kill('SIGTERM');
    site.server.close();
  }
  report(out, store);
}

function machine(chromiumVersion) {
  const cpus = os.cpus();
  return {
    nproc: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    ram: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    chromium: chromiumVersion,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    load: os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' '),
  };
}

function report(out, store) {
  const m = machine(out.chromium);
  const first = out.loads.map((l) => l.firstRender);
  const firstMedian = median(first);
  const apiSpan = median(out.loads.map((l) => l.apiEnd - l.apiStart));
  const bundle = median(out.loads.map((l) => l.bundleEnd));
  const draw = median(out.loads.map((l) => l.drawMs));
  const moves = out.brush.moves;
  const rows = [
    [
      '`<aup-hig>` first render (all lines drawn, from navigation start)',
      `${N.toLocaleString('en')} jobs, 10 params, 3 metrics`,
      `**${ms(firstMedian)} ms**`,
      first.map(ms).join(', '),
      `≤ ${GOAL_MS} ms`,
      firstMedian <= GOAL_MS ? 'met' : 'missed',
    ],
    [
      '`<aup-hig>` brush update (pointer up → lines redrawn)',
      `${N.toLocaleString('en')} jobs, brush on lr keeps ${out.brush.selected.toLocaleString('en')}`,
      `**${ms(out.brush.up)} ms**`,
      `${moves.length} moves while dragging (one a frame): move → redrawn median ${ms(median(moves))} ms, max ${ms(Math.max(...moves))} ms; one redraw ${ms(out.brush.drawMs)} ms`,
      '≤ 100 ms (interactive)',
      out.brush.up <= 100 ? 'met' : 'missed',
    ],
  ];
  const table = [
    '| measurement | data | median | runs | goal | goal met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  console.log(table);
  const details = [
    `Where the first render's time goes (medians): bundle loaded at ${ms(bundle)} ms, the API requests (GET /experiments/1 and ${out.loads[0].requests - 1} of GET /experiments/1/job-columns, 10,000 jobs each) take ${ms(apiSpan)} ms from the first request to the last answer, building the model and drawing the canvas ${ms(draw)} ms.`,
  ];
  if (out.vegaLite.length > 0) {
    details.push(
      `Vega-Lite alternative (\`--vega-lite\`, same jobs, canvas renderer, one folded line per job): first render ${out.vegaLite.map((v) => ms(v.first)).join(', ')} ms after the data arrived (median ${ms(median(out.vegaLite.map((v) => v.first)))}), filter update ${out.vegaLite.map((v) => ms(v.update)).join(', ')} ms (median ${ms(median(out.vegaLite.map((v) => v.update)))}).`,
    );
  }
  for (const d of details) console.log(`\n${d}`);
  const command = `node test/bench/browser-hig.mjs${args['vega-lite'] ? ' --vega-lite' : ''} --write-docs`;
  const note = [
    `<!-- browser-hig:begin -->`,
    `**\`<aup-hig>\`** (\`${command}\`; store ${store.built ? 'built' : 'reused'} from ${store.file.replace(os.tmpdir(), '/tmp')}): a real aup-board (\`--read-only\`) over a SQLite store of ${N.toLocaleString('en')} finished jobs written through the store API, the widgets bundle on a page of another origin (\`--cors\`), Chromium headless, viewport ${VIEWPORT.width}×${VIEWPORT.height}; median of ${LOADS} loads, each in a fresh browser context after one warm-up load. Machine: nproc ${m.nproc}, ${m.cpu}, ${m.ram} RAM, Node ${m.node}, Chromium ${m.chromium}; run ${m.date}, load average ${m.load} (other work may share the cores).`,
    '',
    ...details.map((d) => `${d}\n`),
    `<!-- browser-hig:end -->`,
  ].join('\n');
  if (args['write-docs']) writeDocs(rows, note);
}

const SECTION = '## Board widgets in the browser';
const TABLE_HEAD = '| measurement | data | median | runs | goal | goal met |\n|---|---|---|---|---|---|';

/** Puts our rows into the section's one table (replacing only rows about `<aup-hig>`) and our notes after it. */
function writeDocs(rows, note) {
  const file = join(ROOT, 'docs/benchmarks.md');
  let text = readFileSync(file, 'utf8');
  if (!text.includes(SECTION)) {
    text = `${text.trimEnd()}\n\n${SECTION}\n\nWidgets in Debian's Chromium (headless, playwright-core) against a real aup-board. One table, one row per measurement; each benchmark replaces its own rows and its notes below the table.\n\n${TABLE_HEAD}\n`;
  }
  const start = text.indexOf(SECTION);
  const next = text.indexOf('\n## ', start + SECTION.length);
  const end = next < 0 ? text.length : next + 1;
  let section = text.slice(start, end);
  if (!section.includes('| measurement | data |')) section = `${section.trimEnd()}\n\n${TABLE_HEAD}\n`;
  const lines = section.split('\n');
  const kept = lines.filter((l) => !l.startsWith('| `<aup-hig>`'));
  const headAt = kept.findIndex((l) => l.startsWith('| measurement | data |'));
  let lastRow = headAt + 1;
  while (lastRow + 1 < kept.length && kept[lastRow + 1].startsWith('|')) lastRow++;
  kept.splice(lastRow + 1, 0, ...rows.map((r) => `| ${r.join(' | ')} |`));
  section = kept.join('\n');
  const begin = section.indexOf('<!-- browser-hig:begin -->');
  const finish = section.indexOf('<!-- browser-hig:end -->');
  if (begin >= 0 && finish > begin)
    section = `${section.slice(0, begin)}${note}${section.slice(finish + '<!-- browser-hig:end -->'.length)}`;
  else section = `${section.trimEnd()}\n\n${note}\n`;
  text = `${text.slice(0, start)}${section.trimEnd()}\n${end < text.length ? `\n${text.slice(end)}` : ''}`;
  writeFileSync(file, text);
  process.stderr.write(`wrote ${file}\n`);
}

await main();
