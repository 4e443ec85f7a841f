/** Where the board page keeps the session token: this tab only, this origin only, gone when the tab closes. */
export const TOKEN_STORAGE_KEY = 'aup-board-token';

/** The query parameter aup-board prints the token in (`http://127.0.0.1:8080/?token=...`). */
const TOKEN_QUERY = 'token';

/**
 * Moves `?token=` of the page's address into sessionStorage and takes it out of the address (and
 * so out of the history entry, bookmarks and screenshots) with `history.replaceState`; then
 * answers the stored token. Called before anything of the board runs. Without sessionStorage (a
 * sandboxed page) the token stays in the address and is answered from there.
 * @example adoptPageToken() // 'Zm9v...' (and location.search no longer holds it)
 */
export function adoptPageToken(): string | undefined {
  if (typeof location === 'undefined') return undefined;
  const url = new URL(location.href);
  const given = url.searchParams.get(TOKEN_QUERY);
  if (given !== null && given !== '') {
    if (!writeSession(given)) return given;
    url.searchParams.delete(TOKEN_QUERY);
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  return readSession();
}

/**
 * The page's session token for requests to `api`, when `api` is on the page's own origin (a
 * token is never sent to another origin on its own accord); undefined otherwise.
 */
export function pageToken(api: string): string | undefined {
  if (typeof location === 'undefined') return undefined;
  try {
    if (new URL(api, location.href).origin !== location.origin) return undefined;
  } catch {
    return undefined;
  }
  return readSession() ?? nonEmpty(new URL(location.href).searchParams.get(TOKEN_QUERY));
}

function readSession(): string | undefined {
  try {
    return nonEmpty(sessionStorage.getItem(TOKEN_STORAGE_KEY));
  } catch {
    return undefined; // Storage refused (a sandboxed or opaque origin).
  }
}

function writeSession(token: string): boolean {
  try {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
    return true;
  } catch {
    return false;
  }
}

function nonEmpty(s: string | null): string | undefined {
  return s === null || s === '' ? undefined : s;
}
