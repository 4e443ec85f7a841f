import { css } from 'lit';

import { stateStyles } from '../theme/state-messages.js';
import { badgeStyles, controlStyles, themeTokens } from '../theme/theme-tokens.js';

/** The overview's styles: a header, then cards for progress, best score and details. */
export const experimentOverviewStyles = [
  themeTokens,
  badgeStyles,
  controlStyles,
  stateStyles,
  css`
    .head {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.75rem;
      margin-bottom: 0.75rem;
    }
    h2 {
      margin: 0;
      font-size: 1.25em;
    }
    .grow {
      flex: 1;
    }
    .cards {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
      gap: 0.75rem;
    }
    .card {
      padding: 0.75rem 1rem;
      border: 1px solid var(--_border);
      border-radius: 6px;
      background: var(--_surface-raised);
    }
    .card h3 {
      margin: 0 0 0.5rem;
      font-size: 0.85em;
      text-transform: uppercase;
      letter-spacing: 0.04em;
      color: var(--_muted);
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0.2rem 0.75rem;
      margin: 0;
    }
    dt {
      color: var(--_muted);
    }
    dd {
      margin: 0;
      font-variant-numeric: tabular-nums;
      overflow-wrap: anywhere;
    }
    .score {
      font-size: 1.6em;
      font-weight: 600;
      font-variant-numeric: tabular-nums;
    }
    .progress {
      height: 0.5rem;
      border-radius: 0.25rem;
      background: var(--_border);
      overflow: hidden;
      margin: 0.25rem 0 0.5rem;
    }
    .bar {
      height: 100%;
      background: var(--_accent);
      transition: width 0.3s ease;
    }
    .bar.finished {
      background: var(--_success);
    }
    .bar.failed {
      background: var(--_danger);
    }
    .bar.stopped {
      background: var(--_warning);
    }
    table {
      border-collapse: collapse;
      width: 100%;
    }
    th,
    td {
      text-align: left;
      padding: 0.2rem 0.5rem 0.2rem 0;
      border-bottom: 1px solid var(--_border);
    }
    th {
      color: var(--_muted);
      font-weight: normal;
    }
    td {
      font-variant-numeric: tabular-nums;
    }
    .config {
      margin-top: 0.75rem;
    }
    pre {
      margin: 0;
      padding: 0.75rem;
      overflow: auto;
      max-height: 32rem;
      border: 1px solid var(--_border);
      border-radius: 6px;
      background: var(--_surface-raised);
      font-size: 0.9em;
    }
    a {
      color: var(--_accent);
    }
    .error-text {
      color: var(--_danger);
      white-space: pre-wrap;
    }
    .note {
      color: var(--_muted);
    }
  `,
];
