import { describe } from 'vitest';
import { getProposer } from '../registry.js';
import { proposerConformance } from '../../testing/proposer-conformance.js';

const hyperband = getProposer('hyperband');

// Auptimizer's defaults: 24 trials stay inside the first rung (81 configurations at budget 1).
describe('defaults', () => proposerConformance(hyperband));
// max_iter 9: 22 jobs per iteration, so 24 trials cross promotions, every bracket and a second iteration.
describe('max_iter 9', () => proposerConformance(hyperband, { options: { max_iter: 9, eta: 3 } }));
describe('max_iter 9, skip_last', () => proposerConformance(hyperband, { options: { max_iter: 9, eta: 3, skip_last: 1 } }));
// The sequence engine's grid order ignores the seed.
describe('max_iter 8, eta 2, sequence engine', () =>
  proposerConformance(hyperband, { options: { max_iter: 8, eta: 2, engine: 'sequence' }, nSamples: 30, seedSensitive: false }));
