import { proposerConformance } from '../../testing/proposer-conformance.js';
import { cmaesProposer } from './cmaes-proposer.js';

proposerConformance(cmaesProposer);
// A small population completes generations (and their updates) within the suite's 24 trials.
proposerConformance(cmaesProposer, { options: { popsize: 3, restarts: 'ipop', inc_popsize: 2 } });
