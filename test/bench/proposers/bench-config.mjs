// What `npm run bench:proposers` runs: the aup rows (registered proposers by name), the Optuna rows
// (optuna_peer.py), budgets, and the targets of issue 3 (docs/benchmarks.md has the definitions).

export const FUNCTIONS = ['branin', 'hartmann6', 'rosenbrock4'];
export const FUNCTION_BUDGETS = [25, 50, 100];
/** Trials pending at once in the parallel variant. */
export const PARALLEL = 4;

/** aup rows on the test functions; a row whose proposers are not registered is skipped with a note. */
export const FUNCTION_ROWS = [
  { row: 'random', proposer: 'random' },
  { row: 'spearmint', proposer: 'spearmint' },
  { row: 'hyperopt', proposer: 'hyperopt' },
  { row: 'cmaes', proposer: 'cmaes' },
];

export const OPTUNA_SAMPLERS = { tpe: 'Optuna TPE', tpe_mv: 'Optuna TPE multivariate', random: 'Optuna Random', cmaes: 'Optuna CMA-ES' };

/** Hyperband's budgets 1..81 mean 9..729 draws, so hyperband and bohb see the same five budgets. */
const HYPERBAND_DRAWS_PER_UNIT = 9;
export const COUNTING_ONES_ROWS = [
  { row: 'random', proposer: 'random' },
  { row: 'hyperopt', proposer: 'hyperopt' },
  { row: 'hyperband', proposer: 'hyperband', options: { max_iter: 81, eta: 3 }, draws: (b) => HYPERBAND_DRAWS_PER_UNIT * b },
  {
    row: 'hyperband (engine hyperopt)',
    proposer: 'hyperband',
    needs: ['hyperopt'],
    options: { max_iter: 81, eta: 3, engine: 'hyperopt' },
    draws: (b) => HYPERBAND_DRAWS_PER_UNIT * b,
  },
  { row: 'bohb', proposer: 'bohb', options: { min_budget: 9, max_budget: 729, eta: 3, n_iterations: 1_000_000 }, draws: (b) => b },
];
export const OPTUNA_COUNTING_ONES = [
  { row: 'Optuna Random', sampler: 'random', pruner: 'none' },
  { row: 'Optuna Random + Hyperband', sampler: 'random', pruner: 'hyperband' },
  { row: 'Optuna TPE', sampler: 'tpe', pruner: 'none' },
  { row: 'Optuna TPE + SuccessiveHalving', sampler: 'tpe', pruner: 'sh' },
  { row: 'Optuna TPE + Hyperband', sampler: 'tpe', pruner: 'hyperband' },
];

const ASHA = { aup_policy: 'asha', min_resource: 1, reduction_factor: 3 };
export const LEARNING_CURVE_ROWS = [
  { row: 'random', proposer: 'random' },
  { row: 'hyperopt', proposer: 'hyperopt' },
  { row: 'random + asha', proposer: 'random', earlyStop: ASHA },
  { row: 'hyperopt + asha', proposer: 'hyperopt', earlyStop: ASHA },
  { row: 'hyperopt + median', proposer: 'hyperopt', earlyStop: { aup_policy: 'median' } },
  { row: 'hyperopt + bandit', proposer: 'hyperopt', earlyStop: { aup_policy: 'bandit' } },
  { row: 'hyperopt + truncation', proposer: 'hyperopt', earlyStop: { aup_policy: 'truncation' } },
  { row: 'hyperopt + curve_fitting', proposer: 'hyperopt', earlyStop: { aup_policy: 'curve_fitting' } },
  { row: 'hyperband', proposer: 'hyperband', options: { max_iter: 81, eta: 3 } },
  { row: 'hyperband (engine hyperopt)', proposer: 'hyperband', needs: ['hyperopt'], options: { max_iter: 81, eta: 3, engine: 'hyperopt' } },
  { row: 'bohb', proposer: 'bohb', options: { min_budget: 1, max_budget: 81, eta: 3, n_iterations: 1_000_000 } },
];
export const OPTUNA_LEARNING_CURVE = [
  { row: 'Optuna TPE', sampler: 'tpe', pruner: 'none' },
  { row: 'Optuna TPE + Median', sampler: 'tpe', pruner: 'median' },
  { row: 'Optuna TPE + ASHA', sampler: 'tpe', pruner: 'sh' },
  { row: 'Optuna TPE + Hyperband', sampler: 'tpe', pruner: 'hyperband' },
  { row: 'Optuna Random + Hyperband', sampler: 'random', pruner: 'hyperband' },
];

export const COUNTING_ONES_LEVEL = 3.0;
export const LEARNING_CURVE_LEVEL = 0.3;

/** Full and --quick settings. The published table uses the full ones. */
export const PROFILES = {
  full: {
    seeds: 20,
    countingOnesUnits: 60,
    learningCurveUnits: 100,
    overhead: {
      trials: 1000,
      windows: [
        [1, 100],
        [901, 1000],
      ],
    },
    optunaOverhead: {
      trials: 1000,
      windows: [
        [1, 100],
        [901, 1000],
      ],
    },
    spearmintOverhead: {
      trials: 500,
      windows: [
        [91, 100],
        [491, 500],
      ],
    },
  },
  quick: {
    seeds: 5,
    countingOnesUnits: 50,
    learningCurveUnits: 60,
    // aup's random and hyperopt are cheap enough for the full 1,000 trials even here.
    overhead: {
      trials: 1000,
      windows: [
        [1, 100],
        [301, 400],
        [901, 1000],
      ],
    },
    optunaOverhead: {
      trials: 400,
      windows: [
        [1, 100],
        [301, 400],
      ],
    },
    spearmintOverhead: { trials: 100, windows: [[91, 100]] },
  },
};

export const OVERHEAD_ROWS = [
  { row: 'random', proposer: 'random' },
  { row: 'hyperopt', proposer: 'hyperopt' },
  { row: 'spearmint', proposer: 'spearmint', spearmint: true },
  { row: 'cmaes', proposer: 'cmaes' },
];
export const OPTUNA_OVERHEAD = ['tpe', 'tpe_mv', 'cmaes', 'random'];

/**
 * Issue 3's targets. `value(r)` reads the measured figure from the results (undefined: not measured
 * in this run); `ok(v)` says whether it meets the target.
 */
export const TARGETS = [
  { text: 'Hartmann-6 @50: spearmint ≤ 0.15', fn: 'hartmann6', row: 'spearmint', at: 50, max: 0.15 },
  { text: 'Hartmann-6 @100: spearmint ≤ 0.02', fn: 'hartmann6', row: 'spearmint', at: 100, max: 0.02 },
  { text: 'Hartmann-6 @50: hyperopt ≤ 0.30', fn: 'hartmann6', row: 'hyperopt', at: 50, max: 0.3 },
  { text: 'Branin @50: spearmint ≤ 1e-3', fn: 'branin', row: 'spearmint', at: 50, max: 1e-3 },
  { text: 'Branin @50: hyperopt ≤ 0.13', fn: 'branin', row: 'hyperopt', at: 50, max: 0.13 },
  { text: 'Rosenbrock-4D @100: best aup proposer ≤ 40', fn: 'rosenbrock4', row: '*', at: 100, max: 40 },
];

/**
 * The `cmaes` case (issue 16): aup's CMA-ES beside Optuna's CmaEsSampler on the continuous functions
 * at 200 trials, with and without restarts; its own section of docs/benchmarks.md.
 */
export const CMAES_CASE = {
  functions: ['rosenbrock4', 'hartmann6'],
  budgets: [50, 100, 200],
  rows: [
    { row: 'cmaes', proposer: 'cmaes' },
    { row: 'cmaes (restarts none)', proposer: 'cmaes', options: { restarts: 'none' } },
  ],
  /** optuna_peer.py's sampler names and their rows. */
  optuna: { cmaes: 'Optuna CMA-ES', cmaes_ipop: 'Optuna CMA-ES (IPOP)' },
  /** The goal: aup's `cmaes` median regret at `at` trials within `ratio` × the better Optuna row's. */
  target: { row: 'cmaes', at: 200, ratio: 1.2 },
  overhead: {
    trials: 1000,
    windows: [
      [1, 100],
      [901, 1000],
    ],
  },
};
