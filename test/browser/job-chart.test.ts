/**
 * `<aup-job-chart>` in headless Chromium: on the real board page (its CSP has no 'unsafe-eval')
 * over a SQLite store filled by a real `aup run`, and on a plain page from the `data` property.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  apiJobs,
  onBoardPage,
  pathYs,
  RECORDING_SCRIPT,
  recordingConfig,
  startExperiment,
  widgetErrors,
  type ApiJob,
  type BackgroundRun,
} from './chart-fixtures.js';
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
  type StaticServer,
} from './harness.js';

const browser = browserOrSkip();

const POINTS = 'aup-job-chart path[aria-roledescription="point"]';

describe.skipIf(!browser.available)('<aup-job-chart>', () => {
  let chromium: Browser;
  let board: Board;
  let site: StaticServer;
  let tmp: ReturnType<typeof tempDir>;
  let jobs: ApiJob[];
  let live: BackgroundRun | undefined;
  const db = (): string => join(tmp.dir, 'experiments.db');

  beforeAll(async () => {
    tmp = tempDir();
    runExperiment({
      db: db(),
      dir: tmp.dir,
      files: { 'train.cjs': RECORDING_SCRIPT },
      config: recordingConfig('chart', { nSamples: 6, seed: 11 }),
    });
    board = await startBoard({ db: db(), cwd: tmp.dir });
    site = await serveStatic({ '/index.html': testPage('<aup-job-chart style="width: 800px"></aup-job-chart>') });
    chromium = await launchBrowser();
    jobs = await apiJobs(board, 1);
  });
  afterAll(async () => {
    live?.child.kill('SIGKILL');
    await chromium?.close();
    await board?.stop();
    await site?.close();
    tmp?.remove();
  });

  it('draws a point per job and a monotone best-so-far line, with params in the tooltip; a click opens the job', async () => {
    const { page, errors } = await openPage(chromium);
    await onBoardPage(page, board, '<aup-job-chart api="/api/v1" experiment="1" style="width: 900px"></aup-job-chart>');
    await page.evaluate(() =>
      document.addEventListener('aup-open-job', (e) => ((window as unknown as { opened: unknown }).opened = (e as CustomEvent).detail)),
    );
    await expect.poll(() => page.locator(POINTS).count()).toBe(jobs.length);

    // The best-so-far line for target min only goes down the chart (SVG y grows downwards) and
    // ends level with the best job's point.
    const d = (await page.locator('aup-job-chart path[aria-roledescription="line mark"]').getAttribute('d'))!;
    const ys = pathYs(d);
    expect(ys.length).toBeGreaterThan(1);
    for (let i = 1; i < ys.length; i++) expect(ys[i]!).toBeGreaterThanOrEqual(ys[i - 1]! - 1e-6);
    const pointYs = await page
      .locator(POINTS)
      .evaluateAll((els) => els.map((el) => Number(/translate\([^,]+,([^)]+)\)/.exec(el.getAttribute('transform') ?? '')?.[1])));
    expect(Math.abs(ys[ys.length - 1]! - Math.max(...pointYs))).toBeLessThan(1);

    const first = page.locator(POINTS).first();
    await first.hover();
    const tooltip = page.locator('aup-job-chart .tooltip');
    await tooltip.waitFor();
    const text = await tooltip.innerText();
    for (const name of ['lr', 'opt', 'layers', 'x', 'best so far']) expect(text).toContain(name);

    const label = (await first.getAttribute('aria-label'))!;
    const jobId = Number(/job: (\d+)/.exec(label)![1]);
    await first.click();
    expect(await page.evaluate(() => (window as unknown as { opened: unknown }).opened)).toEqual({ experimentId: 1, jobId });

    // The log-scale toggle changes the value axis (every score is positive: a true log scale).
    await page.locator('aup-job-chart input[name="log"]').check();
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            (document.querySelector('aup-job-chart')!.chartView() as unknown as { scale(n: string): { type: string } } | undefined)?.scale(
              'y',
            ).type,
        ),
      )
      .toBe('log');
    expect(await page.locator(POINTS).count()).toBe(jobs.length);
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('fades the jobs outside a selection, follows the colour scheme and the theme attribute, and says why it cannot load', async () => {
    const { page, errors } = await openPage(chromium);
    await onBoardPage(
      page,
      board,
      '<aup-job-chart api="/api/v1" experiment="1" style="width: 700px"></aup-job-chart><aup-job-chart id="missing" api="/api/v1" experiment="99"></aup-job-chart>',
    );
    await expect.poll(() => page.locator(POINTS).count()).toBe(jobs.length);
    // An experiment that does not exist: the API's message, and a Retry button.
    const message = page.locator('#missing [part="message"][role="alert"]');
    await message.waitFor();
    expect(await message.innerText()).toContain('99');
    expect(await page.locator('#missing [part="retry"]').count()).toBe(1);
    await page.evaluate(() => {
      document.querySelector('aup-job-chart')!.selection = { source: 'aup-hig', ranges: { 'param:opt': ['adam'] }, jobIds: null };
    });
    const adam = jobs.filter((j) => j.params.opt === 'adam').length;
    expect(adam).toBeGreaterThan(0);
    expect(adam).toBeLessThan(jobs.length);
    const faded = (): Promise<number> =>
      page.locator(POINTS).evaluateAll((els) => els.filter((el) => el.getAttribute('opacity') === '0.15').length);
    await expect.poll(faded).toBe(jobs.length - adam);
    // A selection is data, not a new chart: the view (and its zoom) stays.
    expect(await page.evaluate(() => document.querySelector('aup-job-chart')!.chartEmbeds())).toBe(1);

    const background = (): Promise<string | null> =>
      page.evaluate(() => document.querySelector('aup-job-chart')!.shadowRoot!.querySelector('svg.marks')?.getAttribute('style') ?? null);
    expect(await background()).toContain('rgb(255, 255, 255)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(background).toContain('rgb(13, 17, 23)');
    await page.evaluate(() => document.querySelector('aup-job-chart')!.setAttribute('theme', 'light'));
    await expect.poll(background).toContain('rgb(255, 255, 255)');
    // Chromium logs the failed request of the missing experiment itself; nothing else is logged.
    expect(widgetErrors(errors).filter((e) => !e.includes('404'))).toEqual([]);
  });

  it('charts the data property without a server: a chosen metric over end time', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${site.origin}/`);
    await page.evaluate(() => {
      const job = (id: number, score: number | null, acc: number, ended: string) => ({
        id,
        trial: id - 1,
        status: score === null ? ('failed' as const) : ('finished' as const),
        score,
        metrics: { acc },
        params: { lr: id / 10 },
        budget: null,
        attempts: 1,
        started_at: null,
        ended_at: ended,
      });
      document.querySelector('aup-job-chart')!.data = {
        experimentId: 7,
        target: 'max',
        jobs: [
          job(1, 0.5, 0.7, '2026-01-01T00:00:03Z'),
          job(2, 0.9, 0.6, '2026-01-01T00:00:01Z'),
          job(3, null, 0.8, '2026-01-01T00:00:02Z'),
        ],
      };
    });
    // The score: two points (the failed job has none).
    await expect.poll(() => page.locator(POINTS).count()).toBe(2);
    await page.locator('aup-job-chart select[name="value"]').selectOption('metric:acc');
    await expect.poll(() => page.locator(POINTS).count()).toBe(3);
    expect(await page.locator('aup-job-chart').locator('text=acc').count()).toBeGreaterThan(0);
    await page.locator('aup-job-chart select[name="x"]').selectOption('time');
    await expect
      .poll(() =>
        page.evaluate(
          () => (document.querySelector('aup-job-chart')!.chartView() as unknown as { scale(n: string): { type: string } }).scale('x').type,
        ),
      )
      .toBe('time');
    // Best so far of acc for target max over end time: 0.6 (job 2), 0.8 (job 3), stays 0.8.
    const d = (await page.locator('aup-job-chart path[aria-roledescription="line mark"]').getAttribute('d'))!;
    const ys = pathYs(d);
    for (let i = 1; i < ys.length; i++) expect(ys[i]!).toBeLessThanOrEqual(ys[i - 1]! + 1e-6);
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('live: a job that finishes after the charts rendered appears in the job chart, the HIG and the intermediate chart', async () => {
    // One running experiment feeds the three elements that follow a single experiment (one
    // `aup run` for all three keeps the browser tests short).
    const dir = join(tmp.dir, 'live');
    mkdirSync(dir);
    writeFileSync(join(dir, 'hold'), '');
    live = startExperiment({
      db: db(),
      dir,
      files: { 'train.cjs': RECORDING_SCRIPT },
      config: recordingConfig('live', { nSamples: 3, seed: 12, nParallel: 1 }),
    });
    // Experiment 2 exists with two finished jobs; the third waits for `hold` to go before recording anything.
    await expect
      .poll(async () => (await apiJobs(board, 2).catch(() => [])).filter((j) => j.status === 'finished').length, { timeout: 30_000 })
      .toBe(2);
    const { page, errors } = await openPage(chromium);
    await onBoardPage(
      page,
      board,
      `<aup-job-chart api="/api/v1" experiment="2" style="width: 700px"></aup-job-chart>
       <aup-hig api="/api/v1" experiment="2" style="width: 700px"></aup-hig>
       <aup-intermediate api="/api/v1" experiment="2" style="width: 700px"></aup-intermediate>`,
    );
    const curves = page.locator('aup-intermediate [data-slot="main"] path[aria-roledescription="line mark"]');
    const higScored = (): Promise<number | undefined> =>
      page.evaluate(() => document.querySelector('aup-hig')!.shown?.jobs.filter((j) => j.score !== null).length);
    await expect.poll(() => page.locator(POINTS).count()).toBe(2);
    await expect.poll(higScored).toBe(2);
    await expect.poll(() => curves.count()).toBe(2);
    rmSync(join(dir, 'hold'));
    await expect.poll(() => page.locator(POINTS).count(), { timeout: 20_000 }).toBe(3);
    await expect.poll(higScored, { timeout: 20_000 }).toBe(3);
    await expect
      .poll(() => page.evaluate(() => Number(document.querySelector('aup-hig')!.shadowRoot!.querySelector('canvas')!.dataset['lines'])))
      .toBe(3);
    await expect.poll(() => curves.count(), { timeout: 20_000 }).toBe(3);
    expect(await live.done).toBe(0);
    // Live updates replace the data in the running view: the chart (and its zoom) is not rebuilt.
    expect(await page.evaluate(() => document.querySelector('aup-job-chart')!.chartEmbeds())).toBe(1);
    expect(widgetErrors(errors)).toEqual([]);
  });
});
