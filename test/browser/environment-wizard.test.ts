/**
 * `<aup-environment-wizard>` on a real aup-board's page: RESET needs the confirmation, then the
 * board backs the database up (the path shown is a real file holding the old experiment) and the
 * list shows an empty store.
 */
import { existsSync } from 'node:fs';
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
} from './harness.js';

const browser = browserOrSkip();

describe.skipIf(!browser.available)('<aup-environment-wizard> against a real board', () => {
  let chromium: Browser;
  let board: Board;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir();
    runExperiment({
      db: join(tmp.dir, 'experiments.db'),
      dir: tmp.dir,
      files: { 'train.cjs': QUADRATIC_SCRIPT },
      config: {
        name: 'old',
        script: 'train.cjs',
        proposer: 'random',
        n_samples: 2,
        parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      },
    });
    board = await startBoard({ db: join(tmp.dir, 'experiments.db'), cwd: tmp.dir });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    tmp?.remove();
  });

  it('warns, asks for confirmation, resets to an empty store and shows the backup path', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${board.url}?token=${boardToken(board)}#/`);
    await page.locator('aup-experiment-list tr[part="row"]').first().waitFor();
    await page.locator('aup-experiment-list [data-action="reset"]').click();
    await page.waitForURL(/#\/environment$/);
    const wizard = page.locator('aup-environment-wizard');
    expect(await wizard.locator('[part="warning"]').innerText()).toContain('backup');
    const reset = wizard.locator('[data-action="reset"]');
    expect(await reset.isDisabled()).toBe(true);
    await wizard.locator('input[name="confirm"]').check();
    await reset.click();
    const backup = await wizard.locator('[data-field="backup"]').innerText();
    expect(backup).toMatch(/experiments\.backup-.+\.db$/);
    expect(existsSync(backup)).toBe(true);
    expect(await wizard.locator('[data-field="database"]').innerText()).toBe(join(tmp.dir, 'experiments.db'));

    await page.locator('aup-board a[data-route="#/"]').first().click();
    await page.locator('aup-experiment-list [part="message"]').filter({ hasText: 'No experiments yet' }).waitFor();
    const listed = (await (await fetch(`${board.api}/experiments`)).json()) as { experiments: unknown[] };
    expect(listed.experiments).toEqual([]);
    expect(errors).toEqual([]);
  });
});
