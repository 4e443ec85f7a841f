import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AupError, ERROR_CODES } from './errors.js';

const doc = readFileSync(new URL('../../../docs/reference/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it('are each documented in docs/reference/errors.md, and the page documents no other', () => {
    const documented = [...doc.matchAll(/^### `(AUP_ERR_[A-Z_]+)`$/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('keep code, details and cause on the error', () => {
    const cause = new Error('disk full');
    const e = new AupError('AUP_ERR_DB_OPEN', 'cannot open x.db: disk full', { details: { url: 'x.db' }, cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('AUP_ERR_DB_OPEN');
    expect(e.details).toEqual({ url: 'x.db' });
    expect(e.cause).toBe(cause);
  });
});
