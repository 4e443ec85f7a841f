import { describe, expect, it } from 'vitest';

import { formatFilter, jobQueryString } from './job-query.js';

describe('formatFilter', () => {
  it('spells every comparator as the server reads it, contains as ~', () => {
    expect(formatFilter({ column: 'metric:acc', op: '>=', value: 0.9 })).toBe('metric:acc>=0.9');
    expect(formatFilter({ column: 'status', op: '!=', value: 'failed' })).toBe('status!=failed');
    expect(formatFilter({ column: 'param:opt', op: 'contains', value: 'ad' })).toBe('param:opt~ad');
  });

  it('quotes a text value that would read as a number or an operator', () => {
    expect(formatFilter({ column: 'param:tag', op: '=', value: '42' })).toBe('param:tag="42"');
    expect(formatFilter({ column: 'param:tag', op: '=', value: '=x' })).toBe('param:tag="=x"');
    expect(formatFilter({ column: 'param:tag', op: '=', value: 42 })).toBe('param:tag=42');
  });
});

describe('jobQueryString', () => {
  it('repeats filter, and carries sort, search and job ids', () => {
    const qs = jobQueryString({
      limit: 50,
      offset: 100,
      sort: { column: 'param:lr', order: 'desc' },
      filters: [
        { column: 'score', op: '<', value: 1 },
        { column: 'status', op: '=', value: 'finished' },
      ],
      search: 'relu',
      jobIds: [3, 4],
    });
    const p = new URLSearchParams(qs);
    expect(p.get('limit')).toBe('50');
    expect(p.get('offset')).toBe('100');
    expect(p.get('sort')).toBe('param:lr');
    expect(p.get('order')).toBe('desc');
    expect(p.getAll('filter')).toEqual(['score<1', 'status=finished']);
    expect(p.get('q')).toBe('relu');
    expect(p.get('jobs')).toBe('3,4');
  });
});
