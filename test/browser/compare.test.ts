/**
 * `<aup-compare>` in headless Chromium on the real board page (strict CSP): two experiments run
 * by `aup run` with different proposers and a one-shot experiment, overlaid; a new experiment
 * appears live; the `data` property draws without a server.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  onBoardPage,
  pathYs,
  RECORDING_SCRIPT,
  recordingConfig,
  startExperiment,
  widgetErrors,
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
  type Page,
  type StaticServer,
} from './harness.js';

const browser = browserOrSkip();
const LINES = 'aup-compare path[aria-roledescription="line mark"]';
const POINTS = 'aup-compare path[aria-roledescription="point"]';

interface BestSoFar {
  series: { experiment_id: number; x: number[]; best: number[]; job_ids: number[] }[];
}

/** Polls `check` every 100 ms until it holds (expect.poll is for tests, not their set-up). */
async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

const legend = (page: Page): Promise<string[]> =>
  page
    .locator('aup-compare g[aria-roledescription="legend"] text')
    .evaluateAll((els) => els.map((e) => e.textContent ?? '').filter((t) => t !== ''));

describe.skipIf(!browser.available)('<aup-compare>', () => {
  let chromium: Browser;
  let board: Board;
  let site: StaticServer;
  let tmp: ReturnType<typeof tempDir>;
  let live: BackgroundRun | undefined;
  const db = (): string => join(tmp.dir, 'experiments.db');
  const subdir = (name: string): string => {
    const dir = join(tmp.dir, name);
    mkdirSync(dir);
    return dir;
  };

  beforeAll(async () => {
    tmp = tempDir();
    const files = { 'train.cjs': RECORDING_SCRIPT, 'once.cjs': "#!/usr/bin/env node\nconsole.error('#Auptimizer:0.05');\n" };
    // The first run creates the store (experiment 1); the other two run at once on it, as two
    // runners may (each in its own folder), which keeps the set-up short.
    runExperiment({ db: db(), dir: tmp.dir, files, config: recordingConfig('random-run', { nSamples: 8, seed: 51 }) });
    board = await startBoard({ db: db(), cwd: tmp.dir });
    const second = startExperiment({
      db: db(),
      dir: subdir('hyperopt'),
      files,
      config: recordingConfig('hyperopt-run', { nSamples: 8, seed: 52, proposer: 'hyperopt' }),
    });
    // The third starts once the second exists, so the ids come in this order.
    await until(
      async () => ((await (await fetch(`${board.api}/experiments`)).json()) as { experiments: unknown[] }).experiments.length === 2,
    );
    const third = startExperiment({
      db: db(),
      dir: subdir('baseline'),
      files,
      config: { name: 'baseline', script: 'once.cjs', n_samples: 1, target: 'min', parameter_config: [] },
    });
    const codes = await Promise.all([second.done, third.done]);
    if (codes.some((c) => c !== 0)) throw new Error(`aup run failed: ${second.output()} ${third.output()}`);
    site = await serveStatic({ '/index.html': testPage('<aup-compare style="width: 800px"></aup-compare>') });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    live?.child.kill('SIGKILL');
    await chromium?.close();
    await board?.stop();
    await site?.close();
    tmp?.remove();
  });

  it('overlays the best-so-far of the chosen experiments, a point per improvement, one for the one-shot', async () => {
    const api = (await (await fetch(`${board.api}/best-so-far?experiments=1,2,3&x=index`)).json()) as BestSoFar;
    const improvements = api.series.reduce((n, s) => n + s.x.length, 0);
    expect(api.series.find((s) => s.experiment_id === 3)!.x).toHaveLength(1);
    const { page, errors } = await openPage(chromium);
    await onBoardPage(page, board, '<aup-compare api="/api/v1" experiments="1,2,3" style="width: 900px"></aup-compare>');
    await page.evaluate(() =>
      document.addEventListener('aup-open-job', (e) => ((window as unknown as { opened: unknown }).opened = (e as CustomEvent).detail)),
    );
    await expect.poll(() => page.locator(POINTS).count()).toBe(improvements);
    expect(await page.locator(LINES).count()).toBe(3);
    expect(await legend(page)).toEqual(
      ['#1 random-run (random)', '#2 hyperopt-run (hyperopt)', '#3 baseline (none)'].map((s) => expect.stringContaining(s.split(' (')[0]!)),
    );
    // Each curve only improves: for target min it only goes down the chart.
    for (const d of await page.locator(LINES).evaluateAll((els) => els.map((e) => e.getAttribute('d') ?? ''))) {
      const ys = pathYs(d);
      for (let i = 1; i < ys.length; i++) expect(ys[i]!).toBeGreaterThanOrEqual(ys[i - 1]! - 1e-6);
    }
    // A point opens the job that set that best.
    const point = page.locator(POINTS).first();
    const label = (await point.getAttribute('aria-label'))!;
    const jobId = Number(/job: (\d+)/.exec(label)![1]);
    await point.click();
    const opened = (await page.evaluate(() => (window as unknown as { opened: { experimentId: number; jobId: number } }).opened))!;
    expect(opened.jobId).toBe(jobId);
    expect(api.series.find((s) => s.experiment_id === opened.experimentId)!.job_ids).toContain(jobId);

    await page.locator('aup-compare select[name="x"]').selectOption('time');
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            (document.querySelector('aup-compare')!.chartView() as unknown as { scale(n: string): { type: string } } | undefined)?.scale(
              'x',
            ).type,
        ),
      )
      .toBe('time');
    // Over time the improvements are those in order of the jobs' end (jobs ran two at a time).
    const byTime = (await (await fetch(`${board.api}/best-so-far?experiments=1,2,3&x=time`)).json()) as BestSoFar;
    await expect.poll(() => page.locator(POINTS).count()).toBe(byTime.series.reduce((n, s) => n + s.x.length, 0));
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('compares every experiment without the attribute, and a new experiment appears live', async () => {
    const { page, errors } = await openPage(chromium);
    await onBoardPage(page, board, '<aup-compare api="/api/v1" style="width: 900px"></aup-compare>');
    await expect.poll(() => page.locator(LINES).count()).toBe(3);
    live = startExperiment({
      db: db(),
      dir: subdir('live'),
      files: { 'train.cjs': RECORDING_SCRIPT },
      config: recordingConfig('live-run', { nSamples: 2, seed: 53 }),
    });
    await expect.poll(() => page.locator(LINES).count(), { timeout: 30_000 }).toBe(4);
    await expect.poll(async () => (await legend(page)).some((e) => e.includes('live-run'))).toBe(true);
    expect(await live.done).toBe(0);
    expect(widgetErrors(errors)).toEqual([]);
  });

  it('draws the data property without a server, and switches to dark', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${site.origin}/`);
    await page.evaluate(() => {
      document.querySelector('aup-compare')!.data = {
        x: 'index',
        series: [
          { experimentId: 1, name: 'random', x: [0, 3], best: [2, 1], jobIds: [1, 4], end: 9 },
          { experimentId: 2, name: 'tpe', x: [0, 1, 5], best: [3, 1.5, 0.5], jobIds: [11, 12, 16], end: 9 },
        ],
      };
    });
    await expect.poll(() => page.locator(POINTS).count()).toBe(5);
    expect(await legend(page)).toEqual(['random', 'tpe']);
    const background = (): Promise<string | null> =>
      page.evaluate(() => document.querySelector('aup-compare')!.shadowRoot!.querySelector('svg.marks')?.getAttribute('style') ?? null);
    expect(await background()).toContain('rgb(255, 255, 255)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(background).toContain('rgb(13, 17, 23)');
    expect(widgetErrors(errors)).toEqual([]);
  });
});
