import { css } from 'lit';

import { stateStyles } from '../theme/state-messages.js';
import { badgeStyles, controlStyles, themeTokens } from '../theme/theme-tokens.js';

// The `--aup-*` tokens, status badges, controls and state messages are shared by every element.
export const experimentListStyles = [
  themeTokens,
  badgeStyles,
  controlStyles,
  stateStyles,
  css`
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
      padding: 0.5rem 0;
    }
    .grow {
      flex: 1;
    }
    .switch {
      display: inline-flex;
    }
    .switch button {
      border-radius: 0;
    }
    .switch button:first-child {
      border-radius: 4px 0 0 4px;
    }
    .switch button:last-child {
      border-radius: 0 4px 4px 0;
      border-left: none;
    }
    .switch button[aria-pressed='true'] {
      background: var(--_accent);
      color: var(--_surface);
      border-color: var(--_accent);
    }
    button.primary {
      background: var(--_accent);
      border-color: var(--_accent);
      color: var(--_surface);
    }
    button.danger {
      color: var(--_danger);
    }
    button.primary:disabled,
    button.danger:disabled {
      background: var(--_surface);
      color: var(--_muted);
      border-color: var(--_border);
    }
    .scroll {
      overflow-x: auto;
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    th,
    td {
      padding: 0.4rem 0.6rem;
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
      font-weight: 600;
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
    .target,
    .muted {
      color: var(--_muted);
      font-size: 0.8em;
    }
    .buttons {
      display: inline-flex;
      flex-wrap: nowrap;
      gap: 0.3rem;
    }
    .buttons button {
      font-size: 0.8em;
      text-transform: uppercase;
      letter-spacing: 0.02em;
    }
    .progress-cell {
      min-width: 8rem;
    }
    .progress {
      display: inline-block;
      vertical-align: middle;
      width: 5rem;
      height: 0.45rem;
      border-radius: 0.25rem;
      background: var(--_border);
      overflow: hidden;
    }
    .progress .bar {
      height: 100%;
      background: var(--_accent);
      transition: width 0.3s ease;
    }
    .progress .bar.finished {
      background: var(--_success);
    }
    .progress .bar.failed {
      background: var(--_danger);
    }
    .progress .bar.stopped {
      background: var(--_warning);
    }
    .progress-text {
      margin-left: 0.4rem;
      font-variant-numeric: tabular-nums;
      color: var(--_muted);
    }
    .tiles {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr));
      gap: 0.75rem;
    }
    .tile {
      display: flex;
      flex-direction: column;
      gap: 0.5rem;
      padding: 0.75rem;
      border: 1px solid var(--_border);
      border-radius: 6px;
      background: var(--_surface-raised);
    }
    .tile header {
      display: flex;
      align-items: baseline;
      gap: 0.4rem;
    }
    .tile-name {
      font-weight: 600;
      color: var(--_text);
      text-decoration: none;
    }
    .tile-name:hover {
      text-decoration: underline;
    }
    .tile-progress {
      display: flex;
      align-items: center;
    }
    .tile-progress .progress {
      flex: 1;
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0.15rem 0.75rem;
      margin: 0;
    }
    dt {
      color: var(--_muted);
    }
    dd {
      margin: 0;
    }
    .backdrop {
      position: fixed;
      inset: 0;
      background: rgb(0 0 0 / 0.4);
      display: flex;
      align-items: center;
      justify-content: center;
      z-index: 10;
    }
    .dialog {
      max-width: 32rem;
      padding: 1rem 1.25rem;
      border: 1px solid var(--_border);
      border-radius: 8px;
      background: var(--_surface);
      color: var(--_text);
      box-shadow: 0 8px 24px rgb(0 0 0 / 0.3);
    }
    .dialog h2 {
      margin: 0 0 0.5rem;
      font-size: 1.1em;
    }
    .dialog-buttons {
      display: flex;
      justify-content: flex-end;
      gap: 0.5rem;
      margin-top: 1rem;
    }
    .visually-hidden {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
    }
    .imported {
      margin-left: 0.5em;
      padding: 0 0.4em;
      border: 1px solid var(--_border);
      border-radius: 0.6em;
      color: var(--_muted);
      font-size: 0.8em;
      white-space: nowrap;
    }
  `,
];
