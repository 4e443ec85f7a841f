/**
 * Every element keeps all its parts inside the box its page gives it. Each element is embedded as
 * docs/guides/embedding.md shows (a plain page on another origin, the bundle, `api` pointing at a
 * real aup-board started with `--cors` for that page, a real experiment recorded by `aup run`), in
 * three boxes: a fixed height (the page's width), a fixed width (its own height) and narrow (320 px
 * wide, fixed height). Once it has drawn, every element and every piece of text in its shadow tree
 * (nested elements' shadow trees included) is measured in Chromium: the part of it that can be
 * seen (clipped by the scrolling or clipping boxes it sits in) must lie inside the host's box.
 * A host that scrolls keeps what it scrolls inside (every element scrolls what does not fit).
 * What spills out is drawn over whatever the page put next to the element (issue 13: the job
 * table's pager 70 px below a 500-px table, over the HIG that followed it).
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RECORDING_SCRIPT, recordingConfig } from './chart-fixtures.js';
import {
  browserOrSkip,
  launchBrowser,
  openPage,
  runExperiment,
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

/** The boxes a page gives an element (its inline style). */
const BOXES: Record<string, string> = {
  'fixed height': 'display:block;height:420px',
  'fixed width': 'display:block;width:640px',
  narrow: 'display:block;width:320px;height:480px',
};

/**
 * Every element, with the attributes that make it show an experiment, and the parts (CSS
 * selectors, looked up through shadow roots) that say it has finished drawing.
 */
const ELEMENTS: Record<string, { attrs: string; ready: string[] }> = {
  'aup-experiment-list': { attrs: '', ready: ['[part="row"]'] },
  'aup-experiment-overview': { attrs: 'experiment="1"', ready: ['[part="summary"]', '[part="config"]'] },
  'aup-job-table': { attrs: 'experiment="1"', ready: ['.tabulator-row', '.tabulator-paginator'] },
  'aup-hig': { attrs: 'experiment="1"', ready: ['[part="axis"]', 'canvas'] },
  'aup-job-chart': { attrs: 'experiment="1"', ready: ['[part="chart"] svg'] },
  'aup-intermediate': { attrs: 'experiment="1"', ready: ['[part="chart"] svg'] },
  'aup-compare': { attrs: 'experiments="1"', ready: ['[part="chart"] svg'] },
  'aup-config-editor': { attrs: '', ready: ['[part="editor"]'] },
  'aup-environment-wizard': { attrs: '', ready: ['[part="reset"], [part="warning"]'] },
  // The board's own parts, and the rows of the experiment list it shows (in that element's shadow root).
  'aup-board': { attrs: '', ready: ['[part="main"]', '[part="row"]'] },
};

/**
 * Elements that fit themselves to a fixed height (the job table with its pager, the HIG's plot):
 * in every box they need no scrolling. The others scroll inside their box what does not fit (a
 * long config, the intermediate view's records below its chart).
 */
const FITS = ['aup-job-table', 'aup-hig'];

/** A part drawn outside the host: where it is and by how many pixels it passes each edge. */
interface Spill {
  part: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** In the page: whether every `ready` selector matches somewhere in `tag`'s shadow tree. */
function isReady(page: Page, tag: string, ready: string[]): Promise<boolean> {
  return page.evaluate(
    ([t, sels]) => {
      const find = (root: ParentNode, sel: string): boolean => {
        if (root.querySelector(sel) !== null) return true;
        for (const el of Array.from(root.querySelectorAll('*'))) if (el.shadowRoot && find(el.shadowRoot, sel)) return true;
        return false;
      };
      const host = document.querySelector(t);
      return host?.shadowRoot != null && sels.every((s) => find(host.shadowRoot!, s));
    },
    [tag, ready] as const,
  );
}

/** In the page: the parts of `tag` drawn outside its box (1 px of rounding allowed). */
function spills(page: Page, tag: string): Promise<Spill[]> {
  return page.evaluate((t) => {
    const SLACK = 1;
    type Box = { left: number; top: number; right: number; bottom: number };
    const host = document.querySelector(t)!;
    const h = host.getBoundingClientRect();
    const out: Array<{ part: string; left: number; top: number; right: number; bottom: number }> = [];
    const name = (el: Element): string => {
      const part = el.getAttribute('part');
      const cls =
        typeof el.className === 'string' && el.className !== '' ? `.${el.className.trim().split(/\s+/).slice(0, 2).join('.')}` : '';
      return `${el.localName}${part ? `[part=${part}]` : ''}${cls}`;
    };
    const intersect = (a: Box, b: Box): Box => ({
      left: Math.max(a.left, b.left),
      top: Math.max(a.top, b.top),
      right: Math.min(a.right, b.right),
      bottom: Math.min(a.bottom, b.bottom),
    });
    /** Whether the visible part of `r` passes the host's box; reports it when `report`. */
    const check = (r: Box, clip: Box, label: string, report: boolean): boolean => {
      const v = intersect(r, clip);
      if (v.right - v.left <= 0 || v.bottom - v.top <= 0) return false; // clipped away or empty: not drawn
      const past = { left: h.left - v.left, top: h.top - v.top, right: v.right - h.right, bottom: v.bottom - h.bottom };
      if (!Object.values(past).some((d) => d > SLACK)) return false;
      if (report)
        out.push({ part: label, ...Object.fromEntries(Object.entries(past).map(([k, d]) => [k, Math.max(0, Math.round(d))])) } as never);
      return true;
    };
    /** The part of `clip` that `el`'s overflow clipping (or scrolling) leaves visible. */
    const clipBy = (el: Element, style: CSSStyleDeclaration, r: DOMRect, clip: Box): Box => {
      if (style.overflowX === 'visible' && style.overflowY === 'visible') return clip;
      // Its padding box; SVG elements have no client box: their own rectangle.
      const box =
        el.clientWidth === 0 && el.clientHeight === 0
          ? r
          : {
              left: r.left + el.clientLeft,
              top: r.top + el.clientTop,
              right: r.left + el.clientLeft + el.clientWidth,
              bottom: r.top + el.clientTop + el.clientHeight,
            };
      return {
        left: style.overflowX !== 'visible' ? Math.max(clip.left, box.left) : clip.left,
        right: style.overflowX !== 'visible' ? Math.min(clip.right, box.right) : clip.right,
        top: style.overflowY !== 'visible' ? Math.max(clip.top, box.top) : clip.top,
        bottom: style.overflowY !== 'visible' ? Math.min(clip.bottom, box.bottom) : clip.bottom,
      };
    };
    // Only the outermost part that spills is reported (its children spill with it).
    const visit = (node: Node, clip: Box, path: string, report: boolean): void => {
      if (node.nodeType === Node.TEXT_NODE) {
        if ((node.textContent ?? '').trim() === '') return;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of Array.from(range.getClientRects()))
          if (check(r, clip, `${path} "${(node.textContent ?? '').trim().slice(0, 30)}"`, report)) return;
        return;
      }
      if (!(node instanceof Element)) return;
      if (['style', 'script', 'template', 'option', 'title', 'desc'].includes(node.localName)) return;
      const style = getComputedStyle(node);
      if (style.display === 'none') return;
      const label = `${path} > ${name(node)}`;
      // Not drawn: hidden, or inside a closed <details> (whose boxes still measure).
      if (!node.checkVisibility({ contentVisibilityAuto: true })) return;
      const r = node.getBoundingClientRect();
      const spilled = style.visibility !== 'hidden' && r.width > 0 && r.height > 0 && check(r, clip, label, report);
      // A box that clips or scrolls its overflow hides what passes its padding box.
      const inner = clipBy(node, style, r, clip);
      if (node.shadowRoot) for (const c of Array.from(node.shadowRoot.childNodes)) visit(c, inner, label, report && !spilled);
      for (const c of Array.from(node.childNodes)) visit(c, inner, label, report && !spilled);
    };
    // A host that scrolls (or clips) its content keeps it inside by itself.
    const all = clipBy(host, getComputedStyle(host), h, { left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity });
    for (const c of Array.from(host.shadowRoot!.childNodes)) visit(c, all, t, true);
    return out;
  }, tag);
}

describe.skipIf(!browser.available)('every element stays inside the box its page gives it', () => {
  let chromium: Browser;
  let site: StaticServer;
  let board: Board;
  let tmp: ReturnType<typeof tempDir>;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'experiments.db');
    runExperiment({
      db,
      dir: tmp.dir,
      files: { 'train.cjs': RECORDING_SCRIPT },
      config: recordingConfig('boxed', { nSamples: 6, seed: 3 }),
    });
    // The page below the element: something the element must not draw over.
    site = await serveStatic({ '/index.html': testPage('<main id="main"></main><p id="after">After the element</p>') });
    board = await startBoard({ db, cors: [site.origin] });
    chromium = await launchBrowser();
    ({ page, errors } = await openPage(chromium));
    await page.setViewportSize({ width: 1024, height: 900 });
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => customElements.get('aup-board') !== undefined);
  });
  afterAll(async () => {
    await chromium?.close();
    await board?.stop();
    await site?.close();
    tmp?.remove();
  });

  const cases = Object.keys(ELEMENTS).flatMap((tag) => Object.keys(BOXES).map((box) => [tag, box] as const));

  it.each(cases)('<%s> in a box of %s', async (tag, box) => {
    const { attrs, ready } = ELEMENTS[tag]!;
    await page.evaluate(
      ([t, a, style, api]) => {
        document.querySelector('#main')!.innerHTML = `<${t} api="${api}" ${a} style="${style}"></${t}>`;
      },
      [tag, attrs, BOXES[box]!, board.api] as const,
    );
    await expect.poll(() => isReady(page, tag, ready), { timeout: 20_000 }).toBe(true);
    // Drawn once the layout holds still (charts size themselves to their box after a first frame).
    let last = '';
    await expect
      .poll(
        async () => {
          const now = JSON.stringify(await spills(page, tag));
          const same = now === last;
          last = now;
          return same;
        },
        { timeout: 10_000, interval: 300 },
      )
      .toBe(true);
    expect(JSON.parse(last)).toEqual([]);
    if (FITS.includes(tag)) {
      // Fitted, not scrolled: the table with its pager, or the plot, in what the toolbar leaves.
      const scroll = await page.evaluate((t) => {
        const el = document.querySelector(t)!;
        return { x: el.scrollWidth - el.clientWidth, y: el.scrollHeight - el.clientHeight };
      }, tag);
      expect(scroll).toEqual({ x: 0, y: 0 });
    }
    expect(errors).toEqual([]);
  });
});
