#!/usr/bin/env node
// `npm run screenshots`: pictures of every board page, in light and dark mode, for the docs.
// Runs the quickstart experiment twice (random and hyperopt, so the comparison page has two
// curves) into a temporary database, starts a real aup-board over it, opens each route in
// headless Chromium (playwright-core; $AUP_CHROMIUM or /usr/bin/chromium) and writes
// docs/images/board-<page>-<theme>.png. Build first (`npm run build`); takes about a minute.
// The functions passed to page.evaluate / waitForFunction run in the page, where these exist.
/* global document, customElements, localStorage */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const aup = join(root, 'packages', 'core', 'bin', 'aup.js');
const aupBoard = join(root, 'packages', 'server', 'bin', 'aup-board.js');
const bundle = join(root, 'packages', 'widgets', 'dist', 'aup-widgets.js');
const quickstart = join(root, 'docs', 'examples', 'quickstart');
const out = join(root, 'docs', 'images');
const executablePath = process.env.AUP_CHROMIUM || '/usr/bin/chromium';
// Wide enough for the table's columns, short enough that a picture reads at a glance in a guide.
const VIEWPORT = { width: 1280, height: 860 };
// After the views report content, charts (Vega) finish their transitions and fonts settle.
const SETTLE_MS = 1_200;
const ELEMENT_TIMEOUT_MS = 20_000;

/** The pages: file name, hash, and the element whose shadow content means the page has rendered. */
const PAGES = [
  ['list', '#/', 'aup-experiment-list'],
  ['list-tiles', '#/', 'aup-experiment-list'],
  ['overview', '#/experiments/1', 'aup-experiment-overview'],
  ['jobs', '#/experiments/1/jobs', 'aup-job-table'],
  ['hig', '#/experiments/1/hig', 'aup-hig'],
  ['intermediate', '#/experiments/1/intermediate', 'aup-intermediate'],
  ['compare', '#/compare/1,2', 'aup-compare'],
  ['create', '#/create', 'aup-config-editor'],
  ['environment', '#/environment', 'aup-environment-wizard'],
];

for (const [what, path] of [
  ['the widgets bundle', bundle],
  ['Chromium', executablePath],
]) {
  if (!existsSync(path)) {
    console.error(`screenshots: ${what} is missing at ${path}${what === 'Chromium' ? ' (set AUP_CHROMIUM)' : " (run 'npm run build')"}`);
    process.exit(1);
  }
}

// The editor's own layout for JSON (one line per parameter), from the built widgets package.
const { compactJson } = await import(
  pathToFileURL(join(root, 'packages', 'widgets', 'dist', 'experiment-overview', 'compact-json.js')).href
);

const tmp = mkdtempSync(join(tmpdir(), 'aup-screenshots-'));
const db = join(tmp, 'experiments.db');
const env = { ...process.env };
delete env.AUP_DB;

function run(name, proposer, seed) {
  const config = JSON.parse(readFileSync(join(quickstart, 'experiment.json'), 'utf8'));
  // The script stays in the repository (it imports @aup/logger from there); jobs run in tmp.
  Object.assign(config, { name, proposer, random_seed: seed, script: join(quickstart, 'train.mjs'), workingdir: tmp });
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const r = spawnSync(process.execPath, [aup, 'run', file, '--db', db], { cwd: tmp, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`aup run ${name} failed (${r.status}): ${r.stderr || r.stdout}`);
  console.log(`screenshots: ran ${name}`);
}

function startBoard() {
  const child = spawn(process.execPath, [aupBoard, '--db', db, '--port', '0'], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const m = /^aup-board: (http:\/\/\S+)$/m.exec(text);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`aup-board exited with ${code}: ${text}`)));
  });
}

/** Resolves once `tag` (inside the board's shadow root) has rendered something of its own, or after the timeout. */
async function waitForView(page, tag) {
  await page.waitForFunction(() => customElements.get('aup-board') !== undefined, undefined, { timeout: ELEMENT_TIMEOUT_MS });
  if (!(await page.evaluate((t) => customElements.get(t) !== undefined, tag))) {
    console.warn(`screenshots: ${tag} is not registered in this bundle: its page shows the empty element`);
  } else {
    await page
      .waitForFunction(
        (t) => {
          const el = document.querySelector('aup-board')?.shadowRoot?.querySelector(t);
          const root = el?.shadowRoot;
          // Rendered: something besides styles, and no "Loading …" line left.
          return root != null && root.querySelector('*:not(style)') !== null && !/Loading/.test(root.textContent ?? '');
        },
        tag,
        { timeout: ELEMENT_TIMEOUT_MS },
      )
      .catch(() => console.warn(`screenshots: ${tag} still loading after ${ELEMENT_TIMEOUT_MS} ms`));
  }
  await page.waitForTimeout(SETTLE_MS);
}

let board;
let browser;
try {
  // Different seeds, so the two best-so-far curves of the comparison page do not coincide.
  run('quickstart-random', 'random', 7);
  run('quickstart-hyperopt', 'hyperopt', 11);
  board = await startBoard();
  const base = new URL(board.url);
  browser = await chromium.launch({ executablePath, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  mkdirSync(out, { recursive: true });
  for (const theme of ['light', 'dark']) {
    for (const [name, hash, tag] of PAGES) {
      const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: theme, deviceScaleFactor: 1 });
      // The board reads its theme and list layout from localStorage, as a returning user's would.
      await context.addInitScript(
        ([t, view]) => {
          localStorage.setItem('aup-board-theme', t);
          localStorage.setItem('aup-board-list-view', view);
        },
        [theme, name === 'list-tiles' ? 'tiles' : 'list'],
      );
      const page = await context.newPage();
      page.on('pageerror', (e) => console.warn(`screenshots: ${name}/${theme}: page error: ${e.message}`));
      await page.goto(`${base.origin}/${base.search}${hash}`);
      await waitForView(page, tag);
      if (name === 'create') {
        // The editor with a config that validates, so the panel shows the values aup reads.
        const config = { ...JSON.parse(readFileSync(join(tmp, 'quickstart-random.json'), 'utf8')), name: 'quickstart-again' };
        const text = `${compactJson(config)}\n`;
        await page.evaluate((t) => {
          document.querySelector('aup-board').shadowRoot.querySelector('aup-config-editor').value = t;
        }, text);
        await page.locator('aup-config-editor [data-validation="valid"]').waitFor({ timeout: ELEMENT_TIMEOUT_MS });
        await page.waitForTimeout(SETTLE_MS);
      }
      const file = join(out, `board-${name}-${theme}.png`);
      await page.screenshot({ path: file });
      console.log(`screenshots: wrote ${file}`);
      await context.close();
    }
  }
} finally {
  await browser?.close();
  if (board !== undefined && board.child.exitCode === null) {
    const exited = new Promise((ok) => board.child.once('exit', ok));
    board.child.kill('SIGTERM');
    await exited;
  }
  rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
}
