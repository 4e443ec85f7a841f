import { LitElement, type PropertyDeclarations, type PropertyValues } from 'lit';

import type { ChartTheme } from '../specs/chart-theme.js';
import { ChartTooltip } from './chart-tooltip.js';
import { readChartTheme } from './read-chart-theme.js';
import { VegaChart, type ChartContent } from './vega-chart.js';

/** One chart of an element: where it goes, what it is drawn from, and how to build it. */
export interface ChartSlot {
  /** The `data-slot` of its container, a `<div class="chart" data-slot=...>` in the template. */
  name: string;
  /**
   * Everything the chart is drawn from (data, options, selection). It is rebuilt only when one of
   * them changed (compared with ===) or the theme did: a render for the tooltip, or a toolbar
   * change that does not touch this chart, leaves the view alone.
   */
  inputs: readonly unknown[];
  /** What to draw, or undefined for nothing (loading, no data). */
  content(theme: ChartTheme): ChartContent | undefined;
}

interface SlotState {
  chart: VegaChart;
  inputs: readonly unknown[] | undefined;
  drawn: Promise<void>;
}

/**
 * What the Vega-Lite charts (`<aup-job-chart>`, `<aup-intermediate>`, `<aup-compare>`) share: the
 * `theme` attribute, a re-render when the system's colour scheme flips, the chart colours read
 * from the `--aup-*` tokens, vega-embed views in the shadow root with one tooltip, and
 * `finalize()` of every view when the element leaves the page.
 */
export abstract class AupChartElement extends LitElement {
  static override properties: PropertyDeclarations = {
    theme: { type: String, reflect: true },
  };

  /** `light` or `dark`; unset follows `prefers-color-scheme`. */
  theme?: 'light' | 'dark';

  protected readonly tooltip = new ChartTooltip(this);
  /** A failure to draw (a spec Vega refused), by slot: shown instead of that chart. */
  protected chartErrors = new Map<string, string>();

  private readonly slots = new Map<string, SlotState>();
  private scheme: MediaQueryList | undefined;
  private readonly onSchemeChange = (): void => this.requestUpdate();

  override connectedCallback(): void {
    super.connectedCallback();
    this.scheme = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
    this.scheme?.addEventListener('change', this.onSchemeChange);
    // Back on the page after a move: the views were finalized, draw them again.
    if (this.hasUpdated) this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.scheme?.removeEventListener('change', this.onSchemeChange);
    this.scheme = undefined;
    for (const slot of this.slots.values()) {
      slot.chart.finalize();
      slot.inputs = undefined;
    }
  }

  /** Resolves once the element has rendered and its charts are drawn with the current data. */
  get chartComplete(): Promise<void> {
    return this.updateComplete.then(() => Promise.all([...this.slots.values()].map((s) => s.drawn))).then(() => undefined);
  }

  /** How many times the chart of `slot` was embedded anew (a data-only update keeps the view). */
  chartEmbeds(slot = 'main'): number {
    return this.slots.get(slot)?.chart.embeds ?? 0;
  }

  /** The Vega view of a slot, once drawn (for pages that want to export or inspect it). */
  chartView(slot = 'main'): VegaChart['view'] {
    return this.slots.get(slot)?.chart.view;
  }

  /** The error message shown for a slot, if drawing it failed. */
  protected chartError(slot = 'main'): string | undefined {
    return this.chartErrors.get(slot);
  }

  /** The chart colours as the element is styled now. */
  protected chartTheme(): ChartTheme {
    return readChartTheme(this);
  }

  /** The element's charts. Called after every render. */
  protected abstract chartSlots(): ChartSlot[];

  /** A click on a chart (`datum` is the mark's data row, undefined on the background; `markType` e.g. `symbol`). */
  protected onChartClick(_slot: string, _datum: Record<string, unknown> | undefined, _markType: string | undefined): void {}

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const anchor = this.renderRoot.querySelector<HTMLElement>('.chart-area');
    if (anchor !== null) this.tooltip.anchor = anchor;
    const theme = this.chartTheme();
    const themeKey = JSON.stringify(theme);
    for (const slot of this.chartSlots()) {
      const container = this.renderRoot.querySelector<HTMLElement>(`.chart[data-slot="${slot.name}"]`);
      let state = this.slots.get(slot.name);
      if (state === undefined) {
        const name = slot.name;
        state = {
          chart: new VegaChart(this.tooltip, (datum, _event, markType) => this.onChartClick(name, datum, markType)),
          inputs: undefined,
          drawn: Promise.resolve(),
        };
        this.slots.set(slot.name, state);
      }
      if (container === null) {
        state.chart.finalize();
        state.inputs = undefined;
        continue;
      }
      const inputs = [themeKey, container, ...slot.inputs];
      const last = state.inputs;
      if (last !== undefined && last.length === inputs.length && inputs.every((v, i) => v === last[i])) continue;
      state.inputs = inputs;
      let content: ChartContent | undefined;
      try {
        content = slot.content(theme);
      } catch (e) {
        this.setChartError(slot.name, e);
        continue;
      }
      if (content === undefined) {
        state.chart.finalize();
        continue;
      }
      const name = slot.name;
      state.drawn = state.chart.show(container, content).then(
        () => this.setChartError(name, undefined),
        (e: unknown) => this.setChartError(name, e),
      );
    }
  }

  private setChartError(slot: string, e: unknown): void {
    const message = e === undefined ? undefined : ((e as Error)?.message ?? String(e));
    if (message === this.chartErrors.get(slot)) return;
    if (message === undefined) this.chartErrors.delete(slot);
    else this.chartErrors.set(slot, message);
    this.requestUpdate();
  }
}
