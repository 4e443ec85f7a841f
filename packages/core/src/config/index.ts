/** Experiment configs (docs/architecture.md §2.1): loading, validation with every problem named, defaults, templates. */
export { loadConfig } from './load-config.js';
export { runnableProblems, checkRunnable, type RunnableOptions, type RunnableCheck } from './check-runnable.js';
export { normalizeConfig, validateConfig, CONFIG_DEFAULTS, type NormalizeOptions, type ValidationResult } from './normalize-config.js';
export { configJsonSchema, ExperimentConfigSchema, PROPOSER_OPTIONS, PROPOSER_OPTION_KEYS, TOP_LEVEL_KEYS } from './config-schema.js';
export { fillTemplate, templateParameters } from './config-template.js';
export type { ConfigProblem } from './config-problem.js';
