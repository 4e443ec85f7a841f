import { describe, expect, it } from 'vitest';

import { jobColumns } from './job-columns.js';
import { pageQuery, type PageScope } from './page-loading.js';

const columns = jobColumns({ params: [{ name: 'act', kind: 'text', values: ['relu', 'tanh', 'gelu'] }], metrics: [] });
const scope = (over: Partial<PageScope> = {}): PageScope => ({
  columns,
  search: '',
  selection: null,
  focus: undefined,
  groupField: undefined,
  ...over,
});

describe('pageQuery', () => {
  it('asks for the page Tabulator holds, sorted by its column or else by the first group column', () => {
    expect(pageQuery({ page: 3, size: 50 }, 3, 50, scope()).query).toEqual({ offset: 100, limit: 50, filters: [] });
    expect(pageQuery({ sort: [{ field: 'score', dir: 'desc' }] }, 1, 50, scope({ groupField: 'status' })).query).toMatchObject({
      sort: { column: 'score', order: 'desc' },
    });
    expect(pageQuery({}, 1, 50, scope({ groupField: 'status', search: 'relu' })).query).toMatchObject({
      sort: { column: 'status', order: 'asc' },
      search: 'relu',
    });
  });

  it('turns header filters into filters and reports the ones it cannot read', () => {
    const r = pageQuery(
      {
        filter: [
          { field: 'score', type: 'like', value: { op: '<', text: '0.5' } },
          { field: 'score', type: 'like', value: { op: '<', text: 'abc' } },
        ],
      },
      1,
      50,
      scope(),
    );
    expect(r.query).toMatchObject({ filters: [{ column: 'score', op: '<', value: 0.5 }] });
    expect(r.errors).toHaveLength(1);
  });

  it('shows a focused job alone, and nothing for a selection that keeps no job', () => {
    expect(pageQuery({}, 2, 50, scope({ focus: 12, search: 'x' })).query).toEqual({ offset: 0, limit: 50, filters: [], jobIds: [12] });
    expect(pageQuery({}, 1, 50, scope({ selection: { source: 'aup-hig', ranges: { 'param:act': [] }, jobIds: null } })).query).toBe('none');
  });
});
