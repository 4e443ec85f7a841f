/**
 * Several objectives (docs/decisions/0034-multi-objective.md): which objectives a config has, and the
 * Pareto order among jobs' values. A single-objective experiment has no `objectives` and none of
 * this applies to it.
 */
import type { Json, NormalizedConfig, ObjectiveSpec, Params, Target } from './types.js';

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

/** One job of the Pareto set: its id, parameters and every objective's value (in the config's order). */
export interface ParetoJob {
  jobId: number;
  params: Params;
  values: number[];
}

/** The part of a job the Pareto set is read from. */
interface JobLike {
  id: number;
  status: string;
  params: Params;
  metrics: Readonly<Record<string, number>> | null;
}

/**
 * The objectives of a stored experiment's config (the `config` JSON of its record), when it has
 * several; undefined for a single objective or a config without them.
 */
export function storedObjectives(config: Json): ObjectiveSpec[] | undefined {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return undefined;
  const list = config.objectives;
  if (!Array.isArray(list) || list.length < 2) return undefined;
  const out: ObjectiveSpec[] = [];
  for (const o of list) {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
    if (typeof o.name !== 'string' || (o.target !== 'min' && o.target !== 'max')) return undefined;
    out.push({ name: o.name, target: o.target });
  }
  return out;
}

/**
 * The Pareto set of an experiment's jobs: the finished jobs with a finite value for every
 * objective that no other such job dominates, in job order. `feasible` is the hook for
 * constraints: a job it refuses takes no part (default: every job is feasible).
 */
export function paretoJobs(
  objectives: readonly ObjectiveSpec[],
  jobs: readonly JobLike[],
  feasible: (job: JobLike) => boolean = () => true,
): ParetoJob[] {
  const candidates = jobs.filter((j) => j.status === 'finished' && feasible(j));
  const values = candidates.map((j) => objectiveValues(objectives, j.metrics));
  const targets = objectives.map((o) => o.target);
  return paretoIndices(targets, values).map((i) => ({ jobId: candidates[i]!.id, params: candidates[i]!.params, values: values[i]! }));
}
