import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from './did-you-mean.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('n_sample', 'n_samples')).toBe(1);
    expect(editDistance('n_samplees', 'n_samples')).toBe(1);
    expect(editDistance('n_sbmples', 'n_samples')).toBe(1);
    expect(editDistance('targte', 'target')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('didYouMean', () => {
  const keys = ['name', 'proposer', 'n_samples', 'n_parallel', 'target', 'random_seed', 'parameter_config'];

  it('suggests the closest known key for a typo', () => {
    expect(didYouMean('n_sample', keys)).toBe('n_samples');
    expect(didYouMean('n_paralel', keys)).toBe('n_parallel');
    expect(didYouMean('targte', keys)).toBe('target');
    expect(didYouMean('parameters_config', keys)).toBe('parameter_config');
  });

  it('ignores case', () => {
    expect(didYouMean('Target', keys)).toBe('target');
    expect(didYouMean('N_SAMPLES', keys)).toBe('n_samples');
  });

  it('suggests nothing for a word unlike every known one', () => {
    expect(didYouMean('learning_rate', keys)).toBeUndefined();
    expect(didYouMean('x', keys)).toBeUndefined();
  });

  it('allows one edit for short words and more for long ones', () => {
    expect(didYouMean('mx', ['min', 'max'])).toBe('max');
    expect(didYouMean('mxx', ['min', 'max'])).toBe('max');
    expect(didYouMean('xyz', ['min', 'max'])).toBeUndefined();
    expect(didYouMean('paramter_confg', keys)).toBe('parameter_config');
  });
});
