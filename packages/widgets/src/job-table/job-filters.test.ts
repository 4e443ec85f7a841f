import { describe, expect, it } from 'vitest';

import { formatFilter } from '../api/job-query.js';
import type { JobSummary } from '../api/job-summary.js';
import { jobColumns, jobRow, paramsFromConfig, type JobColumn } from './job-columns.js';
import {
  filterOps,
  headerFilterToJobFilter,
  isEmptyHeaderFilter,
  parseLocalTime,
  rowMatchesFilter,
  rowMatchesSearch,
  selectionQuery,
} from './job-filters.js';

const columns = jobColumns({
  params: paramsFromConfig({
    parameter_config: [
      { name: 'lr', type: 'float', range: [0, 1] },
      { name: 'act', type: 'choice', range: ['relu', 'tanh', 'gelu'] },
      { name: 'bn', type: 'choice', range: [true, false] },
      { name: 'free', type: 'float', range: [0, 1] },
    ],
  }),
  metrics: ['f1'],
});
const col = (field: string): JobColumn => columns.find((c) => c.field === field)!;

const summary = (over: Partial<JobSummary> = {}): JobSummary => ({
  id: 12,
  trial: 0,
  status: 'finished',
  score: 0.75,
  metrics: { f1: 0.5 },
  params: { lr: 0.01, act: 'relu', bn: true },
  budget: null,
  attempts: 1,
  started_at: '2025-03-04T10:00:00.000Z',
  ended_at: '2025-03-04T10:02:00.000Z',
  ...over,
});

describe('headerFilterToJobFilter', () => {
  it('reads numbers, seconds of duration, local dates and text into the API filter the server parses', () => {
    expect(headerFilterToJobFilter(col('score'), { op: '>=', text: ' 0.5 ' })).toEqual({
      filter: { column: 'score', op: '>=', value: 0.5 },
    });
    expect(headerFilterToJobFilter(col('duration'), { op: '<', text: '90' })).toEqual({
      filter: { column: 'duration', op: '<', value: 90_000 },
    });
    const since = headerFilterToJobFilter(col('started_at'), { op: '>=', text: '2025-03-04' });
    expect(since).toEqual({ filter: { column: 'started_at', op: '>=', value: new Date(2025, 2, 4).toISOString() } });
    const act = headerFilterToJobFilter(col('param:act'), { op: 'contains', text: 'el' });
    expect(act).toEqual({ filter: { column: 'param:act', op: 'contains', value: 'el' } });
    expect(formatFilter((act as { filter: Parameters<typeof formatFilter>[0] }).filter)).toBe('param:act~el');
  });

  it('is null when nothing is typed and an error naming the column for text that does not fit', () => {
    expect(headerFilterToJobFilter(col('score'), { op: '=', text: '  ' })).toBeNull();
    expect(headerFilterToJobFilter(col('score'), { op: '=', text: '12a' })).toEqual({ error: "Score: '12a' is not a number" });
    expect(headerFilterToJobFilter(col('ended_at'), { op: '<', text: 'soon' })).toEqual({
      error: expect.stringContaining("Ended: 'soon' is not a date"),
    });
    expect(headerFilterToJobFilter(col('param:act'), { op: '<', text: 'x' })).toEqual({ error: "act: '<' does not apply to this column" });
    expect(isEmptyHeaderFilter({ op: '=', text: '' })).toBe(true);
    expect(isEmptyHeaderFilter(undefined)).toBe(true);
    expect(isEmptyHeaderFilter({ op: '=', text: '3' })).toBe(false);
  });

  it('offers comparators that fit each kind of column, the default first', () => {
    expect(filterOps('number')[0]).toBe('=');
    expect(filterOps('text')).toEqual(['contains', '=', '!=']);
    expect(filterOps('date')).not.toContain('contains');
    expect(filterOps('status')).toEqual(['=', '!=']);
  });
});

describe('parseLocalTime', () => {
  it('reads a bare date as local midnight and a datetime-local value as local time', () => {
    expect(parseLocalTime('2025-03-04')).toBe(new Date(2025, 2, 4).getTime());
    expect(parseLocalTime('2025-03-04T05:06')).toBe(new Date(2025, 2, 4, 5, 6).getTime());
    expect(parseLocalTime('2025-03-04T05:06:07Z')).toBe(Date.UTC(2025, 2, 4, 5, 6, 7));
    expect(parseLocalTime('tomorrow')).toBeUndefined();
  });
});

describe('selectionQuery', () => {
  it('turns an interval into >= and <=, one value into =, and job ids into the jobs list', () => {
    const q = selectionQuery({ source: 'aup-hig', ranges: { score: [0.1, 0.9], 'param:act': ['tanh'] }, jobIds: [4, 5] }, columns);
    expect(q).toEqual({
      filters: [
        { column: 'score', op: '>=', value: 0.1 },
        { column: 'score', op: '<=', value: 0.9 },
        { column: 'param:act', op: '=', value: 'tanh' },
      ],
      jobIds: [4, 5],
      none: false,
      unsupported: [],
    });
  });

  it('expresses several kept values of a choice by leaving out the others (filters AND together)', () => {
    const q = selectionQuery({ source: 'aup-hig', ranges: { 'param:act': ['relu', 'gelu'], 'param:bn': [true] }, jobIds: null }, columns);
    expect(q.filters).toEqual([
      { column: 'param:act', op: '!=', value: 'tanh' },
      { column: 'param:bn', op: '!=', value: 'false' },
    ]);
    expect(q.unsupported).toEqual([]);
  });

  it('says which ranges it cannot send, and when a selection keeps nothing', () => {
    expect(selectionQuery({ source: 'x', ranges: { 'metric:f1': ['a', 'b'] }, jobIds: null }, columns).unsupported).toEqual(['metric:f1']);
    expect(selectionQuery({ source: 'x', ranges: { 'param:act': [] }, jobIds: null }, columns).none).toBe(true);
    expect(selectionQuery(null, columns)).toEqual({ filters: [], jobIds: undefined, none: false, unsupported: [] });
  });
});

describe('rowMatchesFilter and rowMatchesSearch (the data property, without a server)', () => {
  const row = jobRow(summary());
  it('compares numbers, dates and text as the server does; a row without a value never matches', () => {
    expect(rowMatchesFilter(row, { column: 'score', op: '>', value: 0.5 }, 'number')).toBe(true);
    expect(rowMatchesFilter(row, { column: 'score', op: '<=', value: 0.5 }, 'number')).toBe(false);
    expect(rowMatchesFilter(row, { column: 'started_at', op: '>=', value: '2025-03-04T09:00:00.000Z' }, 'date')).toBe(true);
    expect(rowMatchesFilter(row, { column: 'started_at', op: '<', value: '2025-03-04T09:00:00.000Z' }, 'date')).toBe(false);
    expect(rowMatchesFilter(row, { column: 'param:act', op: 'contains', value: 'EL' }, 'text')).toBe(true);
    expect(rowMatchesFilter(row, { column: 'param:act', op: '!=', value: 'relu' }, 'text')).toBe(false);
    expect(rowMatchesFilter(row, { column: 'param:free', op: '>', value: 0 }, 'number')).toBe(false);
    expect(rowMatchesFilter(row, { column: 'budget', op: '!=', value: 3 }, 'number')).toBe(false);
    expect(rowMatchesFilter(row, { column: 'duration', op: '=', value: 120_000 }, 'duration')).toBe(true);
  });

  it('searches params (names and values), status and the exact id, ignoring case', () => {
    expect(rowMatchesSearch(row, 'RELU')).toBe(true);
    expect(rowMatchesSearch(row, '"lr"')).toBe(true);
    expect(rowMatchesSearch(row, 'finish')).toBe(true);
    expect(rowMatchesSearch(row, '12')).toBe(true);
    expect(rowMatchesSearch(row, '13')).toBe(false);
    expect(rowMatchesSearch(row, 'tanh')).toBe(false);
    expect(rowMatchesSearch(row, '  ')).toBe(true);
  });
});
