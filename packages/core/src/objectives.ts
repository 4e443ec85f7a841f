/**
 * Several objectives (docs/decisions/multi-objective.md): which objectives a config has, and the
 * Pareto order among jobs' values. A single-objective experiment has no `objectives` and none of
 * this applies to it.
 */
import type { NormalizedConfig, ObjectiveSpec, Target } from './types.js';

/** The default name of objective `i` when the config's `objectives` does not name it. */
export function defaultObjectiveName(i: number): string {
  return `objective_${i}`;
}

/** The experiment's objectives when it has several, else undefined. */
export function objectivesOf(config: Pick<NormalizedConfig, 'objectives'>): ObjectiveSpec[] | undefined {
  return config.objectives !== undefined && config.objectives.length > 1 ? config.objectives : undefined;
}

/** Each objective's direction when the experiment has several (`ProposerContext.targets`), else undefined. */
export function objectiveTargets(config: Pick<NormalizedConfig, 'objectives'>): Target[] | undefined {
  return objectivesOf(config)?.map((o) => o.target);
}

/**
 * Whether values `a` dominate `b`: no worse in every objective and better in one. Non-finite
 * values never dominate and are dominated by any finite vector (a job with them is not comparable).
 */
export function dominates(targets: readonly Target[], a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < targets.length; i++) {
    const x = targets[i] === 'max' ? -a[i]! : a[i]!;
    const y = targets[i] === 'max' ? -b[i]! : b[i]!;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * The indices of the non-dominated entries of `values` (the Pareto set), in input order. Entries
 * with a missing or non-finite value are left out. O(n² m), enough for the jobs of one experiment.
 */
export function paretoIndices(targets: readonly Target[], values: ReadonlyArray<readonly number[] | undefined>): number[] {
  const ok = values.map((v) => v !== undefined && v.length === targets.length && v.every(Number.isFinite));
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (!ok[i]) continue;
    let dominated = false;
    for (let j = 0; j < values.length && !dominated; j++) {
      if (j !== i && ok[j] && dominates(targets, values[j]!, values[i]!)) dominated = true;
    }
    if (!dominated) out.push(i);
  }
  return out;
}

/**
 * Every objective's value of a job from its metrics (each objective is stored as the metric of its
 * name), or undefined when one is missing.
 */
export function objectiveValues(
  objectives: readonly ObjectiveSpec[],
  metrics: Readonly<Record<string, number>> | null,
): number[] | undefined {
  if (metrics === null) return undefined;
  const values = objectives.map((o) => metrics[o.name]);
  return values.every((v): v is number => typeof v === 'number') ? values : undefined;
}
