import { getProposer } from '../proposers/index.js';
import { objectiveTargets } from '../objectives.js';
import type { JobRecord, NewJob } from '../store/store-types.js';
import type { Json, NormalizedConfig, Proposer, ProposerDefinition, Suggestion } from '../types.js';

/**
 * The experiment's trials: its proposer, how many jobs exist, whether the search is exhausted, and
 * the jobs to run (again) before the proposer is asked: unfinished ones on resume, retries, enqueued trials.
 */
export class Trials {
  proposer: Proposer;
  /** Jobs created so far (model saves an older aup recorded as jobs aside): n_samples bounds it. */
  created: number;
  /** The proposer answered `done`. */
  exhausted = false;
  /** Jobs that run before the proposer is asked again. */
  readonly rerun: JobRecord[];
  readonly #def: ProposerDefinition;

  constructor(
    private readonly config: NormalizedConfig,
    snapshot: Json | null,
    jobs: readonly JobRecord[],
  ) {
    this.#def = getProposer(config.proposer);
    this.proposer = this.#def.create(this.#context(config.n_samples), snapshot === null ? undefined : snapshot);
    this.created = jobs.length;
    this.rerun = jobs.filter((j) => UNFINISHED.has(j.status)).sort((a, b) => a.trial - b.trial);
  }

  /** The next trial the proposer suggests, if n_samples and the proposer allow one now. */
  ask(): Suggestion | undefined {
    if (this.exhausted || this.created >= this.config.n_samples) return undefined;
    const ask = this.proposer.ask();
    if (ask.kind === 'done') this.exhausted = true;
    return ask.kind === 'trial' ? ask : undefined;
  }

  /** The job row of a suggested trial. */
  newJob(experimentId: number, ask: Suggestion): NewJob {
    return { experimentId, trial: ask.trialId, params: ask.params, budget: ask.budget ?? null, extra: (ask.extra ?? null) as Json };
  }

  /**
   * The proposer for a new n_samples: it continues from its snapshot with the new budget, exactly as
   * `aup resume` would restore it; undefined when n_samples does not change.
   */
  withSamples(nSamples: number): Proposer | undefined {
    if (nSamples === this.config.n_samples) return undefined;
    return this.#def.create(this.#context(nSamples), this.proposer.snapshot());
  }

  /** Takes the proposer made by withSamples, with its n_samples. */
  useSamples(proposer: Proposer, nSamples: number): void {
    this.proposer = proposer;
    this.config.n_samples = nSamples;
    this.exhausted = false;
  }

  #context(nSamples: number) {
    const { config } = this;
    return {
      space: config.parameter_config,
      target: config.target,
      ...(objectiveTargets(config) !== undefined ? { targets: objectiveTargets(config) } : {}),
      nSamples,
      seed: config.random_seed,
      options: config.proposer_options ?? {},
    };
  }
}

const UNFINISHED: ReadonlySet<string> = new Set(['queued', 'running', 'interrupted']);
