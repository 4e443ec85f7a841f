/**
 * The two plain HTML pages of docs/guides/embedding.md (docs/examples/embedding/), served as
 * they are by a static server on another origin: live.html against a real aup-board started with
 * `--cors` for that origin (the bundle and the data both come from the board), static.html from
 * the objects written in the page, with no board at all.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  browserOrSkip,
  launchBrowser,
  openPage,
  QUADRATIC_SCRIPT,
  ROOT,
  runExperiment,
  serveStatic,
  startBoard,
  tempDir,
  type Board,
  type Browser,
  type Page,
  type StaticServer,
} from './harness.js';

const browser = browserOrSkip();
const PAGES = join(ROOT, 'docs', 'examples', 'embedding');

/** Whether each element is registered and has rendered something into its shadow root. */
function rendered(page: Page, tags: string[]): Promise<Record<string, boolean>> {
  return page.evaluate(
    (ts) =>
      Object.fromEntries(
        ts.map((t) => {
          const el = document.querySelector(t);
          return [t, customElements.get(t) !== undefined && el?.shadowRoot?.querySelector('*:not(style)') != null];
        }),
      ),
    tags,
  );
}

describe.skipIf(!browser.available)('the embedding examples', () => {
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
        name: 'embedded',
        script: 'train.cjs',
        proposer: 'random',
        random_seed: 4,
        n_samples: 5,
        target: 'min',
        parameter_config: [
          { name: 'x', range: [0, 1], type: 'float' },
          { name: 'y', range: [0, 1], type: 'float' },
        ],
      },
    });
    site = await serveStatic(PAGES);
    board = await startBoard({ db, cors: [site.origin] });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    await site?.close();
    tmp?.remove();
  });

  it('live.html loads the bundle from the board and shows its experiment', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${site.origin}/live.html?board=${encodeURIComponent(board.url)}&experiment=1`);
    await page.locator('#status').filter({ hasText: 'live' }).waitFor();
    for (const tag of ['aup-hig', 'aup-job-table']) {
      expect(await page.locator(tag).getAttribute('api')).toBe(`${board.url.replace(/\/$/, '')}/api/v1`);
      expect(await page.locator(tag).getAttribute('experiment')).toBe('1');
    }
    // One import registered every element the package has.
    expect(await page.evaluate(() => ['aup-experiment-list', 'aup-board'].every((t) => customElements.get(t) !== undefined))).toBe(true);
    await expect.poll(() => rendered(page, ['aup-hig', 'aup-job-table'])).toEqual({ 'aup-hig': true, 'aup-job-table': true });
    expect(errors).toEqual([]);
  });

  it('static.html renders its objects with no board', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${site.origin}/static.html`);
    const row = page.locator('aup-experiment-list tr[part="row"]');
    await row.waitFor();
    expect(await row.innerText()).toContain('mnist-mlp');
    expect(await page.locator('aup-experiment-overview [data-field="best-score"]').innerText()).toBe('0.88');
    expect(await page.locator('aup-experiment-overview [data-field="best-params"]').innerText()).toContain('layers');
    await expect.poll(() => rendered(page, ['aup-job-table', 'aup-hig'])).toEqual({ 'aup-job-table': true, 'aup-hig': true });
    expect(errors).toEqual([]);
  });
});
