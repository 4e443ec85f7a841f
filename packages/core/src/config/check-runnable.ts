import { AupError, isAupError, type AupErrorCode } from '../errors.js';
import { BUILTIN_PROPOSERS, getProposer, listProposers } from '../proposers/registry.js';
import { createPruner } from '../pruners/registry.js';
import { objectiveTargets } from '../objectives.js';
import { resolveCommand } from '../runner/command.js';
import type { NormalizedConfig, Proposer } from '../types.js';
import { formatProblems, type ConfigProblem } from './config-problem.js';
import { andList } from './schema-builders.js';

export interface RunnableOptions {
  /** The jobs run as an in-process objective, or the script was resolved already: no script to resolve. */
  inProcess?: boolean;
  /** The experiment's jobs go to `aup worker` processes (`aup run --workers external`). */
  workers?: boolean;
}

/** What `runnableProblems` found, and the error code that fits them best. */
export interface RunnableCheck {
  problems: ConfigProblem[];
  /** The code of the first problem's error (AUP_ERR_PROPOSER_UNKNOWN, ...), else AUP_ERR_CONFIG_INVALID. */
  code: AupErrorCode;
}

/**
 * What a run refuses in a config that the schema accepts: an unknown proposer, proposer settings
 * that do not fit this search space, bad early-stopping settings, a resource aup does not run, a
 * script that cannot be run, passive jobs for workers. The one place these checks live, so that
 * `aup validate`, `aup init`, `aup run` and the board's config validation agree (normalizeConfig
 * and validateConfig call it on every config they accept).
 */
export function runnableProblems(config: NormalizedConfig, opts: RunnableOptions = {}): RunnableCheck {
  const problems: ConfigProblem[] = [];
  const codes: AupErrorCode[] = [];
  /** Runs a run-time check; its AupError becomes a problem at `details.path` (a JSON path) or at `at`. */
  const attempt = (at: string, expected: string, found: string, check: () => unknown, pathInDetails = true): boolean => {
    try {
      check();
      return true;
    } catch (e) {
      if (!isAupError(e)) throw e;
      const path = pathInDetails && typeof e.details['path'] === 'string' ? e.details['path'] : at;
      // Run-time messages start with their path ("engine: ..."); the problem's path says it already.
      const message = e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message;
      const suggestion = typeof e.details['suggestion'] === 'string' ? { suggestion: e.details['suggestion'] } : {};
      problems.push({ path, message, expected, found, ...suggestion });
      codes.push(e.code);
      return false;
    }
  };

  const known = attempt('proposer', `one of ${listProposers().join(', ')}`, JSON.stringify(config.proposer), () =>
    getProposer(config.proposer),
  );
  if (known) {
    // Creating the proposer once checks its settings against the space, as a run's start does.
    const made: { proposer?: Proposer } = {};
    attempt('proposer', `settings the ${config.proposer} proposer accepts`, 'settings it refused', () => {
      made.proposer = getProposer(config.proposer).create({
        space: config.parameter_config,
        target: config.target,
        ...(objectiveTargets(config) !== undefined ? { targets: objectiveTargets(config) } : {}),
        nSamples: config.n_samples,
        seed: config.random_seed,
        options: config.proposer_options ?? {},
      });
    });
    // Warm-start jobs reach the proposer as adopted trials (runner/warm-start.ts).
    const { proposer } = made;
    if (proposer !== undefined && (config.warm_start?.length ?? 0) > 0 && typeof proposer.adopt !== 'function') {
      const able = adoptingProposers(config);
      problems.push({
        path: 'warm_start',
        message: `the "${config.proposer}" proposer cannot be told earlier jobs (it takes no trials it did not propose); warm_start works with ${able}`,
        expected: `no warm_start, or one of the proposers ${able}`,
        found: JSON.stringify(config.warm_start),
      });
      codes.push('AUP_ERR_CONFIG_INVALID');
    }
  }
  const earlyStop = config.resource_args?.early_stop;
  if (earlyStop)
    attempt('resource_args.early_stop', 'early-stopping settings', JSON.stringify(earlyStop), () => createPruner(earlyStop, config.target));
  if (config.resource === 'aws') {
    problems.push({
      path: 'resource',
      message:
        '"aws" is not supported: aup does not start cloud machines; start them yourself and list them as SSH hosts with "node", or run aup on the cloud machine with "cpu" or "gpu" (docs/guides/resources.md)',
      expected: 'cpu, gpu, node or passive',
      found: '"aws"',
    });
    codes.push('AUP_ERR_CONFIG_INVALID');
  }
  if (opts.workers === true && config.resource === 'passive') {
    problems.push({
      path: 'resource',
      message: '"passive" jobs are run by a person, not by aup worker processes: drop --workers external, or use resource "cpu" or "gpu"',
      expected: 'cpu or gpu with --workers external',
      found: '"passive"',
    });
    codes.push('AUP_ERR_CONFIG_INVALID');
  }
  // A script on this machine must be something the runner can start (a node resource's lives on the hosts).
  const local = config.resource === 'cpu' || config.resource === 'gpu';
  if (local && !opts.inProcess && config.script !== undefined) {
    // Its details.path is the file, not a JSON path.
    attempt(
      'script',
      'a script that exists and is executable, or has an extension that names its interpreter',
      JSON.stringify(config.script),
      () => resolveCommand(config.script!, config.workingdir, config.script_path),
      false,
    );
  }
  return { problems, code: codes[0] ?? 'AUP_ERR_CONFIG_INVALID' };
}

/** The built-in proposers that take trials they did not propose (`adopt`) over this space, as "a, b and c". */
function adoptingProposers(config: NormalizedConfig): string {
  const able = BUILTIN_PROPOSERS.filter((d) => {
    try {
      const ctx = { space: config.parameter_config, target: config.target, nSamples: 1, seed: 0, options: {} };
      return typeof d.create(ctx).adopt === 'function';
    } catch {
      return false;
    }
  });
  return andList(able.map((d) => d.name));
}

/**
 * Throws the AupError for what `runnableProblems` finds (one line per problem, with the config
 * file when known); does nothing for a runnable config.
 */
export function checkRunnable(config: NormalizedConfig, opts: RunnableOptions = {}): void {
  const { problems, code } = runnableProblems(config, opts);
  if (problems.length === 0) return;
  throw new AupError(code, formatProblems(problems, config.config_path), { details: { file: config.config_path, problems } });
}
