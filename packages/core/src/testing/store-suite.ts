import type { Json } from '../types.js';
import type { IntermediateRecord, JobRecord, NewExperiment, Store } from '../store/store-types.js';

/**
 * What a role's conformance suite needs from the enclosing store suite (storeConformance), which
 * opens a store on a new, empty database before each test and closes it after.
 */
export interface StoreSuiteContext {
  /** The suite's current store (a fresh, empty database per test). */
  store: () => Store;
  /** A second store on the same database, as in StoreConformanceOptions; the suite closes it via `track`. */
  openSibling?: (first: Store) => Promise<Store>;
  /** Hands a store the test opened to the suite, which closes it after the test. */
  track: (s: Store) => void;
}

// A time after 2038 and beyond 2^31 ms: catches int4 columns and strings for bigint.
export const FAR_TIME = 4_102_444_800_123;

/** The usual experiment and job of a test, on the suite's current store. */
export function storeHelpers(ctx: StoreSuiteContext): {
  newExperiment: (overrides?: Partial<NewExperiment>) => ReturnType<Store['createExperiment']>;
  newJob: (experimentId: number, trial?: number, params?: JobRecord['params']) => ReturnType<Store['createJob']>;
} {
  return {
    newExperiment: async (overrides = {}) => ctx.store().createExperiment(experimentInput(overrides)),
    newJob: async (experimentId, trial = 0, params = { x: trial }) => ctx.store().createJob({ experimentId, trial, params }),
  };
}

export function experimentInput(overrides: Partial<NewExperiment> = {}): NewExperiment {
  // Keys deliberately out of alphabetical order: the store must keep the user's order.
  const configRaw: Json = {
    proposer: 'random',
    name: 'conformance',
    n_samples: 5,
    parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
    resource_args: { multi_res_labels: ['f1'], early_stop: null },
    zeta: 'ünïcödé ✓',
    alpha: [true, false, null, 1.5e-300, -7],
  };
  return {
    name: 'conformance',
    user: 'tester',
    proposer: 'random',
    target: 'max',
    nSamples: 5,
    configRaw,
    config: { ...(configRaw as object), workingdir: '/tmp/work', n_parallel: 2 } as Json,
    workingDir: '/tmp/work',
    host: { os: 'Linux', cores: 8, gpus: [] },
    git: { commit: 'abc123', branch: 'main', dirty: false },
    proposerState: { seed: 0, asked: 0 },
    ...overrides,
  };
}

/** A deterministic series: step i, value sin(i)/(i+1), time t0 + i. */
export function series(jobId: number, label: string, n: number): IntermediateRecord[] {
  const rows: IntermediateRecord[] = [];
  for (let i = 0; i < n; i++) rows.push({ jobId, label, step: i, value: Math.sin(i) / (i + 1), time: FAR_TIME + i });
  return rows;
}
