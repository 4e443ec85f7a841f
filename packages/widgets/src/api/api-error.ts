import type { ErrorBody } from './wire.js';

/** The board API's error body: every failed request answers `{ code, message, details }`. */
export type ApiErrorBody = ErrorBody;

/**
 * A failed API request: the API's own `{ code, message, details }` when it sent one, otherwise a
 * code of ours (`AUP_WIDGET_HTTP`, `AUP_WIDGET_NETWORK`, `AUP_WIDGET_CORS`, `AUP_WIDGET_BAD_RESPONSE`) and a message
 * that names the URL.
 */
export class AupApiError extends Error {
  override readonly name = 'AupApiError';
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** HTTP status; 0 when no response came. */
  readonly status: number;
  readonly url: string;

  constructor(body: ApiErrorBody, status: number, url: string, options?: { cause?: unknown }) {
    super(body.message, options);
    this.code = body.code;
    this.details = body.details;
    this.status = status;
    this.url = url;
  }
}

/** Reads an error reply: the API's shape when the body has it, else a message naming URL and status. */
export function apiErrorFrom(status: number, statusText: string, url: string, body: unknown): AupApiError {
  const b = typeof body === 'object' && body !== null ? (body as Partial<Record<keyof ApiErrorBody, unknown>>) : {};
  if (typeof b.code === 'string' && typeof b.message === 'string') {
    const details = typeof b.details === 'object' && b.details !== null ? (b.details as Record<string, unknown>) : {};
    return new AupApiError({ code: b.code, message: b.message, details }, status, url);
  }
  return new AupApiError(
    { code: 'AUP_WIDGET_HTTP', message: `${url} answered HTTP ${status} ${statusText}`.trim(), details: { status } },
    status,
    url,
  );
}
