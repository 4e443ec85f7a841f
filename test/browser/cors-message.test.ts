/**
 * An element on a page whose origin the board does not allow (no `--cors` for it) says so, and
 * names the option that fixes it; a board that is not there at all gets a different message. The
 * page is served by a static server on one origin, the board (a real aup-board over a real SQLite
 * file) runs on another.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  browserOrSkip,
  launchBrowser,
  openPage,
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

/** The text of `tag`'s error line (role=alert in its shadow root), once it shows one. */
async function alertText(page: Page, tag: string): Promise<string> {
  const alert = page.locator(`${tag} [role="alert"]`);
  await alert.waitFor({ timeout: 20_000 });
  return alert.innerText();
}

describe.skipIf(!browser.available)('an element pointed at a board that does not allow the page', () => {
  let chromium: Browser;
  let site: StaticServer;
  let board: Board;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir();
    site = await serveStatic({ '/index.html': testPage('<main id="main"></main>') });
    // No --cors: the board answers, but the browser keeps its answers from the page.
    board = await startBoard({ db: join(tmp.dir, 'experiments.db'), args: ['--create'] });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    await site?.close();
    tmp?.remove();
  });

  const show = async (html: string): Promise<Page> => {
    const { page } = await openPage(chromium);
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => customElements.get('aup-job-table') !== undefined);
    await page.evaluate((h) => (document.querySelector('#main')!.innerHTML = h), html);
    return page;
  };

  it.each(['aup-experiment-list', 'aup-job-table'])('<%s> says the board does not allow this origin and names --cors', async (tag) => {
    const page = await show(`<${tag} api="${board.api}" experiment="1"></${tag}>`);
    const text = await alertText(page, tag);
    expect(text).toContain(`does not allow pages from ${site.origin}`);
    expect(text).toContain(`--cors ${site.origin}`);
  });

  it('says a board that is not there cannot be reached, without blaming CORS', async () => {
    // A port nothing listens on: the static server's, once closed.
    const gone = await serveStatic({});
    await gone.close();
    const page = await show(`<aup-job-table api="${gone.origin}/api/v1" experiment="1"></aup-job-table>`);
    const text = await alertText(page, 'aup-job-table');
    expect(text).toContain(`Could not reach the board at ${gone.origin}`);
    expect(text).not.toContain('--cors');
  });
});
