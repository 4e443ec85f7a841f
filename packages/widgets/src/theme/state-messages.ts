import { css, html, nothing, type TemplateResult } from 'lit';

// The one loading / error / empty pattern every element shows: a muted line while loading (with
// role=status), a red line with a Retry button on failure (role=alert), a muted hint when empty.
// All carry `part="message"` (and `part="retry"` on the button) so pages can restyle them together.

/** Styles of the state messages (needs `themeTokens`). */
export const stateStyles = css`
  .message {
    margin: 0;
    padding: 0.75rem;
    color: var(--_muted);
  }
  .message.error {
    color: var(--_danger);
  }
  .message button {
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

/** "Loading …" line. */
export function loadingMessage(what: string): TemplateResult {
  return html`<p class="message" part="message" role="status">Loading ${what}…</p>`;
}

/** Error line with an optional Retry button. */
export function errorMessage(what: string, message: string, retry?: () => void): TemplateResult {
  return html`<p class="message error" part="message" role="alert">
    Could not load ${what}: ${message}${retry === undefined ? nothing : html`<button part="retry" @click=${retry}>Retry</button>`}
  </p>`;
}

/** Hint shown when there is nothing to show. */
export function emptyMessage(content: unknown): TemplateResult {
  return html`<p class="message" part="message">${content}</p>`;
}
