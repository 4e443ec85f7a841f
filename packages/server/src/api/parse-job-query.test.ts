import { isAupError } from '@aup/core';
import { describe, expect, it } from 'vitest';

import { parseIdList, parseJobFilter } from './parse-job-query.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isAupError(err) ? err.code : 'not an AupError';
  }
  return undefined;
}

describe('parseJobFilter', () => {
  it('reads every comparator, longest first', () => {
    expect(parseJobFilter('metric:acc>=0.9')).toEqual({ column: 'metric:acc', op: '>=', value: 0.9 });
    expect(parseJobFilter('score<=1e-3')).toEqual({ column: 'score', op: '<=', value: 0.001 });
    expect(parseJobFilter('status!=failed')).toEqual({ column: 'status', op: '!=', value: 'failed' });
    expect(parseJobFilter('param:lr<0.1')).toEqual({ column: 'param:lr', op: '<', value: 0.1 });
    expect(parseJobFilter('id>10')).toEqual({ column: 'id', op: '>', value: 10 });
    expect(parseJobFilter('param:act=relu')).toEqual({ column: 'param:act', op: '=', value: 'relu' });
    expect(parseJobFilter('param:act~rel')).toEqual({ column: 'param:act', op: 'contains', value: 'rel' });
  });

  it('compares a quoted value as text, even when it looks like a number or an operator', () => {
    expect(parseJobFilter('param:tag="42"')).toEqual({ column: 'param:tag', op: '=', value: '42' });
    expect(parseJobFilter('param:tag="=x"')).toEqual({ column: 'param:tag', op: '=', value: '=x' });
  });

  it('refuses a filter without a column or an operator, or with a doubled operator', () => {
    expect(codeOf(() => parseJobFilter('>=3'))).toBe('AUP_ERR_BAD_QUERY');
    expect(codeOf(() => parseJobFilter('score'))).toBe('AUP_ERR_BAD_QUERY');
    expect(codeOf(() => parseJobFilter('score=>3'))).toBe('AUP_ERR_BAD_QUERY');
    expect(codeOf(() => parseJobFilter('score!3'))).toBe('AUP_ERR_BAD_QUERY');
  });

  it('names the query parameter and echoes only the start of a long value', () => {
    const long = `score${'!'.repeat(5000)}`;
    try {
      parseJobFilter(long);
      expect.unreachable();
    } catch (err) {
      expect(isAupError(err) && err.message.length).toBeLessThan(600);
      expect(String((err as Error).message)).toContain("'filter'");
    }
  });
});

describe('parseIdList', () => {
  it('reads ids, dropping repeats', () => {
    expect(parseIdList('3,1,3', 'jobs', 10)).toEqual([3, 1]);
  });

  it('refuses zero, junk, and more ids than allowed', () => {
    expect(codeOf(() => parseIdList('0', 'jobs', 10))).toBe('AUP_ERR_BAD_QUERY');
    expect(codeOf(() => parseIdList('1,,2', 'jobs', 10))).toBe('AUP_ERR_BAD_QUERY');
    expect(codeOf(() => parseIdList('1;DROP TABLE job', 'jobs', 10))).toBe('AUP_ERR_BAD_QUERY');
    expect(codeOf(() => parseIdList('1,2,3', 'jobs', 2))).toBe('AUP_ERR_BAD_QUERY');
    expect(codeOf(() => parseIdList('99999999999999999', 'jobs', 10))).toBe('AUP_ERR_BAD_QUERY');
  });
});
