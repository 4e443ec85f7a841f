import { css, html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';

/** One line of a tooltip: a field's title and its value as text. */
export interface TooltipEntry {
  key: string;
  value: string;
}

/** Pixels between the pointer and the tooltip's corner. */
const OFFSET = 12;
/** Longest value shown before it is cut (a long param value must not cover the chart). */
const MAX_VALUE_CHARS = 120;

/**
 * A chart tooltip that lives in the element's shadow root, drawn by Lit. vega-tooltip's handler
 * would add a `<style>` to the document's head and its element to the body: global CSS and an
 * element outside the widget, which the house style rules out. `handler` is Vega's
 * TooltipHandler signature, so it plugs into `view.tooltip()` (vega-embed's `tooltip` option).
 */
export class ChartTooltip implements ReactiveController {
  private readonly host: ReactiveControllerHost;
  private entries: TooltipEntry[] = [];
  private x = 0;
  private y = 0;
  private flip = false;
  /** The element the tooltip is positioned in (its `position: relative` wrapper). */
  anchor: HTMLElement | undefined;

  constructor(host: ReactiveControllerHost) {
    this.host = host;
    host.addController(this);
  }

  hostDisconnected(): void {
    this.hide();
  }

  /** Vega's tooltip handler: `value` null or empty hides it. */
  readonly handler = (_view: unknown, event: MouseEvent, _item: unknown, value: unknown): void => {
    if (value === null || value === undefined || value === '') return this.hide();
    this.showAt(event.clientX, event.clientY, tooltipEntries(value));
  };

  /** Shows `entries` at a client (viewport) position. */
  showAt(clientX: number, clientY: number, entries: TooltipEntry[]): void {
    const box = this.anchor?.getBoundingClientRect();
    this.x = clientX - (box?.left ?? 0);
    this.y = clientY - (box?.top ?? 0);
    this.flip = box !== undefined && this.x > box.width * 0.6;
    this.entries = entries;
    this.host.requestUpdate();
  }

  hide(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.host.requestUpdate();
  }

  get visible(): boolean {
    return this.entries.length > 0;
  }

  render(): TemplateResult | typeof nothing {
    if (this.entries.length === 0) return nothing;
    // styleMap sets the position through the CSSOM, which a page's CSP without 'unsafe-inline' allows.
    const left = this.flip ? `calc(${this.x - OFFSET}px - 100%)` : `${this.x + OFFSET}px`;
    return html`<div class="tooltip" part="tooltip" role="tooltip" style=${styleMap({ left, top: `${this.y + OFFSET}px` })}>
      <table>
        ${this.entries.map(
          (e) =>
            html`<tr>
              <th scope="row">${e.key}</th>
              <td>${e.value}</td>
            </tr>`,
        )}
      </table>
    </div>`;
  }
}

/** A tooltip value as Vega-Lite hands it (an object of title → value, or one value) as lines. */
export function tooltipEntries(value: unknown): TooltipEntry[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ key: '', value: formatTooltipValue(value) }];
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => ({ key, value: formatTooltipValue(v) }));
}

function formatTooltipValue(v: unknown): string {
  const text = typeof v === 'string' ? v : v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/** The tooltip's look, in the theme's colours (needs `themeTokens`). */
export const tooltipStyles = css`
  .tooltip {
    position: absolute;
    z-index: 10;
    pointer-events: none;
    max-width: 24rem;
    padding: 0.35rem 0.5rem;
    background: var(--_surface-raised);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: 4px;
    box-shadow: 0 2px 6px rgb(0 0 0 / 0.15);
    font-size: 0.8em;
    line-height: 1.35;
  }
  .tooltip table {
    border-collapse: collapse;
  }
  .tooltip th {
    padding: 0 0.5rem 0 0;
    color: var(--_muted);
    font-weight: normal;
    text-align: right;
    white-space: nowrap;
    vertical-align: top;
  }
  .tooltip td {
    padding: 0;
    overflow-wrap: anywhere;
    font-variant-numeric: tabular-nums;
  }
`;
