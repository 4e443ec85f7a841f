import { proposerConformance } from '../../testing/proposer-conformance.js';
import { sequenceProposer } from './sequence-proposer.js';

// The grid order does not depend on the seed.
proposerConformance(sequenceProposer, { seedSensitive: false });
