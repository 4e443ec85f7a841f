/**
 * The session token in the board page, in headless Chromium against real aup-board processes: the
 * page takes `?token=` out of the address bar into this tab's sessionStorage before anything
 * runs, serves no Referer, shows control only when it can use it, and on a board whose reads need
 * the token (one others can reach) still lists experiments and follows the live stream.
 */
import { join } from 'node:path';

import { openStore } from '@aup/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { boardToken, browserOrSkip, launchBrowser, openPage, startBoard, tempDir, type Board, type Browser } from './harness.js';

const browser = browserOrSkip();
const TOKEN_KEY = 'aup-board-token';
const CONTROL = '[data-action="create"], [data-action="reset"], [data-action="copy"], [data-action="delete"]';

describe.skipIf(!browser.available)('the session token on the board page', () => {
  let chromium: Browser;
  let tokened: Board;
  let exposed: Board;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'experiments.db');
    const store = await openStore(db, { create: true });
    try {
      const cfg = { name: 'visible', script: 'true', n_samples: 1 };
      const exp = await store.createExperiment({
        name: 'visible',
        user: 'ada',
        proposer: 'random',
        target: 'min',
        nSamples: 1,
        configRaw: cfg,
        config: cfg,
        workingDir: tmp.dir,
        host: {},
        git: {},
      });
      await store.updateExperiment(exp.id, { status: 'finished', startedAt: 1, endedAt: 2 });
    } finally {
      await store.close();
    }
    tokened = await startBoard({ db, cwd: tmp.dir });
    // Reached through a reverse proxy under another name: its reads need the token too.
    exposed = await startBoard({ db, cwd: tmp.dir, args: ['--allowed-host', 'board.example.org'] });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await tokened?.stop();
    await exposed?.stop();
    tmp?.remove();
  });

  it('moves ?token= out of the address bar into sessionStorage, and keeps control after a reload', async () => {
    const { page, errors } = await openPage(chromium);
    const token = boardToken(tokened);
    const response = await page.goto(`${tokened.url}?token=${token}#/`);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    await page.locator('aup-board aup-experiment-list [data-action="create"]').waitFor();
    expect(page.url()).toBe(`${tokened.url}#/`);
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBe(token);
    // The history entry holds the clean address too.
    expect(await page.evaluate(() => location.search)).toBe('');
    await page.reload();
    await page.locator('aup-board aup-experiment-list [data-action="create"]').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows no control when the board needs a token and the page has none', async () => {
    const { page } = await openPage(chromium);
    await page.goto(tokened.url);
    await page.locator('aup-board aup-experiment-list tr[part="row"]').first().waitFor();
    const health = await page.evaluate(async () => (await fetch('/api/v1/health')).json());
    expect(health).toMatchObject({ token_required: true, read_token_required: false });
    expect(await page.locator(`aup-board aup-experiment-list :is(${CONTROL})`).count()).toBe(0);
    await page.context().close();
  });

  it('on a board whose reads need the token, lists experiments and follows the live stream', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${exposed.url}?token=${boardToken(exposed)}`);
    await page.locator('aup-board aup-experiment-list tr[part="row"]').first().waitFor();
    expect(await page.locator('aup-board aup-experiment-list tr[part="row"]').first().textContent()).toContain('visible');
    await page.locator('aup-board [part="live"][data-live="live"]').waitFor();
    expect(page.url()).not.toContain('token=');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('on a board whose reads need the token, a page without it reads nothing', async () => {
    const { page } = await openPage(chromium);
    await page.goto(exposed.url);
    const status = await page.evaluate(async () => (await fetch('/api/v1/experiments')).status);
    expect(status).toBe(401);
    expect(await page.locator(`aup-board aup-experiment-list :is(${CONTROL})`).count()).toBe(0);
    await page.context().close();
  });
});
