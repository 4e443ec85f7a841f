import { proposerConformance } from '../../testing/proposer-conformance.js';
import { nsga2Proposer } from './nsga2-proposer.js';

proposerConformance(nsga2Proposer);
// A small population breeds several generations within the suite's 24 trials.
proposerConformance(nsga2Proposer, { options: { population_size: 4, crossover_prob: 1, mutation_prob: 0.5 } });
// Two and three objectives, as a multi-objective experiment runs it.
proposerConformance(nsga2Proposer, { objectives: 2, options: { population_size: 4 } });
proposerConformance(nsga2Proposer, { objectives: 3, options: { population_size: 5 } });
