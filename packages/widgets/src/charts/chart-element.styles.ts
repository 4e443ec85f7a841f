import { css } from 'lit';

import { stateStyles } from '../theme/state-messages.js';
import { controlStyles, themeTokens } from '../theme/theme-tokens.js';
import { tooltipStyles } from './chart-tooltip.js';
import { vegaEmbedStyles } from './vega-styles.js';

/** The layout every chart element shares: a toolbar, a message line, the chart with its tooltip. */
export const chartElementStyles = [
  themeTokens,
  controlStyles,
  stateStyles,
  vegaEmbedStyles,
  tooltipStyles,
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
    .toolbar .count {
      margin-left: auto;
      color: var(--_muted);
      font-variant-numeric: tabular-nums;
    }
    .chart-area {
      position: relative;
      padding: 0 0.5rem 0.5rem;
    }
    .chart {
      min-height: 2rem;
    }
    .chart[hidden] {
      display: none;
    }
  `,
];
