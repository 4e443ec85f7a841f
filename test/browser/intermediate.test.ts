/**
 * `<aup-intermediate>` in headless Chromium: on the real board page (strict CSP) over a SQLite
 * store filled by a real `aup run` whose jobs record two labels, histograms and images, and on a
 * plain page from the `data` property. Live updates: job-chart.test.ts (one running experiment
 * feeds the job chart, the HIG and this element).
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { apiJobs, onBoardPage, pathYs, RECORDING_SCRIPT, recordingConfig, widgetErrors, type ApiJob } from './chart-fixtures.js';
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
const N = 6;
const CURVES = 'aup-intermediate [data-slot="main"] path[aria-roledescription="line mark"]';

/** The legend's entries of the curves chart. */
const legend = (page: Page): Promise<string[]> =>
  page
    .locator('aup-intermediate [data-slot="main"] g[aria-roledescription="legend"] text')
    .evaluateAll((els) => els.map((e) => e.textContent ?? '').filter((t) => t !== ''));
const yScale = (page: Page): Promise<string | undefined> =>
  page.evaluate(
    () =>
      (document.querySelector('aup-intermediate')!.chartView() as unknown as { scale(n: string): { type: string } } | undefined)?.scale('y')
        .type,
  );
/** A param value as the legend writes it (3 significant digits). */
const fmt = (v: number): string => String(Number(v.toPrecision(3)));

describe.skipIf(!browser.available)('<aup-intermediate>', () => {
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
      config: recordingConfig('curves', { nSamples: N, seed: 41 }),
    });
    board = await startBoard({ db: db(), cwd: tmp.dir });
    site = await serveStatic({ '/index.html': testPage('<aup-intermediate style="width: 900px"></aup-intermediate>') });
    chromium = await launchBrowser();
    jobs = await apiJobs(board, 1);
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    await site?.close();
    tmp?.remove();
  });

  it('draws the top-k jobs by score with legends from their params; label, smoothing and log scale', async () => {
    const { page, errors } = await openPage(chromium);
    await onBoardPage(page, board, '<aup-intermediate api="/api/v1" experiment="1" top-k="3" style="width: 1000px"></aup-intermediate>');
    await expect.poll(() => page.locator(CURVES).count()).toBe(3);
    // Five steps per curve.
    for (const d of await page.locator(CURVES).evaluateAll((els) => els.map((e) => e.getAttribute('d') ?? '')))
      expect(pathYs(d)).toHaveLength(5);
    const best = [...jobs].sort((a, b) => a.score! - b.score!).slice(0, 3);
    const entries = await legend(page);
    expect(entries).toHaveLength(3);
    // Every param differs between these jobs' values except possibly opt and layers: x and lr always do.
    for (const j of best)
      expect(entries.some((e) => e.includes(`x=${fmt(j.params.x)}`) && e.includes(`lr=${fmt(j.params.lr)}`))).toBe(true);
    expect(await page.locator('aup-intermediate .count').innerText()).toBe('best 3 by score');

    // Two labels were recorded; the selector switches between them.
    expect(await page.locator('aup-intermediate select[name="label"] option').allTextContents()).toEqual(['acc', 'loss']);
    await page.locator('aup-intermediate select[name="label"]').selectOption('loss');
    await expect
      .poll(() =>
        page
          .locator('aup-intermediate [data-slot="main"] text')
          .filter({ hasText: /^loss$/ })
          .count(),
      )
      .toBe(1);

    // Smoothing adds the smoothed curve over a faint raw one; log scale on positive losses.
    await page.locator('aup-intermediate input[name="smoothing"]').fill('0.6');
    await expect.poll(() => page.locator(CURVES).count()).toBe(6);
    await page.locator('aup-intermediate input[name="log"]').check();
    await expect.poll(() => yScale(page)).toBe('log');

    // The legend names the params chosen in its menu.
    await page.locator('aup-intermediate details.menu summary').click();
    await page.locator('aup-intermediate input[name="legend"][value="lr"]').uncheck();
    await expect.poll(async () => (await legend(page)).every((e) => !e.includes('lr='))).toBe(true);
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('draws the jobs of a selection, and shows a job’s histograms over steps and its images per step', async () => {
    const { page, errors } = await openPage(chromium);
    await onBoardPage(page, board, '<aup-intermediate api="/api/v1" experiment="1" style="width: 1000px"></aup-intermediate>');
    await expect.poll(() => page.locator(CURVES).count()).toBe(N);
    await page.evaluate(() => {
      document.querySelector('aup-intermediate')!.selection = { source: 'aup-hig', ranges: { 'param:opt': ['adam'] }, jobIds: null };
    });
    const adam = jobs.filter((j) => j.params.opt === 'adam');
    expect(adam.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator(CURVES).count()).toBe(adam.length);
    expect(await page.locator('aup-intermediate .count').innerText()).toBe(`${adam.length} selected`);
    const two = [jobs[0]!.id, jobs[1]!.id];
    await page.evaluate((ids) => {
      document.querySelector('aup-intermediate')!.selection = { source: 'aup-job-table', ranges: {}, jobIds: ids };
    }, two);
    await expect.poll(() => page.locator(CURVES).count()).toBe(2);

    // Records of the first shown job: one histogram `weights` at steps 0..2 as a heat map (30 bins a step).
    const cells = page.locator('aup-intermediate [data-slot="histogram"] path[aria-roledescription="rect mark"]');
    await expect.poll(() => cells.count()).toBe(3 * 30);
    // Its images: step 0 first, served by the board from the job's working folder.
    const img = page.locator('aup-intermediate img[part="image"]');
    await img.waitFor();
    await expect.poll(() => img.evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(2);
    expect(await page.locator('aup-intermediate figcaption').innerText()).toContain('step 0');
    await page.locator('aup-intermediate input[name="image-step"]').fill('1');
    await expect.poll(() => page.locator('aup-intermediate figcaption').innerText()).toContain('step 1');
    expect(await img.getAttribute('src')).toMatch(/\/api\/v1\/jobs\/\d+\/images\/1$/);
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('draws the data property without a server, legend by the chosen params, and switches to dark', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${site.origin}/`);
    await page.evaluate(() => {
      const job = (id: number, score: number, opt: string) => ({
        id,
        trial: id,
        status: 'finished' as const,
        score,
        metrics: {},
        params: { lr: 0.01 * id, opt },
        budget: null,
        attempts: 1,
        started_at: null,
        ended_at: null,
      });
      const el = document.querySelector('aup-intermediate')!;
      el.setAttribute('legend-params', 'opt');
      el.data = {
        target: 'max',
        jobs: [job(1, 0.9, 'adam'), job(2, 0.8, 'sgd')],
        series: [
          { job_id: 1, label: 'acc', steps: [0, 1, 2], values: [0.5, 0.7, 0.9], count: 3 },
          { job_id: 2, label: 'acc', steps: [0, 1, 2], values: [0.4, 0.6, 0.8], count: 3 },
        ],
      };
    });
    await expect.poll(() => page.locator(CURVES).count()).toBe(2);
    expect(await legend(page)).toEqual(['opt=adam', 'opt=sgd']);
    const background = (): Promise<string | null> =>
      page.evaluate(
        () =>
          document.querySelector('aup-intermediate')!.shadowRoot!.querySelector('[data-slot="main"] svg.marks')?.getAttribute('style') ??
          null,
      );
    expect(await background()).toContain('rgb(255, 255, 255)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(background).toContain('rgb(13, 17, 23)');
    expect(widgetErrors(errors)).toEqual([]);
  });
});
