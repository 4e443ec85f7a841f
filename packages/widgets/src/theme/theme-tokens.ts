import { css } from 'lit';

// Every colour comes from a public `--aup-*` token with a built-in fallback; the private `--_*`
// variables pick the light or dark fallback, so a page that sets the tokens wins in both themes.
// The dark set redefines the same names (Shoelace's way), so element styles use only `--_*`.

/** The dark fallbacks (GitHub's dark palette: readable contrast, familiar to our users). */
const dark = css`
  --_surface: var(--aup-color-surface, #0d1117);
  --_surface-raised: var(--aup-color-surface-raised, #161b22);
  --_text: var(--aup-color-text, #e6edf3);
  --_muted: var(--aup-color-muted, #8d96a0);
  --_border: var(--aup-color-border, #30363d);
  --_hover: var(--aup-color-row-hover, #161b22);
  --_selected: var(--aup-color-row-selected, #1f2d3d);
  --_accent: var(--aup-color-accent, #4493f8);
  --_danger: var(--aup-color-danger, #f85149);
  --_success: var(--aup-color-success, #3fb950);
  --_warning: var(--aup-color-warning, #d29922);
  color-scheme: dark;
`;

/**
 * The `--aup-*` tokens as private `--_*` variables on `:host`: light by default, dark with
 * `theme="dark"` or, without a `theme` attribute, when the system prefers dark. Every element puts
 * this first in its `styles`.
 */
export const themeTokens = css`
  :host {
    --_surface: var(--aup-color-surface, #ffffff);
    --_surface-raised: var(--aup-color-surface-raised, #f6f8fa);
    --_text: var(--aup-color-text, #1f2328);
    --_muted: var(--aup-color-muted, #59636e);
    --_border: var(--aup-color-border, #d1d9e0);
    --_hover: var(--aup-color-row-hover, #f6f8fa);
    --_selected: var(--aup-color-row-selected, #ddf4ff);
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
    /* Whatever box a page gives an element, nothing is drawn outside it (over the page's next
       element): what does not fit scrolls. The table and the plots fit themselves to a fixed
       height first, so this is for boxes smaller than an element can be. */
    overflow: auto;
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
`;

/** Status badges (`<span class="badge finished">`) for experiment and job statuses. */
export const badgeStyles = css`
  .badge {
    display: inline-block;
    padding: 0 0.5em;
    border-radius: 1em;
    border: 1px solid currentColor;
    font-size: 0.8em;
    line-height: 1.6;
  }
  .badge.running,
  .badge.stopping,
  .badge.queued {
    color: var(--_accent);
  }
  .badge.finished {
    color: var(--_success);
  }
  .badge.failed {
    color: var(--_danger);
  }
  .badge.stopped,
  .badge.early_stopped,
  .badge.interrupted {
    color: var(--_warning);
  }
  .badge.created {
    color: var(--_muted);
  }
`;

/** Plain controls (buttons, selects, inputs) in the theme's colours. */
export const controlStyles = css`
  button,
  select,
  input {
    font: inherit;
    color: var(--_text);
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: 4px;
    padding: 0.15rem 0.5rem;
  }
  button {
    color: var(--_accent);
    cursor: pointer;
  }
  button:disabled {
    color: var(--_muted);
    cursor: default;
  }
  :is(button, select, input):focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 1px;
  }
`;
