import { AupApiError } from './api-error.js';

/**
 * How long the second look at a board that gave no answer may take. A board that is there answers
 * it in milliseconds; one that is not fails at once (connection refused) or hangs, and then the
 * element should say so rather than wait on.
 */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * Why a request to the board got no response, as an AupApiError an element can show. `fetch`
 * says only "Failed to fetch" for both a board that is not running and one that answered but does
 * not allow this page's origin (the browser hides its answer), so for a board on another origin it
 * asks again with `mode: 'no-cors'` (`probeUrl`, a GET): an opaque answer needs no CORS headers,
 * so if that one arrives, the board is there and the page's origin is what it refuses
 * (`AUP_WIDGET_CORS`, naming `--cors`); if not, the board cannot be reached (`AUP_WIDGET_NETWORK`).
 */
export async function networkError(url: string, probeUrl: string, cause: unknown): Promise<AupApiError> {
  const why = (cause as Error)?.message ?? String(cause);
  const target = new URL(url, typeof location === 'undefined' ? undefined : location.href);
  const page = typeof location === 'undefined' ? undefined : location.origin;
  if (page !== undefined && page !== 'null' && target.origin !== page && (await answers(probeUrl))) {
    return new AupApiError(
      {
        code: 'AUP_WIDGET_CORS',
        message: `The board at ${target.origin} does not allow pages from ${page} to read it: start it with --cors ${page} (aup-board --cors ${page}) (${url}: ${why})`,
        details: { board: target.origin, origin: page },
      },
      0,
      url,
      { cause },
    );
  }
  return new AupApiError(
    {
      code: 'AUP_WIDGET_NETWORK',
      message: `Could not reach the board at ${target.origin}: is aup-board running there? (${url}: ${why})`,
      details: { board: target.origin },
    },
    0,
    url,
    { cause },
  );
}

/** Whether anything answers a `no-cors` GET of `url` (an opaque response counts). */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { mode: 'no-cors', credentials: 'omit', cache: 'no-store', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return true;
  } catch {
    return false;
  }
}
