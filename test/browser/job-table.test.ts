/**
 * `<aup-job-table>` in headless Chromium against a real aup-board over a real SQLite database
 * filled by real `aup run`s. The table runs on the board's own page (its head and its
 * Content-Security-Policy kept, its body replaced), so kill and export are same-origin as in the
 * served board.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  browserOrSkip,
  launchBrowser,
  openPage,
  ROOT,
  runExperiment,
  serveStatic,
  startBoard,
  tempDir,
  testPage,
  type Board,
  type Browser,
  type Page,
} from './harness.js';

const browser = browserOrSkip();
const AUP_BIN = join(ROOT, 'packages', 'core', 'bin', 'aup.js');
const JOBS = 12;
// Long enough for a loaded machine to show a change, short enough to fail fast.
const UI_TIMEOUT_MS = 15_000;

// A job that reports a score, a metric, a text record and an artifact, and prints a line to its log.
const TRAIN_SCRIPT = `#!/usr/bin/env node
const { readFileSync, writeFileSync } = require('node:fs');
const p = JSON.parse(readFileSync(process.argv[process.argv.length - 1], 'utf8'));
const id = process.env.AUP_JOB_ID;
const score = (p.x - 0.3) ** 2 + (p.act === 'tanh' ? 0.5 : 0);
console.log('training job ' + id + ' with x=' + p.x + ' act=' + p.act);
writeFileSync('model-' + id + '.txt', 'weights');
console.log('#aup:' + JSON.stringify({ type: 'text', name: 'notes', text: 'act was ' + p.act }));
console.log('#aup:' + JSON.stringify({ type: 'artifact', path: 'model-' + id + '.txt' }));
console.log('#aup:' + JSON.stringify({ type: 'result', value: score, metrics: { f1: 1 - score } }));
`;

// A job that waits while the file 'hold' exists in its working directory, then reports x.
const HOLD_SCRIPT = `#!/usr/bin/env node
const { existsSync, readFileSync } = require('node:fs');
const p = JSON.parse(readFileSync(process.argv[process.argv.length - 1], 'utf8'));
console.log('started job ' + process.env.AUP_JOB_ID);
const wait = () => (existsSync('hold') ? setTimeout(wait, 50) : console.error('#Auptimizer:' + p.x));
wait();
`;

interface ApiJob {
  id: number;
  status: string;
  score: number | null;
  params: Record<string, number | string>;
}

describe.skipIf(!browser.available)('<aup-job-table> against a real board', () => {
  let chromium: Browser;
  let board: Board;
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  let token: string;
  let grid: number;

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${board.api}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const apiIds = async (experiment: number, qs: string): Promise<number[]> =>
    (await api<{ jobs: ApiJob[] }>(`/experiments/${experiment}/jobs?${qs}`)).jobs.map((j) => j.id);

  beforeAll(async () => {
    tmp = tempDir();
    db = join(tmp.dir, 'experiments.db');
    const gridDir = join(tmp.dir, 'grid');
    mkdirSync(gridDir);
    runExperiment({
      db,
      dir: gridDir,
      files: { 'train.cjs': TRAIN_SCRIPT },
      config: {
        name: 'grid',
        script: 'train.cjs',
        proposer: 'random',
        random_seed: 5,
        n_samples: JOBS,
        target: 'min',
        parameter_config: [
          { name: 'x', range: [0, 1], type: 'float' },
          { name: 'act', range: ['relu', 'tanh', 'gelu'], type: 'choice' },
        ],
      },
    });
    board = await startBoard({ db });
    token = new URL(board.printed).searchParams.get('token') ?? '';
    expect(token).not.toBe('');
    grid = (await api<{ experiments: Array<{ id: number; name: string }> }>('/experiments')).experiments.find((e) => e.name === 'grid')!.id;
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    tmp?.remove();
  });

  // One page of the board (its head and CSP kept, its body replaced) for every server-mode test:
  // each test puts a new <aup-job-table> in it, so the bundle is fetched and parsed once.
  let shared: { page: Page; errors: string[] } | undefined;
  const boardPage = async (): Promise<{ page: Page; errors: string[] }> => {
    if (shared !== undefined) return shared;
    const opened = await openPage(chromium);
    await opened.page.route(board.url, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/<body>[\s\S]*<\/body>/, '<body><main id="main"></main></body>');
      await route.fulfill({ response, body });
    });
    const response = await opened.page.goto(board.url);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    shared = opened;
    return opened;
  };

  /** A new `<aup-job-table>` with these attributes, alone on the board's page, once it shows rows. */
  const openTable = async (attrs: Record<string, string>): Promise<{ page: Page; errors: string[] }> => {
    const { page, errors } = await boardPage();
    errors.length = 0;
    await page.evaluate((a) => {
      const table = document.createElement('aup-job-table');
      for (const [k, v] of Object.entries(a)) table.setAttribute(k, v);
      document.getElementById('main')!.replaceChildren(table);
    }, attrs);
    await jobRows(page).first().waitFor({ timeout: UI_TIMEOUT_MS });
    return { page, errors };
  };
  const jobRows = (page: Page) => page.locator('aup-job-table .tabulator-row:not(.tabulator-group)');
  const shownIds = async (page: Page): Promise<number[]> =>
    (await page.locator('aup-job-table .tabulator-row:not(.tabulator-group) .tabulator-cell[tabulator-field="id"]').allInnerTexts()).map(
      Number,
    );
  const cell = (page: Page, jobId: number, field: string) =>
    page.locator(
      `aup-job-table .tabulator-row:not(.tabulator-group):has(.tabulator-cell[tabulator-field="id"]:text-is("${jobId}")) .tabulator-cell[tabulator-field="${field}"]`,
    );
  const header = (page: Page, field: string) => page.locator(`aup-job-table .tabulator-col[tabulator-field="${field}"]`);
  const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: UI_TIMEOUT_MS });

  it('renders the real jobs with status, score, metric, params and times, in the API’s order', async () => {
    const { page, errors } = await openTable({ api: '/api/v1', experiment: String(grid) });
    await poll(() => shownIds(page)).toEqual(await apiIds(grid, 'limit=100'));
    const first = (await api<{ jobs: ApiJob[] }>(`/experiments/${grid}/jobs?limit=1`)).jobs[0]!;
    expect(await cell(page, first.id, 'status').innerText()).toBe('finished');
    expect(await cell(page, first.id, 'param:act').innerText()).toBe(String(first.params['act']));
    expect(Number(await cell(page, first.id, 'score').innerText())).toBeCloseTo(first.score!, 3);
    // The metric comes from #aup: result lines, not from the config: its column is added from the rows.
    await poll(() => header(page, 'metric:f1').count()).toBe(1);
    expect(await cell(page, first.id, 'started_at').innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    await expect(page.locator('aup-job-table [part="toolbar"] .info').innerText()).resolves.toContain(`1–${JOBS} of ${JOBS} jobs`);
    expect(errors).toEqual([]);
  });

  it('sorts by a param and by score on the server, as the API orders them', async () => {
    const { page, errors } = await openTable({ api: '/api/v1', experiment: String(grid) });
    await header(page, 'param:x').locator('.tabulator-col-title').click();
    await poll(() => shownIds(page)).toEqual(await apiIds(grid, 'sort=param:x&order=asc'));
    await header(page, 'score').locator('.tabulator-col-title').click();
    await poll(() => shownIds(page)).toEqual(await apiIds(grid, 'sort=score&order=asc'));
    await header(page, 'score').locator('.tabulator-col-title').click();
    const desc = await apiIds(grid, 'sort=score&order=desc');
    await poll(() => shownIds(page)).toEqual(desc);
    expect(desc).not.toEqual(await apiIds(grid, 'sort=score&order=asc'));
    expect(errors).toEqual([]);
  });

  it('narrows the rows with header filters (comparators on a number, a text and a date) and with the global search', async () => {
    const { page, errors } = await openTable({ api: '/api/v1', experiment: String(grid) });
    const score = header(page, 'score');
    await score.locator('select').selectOption('<');
    await score.locator('input.hf-value').fill('0.1');
    const low = await apiIds(grid, 'filter=score<0.1');
    expect(low.length).toBeGreaterThan(0);
    expect(low.length).toBeLessThan(JOBS);
    await poll(() => shownIds(page)).toEqual(low);
    await score.locator('input.hf-value').fill('');
    await poll(() => shownIds(page)).toEqual(await apiIds(grid, ''));
    await page.locator('aup-job-table input[part="search"]').fill('tanh');
    const tanh = await apiIds(grid, 'q=tanh');
    expect(tanh.length).toBeGreaterThan(0);
    expect(tanh.length).toBeLessThan(JOBS);
    await poll(() => shownIds(page)).toEqual(tanh);
    // A text filter on the choice parameter, with the contains comparator (its default).
    await page.locator('aup-job-table input[part="search"]').fill('');
    await header(page, 'param:act').locator('input.hf-value').fill('EL');
    await poll(() => shownIds(page)).toEqual(await apiIds(grid, 'filter=param:act~el'));
    await header(page, 'param:act').locator('input.hf-value').fill('');
    // A date comparator: every job started after 2000-01-01, none before it.
    const started = header(page, 'started_at');
    await started.locator('select').selectOption('<');
    await started.locator('input.hf-value').fill('2000-01-01');
    await poll(() => jobRows(page).count()).toBe(0);
    expect(await page.locator('aup-job-table .tabulator-placeholder').innerText()).toContain('No jobs match');
    await started.locator('select').selectOption('>=');
    await poll(() => shownIds(page)).toEqual(await apiIds(grid, ''));
    expect(errors).toEqual([]);
  });

  it('says why when the experiment cannot be loaded, with a Retry button', async () => {
    const { page, errors } = await boardPage();
    errors.length = 0;
    await page.evaluate(() => {
      const table = document.createElement('aup-job-table');
      table.setAttribute('api', '/api/v1');
      table.setAttribute('experiment', '424242');
      document.getElementById('main')!.replaceChildren(table);
    });
    const message = page.locator('aup-job-table [part="message"][role="alert"]');
    await expect(message.innerText({ timeout: UI_TIMEOUT_MS })).resolves.toContain('No experiment has id 424242');
    expect(await message.locator('[part="retry"]').count()).toBe(1);
    // The browser logs the failed request itself; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
  });

  it('groups rows by a column, nested under a second one', async () => {
    const { page, errors } = await openTable({ api: '/api/v1', experiment: String(grid) });
    await page.locator('aup-job-table select[aria-label="Group by a column"]').selectOption('param:act');
    const acts = new Set((await api<{ jobs: ApiJob[] }>(`/experiments/${grid}/jobs`)).jobs.map((j) => j.params['act']));
    const groups = page.locator('aup-job-table .tabulator-group.tabulator-group-level-0');
    await poll(() => groups.count()).toBe(acts.size);
    // Grouped, the pages come sorted by the group column: each group is one block.
    await poll(() => shownIds(page)).toEqual(await apiIds(grid, 'sort=param:act&order=asc'));
    expect(await groups.first().innerText()).toMatch(/^act: \w+\d+ jobs?$/);
    await page.locator('aup-job-table select[aria-label="Group by a column"]').selectOption('status');
    await poll(() => page.locator('aup-job-table .tabulator-group.tabulator-group-level-1').count()).toBe(acts.size);
    expect(errors).toEqual([]);
  });

  it('expands a row into its attempts, host, records, artifact link and the log text of the real job', async () => {
    const { page, errors } = await openTable({ api: '/api/v1', experiment: String(grid) });
    const [id] = await shownIds(page);
    await page.locator(`aup-job-table button.expander[aria-label="Expand job ${id}"]`).click();
    const detail = page.locator('aup-job-table [part="detail"]');
    await expect(detail.locator('[part="detail-attempts"]').innerText({ timeout: UI_TIMEOUT_MS })).resolves.toContain('finished');
    await poll(() => detail.locator('[part="log"]').innerText()).toContain(`training job ${id} with x=`);
    // innerText is the raw text until the tab is laid out: wait for layout on a loaded machine.
    await poll(async () => (await detail.locator('[part="log-tab"]').allInnerTexts()).map((t) => t.trim())).toEqual(['Attempt 1']);
    expect(await detail.locator('[part="detail-text"]').innerText()).toMatch(/act was (relu|tanh|gelu)/);
    const link = detail.locator('a[part="artifact"]');
    expect(await link.innerText()).toBe(`model-${id}.txt`);
    const href = await link.getAttribute('href');
    expect(href).toBe(`/api/v1/jobs/${id}/artifacts/0`);
    const artifact = await page.evaluate(async (url) => (await fetch(url)).text(), href!);
    expect(artifact).toBe('weights');
    expect(await detail.locator('[part="detail-host"]').innerText()).toMatch(/cpu\s+\d+ cores/);
    // The next row is still a row below the detail (the table measured the taller row). Tabulator
    // redraws rows after it measures the taller one, so a row may be detached for a moment.
    await poll(async () => {
      const box = await jobRows(page).nth(1).boundingBox();
      const detailBox = await detail.boundingBox();
      return box === null || detailBox === null ? 'not laid out yet' : box.y >= detailBox.y + detailBox.height - 1;
    }).toBe(true);
    expect(errors).toEqual([]);
  });

  it("shows the best job's model save as its next attempt, with its own log tab, and no job of its own", async () => {
    const savedDir = join(tmp.dir, 'saved');
    mkdirSync(savedDir);
    runExperiment({
      db,
      dir: savedDir,
      files: { 'train.cjs': TRAIN_SCRIPT },
      config: {
        name: 'saved',
        script: 'train.cjs',
        n_samples: 2,
        target: 'min',
        resource_args: { save_model: true },
        parameter_config: [
          { name: 'x', range: [0, 1], type: 'float' },
          { name: 'act', range: ['relu', 'tanh', 'gelu'], type: 'choice' },
        ],
      },
    });
    const exps = (await api<{ experiments: Array<{ id: number; name: string }> }>('/experiments')).experiments;
    const saved = exps.find((e) => e.name === 'saved')!;
    const { page, errors } = await openTable({ api: '/api/v1', experiment: String(saved.id) });
    await poll(() => shownIds(page).then((ids) => ids.length)).toBe(2);
    const best = (await api<{ best_job: { id: number } }>(`/experiments/${saved.id}`)).best_job.id;
    await page.locator(`aup-job-table button.expander[aria-label="Expand job ${best}"]`).click();
    const detail = page.locator('aup-job-table [part="detail"]');
    await poll(async () => (await detail.locator('[part="log-tab"]').allInnerTexts()).map((t) => t.trim())).toEqual([
      'Attempt 1',
      'Attempt 2 (model save)',
    ]);
    expect(await detail.locator('[part="detail-attempts"]').innerText()).toContain('model save');
    expect(await cell(page, best, 'status').innerText()).toContain('finished');
    expect(errors).toEqual([]);
  });

  it('selects rows, fires aup-selection-change, and exports the selected rows as CSV', async () => {
    const { page, errors } = await openTable({ api: '/api/v1', experiment: String(grid) });
    await page.evaluate(() => {
      const w = window as unknown as { selections: unknown[] };
      w.selections = [];
      document.addEventListener('aup-selection-change', (e) => w.selections.push((e as CustomEvent).detail));
    });
    const ids = await shownIds(page);
    const picked = [ids[2]!, ids[5]!];
    // A click toggles a row, and so does its checkbox.
    await cell(page, picked[0]!, 'score').click();
    await cell(page, ids[0]!, 'score').click();
    await page
      .locator(`aup-job-table .tabulator-row:has(.tabulator-cell[tabulator-field="id"]:text-is("${picked[1]}")) input[type="checkbox"]`)
      .check();
    await cell(page, ids[0]!, 'score').click();
    const events = await page.evaluate(() => (window as unknown as { selections: Array<{ source: string; jobIds: number[] }> }).selections);
    expect(events.at(-1)).toEqual({ source: 'aup-job-table', ranges: {}, jobIds: [...picked].sort((a, b) => a - b) });
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('aup-job-table a[data-format="csv"]').click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(csv[0]!.split(',')[0]).toBe('id');
    expect(csv.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(picked);
    // Without a selection the link exports every job.
    await page.locator('aup-job-table button:text-is("Clear selection")').click();
    const [all] = await Promise.all([page.waitForEvent('download'), page.locator('aup-job-table a[data-format="csv"]').click()]);
    expect(
      readFileSync((await all.path())!, 'utf8')
        .trim()
        .split(/\r?\n/),
    ).toHaveLength(JOBS + 1);
    expect(errors).toEqual([]);
  });

  it('shows only the jobs of a selection made elsewhere (a brush on a param range), and a job opened elsewhere', async () => {
    const { page, errors } = await openTable({ api: '/api/v1', experiment: String(grid) });
    await page.evaluate(() => {
      document.querySelector('aup-job-table')!.selection = { source: 'aup-hig', ranges: { 'param:x': [0, 0.5] }, jobIds: null };
    });
    const inRange = await apiIds(grid, 'filter=param:x>=0&filter=param:x<=0.5');
    expect(inRange.length).toBeGreaterThan(0);
    expect(inRange.length).toBeLessThan(JOBS);
    await poll(() => shownIds(page)).toEqual(inRange);
    expect(await page.locator('aup-job-table [part="selection-notice"]').innerText()).toContain('x 0–0.5');
    // Several values of a choice: expressed to the API by leaving out the others.
    await page.evaluate(() => {
      document.querySelector('aup-job-table')!.selection = { source: 'aup-hig', ranges: { 'param:act': ['relu', 'gelu'] }, jobIds: null };
    });
    await poll(() => shownIds(page)).toEqual(await apiIds(grid, 'filter=param:act!=tanh'));
    await page.locator('aup-job-table button:text-is("Show all jobs")').click();
    await poll(() => shownIds(page)).toEqual(await apiIds(grid, ''));
    // A job opened from elsewhere (a point of the job chart) that the search hides is shown alone, expanded.
    await page.locator('aup-job-table input[part="search"]').fill('tanh');
    const tanh = await apiIds(grid, 'q=tanh');
    await poll(() => shownIds(page)).toEqual(tanh);
    const other = (await apiIds(grid, '')).find((id) => !tanh.includes(id))!;
    await page.evaluate((id) => document.querySelector('aup-job-table')!.openJob(id), other);
    await poll(() => shownIds(page)).toEqual([other]);
    await poll(() => page.locator('aup-job-table [part="detail"] h3').innerText()).toBe(`Job ${other}`);
    await page.locator('aup-job-table button:text-is("Show all jobs")').click();
    await poll(() => shownIds(page)).toEqual(tanh);
    expect(errors).toEqual([]);
  });

  it('switches to the dark theme’s colours', async () => {
    const { page, errors } = await openTable({ api: '/api/v1', experiment: String(grid) });
    // Once the metric column found in the rows is in (the rows are drawn again then).
    await header(page, 'metric:f1').waitFor();
    const colours = () =>
      jobRows(page)
        .first()
        .evaluate((row) => [getComputedStyle(row).backgroundColor, getComputedStyle(row).color]);
    await poll(colours).toEqual(['rgb(255, 255, 255)', 'rgb(31, 35, 40)']);
    await page.evaluate(() => document.querySelector('aup-job-table')!.setAttribute('theme', 'dark'));
    await poll(colours).toEqual(['rgb(13, 17, 23)', 'rgb(230, 237, 243)']);
    const headerBackground = await page.locator('aup-job-table .tabulator-header').evaluate((h) => getComputedStyle(h).backgroundColor);
    expect(headerBackground).toBe('rgb(22, 27, 34)');
    expect(errors).toEqual([]);
  });

  it('works from the data property alone on a static page with no server', async () => {
    const jobs = (await api<{ jobs: ApiJob[] }>(`/experiments/${grid}/jobs`)).jobs;
    const site = await serveStatic({ '/index.html': testPage('<aup-job-table></aup-job-table>') });
    try {
      const { page, errors } = await openPage(chromium);
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${site.origin}/`);
      await page.evaluate((data) => {
        document.querySelector('aup-job-table')!.data = data as never;
      }, jobs);
      await jobRows(page).first().waitFor();
      expect(await shownIds(page)).toEqual(jobs.map((j) => j.id));
      await header(page, 'score').locator('.tabulator-col-title').click();
      const byScore = [...jobs].sort((a, b) => a.score! - b.score!).map((j) => j.id);
      await poll(() => shownIds(page)).toEqual(byScore);
      await header(page, 'score').locator('select').selectOption('<');
      await header(page, 'score').locator('input.hf-value').fill('0.1');
      await poll(() => shownIds(page)).toEqual(byScore.filter((id) => jobs.find((j) => j.id === id)!.score! < 0.1));
      await header(page, 'score').locator('input.hf-value').fill('');
      await page.locator('aup-job-table input[part="search"]').fill('tanh');
      await poll(() => shownIds(page)).toEqual(byScore.filter((id) => jobs.find((j) => j.id === id)!.params['act'] === 'tanh'));
      await page.evaluate(() => {
        document.querySelector('aup-job-table')!.selection = { source: 'aup-hig', ranges: { score: [0, 0.6] }, jobIds: null };
      });
      await poll(() => shownIds(page)).toEqual(
        byScore.filter((id) => {
          const j = jobs.find((x) => x.id === id)!;
          return j.params['act'] === 'tanh' && j.score! <= 0.6;
        }),
      );
      expect(requests.every((u) => u.startsWith(site.origin))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await site.close();
    }
  });

  it('follows a running experiment live: kills a running job, shows the next one finish, deletes a job, all without reloading', async () => {
    const dir = join(tmp.dir, 'live');
    mkdirSync(dir);
    writeFileSync(join(dir, 'hold.cjs'), HOLD_SCRIPT, { mode: 0o755 });
    writeFileSync(join(dir, 'hold'), '');
    writeFileSync(
      join(dir, 'experiment.json'),
      JSON.stringify({
        name: 'live',
        script: 'hold.cjs',
        proposer: 'random',
        random_seed: 1,
        n_samples: 2,
        target: 'max',
        parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      }),
    );
    const env = { ...process.env };
    delete env['AUP_DB'];
    const runner: ChildProcess = spawn(process.execPath, [AUP_BIN, 'run', 'experiment.json', '--db', db], {
      cwd: dir,
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((ok) => runner.on('exit', (code) => ok(code)));
    try {
      let live = 0;
      await poll(async () => {
        const e = (await api<{ experiments: Array<{ id: number; name: string }> }>('/experiments')).experiments.find(
          (x) => x.name === 'live',
        );
        live = e?.id ?? 0;
        return live === 0 ? 'none' : (await api<{ jobs: ApiJob[] }>(`/experiments/${live}/jobs`)).jobs.map((j) => j.status).join(',');
      }).toBe('running');
      const { page, errors } = await openTable({ api: '/api/v1', experiment: String(live), token });
      const [first] = await shownIds(page);
      expect(await cell(page, first!, 'status').innerText()).toBe('running');

      await page.locator(`aup-job-table button.expander[aria-label="Expand job ${first}"]`).click();
      const detail = page.locator('aup-job-table [part="detail"]');
      await poll(() => detail.locator('[part="log"]').innerText()).toContain(`started job ${first}`);
      await detail.locator('[part="kill-job"]').click();
      await detail.locator('[part="confirm"]').click();
      await poll(() => cell(page, first!, 'status').innerText()).toBe('failed');
      // The runner goes on with the next job: it appears, running, without a reload.
      await poll(() => shownIds(page)).toHaveLength(2);
      const second = (await shownIds(page)).find((id) => id !== first)!;
      await poll(() => cell(page, second, 'status').innerText()).toBe('running');
      rmSync(join(dir, 'hold'));
      await poll(() => cell(page, second, 'status').innerText()).toBe('finished');
      const final = (await api<{ jobs: ApiJob[] }>(`/experiments/${live}/jobs`)).jobs.find((j) => j.id === second)!;
      expect(Number(await cell(page, second, 'score').innerText())).toBeCloseTo(final.score!, 3);
      expect(await exited).toBe(0);

      // The killed job can be deleted (the session token goes with the request).
      await detail.locator('[part="delete-job"]').click();
      await detail.locator('[part="confirm"]').click();
      await poll(() => shownIds(page)).toEqual([second]);
      expect((await fetch(`${board.api}/jobs/${first}`)).status).toBe(404);
      expect(errors).toEqual([]);
    } finally {
      if (runner.exitCode === null) runner.kill('SIGKILL');
    }
    // A real runner with two jobs in it: allow for a loaded machine.
  }, 120_000);
});
