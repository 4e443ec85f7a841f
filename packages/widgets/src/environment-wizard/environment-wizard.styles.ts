import { css } from 'lit';

import { stateStyles } from '../theme/state-messages.js';
import { controlStyles, themeTokens } from '../theme/theme-tokens.js';

/** The environment wizard's styles. */
export const environmentWizardStyles = [
  themeTokens,
  controlStyles,
  stateStyles,
  css`
    :host {
      max-width: 48rem;
    }
    h2 {
      margin: 0 0 0.75rem;
      font-size: 1.25em;
    }
    .box {
      padding: 0.75rem 1rem;
      border: 1px solid var(--_border);
      border-left-width: 4px;
      border-radius: 6px;
      margin-bottom: 1rem;
    }
    .warning {
      border-left-color: var(--_warning);
    }
    .result {
      border-left-color: var(--_success);
    }
    .box p:first-child {
      margin-top: 0;
    }
    ul {
      padding-left: 1.25rem;
    }
    .fields {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0.5rem 0.75rem;
      align-items: center;
      margin-bottom: 0.75rem;
    }
    input[type='text'] {
      width: 100%;
      box-sizing: border-box;
    }
    .actions {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      margin-top: 0.75rem;
    }
    button.danger {
      background: var(--_danger);
      border-color: var(--_danger);
      color: var(--_surface);
      padding: 0.3rem 1rem;
      font-weight: 600;
    }
    button.danger:disabled {
      background: var(--_surface);
      color: var(--_muted);
      border-color: var(--_border);
    }
    code {
      overflow-wrap: anywhere;
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0.3rem 0.75rem;
      margin: 0;
    }
    dt {
      color: var(--_muted);
    }
    dd {
      margin: 0;
    }
  `,
];
