/**
 * The rules of several objectives in a config (docs/decisions/0034-multi-objective.md): a list `target`,
 * `objectives` naming its entries, and the parts that handle one objective only refusing several.
 */
import { BUILTIN_PROPOSERS, findProposer } from '../proposers/registry.js';
import { defaultObjectiveName } from '../objectives.js';
import type { JsonObject, ObjectiveSpec, Target } from '../types.js';
import { formatFound, problem, type ConfigProblem } from './config-problem.js';
import { andList } from './schema-builders.js';

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The names of the built-in proposers that handle several objectives. */
export function multiObjectiveProposers(): string[] {
  return BUILTIN_PROPOSERS.filter((d) => d.multiObjective === true).map((d) => d.name);
}

/**
 * Checks `target` and `objectives` of a config whose keys have the schema's shape: `objectives`
 * needs a list `target` of the same length, names are unique, and with several objectives the
 * proposer must handle them and early stopping (one score per step) is refused.
 */
export function checkObjectives(raw: JsonObject, report: (p: ConfigProblem) => void): void {
  const target = raw.target;
  const names = raw.objectives as string[] | undefined;
  const n = Array.isArray(target) ? target.length : 1;
  if (names !== undefined) {
    if (!Array.isArray(target)) {
      report(
        problem(['objectives'], 'a list "target" with one direction per objective ("target": ["min", "max"])', formatFound(target ?? null)),
      );
    } else if (names.length !== target.length) {
      report(problem(['objectives'], `${target.length} names, one per entry of "target"`, `${names.length} names`));
    }
    const seen = new Set<string>();
    names.forEach((name, i) => {
      if (seen.has(name)) report(problem(['objectives', i], 'a name not given to another objective', JSON.stringify(name)));
      seen.add(name);
    });
  }
  if (n < 2) return;
  const proposer = typeof raw.proposer === 'string' ? raw.proposer : 'random';
  const def = findProposer(proposer);
  if (def !== undefined && def.multiObjective !== true) {
    report({
      ...problem(
        ['proposer'],
        `a proposer that handles several objectives: ${andList(multiObjectiveProposers())}`,
        JSON.stringify(proposer),
      ),
      message: `"${proposer}" handles one objective, but "target" lists ${n}: use ${andList(multiObjectiveProposers())}, or one target`,
    });
  }
  const resourceArgs = raw.resource_args;
  if (isObject(resourceArgs) && resourceArgs.early_stop !== undefined) {
    report({
      ...problem(['resource_args', 'early_stop'], 'no early stopping with several objectives', 'early-stopping settings'),
      message: `early stopping compares one score per step, but "target" lists ${n} objectives: drop early_stop, or use one target`,
    });
  }
}

/** The normalised `target` (the first objective's with several) and, with several, every objective's name and direction. */
export function objectivesConfig(raw: JsonObject, fallback: Target): { target: Target; objectives?: ObjectiveSpec[] } {
  const target = raw.target as Target | Target[] | undefined;
  if (target === undefined) return { target: fallback };
  if (!Array.isArray(target)) return { target };
  if (target.length < 2) return { target: target[0] ?? fallback };
  const names = raw.objectives as string[] | undefined;
  return {
    target: target[0]!,
    objectives: target.map((t, i) => ({ name: names?.[i] ?? defaultObjectiveName(i), target: t })),
  };
}
