/**
 * Smoke test of the harness: `<aup-experiment-list>` in headless Chromium, on a page of a static
 * server, reading a real aup-board (started with `--cors` for that page) over a SQLite database
 * filled by a real `aup run`.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  browserOrSkip,
  launchBrowser,
  openPage,
  QUADRATIC_SCRIPT,
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

describe.skipIf(!browser.available)('<aup-experiment-list> against a real board', () => {
  let chromium: Browser;
  let site: StaticServer;
  let board: Board;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'experiments.db');
    runExperiment({
      db,
      dir: tmp.dir,
      files: { 'train.cjs': QUADRATIC_SCRIPT },
      config: {
        name: 'smoke',
        script: 'train.cjs',
        proposer: 'random',
        random_seed: 3,
        n_samples: 3,
        n_parallel: 1,
        target: 'min',
        parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      },
    });
    site = await serveStatic({ '/index.html': testPage(`<aup-experiment-list></aup-experiment-list>`) });
    board = await startBoard({ db, cors: [site.origin] });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    await site?.close();
    tmp?.remove();
  });

  it('lists the experiment the run made, and fires aup-open-experiment with its id on click', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${site.origin}/`);
    await page.evaluate((api) => {
      const list = document.querySelector('aup-experiment-list')!;
      document.addEventListener('aup-open-experiment', (e) => ((window as unknown as { opened: unknown }).opened = (e as CustomEvent).detail));
      list.setAttribute('api', api);
    }, board.api);
    const row = page.locator('aup-experiment-list tr[part="row"]');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const text = await row.first().innerText();
    expect(text).toContain('smoke');
    expect(text).toContain('finished');
    expect(text).toContain('3 / 3');
    await row.first().click();
    expect(await page.evaluate(() => (window as unknown as { opened: unknown }).opened)).toEqual({ id: 1 });
    expect(errors).toEqual([]);
  });
});
