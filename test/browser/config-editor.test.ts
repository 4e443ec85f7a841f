/**
 * `<aup-config-editor>` on a real aup-board's page: the validation panel shows the board's
 * problems at their JSON paths while typing, and CREATE (with "Start it now") makes an
 * experiment that a real runner takes to the end.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  boardToken,
  browserOrSkip,
  launchBrowser,
  openPage,
  QUADRATIC_SCRIPT,
  startBoard,
  tempDir,
  type Board,
  type Browser,
} from './harness.js';

const browser = browserOrSkip();

describe.skipIf(!browser.available)('<aup-config-editor> against a real board', () => {
  let chromium: Browser;
  let board: Board;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir();
    writeFileSync(join(tmp.dir, 'train.cjs'), QUADRATIC_SCRIPT, { mode: 0o755 });
    board = await startBoard({ db: join(tmp.dir, 'experiments.db'), args: ['--create'], cwd: tmp.dir });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    tmp?.remove();
  });

  it('shows a bad config’s problems at their JSON paths, then creates and runs a good one', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${board.url}?token=${boardToken(board)}#/create`);
    const editor = page.locator('aup-config-editor textarea[part="editor"]');
    await editor.waitFor();

    const bad = { name: 'typo', script: 'train.cjs', n_samples: 0, parameter_config: [{ name: 'x', range: [0, 'one'], type: 'float' }] };
    await editor.fill(JSON.stringify(bad, null, 2));
    const range = page.locator('aup-config-editor [part="problem"][data-path="parameter_config[0].range"]');
    await range.waitFor();
    expect(await range.innerText()).toContain('two numbers');
    expect(await page.locator('aup-config-editor [part="problem"][data-path="n_samples"]').count()).toBe(1);

    // Accepted as Auptimizer accepted it, but flagged, as `aup run` prints its warnings.
    await editor.fill(JSON.stringify({ script: 'train.cjs', n_samples: 1, my_notes: 'kept', parameter_config: [{ name: 'x' }] }, null, 2));
    await page.locator('aup-config-editor [data-validation="valid"]').waitFor();
    const notes = page.locator('aup-config-editor [part="warning"][data-path="my_notes"]');
    await notes.waitFor();
    expect(await notes.innerText()).toMatch(/unknown/i);
    expect(await page.locator('aup-config-editor [part="warning"]').count()).toBeGreaterThanOrEqual(2);

    // Broken syntax is caught before asking the board, with its line.
    await editor.fill('{\n  "name": "x",\n  "n_samples": \n}');
    await page.locator('aup-config-editor [data-validation="syntax"]').waitFor();

    const good = {
      name: 'from-the-editor',
      script: 'train.cjs',
      proposer: 'random',
      random_seed: 1,
      n_samples: 3,
      target: 'min',
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
    };
    await editor.fill(JSON.stringify(good, null, 2));
    await page.locator('aup-config-editor [data-validation="valid"]').waitFor();
    // The panel shows the values as aup reads them, defaults filled in.
    const values = await page.locator('aup-config-editor [data-field="values"]').innerText();
    expect(values).toContain('n_parallel');
    expect(values).toContain('from-the-editor');

    await page.locator('aup-config-editor [data-action="create"]').click();
    // The board opens the new experiment's overview, which follows the run to its end.
    await page.waitForURL(/#\/experiments\/1$/);
    await page.locator('aup-experiment-overview [data-status="finished"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('aup-experiment-overview [data-field="progress"]').innerText()).toBe('3 / 3');
    expect(errors).toEqual([]);
  });

  it('accepts YAML and converts between the notations', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${board.url}?token=${boardToken(board)}#/create`);
    const editor = page.locator('aup-config-editor textarea[part="editor"]');
    await editor.waitFor();
    await page.locator('aup-config-editor input[name="format"][value="yaml"]').check();
    expect(await editor.inputValue()).toContain('name: my-experiment');
    await editor.fill('script: train.cjs\nn_samples: 2\nparameter_config:\n  - name: x\n    range: [0, "a"]\n    type: float\n');
    await page.locator('aup-config-editor [part="problem"][data-path="parameter_config[0].range"]').waitFor();
    expect(errors).toEqual([]);
  });
});
