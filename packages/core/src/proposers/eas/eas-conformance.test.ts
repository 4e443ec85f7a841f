import { describe } from 'vitest';
import { getProposer } from '../registry.js';
import { proposerConformance } from '../../testing/proposer-conformance.js';

const eas = getProposer('eas');

// The conformance spaces: parameters are searched at random alongside the architecture.
describe('defaults', () => proposerConformance(eas));
// No parameters at all (the usual eas experiment), a deeper start, one child per parent.
describe('empty space, two layers, n_children 1', () =>
  proposerConformance(eas, {
    spaces: { empty: [] },
    options: { net_config: { layers: [{ type: 'dense', units: 3 }, { units: 5 }] }, n_children: 1 },
  }));
// Tight limits: the networks saturate, so the fallbacks (no valid edit, parents reused) run.
describe('saturating limits', () =>
  proposerConformance(eas, {
    spaces: { empty: [] },
    nSamples: 20,
    options: { net_config: { layers: [{ units: 1 }], max_layers: 2, max_units: 2 } },
  }));
