import { describe } from 'vitest';
import { getProposer } from '../registry.js';
import { proposerConformance } from '../../testing/proposer-conformance.js';

const bohb = getProposer('bohb');

// Defaults: budgets 0.01..1 (s_max 4), 24 trials stay inside the first bracket's first rung.
describe('defaults', () => proposerConformance(bohb));
// Budgets 1..9 and a model after 2 + 2 observations: promotions, KDE picks and a second iteration within 40 trials.
describe('budgets 1..9, model early', () =>
  proposerConformance(bohb, {
    options: { min_budget: 1, max_budget: 9, eta: 3, n_iterations: 5, min_points_in_model: 2, random_fraction: 0.2 },
    nSamples: 40,
  }));
