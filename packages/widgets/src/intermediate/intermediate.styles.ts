import { css } from 'lit';

import { chartElementStyles } from '../charts/chart-element.styles.js';
import { menuStyles } from '../theme/menu-styles.js';

/** The intermediate view's styles: the chart layout, the legend menu, the records below. */
export const intermediateStyles = [
  chartElementStyles,
  menuStyles,
  css`
    input[type='range'] {
      width: 7rem;
      padding: 0;
    }
    .records {
      border-top: 1px solid var(--_border);
      margin: 0 0.5rem;
      padding: 0.5rem 0;
    }
    .records h3 {
      margin: 0 0 0.25rem;
      font-size: 1em;
    }
    .images figure {
      margin: 0.5rem 0;
    }
    .images img {
      max-width: 100%;
      max-height: 24rem;
      image-rendering: pixelated;
      border: 1px solid var(--_border);
    }
    .images figcaption {
      color: var(--_muted);
    }
  `,
];
