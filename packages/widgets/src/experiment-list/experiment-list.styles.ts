import { css } from 'lit';

import { badgeStyles, themeTokens } from '../theme/theme-tokens.js';

// The `--aup-*` tokens and status badges are shared by every element (theme/theme-tokens.ts).
export const experimentListStyles = [
  themeTokens,
  badgeStyles,
  css`
  table {
    width: 100%;
    border-collapse: collapse;
  }
  th,
  td {
    padding: 0.4rem 0.75rem;
    text-align: left;
    border-bottom: 1px solid var(--_border);
    white-space: nowrap;
  }
  th {
    color: var(--_muted);
    font-weight: 600;
  }
  td.num,
  th.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  td.name {
    white-space: normal;
  }
  tbody tr {
    cursor: pointer;
  }
  tbody tr:hover {
    background: var(--_hover);
  }
  tbody tr:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: -2px;
  }
  .target {
    color: var(--_muted);
    font-size: 0.8em;
  }

  .message {
    margin: 0;
    padding: 0.75rem;
    color: var(--_muted);
  }
  .message.error {
    color: var(--_danger);
  }
  button {
    margin-left: 0.5rem;
    font: inherit;
    color: var(--_accent);
    background: none;
    border: 1px solid var(--_border);
    border-radius: 4px;
    padding: 0.1rem 0.6rem;
    cursor: pointer;
  }
`,
];
