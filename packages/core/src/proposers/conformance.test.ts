import { proposerConformance } from '../testing/proposer-conformance.js';
import { randomProposer } from './random-proposer.js';
import { sequenceProposer } from './sequence-proposer.js';

proposerConformance(randomProposer);
// The grid order does not depend on the seed.
proposerConformance(sequenceProposer, { seedSensitive: false });
