/**
 * `<aup-hig>` in headless Chromium: on the real board page (strict CSP) over a SQLite store
 * filled by a real `aup run` (brushing, reordering, choosing axes, top-k, a log axis, opening a
 * job), and on a plain page from the `data` property (dark mode, a selection from elsewhere).
 * Live updates are tested with the job chart's (job-chart.test.ts: one running experiment feeds
 * the chart, the HIG and the intermediate chart).
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { apiJobs, onBoardPage, RECORDING_SCRIPT, recordingConfig, widgetErrors, type ApiJob } from './chart-fixtures.js';
import {
  browserOrSkip,
  launchBrowser,
  openPage,
  runExperiment,
  serveStatic,
  startBoard,
  tempDir,
  testPage,
  type Board,
  type Browser,
  type Page,
  type StaticServer,
} from './harness.js';

const browser = browserOrSkip();
const N = 12;

/** The bounding box of an element inside the HIG's shadow root. */
async function box(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.locator(`aup-hig ${selector}`).boundingBox();
  if (b === null) throw new Error(`${selector} is not on the page`);
  return b;
}

/** Drags with the mouse from one point to another in steps (pointer events, as a user does). */
async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 6 });
  await page.mouse.up();
}

const lines = (page: Page): Promise<number> =>
  page.evaluate(() => Number(document.querySelector('aup-hig')!.shadowRoot!.querySelector('canvas')!.dataset['lines'] ?? -1));
const shownAxes = (page: Page): Promise<string[]> => page.evaluate(() => document.querySelector('aup-hig')!.shownAxes);
const selected = (page: Page): Promise<number[]> => page.evaluate(() => document.querySelector('aup-hig')!.selectedJobIds);

describe.skipIf(!browser.available)('<aup-hig>', () => {
  let chromium: Browser;
  let board: Board;
  let site: StaticServer;
  let tmp: ReturnType<typeof tempDir>;
  let jobs: ApiJob[];
  const db = (): string => join(tmp.dir, 'experiments.db');

  beforeAll(async () => {
    tmp = tempDir();
    runExperiment({
      db: db(),
      dir: tmp.dir,
      files: { 'train.cjs': RECORDING_SCRIPT },
      config: recordingConfig('hig', { nSamples: N, seed: 21, nParallel: 4 }),
    });
    board = await startBoard({ db: db(), cwd: tmp.dir });
    site = await serveStatic({ '/index.html': testPage('<aup-hig style="width: 900px"></aup-hig>') });
    chromium = await launchBrowser();
    jobs = await apiJobs(board, 1);
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    await site?.close();
    tmp?.remove();
  });

  it('draws a line per job over log, categorical and int axes, and opens the job under a click', async () => {
    const { page, errors } = await openPage(chromium);
    await onBoardPage(page, board, '<aup-hig api="/api/v1" experiment="1" style="width: 1000px"></aup-hig>');
    await page.evaluate(() =>
      document.addEventListener('aup-open-job', (e) => ((window as unknown as { opened: unknown }).opened = (e as CustomEvent).detail)),
    );
    await expect.poll(() => lines(page)).toBe(N);
    expect(await shownAxes(page)).toEqual(['param:x', 'param:lr', 'param:opt', 'param:layers', 'score']);

    // lr is declared log: decade ticks, equally spaced.
    const lr = page.locator('aup-hig g.axis[data-key="param:lr"]');
    expect(await lr.getAttribute('data-kind')).toBe('log');
    const ticks = await lr
      .locator('g.tick')
      .evaluateAll((els) =>
        els.map((g) => ({ label: g.querySelector('text')!.textContent, y: Number(g.querySelector('line')!.getAttribute('y1')) })),
      );
    expect(ticks.map((t) => t.label)).toEqual(['0.0001', '0.001', '0.01', '0.1']);
    const gaps = ticks.slice(1).map((t, i) => ticks[i]!.y - t.y);
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0]!, 6);
    expect(await page.locator('aup-hig g.axis[data-key="param:opt"]').getAttribute('data-kind')).toBe('categorical');
    expect(await page.locator('aup-hig g.axis[data-key="param:opt"] g.tick text').allTextContents()).toEqual(['adam', 'sgd']);
    expect(await page.locator('aup-hig g.axis[data-key="param:layers"] g.tick text').allTextContents()).toEqual(['1', '2', '3', '4']);

    // Halfway between the x and lr axes each line sits at the mean of its two ends: point at a
    // job whose line is clear of the others there, and click it.
    const xAxis = await box(page, 'g.axis[data-key="param:x"] line.domain');
    const lrAxis = await box(page, 'g.axis[data-key="param:lr"] line.domain');
    const yAt = (t: number): number => xAxis.y + (1 - t) * xAxis.height;
    const mid = jobs.map((j) => (yAt(j.params.x) + yAt(Math.log(j.params.lr / 0.0001) / Math.log(1000))) / 2);
    const clear = jobs.findIndex((_, i) => mid.every((m, k) => k === i || Math.abs(m - mid[i]!) > 12));
    expect(clear).toBeGreaterThanOrEqual(0);
    const at = { x: (xAxis.x + lrAxis.x) / 2, y: mid[clear]! };
    await page.mouse.move(at.x, at.y);
    const tooltip = page.locator('aup-hig .tooltip');
    await tooltip.waitFor();
    expect(await tooltip.innerText()).toContain(`job\t${jobs[clear]!.id}`);
    await page.mouse.down();
    await page.mouse.up();
    expect(await page.evaluate(() => (window as unknown as { opened: unknown }).opened)).toEqual({
      experimentId: 1,
      jobId: jobs[clear]!.id,
    });
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('brushes axes into a selection of API ranges that the jobs route agrees with, and narrows the lines', async () => {
    const { page, errors } = await openPage(chromium);
    await onBoardPage(page, board, '<aup-hig api="/api/v1" experiment="1" style="width: 1000px"></aup-hig>');
    await page.evaluate(() => {
      const w = window as unknown as { selections: unknown[] };
      w.selections = [];
      document.addEventListener('aup-selection-change', (e) => w.selections.push((e as CustomEvent).detail));
    });
    await expect.poll(() => lines(page)).toBe(N);
    const last = (): Promise<{ source: string; ranges: Record<string, unknown[]>; jobIds: null }> =>
      page.evaluate(() => (window as unknown as { selections: never[] }).selections.at(-1)!);

    // Drag along the x axis from 3/4 of its height to 1/4: x in [0.25, 0.75].
    const x = await box(page, 'rect.hit[data-key="param:x"]');
    await drag(page, { x: x.x + x.width / 2, y: x.y + x.height * 0.25 }, { x: x.x + x.width / 2, y: x.y + x.height * 0.75 });
    const first = await last();
    expect(first.source).toBe('aup-hig');
    expect(first.jobIds).toBeNull();
    const [lo, hi] = first.ranges['param:x'] as [number, number];
    expect(lo).toBeCloseTo(0.25, 1);
    expect(hi).toBeCloseTo(0.75, 1);
    const inX = jobs.filter((j) => j.params.x >= lo && j.params.x <= hi).map((j) => j.id);
    expect(inX.length).toBeGreaterThan(0);
    expect(inX.length).toBeLessThan(N);
    expect(await selected(page)).toEqual(inX);
    expect(await lines(page)).toBe(inX.length);
    expect(await page.locator('aup-hig .count').innerText()).toBe(`${inX.length} of ${N} jobs`);
    // The range is what <aup-job-table> will send as filters: the API selects the same jobs.
    const url = `${board.api}/experiments/1/jobs?limit=1000&filter=${encodeURIComponent(`param:x>=${lo}`)}&filter=${encodeURIComponent(`param:x<=${hi}`)}`;
    const viaApi = ((await (await fetch(url)).json()) as { jobs: ApiJob[] }).jobs.map((j) => j.id);
    expect(viaApi).toEqual(inX);

    // A second brush, on the choice axis around `adam` only: both must hold.
    const opt = await box(page, 'rect.hit[data-key="param:opt"]');
    await drag(page, { x: opt.x + opt.width / 2, y: opt.y + opt.height * 0.6 }, { x: opt.x + opt.width / 2, y: opt.y + opt.height * 0.95 });
    const second = await last();
    expect(second.ranges['param:opt']).toEqual(['adam']);
    const both = jobs.filter((j) => inX.includes(j.id) && j.params.opt === 'adam').map((j) => j.id);
    expect(await selected(page)).toEqual(both);
    expect(await lines(page)).toBe(both.length);

    // Dragging the brush moves it; clicking the axis clears its brush.
    const brush = await box(page, 'rect.brush[data-key="param:x"]');
    await drag(
      page,
      { x: brush.x + brush.width / 2, y: brush.y + brush.height / 2 },
      { x: brush.x + brush.width / 2, y: brush.y + brush.height / 2 - x.height * 0.2 },
    );
    const moved = (await last()).ranges['param:x'] as [number, number];
    expect(moved[0]).toBeCloseTo(lo + 0.2, 1);
    expect(moved[1] - moved[0]).toBeCloseTo(hi - lo, 2);
    await page.mouse.click(opt.x + opt.width / 2, opt.y + opt.height * 0.1);
    expect(Object.keys((await last()).ranges)).toEqual(['param:x']);
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('reorders axes by dragging a title or with the arrow keys, chooses axes, and filters the top k%', async () => {
    const { page, errors } = await openPage(chromium);
    await onBoardPage(page, board, '<aup-hig api="/api/v1" experiment="1" style="width: 1000px"></aup-hig>');
    await page.evaluate(() => {
      const w = window as unknown as { axes: unknown };
      document.addEventListener('aup-axes-change', (e) => (w.axes = (e as CustomEvent).detail));
    });
    await expect.poll(() => lines(page)).toBe(N);
    const score = await box(page, 'text.title[data-key="score"]');
    const x = await box(page, 'text.title[data-key="param:x"]');
    await drag(page, { x: score.x + score.width / 2, y: score.y + score.height / 2 }, { x: x.x - 20, y: x.y + x.height / 2 });
    expect(await shownAxes(page)).toEqual(['score', 'param:x', 'param:lr', 'param:opt', 'param:layers']);
    expect(await page.evaluate(() => (window as unknown as { axes: unknown }).axes)).toEqual({
      axes: ['score', 'param:x', 'param:lr', 'param:opt', 'param:layers'],
    });

    await page.locator('aup-hig text.title[data-key="param:x"]').focus();
    await page.keyboard.press('ArrowRight');
    expect(await shownAxes(page)).toEqual(['score', 'param:lr', 'param:x', 'param:opt', 'param:layers']);

    await page.locator('aup-hig details.menu summary').click();
    await page.locator('aup-hig input[name="axis"][value="param:layers"]').uncheck();
    expect(await shownAxes(page)).toEqual(['score', 'param:lr', 'param:x', 'param:opt']);
    expect(await page.locator('aup-hig g.axis').count()).toBe(4);
    await page.locator('aup-hig input[name="axis"][value="param:layers"]').check();
    expect((await shownAxes(page)).at(-1)).toBe('param:layers');

    await page.locator('aup-hig select[name="top"]').selectOption('25');
    const best = [...jobs]
      .sort((a, b) => a.score! - b.score!)
      .slice(0, Math.ceil(N / 4))
      .map((j) => j.id)
      .sort((a, b) => a - b);
    await expect.poll(() => lines(page)).toBe(best.length);
    expect(await selected(page)).toEqual(best);
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('draws the data property, takes a selection from another element, and switches to dark', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${site.origin}/`);
    await page.evaluate(
      (data) => {
        // The API's jobs as they are (ApiJob is the subset of JobSummary the tests read).
        document.querySelector('aup-hig')!.data = data as never;
      },
      {
        experimentId: 1,
        target: 'min',
        params: [
          { name: 'x', type: 'float', range: [0, 1] },
          { name: 'opt', type: 'choice', range: ['adam', 'sgd'] },
        ],
        jobs,
      },
    );
    await expect.poll(() => lines(page)).toBe(N);
    await page.evaluate(() => {
      document.querySelector('aup-hig')!.selection = { source: 'aup-job-table', ranges: { 'param:opt': ['sgd'] }, jobIds: null };
    });
    const sgd = jobs.filter((j) => j.params.opt === 'sgd').map((j) => j.id);
    await expect.poll(() => lines(page)).toBe(sgd.length);
    expect(await page.locator('aup-hig rect.brush[data-key="param:opt"]').count()).toBe(1);
    // Its own selections coming back (the board sets `selection` on every element) change nothing.
    await page.evaluate(() => {
      document.querySelector('aup-hig')!.selection = { source: 'aup-hig', ranges: {}, jobIds: null };
    });
    expect(await lines(page)).toBe(sgd.length);

    const titleFill = (): Promise<string> =>
      page.evaluate(() => getComputedStyle(document.querySelector('aup-hig')!.shadowRoot!.querySelector('text.title')!).fill);
    const drawnAt = (): Promise<number> => page.evaluate(() => document.querySelector('aup-hig')!.lastDraw!.at);
    expect(await titleFill()).toBe('rgb(31, 35, 40)');
    const before = await drawnAt();
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(titleFill).toBe('rgb(230, 237, 243)');
    // The canvas is drawn again in the dark theme's colours.
    await expect.poll(drawnAt).toBeGreaterThan(before);
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('fetches every page of jobs in order', async () => {
    const { page, errors } = await openPage(chromium);
    await onBoardPage(page, board, '<div></div>');
    // The bundle the board page loaded, imported again (the same module); a string, so the test
    // runner does not rewrite the page's import.
    const paged = (await page.evaluate(`(async () => {
      const m = await import('/assets/aup-widgets.js');
      const { jobs, total } = await m.fetchAllJobs(new m.AupApiClient('/api/v1'), 1, { pageSize: 5 });
      return { ids: jobs.map((j) => j.id), total };
    })()`)) as { ids: number[]; total: number };
    expect(paged).toEqual({ ids: jobs.map((j) => j.id), total: N });

    // The columns route the HIG loads through gives the same jobs, with their params and scores.
    const columns = (await page.evaluate(`(async () => {
      const m = await import('/assets/aup-widgets.js');
      const client = new m.AupApiClient('/api/v1');
      const [rows, cols] = await Promise.all([m.fetchAllJobs(client, 1), m.fetchAllJobColumns(client, 1, { pageSize: 7 })]);
      return { rows: rows.jobs, cols: cols.jobs, total: cols.total };
    })()`)) as { rows: unknown[]; cols: unknown[]; total: number };
    expect(columns.total).toBe(N);
    expect(columns.cols).toEqual(columns.rows);

    expect(widgetErrors(errors)).toEqual([]);
  });
});
