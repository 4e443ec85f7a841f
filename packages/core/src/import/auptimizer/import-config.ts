/**
 * An Auptimizer experiment's stored config (`exp_config`) as aup's: normalised by aup's own
 * normaliser where it can (so the board shows the search space, the target and the proposer
 * options as for an experiment aup ran), else a minimal config of what can be read, with a warning.
 * Either way the config as Auptimizer stored it is kept beside it (`configRaw`).
 */
import { isAbsolute, resolve } from 'node:path';

import { validateConfig } from '../../config/normalize-config.js';
import type { Json, JsonObject, NormalizedConfig, ParamSpec, ResourceKind, Target } from '../../types.js';

export interface ImportedConfig {
  /** A NormalizedConfig: the normaliser's, or the minimal one. */
  config: NormalizedConfig;
  /** Why the normaliser's could not be used (the minimal config was made instead). */
  warning?: string;
  /** `resource_args.multi_res_labels`: the names of the extra values of each result line. */
  labels: string[];
}

export interface ConfigContext {
  /** The experiment's name in aup (Auptimizer's name column, else the config's). */
  name: string;
  /** The folder of the Auptimizer project (the database's `.aup` folder's parent). */
  projectDir: string;
  /** How many jobs the experiment has, for `n_samples` when the config says none. */
  jobCount: number;
}

/** Keys the normaliser reports the first of, then how many more. */
const PROBLEMS_SHOWN = 1;

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The normalised config of `raw`, or a minimal one and a warning saying why. */
export function importConfig(raw: Json, ctx: ConfigContext): ImportedConfig {
  if (!isObject(raw)) {
    return { config: minimalConfig({}, ctx), warning: 'its config is not a JSON object', labels: [] };
  }
  const labels = labelsOf(raw);
  // Auptimizer resolved a relative workingdir against the folder it ran in, which it stored as `cwd`.
  const cwd = typeof raw.cwd === 'string' && isAbsolute(raw.cwd) ? raw.cwd : ctx.projectDir;
  const result = validateConfig(raw, { baseDir: cwd, cwd, shapeOnly: true });
  if (result.ok) return { config: { ...result.config, name: ctx.name }, labels };
  const shown = result.problems.slice(0, PROBLEMS_SHOWN).map((p) => `${p.path === '' ? '(the whole config)' : p.path}: ${p.message}`);
  const more = result.problems.length - shown.length;
  return {
    config: minimalConfig(raw, ctx, cwd),
    warning: `aup's config checks refuse its config (${shown.join('; ')}${more > 0 ? `; ${more} more` : ''}); it is kept as Auptimizer stored it, with a minimal config of what could be read`,
    labels,
  };
}

/** The names of the extra values of Auptimizer's result lines (its `multi_res_labels`). */
function labelsOf(raw: JsonObject): string[] {
  const args = raw.resource_args;
  const labels = isObject(args) ? args.multi_res_labels : undefined;
  return Array.isArray(labels) ? labels.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))) : [];
}

/** What a config aup's checks refuse still says: its name, proposer, target, and the parameters that are well formed. */
function minimalConfig(raw: JsonObject, ctx: ConfigContext, cwd = ctx.projectDir): NormalizedConfig {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : undefined);
  const labels = labelsOf(raw);
  const config: NormalizedConfig = {
    name: ctx.name,
    proposer: str(raw.proposer) ?? 'random',
    n_samples: count(raw.n_samples) ?? Math.max(1, ctx.jobCount),
    random_seed: typeof raw.random_seed === 'number' && Number.isInteger(raw.random_seed) ? raw.random_seed : 0,
    parameter_config: lenientParams(raw.parameter_config),
    resource: (str(raw.resource) ?? 'cpu') as ResourceKind,
    resource_args: labels.length > 0 ? { multi_res_labels: labels } : {},
    n_parallel: count(raw.n_parallel) ?? 1,
    target: targetOf(raw),
    workingdir: str(raw.workingdir) !== undefined ? resolve(cwd, raw.workingdir as string) : ctx.projectDir,
    proposer_options: {},
  };
  const script = str(raw.script);
  if (script !== undefined) config.script = script;
  return config;
}

/** `min` or `max`, as the config says; Auptimizer required it, and `max` is its documented default. */
function targetOf(raw: Json): Target {
  return isObject(raw) && raw.target === 'min' ? 'min' : 'max';
}

/** The entries of `parameter_config` that are whole: a name, and a numeric range or a list of choices. */
function lenientParams(items: Json | undefined): ParamSpec[] {
  if (!Array.isArray(items)) return [];
  const out: ParamSpec[] = [];
  for (const item of items) {
    if (!isObject(item) || typeof item.name !== 'string' || !Array.isArray(item.range)) continue;
    const range = item.range;
    if (item.type === 'choice') {
      const choices = range.filter((v): v is number | string | boolean => ['number', 'string', 'boolean'].includes(typeof v));
      if (choices.length > 0) out.push({ name: item.name, type: 'choice', range: choices });
    } else if ((item.type === 'float' || item.type === 'int') && range.length === 2) {
      const [lo, hi] = range;
      if (typeof lo === 'number' && typeof hi === 'number' && Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi) {
        out.push({ name: item.name, type: item.type, range: [lo, hi] });
      }
    }
  }
  return out;
}
