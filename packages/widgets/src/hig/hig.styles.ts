import { css } from 'lit';

import { tooltipStyles } from '../charts/chart-tooltip.js';
import { menuStyles } from '../theme/menu-styles.js';
import { stateStyles } from '../theme/state-messages.js';
import { controlStyles, themeTokens } from '../theme/theme-tokens.js';

export const higStyles = [
  themeTokens,
  controlStyles,
  stateStyles,
  tooltipStyles,
  menuStyles,
  css`
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.4rem 1rem;
      padding: 0.4rem 0.5rem;
    }
    .toolbar label {
      display: inline-flex;
      align-items: center;
      gap: 0.35rem;
      color: var(--_muted);
    }
    .count {
      margin-left: auto;
      color: var(--_muted);
      font-variant-numeric: tabular-nums;
    }
    .legend {
      display: inline-flex;
      align-items: center;
      gap: 0.35rem;
      color: var(--_muted);
      font-size: 0.85em;
    }
    .ramp {
      display: inline-block;
      width: 6rem;
      height: 0.6rem;
      border-radius: 2px;
      border: 1px solid var(--_border);
    }
    /* In a height the page fixes, the plot takes what the toolbar leaves (the lines are drawn to
       the plot's measured box); otherwise it is the height attribute high. */
    .frame {
      display: flex;
      flex-direction: column;
      height: 100%;
    }
    .frame > * {
      flex: 0 0 auto;
    }
    .frame > .plot {
      flex: 1 1 auto;
      /* Axis titles, ticks and a few lines; a smaller box scrolls the element instead. */
      min-height: 10rem;
    }
    .plot {
      position: relative;
      margin: 0 0.5rem 0.5rem;
      user-select: none;
      touch-action: none;
    }
    .plot[hidden] {
      display: none;
    }
    canvas,
    svg.axes {
      position: absolute;
      inset: 0;
      width: 100%;
      height: 100%;
    }
    svg.axes {
      overflow: visible;
      font: inherit;
      font-size: 11px;
    }
    .domain {
      stroke: var(--_muted);
      stroke-width: 1;
    }
    .tick line {
      stroke: var(--_muted);
    }
    .tick text {
      fill: var(--_muted);
      paint-order: stroke;
      stroke: var(--_surface);
      stroke-width: 3px;
      stroke-linejoin: round;
    }
    .title {
      fill: var(--_text);
      font-weight: 600;
      font-size: 12px;
      cursor: grab;
    }
    .title:focus {
      outline: none;
    }
    .title:focus-visible {
      fill: var(--_accent);
      text-decoration: underline;
    }
    .axis.dragging .title {
      cursor: grabbing;
      fill: var(--_accent);
    }
    .kind {
      fill: var(--_muted);
      font-size: 10px;
    }
    .hit {
      fill: transparent;
      pointer-events: all;
      cursor: crosshair;
    }
    .brush {
      fill: var(--_accent);
      fill-opacity: 0.18;
      stroke: var(--_accent);
      stroke-width: 1.5;
      cursor: move;
    }
    .hover-line {
      fill: none;
      stroke: var(--_text);
      stroke-width: 2.5;
      pointer-events: none;
    }
  `,
];
