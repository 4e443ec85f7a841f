import { css } from 'lit';

import { stateStyles } from '../theme/state-messages.js';
import { badgeStyles, controlStyles, themeTokens } from '../theme/theme-tokens.js';

export const boardStyles = [
  themeTokens,
  badgeStyles,
  controlStyles,
  stateStyles,
  css`
    :host {
      min-height: 100vh;
      box-sizing: border-box;
    }
    header {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.75rem;
      padding: 0.6rem 1.5rem;
      background: var(--_surface-raised);
      border-bottom: 1px solid var(--_border);
    }
    .brand {
      font-weight: 700;
      font-size: 1.15em;
      color: var(--_text);
      text-decoration: none;
    }
    .version,
    .muted {
      color: var(--_muted);
      font-size: 0.85em;
    }
    nav {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem;
    }
    nav a {
      color: var(--_text);
      text-decoration: none;
      padding: 0.3rem 0.6rem;
      border-radius: 4px;
    }
    nav a:hover {
      background: var(--_hover);
    }
    nav a[aria-current='page'] {
      color: var(--_accent);
      font-weight: 600;
      box-shadow: inset 0 -2px 0 var(--_accent);
    }
    .tabs {
      padding: 0.4rem 1.5rem 0;
      align-items: center;
      border-bottom: 1px solid var(--_border);
    }
    .exp-name {
      font-weight: 600;
      margin-right: 0.75rem;
    }
    .grow {
      flex: 1;
    }
    .live {
      display: inline-flex;
      align-items: center;
      gap: 0.35rem;
      font-size: 0.85em;
      color: var(--_muted);
    }
    .live .dot {
      width: 0.6rem;
      height: 0.6rem;
      border-radius: 50%;
      background: var(--_muted);
    }
    .live.live .dot {
      background: var(--_success);
    }
    .live.polling .dot {
      background: var(--_warning);
    }
    .live.offline .dot {
      background: var(--_danger);
    }
    .badge-ro {
      font-size: 0.8em;
      padding: 0 0.5em;
      border: 1px solid var(--_warning);
      color: var(--_warning);
      border-radius: 1em;
    }
    main {
      padding: 1rem 1.5rem 2rem;
    }
    .stack {
      display: flex;
      flex-direction: column;
      gap: 1rem;
    }
    fieldset {
      border: 1px solid var(--_border);
      border-radius: 6px;
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem 1.25rem;
      margin: 0 0 1rem;
    }
    .job-panel {
      position: fixed;
      top: 4rem;
      right: 1rem;
      width: min(24rem, calc(100vw - 2rem));
      max-height: calc(100vh - 5rem);
      overflow: auto;
      padding: 0.75rem 1rem;
      border: 1px solid var(--_border);
      border-radius: 8px;
      background: var(--_surface);
      box-shadow: 0 8px 24px rgb(0 0 0 / 0.25);
      z-index: 5;
    }
    .job-panel header {
      padding: 0 0 0.5rem;
      background: none;
      border: none;
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
      overflow-wrap: anywhere;
    }
    a {
      color: var(--_accent);
    }
  `,
];
