/**
 * `<aup-experiment-list>` in headless Chromium against a real aup-board over a SQLite database
 * filled by a real `aup run`: the board's own page for control (same origin, with the token), and
 * a static page on another origin (`--cors`) for the read-only embedding.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  boardToken,
  browserOrSkip,
  createExperimentOnBoard,
  launchBrowser,
  openPage,
  QUADRATIC_SCRIPT,
  runExperiment,
  serveStatic,
  SLOW_SCRIPT,
  startBoard,
  tempDir,
  testPage,
  type Board,
  type Browser,
  type Page,
  type StaticServer,
} from './harness.js';

const browser = browserOrSkip();

const quadratic = (name: string, n: number): Record<string, unknown> => ({
  name,
  script: 'train.cjs',
  proposer: 'random',
  random_seed: 3,
  n_samples: n,
  n_parallel: 1,
  target: 'min',
  parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
});

describe.skipIf(!browser.available)('<aup-experiment-list> against a real board', () => {
  let chromium: Browser;
  let site: StaticServer;
  let board: Board;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'experiments.db');
    runExperiment({ db, dir: tmp.dir, files: { 'train.cjs': QUADRATIC_SCRIPT, 'slow.cjs': SLOW_SCRIPT }, config: quadratic('smoke', 3) });
    site = await serveStatic({ '/index.html': testPage(`<aup-experiment-list></aup-experiment-list>`) });
    board = await startBoard({ db, cors: [site.origin], cwd: tmp.dir });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    await site?.close();
    tmp?.remove();
  });

  /** The board's own page (same origin, token in the URL) showing the list route. */
  async function boardList(): Promise<{ page: Page; errors: string[] }> {
    const opened = await openPage(chromium);
    await opened.page.goto(`${board.url}?token=${boardToken(board)}#/`);
    await opened.page.locator('aup-experiment-list tr[part="row"]').first().waitFor();
    return opened;
  }

  const row = (page: Page, id: number) => page.locator(`aup-experiment-list tr[part="row"][data-id="${id}"]`);

  it('lists the experiment on another origin without control buttons, and fires aup-open-experiment with its id on click', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${site.origin}/`);
    await page.evaluate((api) => {
      const list = document.querySelector('aup-experiment-list')!;
      document.addEventListener(
        'aup-open-experiment',
        (e) => ((window as unknown as { opened: unknown }).opened = (e as CustomEvent).detail),
      );
      list.setAttribute('api', api);
    }, board.api);
    const rows = page.locator('aup-experiment-list tr[part="row"]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    const text = await rows.first().innerText();
    for (const part of ['smoke', 'finished', '3 / 3', 'random', hostname()]) expect(text).toContain(part);
    // Another origin can only read: the board refuses it every mutating route.
    expect(
      await page
        .locator(
          'aup-experiment-list [data-action="delete"], aup-experiment-list [data-action="copy"], aup-experiment-list [data-action="create"]',
        )
        .count(),
    ).toBe(0);
    expect(await page.locator('aup-experiment-list [data-action="config"]').count()).toBe(1);
    await rows.first().click();
    expect(await page.evaluate(() => (window as unknown as { opened: unknown }).opened)).toEqual({ id: 1 });
    await page.locator('aup-experiment-list [data-action="results"]').click();
    expect(await page.evaluate(() => (window as unknown as { opened: unknown }).opened)).toEqual({ id: 1, view: 'results' });
    expect(errors).toEqual([]);
  });

  it('switches between the table and tiles', async () => {
    const { page, errors } = await boardList();
    await page.locator('aup-experiment-list button[data-view="tiles"]').click();
    const tile = page.locator('aup-experiment-list article[part="tile"][data-id="1"]');
    await tile.waitFor();
    expect(await tile.innerText()).toContain('smoke');
    expect(await page.locator('aup-experiment-list table').count()).toBe(0);
    await page.locator('aup-experiment-list button[data-view="list"]').click();
    await row(page, 1).waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('copies an experiment, starts the copy and shows it progress live to finished', async () => {
    const { page, errors } = await boardList();
    await row(page, 1).locator('[data-action="copy"]').click();
    const copy = row(page, 2);
    await copy.waitFor();
    expect(await copy.getAttribute('data-status')).toBe('created');
    expect(await copy.innerText()).toContain('0 / 3');
    await copy.locator('[data-action="start"]').click();
    // No reload: the SSE stream carries the runner's progress to the list.
    await page.locator('aup-experiment-list tr[part="row"][data-id="2"][data-status="finished"]').waitFor({ timeout: 30_000 });
    expect(await copy.innerText()).toContain('3 / 3');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('stops a running experiment', async () => {
    const slow = await createExperimentOnBoard(board, { ...quadratic('slow', 200), script: 'slow.cjs' }, { start: true });
    const { page, errors } = await boardList();
    await page.locator(`aup-experiment-list tr[part="row"][data-id="${slow}"][data-status="running"]`).waitFor({ timeout: 20_000 });
    await row(page, slow).locator('[data-action="stop"]').click();
    await page.locator(`aup-experiment-list tr[part="row"][data-id="${slow}"][data-status="stopped"]`).waitFor({ timeout: 20_000 });
    // A stopped experiment can be resumed; a running one cannot be deleted.
    expect(await row(page, slow).locator('[data-action="resume"]').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('asks before deleting, and deletes only after the confirmation', async () => {
    const id = await createExperimentOnBoard(board, quadratic('doomed', 2), { start: false });
    const { page, errors } = await boardList();
    await row(page, id).locator('[data-action="delete"]').click();
    const dialog = page.locator('aup-experiment-list [part="confirm"]');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain(`Delete experiment ${id} (doomed)?`);
    await dialog.locator('[data-action="cancel"]').click();
    expect(await dialog.count()).toBe(0);
    expect(await row(page, id).count()).toBe(1);
    await row(page, id).locator('[data-action="delete"]').click();
    await dialog.locator('[data-action="confirm-delete"]').click();
    await row(page, id).waitFor({ state: 'detached' });
    const listed = (await (await fetch(`${board.api}/experiments`)).json()) as { experiments: Array<{ id: number }> };
    expect(listed.experiments.map((e) => e.id)).not.toContain(id);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
