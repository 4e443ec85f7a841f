import { css } from 'lit';

// Every colour comes from a public `--aup-*` token with a built-in fallback; the private `--_*`
// variables pick the light or dark fallback, so a page that sets the tokens wins in both themes.
const dark = css`
  --_surface: var(--aup-color-surface, #0d1117);
  --_text: var(--aup-color-text, #e6edf3);
  --_muted: var(--aup-color-muted, #8d96a0);
  --_border: var(--aup-color-border, #30363d);
  --_hover: var(--aup-color-row-hover, #161b22);
  --_accent: var(--aup-color-accent, #4493f8);
  --_danger: var(--aup-color-danger, #f85149);
  --_success: var(--aup-color-success, #3fb950);
  --_warning: var(--aup-color-warning, #d29922);
  color-scheme: dark;
`;

export const experimentListStyles = css`
  :host {
    --_surface: var(--aup-color-surface, #ffffff);
    --_text: var(--aup-color-text, #1f2328);
    --_muted: var(--aup-color-muted, #59636e);
    --_border: var(--aup-color-border, #d1d9e0);
    --_hover: var(--aup-color-row-hover, #f6f8fa);
    --_accent: var(--aup-color-accent, #0969da);
    --_danger: var(--aup-color-danger, #d1242f);
    --_success: var(--aup-color-success, #1a7f37);
    --_warning: var(--aup-color-warning, #9a6700);
    color-scheme: light;
    display: block;
    font-family: var(--aup-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif);
    font-size: var(--aup-font-size, 0.875rem);
    color: var(--_text);
    background: var(--_surface);
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([hidden]) {
    display: none;
  }

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

  .badge {
    display: inline-block;
    padding: 0 0.5em;
    border-radius: 1em;
    border: 1px solid currentColor;
    font-size: 0.8em;
    line-height: 1.6;
  }
  .badge.running,
  .badge.stopping {
    color: var(--_accent);
  }
  .badge.finished {
    color: var(--_success);
  }
  .badge.failed {
    color: var(--_danger);
  }
  .badge.stopped {
    color: var(--_warning);
  }
  .badge.created {
    color: var(--_muted);
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
`;
