/** Where the board page loads the widgets bundle from (served by createServer). */
export const WIDGETS_BUNDLE_URL = '/assets/aup-widgets.js';

/**
 * The page's Content-Security-Policy: everything from this server only, no inline scripts. Inline
 * styles are allowed because Lit falls back to `<style>` elements where constructable stylesheets
 * are missing.
 */
export const BOARD_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The board's HTML: the widgets bundle and the experiment list over this server's API. */
export function boardPage(opts: { apiBase: string; version: string }): string {
  const api = escapeHtml(opts.apiBase);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>aup board</title>
<script type="module" src="${WIDGETS_BUNDLE_URL}"></script>
<style>
  body { margin: 0; font-family: system-ui, sans-serif; background: Canvas; color: CanvasText; }
  header { display: flex; align-items: baseline; gap: 0.75rem; padding: 1rem 1.5rem 0.5rem; }
  header h1 { margin: 0; font-size: 1.25rem; }
  header span { opacity: 0.6; font-size: 0.85rem; }
  main { padding: 0.5rem 1.5rem 1.5rem; }
</style>
</head>
<body>
<header><h1>aup board</h1><span>v${escapeHtml(opts.version)}</span></header>
<main>
<aup-experiment-list api="${api}"></aup-experiment-list>
<noscript>The board needs JavaScript; the data is also available as JSON under <a href="${api}/experiments">${api}/experiments</a>.</noscript>
</main>
</body>
</html>
`;
}
