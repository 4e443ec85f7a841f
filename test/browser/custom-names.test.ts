/**
 * Registering the widgets' classes under a page's own tag names, as docs/guides/embedding.md shows
 * (`customElements.define('my-table', AupJobTable)`), on a page that has loaded the bundle (which
 * registers every `aup-*` tag): every exported element class can be defined again under another
 * name, renders there, and the `aup-*` tags keep working beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserOrSkip, launchBrowser, openPage, serveStatic, testPage, type Browser, type StaticServer } from './harness.js';

const browser = browserOrSkip();

/** Every element class the package exports, by the tag the package registers it under. */
const CLASSES: Record<string, string> = {
  'aup-board': 'AupBoard',
  'aup-compare': 'AupCompare',
  'aup-config-editor': 'AupConfigEditor',
  'aup-environment-wizard': 'AupEnvironmentWizard',
  'aup-experiment-list': 'AupExperimentList',
  'aup-experiment-overview': 'AupExperimentOverview',
  'aup-hig': 'AupHig',
  'aup-intermediate': 'AupIntermediate',
  'aup-job-chart': 'AupJobChart',
  'aup-job-table': 'AupJobTable',
};

const JOBS = [
  {
    id: 1,
    trial: 0,
    status: 'finished',
    score: 0.81,
    metrics: {},
    params: { lr: 0.01, layers: 2 },
    budget: null,
    attempts: 1,
    started_at: '2026-01-05T10:00:00Z',
    ended_at: '2026-01-05T10:01:10Z',
  },
  {
    id: 2,
    trial: 1,
    status: 'finished',
    score: 0.86,
    metrics: {},
    params: { lr: 0.003, layers: 3 },
    budget: null,
    attempts: 1,
    started_at: '2026-01-05T10:01:10Z',
    ended_at: '2026-01-05T10:02:30Z',
  },
  {
    id: 3,
    trial: 2,
    status: 'failed',
    score: null,
    metrics: {},
    params: { lr: 0.05, layers: 1 },
    budget: null,
    attempts: 1,
    started_at: '2026-01-05T10:02:30Z',
    ended_at: '2026-01-05T10:03:20Z',
  },
];

describe.skipIf(!browser.available)('the element classes under a page’s own names', () => {
  let chromium: Browser;
  let site: StaticServer;

  beforeAll(async () => {
    // The bundle is loaded twice on purpose: by the <script> in the head (registering every aup-*
    // tag) and by the page's own import of its classes, as a page that uses both would.
    site = await serveStatic({
      '/index.html': testPage(
        '<my-table></my-table><aup-job-table id="stock"></aup-job-table><p id="result"></p>',
        `
import * as widgets from '/aup-widgets.js';
const classes = ${JSON.stringify(CLASSES)};
const result = {};
for (const [tag, name] of Object.entries(classes)) {
  // The job table under the name the guide uses; the others as my-<name>.
  const own = tag === 'aup-job-table' ? 'my-table' : 'my-' + tag.slice(4);
  try {
    customElements.define(own, widgets[name]);
    result[tag] = 'defined';
  } catch (e) {
    result[tag] = e.name + ': ' + e.message;
  }
}
for (const el of document.querySelectorAll('my-table, #stock')) el.data = ${JSON.stringify(JOBS)};
// The class a page imports is the element either tag makes (instanceof holds).
const facts = {
  stockIsTable: document.createElement('aup-job-table') instanceof widgets.AupJobTable,
  ownIsTable: document.createElement('my-table') instanceof widgets.AupJobTable,
  ownTag: customElements.get('my-table') === widgets.AupJobTable,
};
document.querySelector('#result').textContent = JSON.stringify({ result, facts });
`,
      ),
    });
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await site?.close();
  });

  it('defines every exported class under another tag after the bundle registered the aup-* ones', async () => {
    const { page, errors } = await openPage(chromium);
    await page.goto(`${site.origin}/`);
    await page.locator('#result').filter({ hasText: '{' }).waitFor();
    const { result, facts } = JSON.parse(await page.locator('#result').innerText()) as {
      result: Record<string, string>;
      facts: Record<string, boolean>;
    };
    expect(result).toEqual(Object.fromEntries(Object.keys(CLASSES).map((t) => [t, 'defined'])));
    expect(facts).toEqual({ stockIsTable: true, ownIsTable: true, ownTag: true });
    // Both tags work: the page's own and the package's.
    for (const sel of ['my-table', '#stock']) {
      await expect.poll(() => page.locator(`${sel} .tabulator-row`).count()).toBe(JOBS.length);
    }
    expect(errors).toEqual([]);
  });
});
