import { describe, expect, it } from 'vitest';

import { parseExperimentList } from './experiment-summary.js';

const row = {
  id: 7,
  name: 'mnist',
  status: 'finished',
  proposer: 'random',
  target: 'max',
  n_samples: 10,
  jobs_done: 10,
  best_score: 0.98,
  user: 'ada',
  created_at: '2025-01-01T00:00:00.000Z',
  started_at: null,
  ended_at: null,
};

describe('parseExperimentList', () => {
  it('returns the rows of a well-formed body', () => {
    expect(parseExperimentList({ experiments: [row] })).toEqual([row]);
    expect(parseExperimentList({ experiments: [] })).toEqual([]);
  });

  it('rejects a body without an experiments array, saying what it found', () => {
    expect(() => parseExperimentList([row])).toThrow('expected a JSON object { experiments: [...] }, found an array');
    expect(() => parseExperimentList({ items: [] })).toThrow('found an object without that key');
    expect(() => parseExperimentList('<html>')).toThrow('found a string');
  });

  it('names the first malformed row', () => {
    expect(() => parseExperimentList({ experiments: [row, { name: 'x' }] })).toThrow('experiments[1] is an object without that key');
  });
});
