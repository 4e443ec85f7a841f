import { describe, expect, it } from 'vitest';

import { commaList, positiveId } from './comma-list.js';

describe('commaList', () => {
  it('trims the items and drops empty ones', () => {
    const c = commaList();
    expect(c.fromAttribute!(' param:lr, ,score ')).toEqual(['param:lr', 'score']);
    expect(c.toAttribute!(['param:lr', 'score'])).toBe('param:lr,score');
    expect(c.toAttribute!(undefined)).toBeNull();
  });

  it('reads a missing or blank attribute as unset, or a blank one as an empty list when asked', () => {
    expect(commaList().fromAttribute!(null)).toBeUndefined();
    expect(commaList().fromAttribute!('  ')).toBeUndefined();
    expect(commaList(undefined, { blank: 'empty' }).fromAttribute!('')).toEqual([]);
    expect(commaList(undefined, { blank: 'empty' }).fromAttribute!(null)).toBeUndefined();
  });

  it('parses each item, leaving out what the parser refuses', () => {
    expect(commaList(positiveId).fromAttribute!('3, 4,x,0,-2,1.5,7')).toEqual([3, 4, 7]);
    expect(commaList(positiveId).fromAttribute!(' , ')).toEqual([]);
  });
});
