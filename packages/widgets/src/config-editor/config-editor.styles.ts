import { css } from 'lit';

import { stateStyles } from '../theme/state-messages.js';
import { controlStyles, themeTokens } from '../theme/theme-tokens.js';

/** The config editor's styles. */
export const configEditorStyles = [
  themeTokens,
  controlStyles,
  stateStyles,
  css`
    .layout {
      display: grid;
      grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
      gap: 1rem;
    }
    @media (max-width: 50rem) {
      .layout {
        grid-template-columns: 1fr;
      }
    }
    .grow {
      flex: 1;
    }
    .bar {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.75rem;
      margin-bottom: 0.5rem;
    }
    textarea {
      box-sizing: border-box;
      width: 100%;
      min-height: 24rem;
      resize: vertical;
      font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
      font-size: 0.9em;
      line-height: 1.45;
      tab-size: 2;
      color: var(--_text);
      background: var(--_surface);
      border: 1px solid var(--_border);
      border-radius: 6px;
      padding: 0.6rem;
    }
    textarea:focus-visible {
      outline: 2px solid var(--_accent);
    }
    .fields {
      display: grid;
      grid-template-columns: auto 1fr;
      align-items: center;
      gap: 0.5rem 0.75rem;
      margin-top: 0.75rem;
    }
    .fields input[type='text'] {
      width: 100%;
      box-sizing: border-box;
    }
    .panel {
      padding: 0.75rem 1rem;
      border: 1px solid var(--_border);
      border-radius: 6px;
      background: var(--_surface-raised);
      overflow: auto;
      max-height: 36rem;
    }
    .panel h3 {
      margin: 0 0 0.5rem;
      font-size: 0.85em;
      text-transform: uppercase;
      letter-spacing: 0.04em;
      color: var(--_muted);
    }
    .ok {
      color: var(--_success);
      font-weight: 600;
    }
    .bad {
      color: var(--_danger);
      font-weight: 600;
    }
    .warn {
      color: var(--_warning);
      font-weight: 600;
    }
    ul.problems,
    ul.warnings {
      list-style: none;
      padding: 0;
      margin: 0;
    }
    ul.warnings code.path {
      color: var(--_warning);
    }
    ul.problems li,
    ul.warnings li {
      padding: 0.4rem 0;
      border-bottom: 1px solid var(--_border);
    }
    code.path {
      color: var(--_danger);
      font-weight: 600;
    }
    .hint {
      color: var(--_muted);
      font-size: 0.9em;
    }
    table {
      border-collapse: collapse;
      width: 100%;
    }
    th,
    td {
      text-align: left;
      vertical-align: top;
      padding: 0.2rem 0.5rem 0.2rem 0;
      border-bottom: 1px solid var(--_border);
      overflow-wrap: anywhere;
    }
    th {
      color: var(--_muted);
      font-weight: normal;
      white-space: nowrap;
    }
    button.primary {
      background: var(--_accent);
      border-color: var(--_accent);
      color: var(--_surface);
      padding: 0.3rem 1rem;
      font-weight: 600;
    }
    button.primary:disabled {
      background: var(--_surface);
      color: var(--_muted);
      border-color: var(--_border);
    }
    .actions {
      display: flex;
      align-items: center;
      gap: 0.75rem;
      margin-top: 0.75rem;
    }
  `,
];
