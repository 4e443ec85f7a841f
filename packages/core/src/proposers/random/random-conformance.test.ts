import { proposerConformance } from '../../testing/proposer-conformance.js';
import { randomProposer } from './random-proposer.js';

proposerConformance(randomProposer);
proposerConformance(randomProposer, { objectives: 2 });
