/**
 * `<aup-experiment-overview>` on a real aup-board's page over two experiments run by `aup run`:
 * the best score with its hyperparameters (checked against the API), and the selector switching
 * experiments without going back; a one-shot experiment shows its config only.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
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

describe.skipIf(!browser.available)('<aup-experiment-overview> against a real board', () => {
  let chromium: Browser;
  let board: Board;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'experiments.db');
    // A one-shot script: no hyperparameters to read, one fixed score.
    const files = { 'train.cjs': QUADRATIC_SCRIPT, 'once.cjs': "#!/usr/bin/env node\nconsole.error('#Auptimizer:0.5');\n" };
    runExperiment({
      db,
      dir: tmp.dir,
      files,
      config: {
        name: 'tuned',
        script: 'train.cjs',
        proposer: 'random',
        random_seed: 5,
        n_samples: 4,
        target: 'min',
        parameter_config: [
          { name: 'x', range: [0, 1], type: 'float' },
          { name: 'y', range: [0, 1], type: 'float' },
        ],
      },
    });
    runExperiment({ db, dir: tmp.dir, files, config: { name: 'one-shot', script: 'once.cjs', n_samples: 1, parameter_config: [] } });
    // Warm-started from experiment 1, and ended by its target score at its first job (every score is at most 1.49).
    runExperiment({
      db,
      dir: tmp.dir,
      files,
      config: {
        name: 'warm',
        script: 'train.cjs',
        proposer: 'hyperopt',
        n_samples: 5,
        target: 'min',
        warm_start: [1],
        stop: { target_score: 10 },
        parameter_config: [
          { name: 'x', range: [0, 1], type: 'float' },
          { name: 'y', range: [0, 1], type: 'float' },
        ],
      },
    });
    board = await startBoard({ db, cwd: tmp.dir, args: ['--read-only'] });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    tmp?.remove();
  });

  it('shows the best score with its hyperparameters, and switches experiments with the selector', async () => {
    const api = (await (await fetch(`${board.api}/experiments/1`)).json()) as {
      best_job: { score: number; params: Record<string, number> };
    };
    const { page, errors } = await openPage(chromium);
    await page.goto(`${board.url}#/experiments/1`);
    const overview = page.locator('aup-experiment-overview');
    const best = overview.locator('[data-field="best-score"]');
    await best.waitFor();
    expect(Number(await best.getAttribute('title'))).toBe(api.best_job.score);
    const params = await overview.locator('[data-field="best-params"]').innerText();
    expect(params).toContain('x');
    expect(params).toContain('y');
    expect(await overview.locator('[data-field="progress"]').innerText()).toBe('4 / 4');
    expect(await overview.locator('[data-field="elapsed"]').innerText()).toMatch(/\d+ s|min/);
    expect(await overview.locator('[part="config"] pre').innerText()).toContain('"parameter_config"');

    await overview.locator('select[part="selector"]').selectOption('2');
    await page.waitForURL(/#\/experiments\/2$/);
    await overview.locator('h2').filter({ hasText: 'one-shot' }).waitFor();
    // One-shot: no hyperparameters, so no best-params card; the config is there.
    expect(await overview.locator('[part="best"]').count()).toBe(0);
    expect(await overview.locator('[part="config"]').innerText()).toContain('one-shot experiment');
    await page.goBack();
    await overview.locator('h2').filter({ hasText: 'tuned' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('says why an experiment ended and which experiments warm-started it', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${board.url}#/experiments/3`);
    const overview = page.locator('aup-experiment-overview');
    const reason = overview.locator('[data-field="stop-reason"]');
    await reason.waitFor();
    expect(await reason.getAttribute('data-reason')).toBe('target_score');
    expect(await reason.innerText()).toBe('the best score reached stop.target_score');
    expect(await overview.locator('[data-field="progress"]').innerText()).toBe('1 / 5');
    const warm = overview.locator('[data-field="warm-start"]');
    expect(await warm.innerText()).toBe('from experiment 1 (4 jobs)');
    expect(await warm.getAttribute('title')).toContain('experiment 1: 4 told');
    // An experiment that ran all its jobs says so; one without a warm start shows no such line.
    await page.goto(`${board.url}#/experiments/1`);
    await overview.locator('h2').filter({ hasText: 'tuned' }).waitFor();
    expect(await overview.locator('[data-field="stop-reason"]').innerText()).toBe('all n_samples jobs ran');
    expect(await overview.locator('[data-field="warm-start"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
