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

/**
 * The board's HTML: the widgets bundle and `<aup-board>` over this server's API. Everything the
 * page needs is in attributes (the CSP allows no inline script): the API base, the version, and
 * `attached` for a board started by `aup run --board`. The session token stays in the URL the
 * board printed (`?token=`), where `<aup-board>` reads it; it is never written into the page.
 */
export function boardPage(opts: { apiBase: string; version: string; attached?: boolean }): string {
  const api = escapeHtml(opts.apiBase);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>aup board</title>
<link rel="icon" href="data:,">
<script type="module" src="${WIDGETS_BUNDLE_URL}"></script>
<style>
  body { margin: 0; font-family: system-ui, sans-serif; background: Canvas; color: CanvasText; }
  aup-board:not(:defined) { display: block; padding: 1rem 1.5rem; }
</style>
</head>
<body>
<aup-board api="${api}" version="${escapeHtml(opts.version)}"${opts.attached === true ? ' attached' : ''}></aup-board>
<noscript>The board needs JavaScript; the data is also available as JSON under <a href="${api}/experiments">${api}/experiments</a>.</noscript>
</body>
</html>
`;
}
