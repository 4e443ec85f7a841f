import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { STATUS_BY_CODE } from './error-reply.js';

const DOC = fileURLToPath(new URL('../../../../docs/reference/http-api.md', import.meta.url));

/** The rows of the "Errors" table: each code with the statuses of the rows that name it. */
function documentedStatuses(): Map<string, Set<number>> {
  const text = readFileSync(DOC, 'utf8');
  const out = new Map<string, Set<number>>();
  for (const line of text.split('\n')) {
    const m = /^\| ([\d, ]+) \| ([^|]+) \|/.exec(line);
    if (!m) continue;
    const statuses = m[1]!.split(',').map((s) => Number(s.trim()));
    for (const code of m[2]!.matchAll(/`(AUP_ERR_\w+)`/g)) {
      const set = out.get(code[1]!) ?? new Set<number>();
      for (const st of statuses) set.add(st);
      out.set(code[1]!, set);
    }
  }
  return out;
}

describe('docs/reference/http-api.md', () => {
  it('lists every error code the API answers with, under the status it gets', () => {
    const documented = documentedStatuses();
    const wrong = Object.entries(STATUS_BY_CODE)
      .filter(([code, status]) => !documented.get(code)?.has(status!))
      .map(([code, status]) => `${code} ${status} (documented: ${[...(documented.get(code) ?? [])].join(', ') || 'nowhere'})`);
    expect(wrong).toEqual([]);
  });
});
