/**
 * `<aup-board>`, the page aup-board serves at `/`, in headless Chromium over a real store filled
 * by `aup run`: hash routes (links, reload, back), the dark-mode toggle reaching every element
 * and surviving a reload, the auto-refresh indicator, selection and open-job wiring between the
 * composed elements, and a `--read-only` board showing no control at all.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  boardToken,
  browserOrSkip,
  launchBrowser,
  openPage,
  QUADRATIC_SCRIPT,
  runExperiment,
  startBoard,
  tempDir,
  type Board,
  type Browser,
  type Page,
} from './harness.js';

const browser = browserOrSkip();

/** Every element tag the board composes (its BOARD_CHILD_TAGS). */
const CHILD_TAGS = [
  'aup-experiment-list',
  'aup-experiment-overview',
  'aup-job-chart',
  'aup-job-table',
  'aup-hig',
  'aup-intermediate',
  'aup-compare',
  'aup-config-editor',
  'aup-environment-wizard',
];
/** Control buttons: none may exist on a read-only board. */
const CONTROL = ['start', 'stop', 'resume', 'copy', 'delete', 'create', 'reset', 'kill'].map((a) => `[data-action="${a}"]`).join(', ');

/** The tag names and `theme` attributes of the board's composed elements now on the page. */
function themesOnPage(page: Page): Promise<Array<[string, string | null]>> {
  return page.evaluate((tags) => {
    const root = document.querySelector('aup-board')!.shadowRoot!;
    return Array.from(root.querySelectorAll(tags.join(',')), (el) => [el.localName, el.getAttribute('theme')] as [string, string | null]);
  }, CHILD_TAGS);
}

describe.skipIf(!browser.available)('<aup-board> served by aup-board', () => {
  let chromium: Browser;
  let board: Board;
  let readOnly: Board;
  let attached: Board;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'experiments.db');
    const config = (name: string, proposer: string) => ({
      name,
      script: 'train.cjs',
      proposer,
      random_seed: 2,
      n_samples: 4,
      target: 'min',
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
    });
    runExperiment({ db, dir: tmp.dir, files: { 'train.cjs': QUADRATIC_SCRIPT }, config: config('first', 'random') });
    runExperiment({ db, dir: tmp.dir, config: config('second', 'sequence') });
    board = await startBoard({ db, cwd: tmp.dir });
    readOnly = await startBoard({ db, cwd: tmp.dir, args: ['--read-only'] });
    // What `aup run --board` starts beside a running experiment.
    attached = await startBoard({ db, cwd: tmp.dir, args: ['--attached'] });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    await readOnly?.stop();
    await attached?.stop();
    tmp?.remove();
  });

  it('routes with the hash: links, reload and back', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${board.url}?token=${boardToken(board)}`);
    await page.locator('aup-board aup-experiment-list tr[part="row"]').first().waitFor();
    expect(await page.locator('aup-board [part="live"]').getAttribute('data-live')).toMatch(/live|connecting/);
    await page.locator('aup-board [part="live"][data-live="live"]').waitFor();

    await page.locator('aup-experiment-list tr[part="row"][data-id="1"]').click();
    await page.waitForURL(/#\/experiments\/1$/);
    await page.locator('aup-board aup-experiment-overview [data-field="progress"]').waitFor();
    expect(await page.title()).toContain('first');

    const pages: Array<[string, string]> = [
      ['#/experiments/1/jobs', 'aup-job-table'],
      ['#/experiments/1/hig', 'aup-hig'],
      ['#/experiments/1/intermediate', 'aup-intermediate'],
      ['#/experiments/1/config', 'aup-experiment-overview'],
    ];
    for (const [hash, tag] of pages) {
      await page.locator(`aup-board nav.tabs a[data-route="${hash}"]`).click();
      await page.waitForURL(new RegExp(`${hash.replace(/[/#]/g, '\\$&')}$`));
      await page.locator(`aup-board main ${tag}`).waitFor({ state: 'attached' });
      expect(await page.locator(`aup-board main ${tag}`).getAttribute('experiment')).toBe('1');
    }
    // The job-status route is the chart and the table.
    await page.goBack();
    await page.goBack();
    await page.goBack();
    await page.waitForURL(/#\/experiments\/1\/jobs$/);
    expect(await page.locator('aup-board main aup-job-chart').count()).toBe(1);
    expect(await page.locator('aup-board main aup-job-table').count()).toBe(1);

    await page.goto(`${board.url}?token=${boardToken(board)}#/compare/1,2`);
    await page.locator('aup-board main aup-compare').waitFor({ state: 'attached' });
    expect(await page.locator('aup-board main aup-compare').getAttribute('experiments')).toBe('1,2');
    await page.locator('aup-board input[name="compare"][value="2"]').uncheck();
    await page.waitForURL(/#\/compare\/1$/);

    await page.reload();
    await page.locator('aup-board main aup-compare').waitFor({ state: 'attached' });
    expect(await page.locator('aup-board input[name="compare"][value="1"]').isChecked()).toBe(true);
    await page.goto(`${board.url}#/no/such/page`);
    await page.locator('aup-board main').filter({ hasText: 'No page at' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('switches every element to dark mode and remembers it', async () => {
    const { page, errors } = await openPage(chromium, { colorScheme: 'light' });
    await page.goto(`${board.url}?token=${boardToken(board)}#/`);
    const list = page.locator('aup-board aup-experiment-list');
    await list.locator('tr[part="row"]').first().waitFor();
    const background = () => list.evaluate((el) => getComputedStyle(el).backgroundColor);
    const light = await background();
    await page.locator('aup-board [part="theme-toggle"]').click();
    await expect.poll(background).not.toBe(light);
    expect(await page.locator('aup-board').getAttribute('theme')).toBe('dark');

    const routes = [
      '#/',
      '#/experiments/1',
      '#/experiments/1/jobs',
      '#/experiments/1/hig',
      '#/experiments/1/intermediate',
      '#/compare/1,2',
      '#/create',
      '#/environment',
    ];
    const seen = new Set<string>();
    for (const hash of routes) {
      await page.evaluate((h) => (location.hash = h), hash);
      await page.waitForFunction(() => document.querySelector('aup-board')!.shadowRoot!.querySelector('main > *') !== null);
      const themes = await themesOnPage(page);
      expect(themes.length).toBeGreaterThan(0);
      for (const [tag, theme] of themes) {
        seen.add(tag);
        expect([tag, theme]).toEqual([tag, 'dark']);
      }
    }
    expect([...seen].sort()).toEqual([...CHILD_TAGS].sort());

    await page.reload();
    await page.locator('aup-board main aup-environment-wizard').waitFor();
    expect(await page.locator('aup-board').getAttribute('theme')).toBe('dark');
    expect(await page.locator('aup-board main aup-environment-wizard').getAttribute('theme')).toBe('dark');
    expect(errors).toEqual([]);
  });

  it('passes a selection to the table, chart and intermediate view, and opens a job', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${board.url}?token=${boardToken(board)}#/experiments/1/jobs`);
    await page.locator('aup-board main aup-job-chart').waitFor({ state: 'attached' });
    // A selection made by one element (here fired from the chart's host) reaches the others.
    const got = await page.evaluate(() => {
      const root = document.querySelector('aup-board')!.shadowRoot!;
      const chart = root.querySelector('aup-job-chart')!;
      const selection = { source: 'aup-job-chart', ranges: { 'param:x': [0, 0.5] }, jobIds: null };
      chart.dispatchEvent(new CustomEvent('aup-selection-change', { detail: selection, bubbles: true, composed: true }));
      return new Promise((ok) =>
        requestAnimationFrame(() => ok((root.querySelector('aup-job-table') as unknown as { selection: unknown }).selection)),
      );
    });
    expect(got).toEqual({ source: 'aup-job-chart', ranges: { 'param:x': [0, 0.5] }, jobIds: null });
    await page.evaluate(() => {
      const chart = document.querySelector('aup-board')!.shadowRoot!.querySelector('aup-job-chart')!;
      chart.dispatchEvent(new CustomEvent('aup-open-job', { detail: { experimentId: 1, jobId: 2 }, bubbles: true, composed: true }));
    });
    // The table opens it in its row when it can (openJob), else the board's job panel does.
    const opened = await page.waitForFunction(() => {
      const root = document.querySelector('aup-board')!.shadowRoot!;
      const table = root.querySelector('aup-job-table') as (Element & { openJob?: unknown }) | null;
      if (table !== null && typeof table.openJob === 'function') return 'table';
      const panel = root.querySelector('[part="job-panel"] [data-field="job-score"]');
      return panel === null ? false : 'panel';
    });
    expect(['table', 'panel']).toContain(await opened.jsonValue());
    expect(errors).toEqual([]);
  });

  it('shows no control on a --read-only board', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${readOnly.url}#/`);
    await page.locator('aup-board aup-experiment-list tr[part="row"]').first().waitFor();
    await page.locator('aup-board [data-field="read-only"]').filter({ hasText: 'read-only' }).waitFor();
    for (const hash of ['#/', '#/experiments/1', '#/experiments/1/jobs', '#/create', '#/environment']) {
      await page.evaluate((h) => (location.hash = h), hash);
      await page.waitForFunction(() => document.querySelector('aup-board')!.shadowRoot!.querySelector('main > *') !== null);
      // Wait for the views to render before looking for buttons (a loading list has none yet).
      if (hash === '#/') {
        await page.locator('aup-experiment-list tr[part="row"]').first().waitFor();
        // The read-only buttons are there, so the absence of the others is not an empty page.
        expect(await page.locator('aup-experiment-list [data-action="config"]').count()).toBe(2);
      }
      expect(
        await page
          .locator(
            `aup-board ${CONTROL.split(', ')
              .map((c) => `main ${c}`)
              .join(', ')}`,
          )
          .count(),
      ).toBe(0);
    }
    expect(await page.locator('aup-board nav a[data-route="#/create"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('keeps stop and delete but offers no creating, starting or resetting on an attached board', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${attached.url}?token=${boardToken(attached)}#/`);
    await page.locator('aup-board aup-experiment-list tr[part="row"]').first().waitFor();
    await page.locator('aup-board header').filter({ hasText: 'attached' }).waitFor();
    expect(await page.locator('aup-experiment-list [data-action="delete"]').count()).toBe(2);
    for (const action of ['create', 'reset', 'copy', 'start', 'resume']) {
      expect([action, await page.locator(`aup-experiment-list [data-action="${action}"]`).count()]).toEqual([action, 0]);
    }
    expect(await page.locator('aup-board nav a[data-route="#/create"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('shows the auto-refresh indicator going from live to offline when the board stops', async () => {
    const tmpBoard = await startBoard({ db: join(tmp.dir, 'experiments.db'), cwd: tmp.dir, args: ['--read-only'] });
    const { page } = await openPage(chromium);
    await page.goto(`${tmpBoard.url}#/`);
    await page.locator('aup-board [part="live"][data-live="live"]').waitFor();
    await tmpBoard.stop();
    // Console errors are expected here (the page's requests fail): they are what offline means.
    await page.locator('aup-board [part="live"][data-live="offline"]').waitFor({ timeout: 20_000 });
  });
});
