import embed, { type EmbedOptions, type Result } from 'vega-embed';
import type { TopLevelSpec } from 'vega-lite';

import type { ChartTooltip } from './chart-tooltip.js';

/** What one chart shows: a spec, the data sets it reads by name, and how it is drawn. */
export interface ChartContent {
  spec: TopLevelSpec;
  /**
   * Everything but the data that shapes the chart (theme, scale types, fields, renderer). While
   * it stays the same, new data replaces the named data sets in the running view, so zoom and
   * pan survive a live update; when it changes, the chart is embedded anew.
   */
  key: string;
  /** Named data sets of the spec (`data: { name }`), replaced in place on an update. */
  data: Readonly<Record<string, readonly object[]>>;
  renderer: 'svg' | 'canvas';
}

/** The datum of the mark under a click and its mark type (`symbol`, `line`, ...), or undefined (a click on the background). */
export type ChartClick = (datum: Record<string, unknown> | undefined, event: MouseEvent, markType: string | undefined) => void;

/**
 * The embed options every chart uses. `ast: true` makes Vega keep expressions as syntax trees and
 * vega-embed evaluate them with vega-interpreter (which it bundles), so no expression is compiled
 * with `new Function`: the board page's Content-Security-Policy has no 'unsafe-eval'.
 * `defaultStyle: false` keeps vega-embed from writing a `<style>` with innerHTML (we adopt
 * `vegaEmbedStyles` instead), and `forceActionsMenu` keeps the menu it would then drop. Only the
 * PNG/SVG export actions are offered: the source and editor actions open other windows or sites.
 */
export function embedOptions(renderer: 'svg' | 'canvas', tooltip: ChartTooltip | undefined): EmbedOptions {
  return {
    ast: true,
    renderer,
    defaultStyle: false,
    forceActionsMenu: true,
    actions: { export: true, source: false, compiled: false, editor: false },
    // Without our tooltip, none: vega-tooltip's default would put global CSS in the page's head.
    tooltip: tooltip === undefined ? false : tooltip.handler,
    downloadFileName: 'aup-chart',
  };
}

/**
 * Embeds a Vega-Lite spec the way every aup chart does (CSP-safe expression interpreter, no
 * injected styles; see embedOptions), for pages that draw charts of their own. Call the
 * result's `finalize()` when the chart goes away.
 */
export function embedVegaLite(
  container: HTMLElement,
  spec: TopLevelSpec,
  opts: { renderer?: 'svg' | 'canvas'; tooltip?: ChartTooltip } = {},
): Promise<Result> {
  return embed(container, spec as never, embedOptions(opts.renderer ?? 'svg', opts.tooltip));
}

/**
 * One vega-embed view inside an element's shadow root: embeds a spec into a container, swaps data
 * in place while the chart's shape stays the same, follows the container's width, and
 * finalizes the view (vega-embed's `finalize()`) when asked. Calls are serialised; when several
 * come while an embed is under way only the newest is drawn.
 */
export class VegaChart {
  private readonly tooltip: ChartTooltip;
  private readonly onClick: ChartClick | undefined;
  private result: Result | undefined;
  private key: string | undefined;
  private container: HTMLElement | undefined;
  private resize: ResizeObserver | undefined;
  private wanted: { container: HTMLElement; content: ChartContent } | undefined;
  private running: Promise<void> | undefined;
  /** How many times a spec was embedded (for tests and the benchmark: an update that kept the view leaves it alone). */
  embeds = 0;

  constructor(tooltip: ChartTooltip, onClick?: ChartClick) {
    this.tooltip = tooltip;
    this.onClick = onClick;
  }

  /** The running Vega view, once embedded. */
  get view(): Result['view'] | undefined {
    return this.result?.view;
  }

  /** Shows `content` in `container`; resolves once it is drawn (or superseded by a newer call). */
  show(container: HTMLElement, content: ChartContent): Promise<void> {
    this.wanted = { container, content };
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Removes the view and its listeners (vega-embed's finalize). Safe to call twice. */
  finalize(): void {
    this.wanted = undefined;
    this.resize?.disconnect();
    this.resize = undefined;
    this.result?.finalize();
    this.result = undefined;
    this.key = undefined;
    this.container?.replaceChildren();
    this.container = undefined;
    this.tooltip.hide();
  }

  private async drain(): Promise<void> {
    while (this.wanted !== undefined) {
      const { container, content } = this.wanted;
      this.wanted = undefined;
      if (this.result !== undefined && this.key === content.key && this.container === container) {
        const view = this.result.view;
        for (const [name, rows] of Object.entries(content.data)) view.data(name, rows as object[]);
        await view.runAsync();
      } else {
        await this.embedInto(container, content);
      }
    }
  }

  private async embedInto(container: HTMLElement, content: ChartContent): Promise<void> {
    this.resize?.disconnect();
    this.result?.finalize();
    this.result = undefined;
    const result = await embedVegaLite(container, content.spec, { renderer: content.renderer, tooltip: this.tooltip });
    this.embeds += 1;
    this.result = result;
    this.key = content.key;
    this.container = container;
    if (this.onClick !== undefined) {
      const onClick = this.onClick;
      result.view.addEventListener('click', (event, item) => {
        const hit = item as { datum?: Record<string, unknown>; mark?: { marktype?: string } } | null | undefined;
        onClick(hit?.datum, event as MouseEvent, hit?.mark?.marktype);
      });
    }
    // Vega-Lite's `width: "container"` reads the container once and then follows window resizes
    // only; an element in a resizable panel needs the container's own size.
    const wrapper = result.view.container();
    if (wrapper !== null && typeof ResizeObserver !== 'undefined') {
      let last = contentWidth(wrapper);
      this.resize = new ResizeObserver(() => {
        const width = contentWidth(wrapper);
        if (width > 0 && Math.abs(width - last) >= 1 && this.result === result) {
          last = width;
          void result.view.width(width).runAsync();
        }
      });
      this.resize.observe(wrapper);
    }
  }
}

/** An element's width inside its padding (what Vega's `containerSize()` measures). */
function contentWidth(el: HTMLElement): number {
  const style = getComputedStyle(el);
  return el.clientWidth - (parseFloat(style.paddingLeft) || 0) - (parseFloat(style.paddingRight) || 0);
}
