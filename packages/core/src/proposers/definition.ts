/**
 * What a proposer says about itself (docs/decisions/0025-self-describing-proposers.md). A built-in
 * proposer is one folder whose module exports one `BuiltinProposer`; the registry lists them, and
 * the config schema, `n_samples`, the engine check and the reference tables are read from them, so
 * nothing else switches on a proposer's name.
 */
import type { TSchema } from '@sinclair/typebox';
import type { Json, JsonObject, ParamSpec, ProposerDefinition } from '../types.js';

/**
 * Optional facts any registered definition may carry; the runner and the config checks read them
 * from whatever definition the registry holds under a name.
 */
export interface ProposerTraits {
  /** Other names the proposer answers to (any case), besides `name`. */
  readonly aliases?: readonly string[];
  /**
   * The jobs of the proposer's own schedule (a grid, a Hyperband iteration): a config without
   * `n_samples` runs that many. Throws AupError when the settings or the space are invalid.
   */
  trialCount?(space: readonly ParamSpec[], options: JsonObject): number;
  /** It schedules budgets itself, so it cannot be another proposer's engine (hyperband, bohb). */
  readonly schedulesBudgets?: boolean;
  /**
   * It learns from several objectives (`ProposerContext.targets`, `Outcome.values`); a config with
   * several objectives is refused for a proposer without it.
   */
  readonly multiObjective?: boolean;
}

/**
 * The proposer's top-level config keys (Auptimizer puts them beside `proposer`), each a TypeBox
 * schema whose description is what `aup schema` and docs/reference/config.md say about it. Two
 * proposers that read the same key share one schema object (proposers/common-options.ts).
 */
export type ProposerOptionSchemas = Readonly<Record<string, TSchema>>;

/** The proposer's row in the table of docs/reference/proposers.md. */
export interface ProposerSummary {
  /** What it does, in a few words. */
  readonly does: string;
  /** Whether `random_seed` changes its trials. */
  readonly seeded: boolean;
  /** When it answers `done` by itself. */
  readonly finite: string;
}

/** A contradiction between the proposer's config keys that no single key's schema can say (min_budget < max_budget). */
export interface OptionProblem {
  /** The top-level key the problem is reported at. */
  key: string;
  expected: string;
  found: Json;
}

/** A built-in proposer: its factory, its config keys, and what other modules need to know about it. */
export interface BuiltinProposer extends ProposerDefinition, ProposerTraits {
  readonly options: ProposerOptionSchemas;
  /**
   * Problems among its keys in a config that passed the schema. Every built-in's rule runs on every
   * config, whichever proposer it names, as a config's keys must not contradict each other.
   */
  optionProblems?(config: JsonObject): OptionProblem[];
  readonly summary: ProposerSummary;
}

/** A registered definition: a built-in, or one an outside module registered with or without traits. */
export type RegisteredProposer = ProposerDefinition & ProposerTraits;

/**
 * How a proposer that drives another (hyperband's engine) finds it: the definition registered
 * under `name`, or, when there is none, why (a sentence for an error message, without its path).
 * The registry hands this in, so such a proposer never imports the registry that lists it.
 */
export type ProposerLookup = (name: string) => RegisteredProposer | string;
