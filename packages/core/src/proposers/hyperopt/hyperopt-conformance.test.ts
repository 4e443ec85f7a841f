import { describe } from 'vitest';
import { proposerConformance } from '../../testing/proposer-conformance.js';
import { hyperoptProposer } from './hyperopt-proposer.js';

// Few startup trials, so most of the 24 trials of each scenario come from the model.
describe('engine tpe, multivariate (default)', () => proposerConformance(hyperoptProposer, { options: { n_startup_jobs: 3 } }));
describe('engine tpe, univariate, without constant liar', () =>
  proposerConformance(hyperoptProposer, { options: { n_startup_jobs: 3, multivariate: false, constant_liar: false } }));
describe('engine anneal', () => proposerConformance(hyperoptProposer, { options: { engine: 'anneal', n_startup_jobs: 3 } }));
describe('engine rand', () => proposerConformance(hyperoptProposer, { options: { engine: 'rand' } }));
describe('engine tpe, two objectives (MOTPE)', () =>
  proposerConformance(hyperoptProposer, { objectives: 2, options: { n_startup_jobs: 3 } }));
describe('engine tpe, three objectives, univariate', () =>
  proposerConformance(hyperoptProposer, { objectives: 3, options: { n_startup_jobs: 3, multivariate: false } }));
