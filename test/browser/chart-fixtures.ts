/**
 * Fixtures shared by the chart elements' browser tests (job chart, HIG, intermediate, compare):
 * a training script that records intermediate values, histograms and images, the experiment
 * config that runs it, an `aup run` in the background (for live updates), and page helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The widgets' HTMLElementTagNameMap entries (from their define files), so that
// `document.querySelector('aup-hig')` in page scripts is typed as the element.
import type {} from '@aup/widgets';

import type { Board, Page } from './harness.js';
import { ROOT } from './harness.js';

const AUP_BIN = join(ROOT, 'packages', 'core', 'bin', 'aup.js');

/**
 * A job script (save as `train.cjs`): reads x, lr, opt and layers, records `loss` and `acc` at
 * steps 0..4, a histogram `weights` at steps 0..2 and an image `sample` (a 2×2 PNG it writes) at
 * steps 0 and 1, then reports the score `(x - 0.3)^2 + lr`. While a file `hold` exists in the
 * working folder and two jobs have started already, a job waits before recording anything: a
 * test makes the third job record and finish after a chart has rendered.
 */
export const RECORDING_SCRIPT = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const jobFile = process.argv[process.argv.length - 1];
const p = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
const id = path.basename(jobFile, '.json');
const score = (p.x - 0.3) ** 2 + p.lr;
const out = (r) => console.log('#aup:' + JSON.stringify(r));
function run() {
  for (let step = 0; step < 5; step++) {
    out({ type: 'scalar', name: 'loss', step, value: score * (5 - step) + (p.opt === 'adam' ? 0 : 0.01) });
    out({ type: 'scalar', name: 'acc', step, value: 1 - score / (step + 1) });
  }
  for (let step = 0; step < 3; step++) out({ type: 'histogram', name: 'weights', step, values: [p.x, p.x + step, p.x + 2 * step, 3] });
  fs.mkdirSync('out', { recursive: true });
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4zwAE/xkgFAAb8gP91pbyKwAAAABJRU5ErkJggg==', 'base64');
  for (let step = 0; step < 2; step++) {
    const file = 'out/' + id + '-' + step + '.png';
    fs.writeFileSync(file, png);
    out({ type: 'image', name: 'sample', step, path: file });
  }
  console.error('#Auptimizer:' + score);
}
const done = fs.existsSync('done.txt') ? fs.readFileSync('done.txt', 'utf8').split('\\n').filter(Boolean).length : 0;
fs.appendFileSync('done.txt', id + '\\n');
if (done >= 2 && fs.existsSync('hold')) {
  const wait = () => (fs.existsSync('hold') ? setTimeout(wait, 50) : run());
  wait();
} else run();
`;

/** The params every chart test uses: a float, a log float, a choice and an int. */
export const PARAMETER_CONFIG = [
  { name: 'x', range: [0, 1], type: 'float' },
  { name: 'lr', range: [0.0001, 0.1], type: 'float', log: true },
  { name: 'opt', range: ['adam', 'sgd'], type: 'choice' },
  { name: 'layers', range: [1, 4], type: 'int' },
];

/** An experiment config running RECORDING_SCRIPT with the random proposer. */
export function recordingConfig(
  name: string,
  opts: { nSamples: number; seed: number; proposer?: string; nParallel?: number },
): Record<string, unknown> {
  return {
    name,
    script: 'train.cjs',
    proposer: opts.proposer ?? 'random',
    random_seed: opts.seed,
    n_samples: opts.nSamples,
    n_parallel: opts.nParallel ?? 2,
    target: 'min',
    parameter_config: PARAMETER_CONFIG,
  };
}

/** A running `aup run` in the background; `done` resolves with its exit code. */
export interface BackgroundRun {
  child: ChildProcess;
  done: Promise<number | null>;
  output(): string;
}

/** Starts `aup run experiment.json --db <db>` in `dir` (holding `files` and the config) without waiting for it. */
export function startExperiment(opts: {
  db: string;
  dir: string;
  config: Record<string, unknown>;
  files?: Record<string, string>;
}): BackgroundRun {
  for (const [name, content] of Object.entries(opts.files ?? {})) writeFileSync(join(opts.dir, name), content, { mode: 0o755 });
  writeFileSync(join(opts.dir, 'experiment.json'), JSON.stringify(opts.config, null, 2));
  const env = { ...process.env };
  delete env['AUP_DB'];
  const child = spawn(process.execPath, [AUP_BIN, 'run', 'experiment.json', '--db', opts.db], {
    cwd: opts.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  return { child, done, output: () => out };
}

/** A job as the jobs route returns it (the fields the tests read). */
export interface ApiJob {
  id: number;
  trial: number;
  status: string;
  score: number | null;
  params: { x: number; lr: number; opt: string; layers: number };
  metrics: Record<string, number>;
}

/** Every job of an experiment, straight from the board's API (what the elements should show). */
export async function apiJobs(board: Board, experimentId: number): Promise<ApiJob[]> {
  const res = await fetch(`${board.api}/experiments/${experimentId}/jobs?limit=1000`);
  const body = (await res.json()) as { jobs: ApiJob[] };
  return body.jobs;
}

/**
 * Opens the real board page (its Content-Security-Policy: no 'unsafe-eval') and replaces its body
 * with `html`: the elements run exactly as the board runs them, from the board's own bundle.
 * CSP violations are collected into `errors`.
 */
export async function onBoardPage(page: Page, board: Board, html: string): Promise<void> {
  await page.goto(board.url);
  await page.waitForFunction(() => customElements.get('aup-hig') !== undefined);
  await page.evaluate((body) => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    document.body.innerHTML = body;
  }, html);
}

/** Console errors that are about the page, not the widgets: the favicon the board does not serve. */
export function widgetErrors(errors: readonly string[]): string[] {
  return errors.filter((e) => !e.includes('/favicon.ico'));
}

/** The y coordinates of an SVG path's vertices (M/L/H/V commands, absolute, as Vega writes them). */
export function pathYs(d: string): number[] {
  const ys: number[] = [];
  let y = NaN;
  for (const [, cmd, args] of d.matchAll(/([MLHVZ])([^MLHVZ]*)/gi)) {
    const nums = (args!.match(/-?\d*\.?\d+(?:e[-+]?\d+)?/gi) ?? []).map(Number);
    switch (cmd!.toUpperCase()) {
      case 'M':
      case 'L':
        for (let i = 1; i < nums.length; i += 2) ys.push((y = nums[i]!));
        break;
      case 'V':
        for (const n of nums) ys.push((y = n));
        break;
      case 'H':
        if (!Number.isNaN(y)) ys.push(y);
        break;
    }
  }
  return ys;
}
