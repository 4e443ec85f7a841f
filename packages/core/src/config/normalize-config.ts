import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { AupError, type AupErrorCode } from '../errors.js';
import type { JobFileKeys, Json, JsonObject, NormalizedConfig, ResourceArgs, ResourceKind, StopRules, Target } from '../types.js';
import { checkParamSpec, checkUniqueNames, type PlacedParam } from './check-param-spec.js';
import {
  displayFile,
  formatFound,
  formatPath,
  formatProblems,
  problem,
  schemaProblems,
  sortProblems,
  type ConfigProblem,
  type PathSegments,
} from './config-problem.js';
import { AUPTIMIZER_WRITTEN_KEYS, ExperimentConfigSchema, MISPLACED_KEY_HINTS, PROPOSER_OPTION_KEYS } from './config-schema.js';
import { scanTemplate } from './config-template.js';
import { ConfigSyntaxError, formatOf, parseConfigText } from './parse-config-text.js';
import { expandHome, locateScript, scriptFileWord } from './resolve-script.js';
import { BUILTIN_PROPOSERS, findProposer } from '../proposers/registry.js';
import { resourceDefinition } from '../resources/registry.js';
import { runnableProblems } from './check-runnable.js';
import { checkObjectives, objectivesConfig } from './check-objectives.js';

/** The job count of the proposer's own schedule (its definition's `trialCount`), if it has one. */
function ownTrialCount(config: NormalizedConfig): number | undefined {
  // Only an exact (any-case) name counts, as before the registry was asked: " sequence" keeps n_samples' default.
  if (config.proposer !== config.proposer.trim()) return undefined;
  return findProposer(config.proposer)?.trialCount?.(config.parameter_config, config.proposer_options);
}

/** Auptimizer's documented defaults (docs/algorithm.rst), which aup keeps. */
export const CONFIG_DEFAULTS = {
  proposer: 'random',
  n_samples: 10,
  random_seed: 0,
  resource: 'cpu' as ResourceKind,
  n_parallel: 1,
  target: 'max' as Target,
  /** Auptimizer's default when `job_failure` is given without `job_retries`. */
  job_retries: 3,
  ignore_fail: false,
  /** Name of an experiment that has no config file (in-process runs) and no `name`. */
  name: 'experiment',
} as const;

export interface NormalizeOptions {
  /** The config file, for messages, the default name and `config_path`. */
  file?: string;
  /** Folder that relative paths (script, config_template) resolve against: the config file's. */
  baseDir: string;
  /**
   * Folder a relative `workingdir` resolves against, as in Auptimizer, which took it from the folder
   * it was run in (default: the current folder). A warning says when `baseDir` would give another.
   */
  cwd?: string;
  /** Told each warning: something accepted as Auptimizer accepted it that may not be what was meant. */
  onWarning?: (warning: ConfigProblem) => void;
  /** The jobs run as an in-process objective: no `script` needed, none checked. */
  inProcess?: boolean;
  /**
   * Only the config's own form is checked and its defaults filled, not what a run on this machine
   * needs (the script on disk, a proposer and resource aup runs): for an experiment imported from
   * another tool (`aup import`), which aup keeps but never runs.
   */
  shapeOnly?: boolean;
}

/** The checked config or its problems; `warnings` either way (what was accepted as Auptimizer accepted it). */
export type ValidationResult =
  { ok: true; config: NormalizedConfig; warnings: ConfigProblem[] } | { ok: false; problems: ConfigProblem[]; warnings: ConfigProblem[] };

interface Analysis {
  config?: NormalizedConfig;
  problems: ConfigProblem[];
  warnings?: ConfigProblem[];
  code: AupErrorCode;
  details: Record<string, unknown>;
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return `a list ${formatFound(v)}`;
  if (v === undefined) return 'nothing';
  return formatFound(v);
}

/** Loads and checks the template the config names (file, inline object, or Auptimizer's `compression`). */
function loadTemplate(
  raw: JsonObject,
  baseDir: string,
  report: (p: ConfigProblem) => void,
): { template: Json; at: PathSegments; file?: string } | undefined {
  const ct = raw.config_template;
  if (isObject(ct)) return { template: ct, at: ['config_template'] };
  if (isObject(raw.compression)) return { template: raw.compression, at: ['compression'] };
  if (typeof ct !== 'string') return undefined;

  const file = resolve(baseDir, expandHome(ct));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const reason =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'which does not exist' : `which cannot be read: ${(e as Error).message}`;
    report(problem(['config_template'], 'a readable JSON or YAML template file', `${displayFile(file)}, ${reason}`));
    return undefined;
  }
  let template: Json;
  try {
    template = parseConfigText(text, formatOf(file));
  } catch (e) {
    if (!(e instanceof ConfigSyntaxError)) throw e;
    const where = `${displayFile(file)}:${e.line}:${e.column}`;
    report({
      path: 'config_template',
      message: `${where}: not valid ${e.format.toUpperCase()}: ${e.message}`,
      expected: `a valid ${e.format.toUpperCase()} file`,
      found: `${e.message} at ${where}`,
    });
    return undefined;
  }
  if (!isObject(template)) {
    report(problem(['config_template'], 'a template file holding an object', `${kindOf(template)} in ${displayFile(file)}`));
    return undefined;
  }
  return { template, at: [], file };
}

/** The problems found so far in one config, and which of them are about its template. */
class Findings {
  readonly problems: ConfigProblem[] = [];
  /** What is accepted but said: unknown keys, parameter defaults, a relative workingdir. */
  readonly warnings: ConfigProblem[] = [];
  readonly warn = (p: ConfigProblem): void => void this.warnings.push(p);
  /** Problems that are about a template, so the error is AUP_ERR_TEMPLATE when they are all there is. */
  readonly templateProblems = new Set<ConfigProblem>();
  readonly report = (p: ConfigProblem): void => void this.problems.push(p);
  readonly reportTemplate = (p: ConfigProblem): void => {
    this.templateProblems.add(p);
    this.report(p);
  };

  /** No problem (outside a template file) lies at or below `at`, so the value there has the schema's shape. */
  clean(at: PathSegments): boolean {
    const path = formatPath(at);
    return !this.problems.some(
      (p) => p.file === undefined && (p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`)),
    );
  }

  fail(raw: unknown, file: string | undefined): Analysis {
    const onlyTemplate = this.problems.length > 0 && this.problems.every((p) => this.templateProblems.has(p));
    const sorted = sortProblems(this.problems, raw);
    return { problems: sorted, code: onlyTemplate ? 'AUP_ERR_TEMPLATE' : 'AUP_ERR_CONFIG_INVALID', details: { file, problems: sorted } };
  }
}

/** The definition of the config's resource (resources/registry.ts), if the name is one. */
type ResourceDefinitionOf = ReturnType<typeof resourceDefinition>;

/** The template a config names, loaded and scanned. */
type LoadedTemplate = NonNullable<ReturnType<typeof loadTemplate>>;

/** The parameters: `parameter_config` entries, then template leaves, with unique names. */
function collectParameters(raw: JsonObject, baseDir: string, found: Findings): { placed: PlacedParam[]; loaded?: LoadedTemplate } {
  const placed: PlacedParam[] = [];
  const items = Array.isArray(raw.parameter_config) ? raw.parameter_config : [];
  items.forEach((item, i) => {
    const at = ['parameter_config', i];
    if (!isObject(item) || !found.clean(at)) return;
    const spec = checkParamSpec(item, at, found.report, found.warn);
    if (spec) placed.push({ spec, namePath: [...at, 'name'] });
  });
  if (raw.config_template !== undefined && raw.compression !== undefined) {
    found.report(problem(['compression'], 'either config_template or compression, not both', 'both'));
  }
  const loaded =
    found.clean(['config_template']) && found.clean(['compression']) ? loadTemplate(raw, baseDir, found.reportTemplate) : undefined;
  if (loaded) {
    const scan = scanTemplate(loaded.template, loaded.at, loaded.file);
    scan.problems.forEach(found.reportTemplate);
    scan.params.forEach((spec, i) =>
      placed.push({ spec, namePath: scan.paths[i]!, ...(loaded.file !== undefined ? { file: loaded.file } : {}) }),
    );
  }
  checkUniqueNames(placed, found.report);
  return loaded ? { placed, loaded } : { placed };
}

/** The script: required to run jobs as processes, and a command with balanced quotes. */
function checkScriptCommand(raw: JsonObject, resourceDef: ResourceDefinitionOf, opts: NormalizeOptions, found: Findings): void {
  const script = raw.script;
  if (script === undefined && !opts.inProcess && resourceDef?.jobs !== 'by-hand') {
    found.report(problem(['script'], 'the command that runs one job, e.g. "python3 train.py"', 'nothing'));
  } else if (typeof script === 'string' && found.clean(['script'])) {
    if (script.trim() === '') found.report(problem(['script'], 'a command', JSON.stringify(script)));
    else {
      try {
        scriptFileWord(script);
      } catch {
        found.report(problem(['script'], 'a command whose quotes are closed', JSON.stringify(script)));
      }
    }
  }
}

/** Rules across keys: the proposers' own (bohb's budgets in order), curve_fitting's length, the resource's own (node's hosts). */
function checkAcrossKeys(raw: JsonObject, resourceDef: ResourceDefinitionOf, baseDir: string, found: Findings): void {
  for (const def of BUILTIN_PROPOSERS) {
    for (const p of def.optionProblems?.(raw) ?? []) found.report(problem([p.key], p.expected, formatFound(p.found)));
  }
  const resourceArgs = raw.resource_args;
  if (isObject(resourceArgs) && isObject(resourceArgs.early_stop) && found.clean(['resource_args', 'early_stop'])) {
    const es = resourceArgs.early_stop;
    if (es.aup_policy === 'curve_fitting' && es.curve_fitting_max_iters === undefined) {
      found.report(
        problem(
          ['resource_args', 'early_stop', 'curve_fitting_max_iters'],
          'an integer ≥ 1 (the curve_fitting policy needs it)',
          'nothing',
        ),
      );
    }
  }
  // The resource's own checks (node: each host entry's form and its key file), with runtime_args
  // merged in as at a run's start.
  if (resourceDef?.checkArgs && found.clean(['resource_args']) && found.clean(['runtime_args'])) {
    const merged = { ...(isObject(raw.runtime_args) ? raw.runtime_args : {}), ...(isObject(resourceArgs) ? resourceArgs : {}) };
    found.problems.push(...resourceDef.checkArgs(merged, baseDir));
  }
}

/** The normalised config of a config that passed every check: defaults filled in, paths absolute. */
function buildConfig(
  raw: JsonObject,
  params: { placed: PlacedParam[]; loaded?: LoadedTemplate },
  resource: ResourceKind,
  file: string | undefined,
  dirs: { baseDir: string; cwd: string; warn: (p: ConfigProblem) => void },
): NormalizedConfig {
  const workingdir = resolveWorkingdir(raw.workingdir as string | undefined, dirs);
  const resource_args = structuredClone({
    ...(raw.runtime_args as JsonObject | undefined),
    ...(raw.resource_args as JsonObject | undefined),
  }) as ResourceArgs;
  // Auptimizer turns intermediate results on for early stopping, which cannot work without them.
  if (resource_args.early_stop !== undefined) resource_args.track_intermediate_results = true;
  const proposer_options: JsonObject = {};
  for (const key of PROPOSER_OPTION_KEYS) {
    if (raw[key] !== undefined) proposer_options[key] = structuredClone(raw[key]);
  }

  const config: NormalizedConfig = {
    name: (raw.name as string | undefined) ?? (file !== undefined ? basename(file, extname(file)) : CONFIG_DEFAULTS.name),
    proposer: (raw.proposer as string | undefined) ?? CONFIG_DEFAULTS.proposer,
    n_samples: (raw.n_samples as number | undefined) ?? CONFIG_DEFAULTS.n_samples,
    random_seed: (raw.random_seed as number | undefined) ?? CONFIG_DEFAULTS.random_seed,
    parameter_config: params.placed.map((p) => structuredClone(p.spec)),
    resource,
    resource_args,
    n_parallel: (raw.n_parallel as number | undefined) ?? CONFIG_DEFAULTS.n_parallel,
    target: CONFIG_DEFAULTS.target,
    workingdir,
    proposer_options,
  };
  const { target, objectives } = objectivesConfig(raw, CONFIG_DEFAULTS.target);
  config.target = target;
  if (objectives !== undefined) config.objectives = objectives;
  if (isObject(raw.job_failure)) {
    config.job_failure = {
      job_retries: (raw.job_failure.job_retries as number | undefined) ?? CONFIG_DEFAULTS.job_retries,
      ignore_fail: (raw.job_failure.ignore_fail as boolean | undefined) ?? CONFIG_DEFAULTS.ignore_fail,
    };
  }
  if (raw.job_timeout !== undefined) config.job_timeout = raw.job_timeout as number;
  if (raw.job_file_keys !== undefined) config.job_file_keys = raw.job_file_keys as JobFileKeys;
  if (isObject(raw.stop) && Object.keys(raw.stop).length > 0) config.stop = structuredClone(raw.stop) as StopRules;
  if (Array.isArray(raw.warm_start) && raw.warm_start.length > 0) config.warm_start = [...new Set(raw.warm_start as number[])];
  // Proposers with a schedule of their own (a grid, Hyperband's brackets) run all of it when
  // n_samples is not given, as in Auptimizer.
  if (raw.n_samples === undefined) {
    try {
      const own = ownTrialCount(config);
      if (own !== undefined) config.n_samples = Math.max(1, own);
    } catch {
      // An invalid grid or schedule is reported when the proposer is created, with its own message.
    }
  }
  const { loaded } = params;
  if (loaded) {
    if (loaded.file !== undefined) config.config_template = loaded.file;
    config.template = structuredClone(loaded.template);
  }
  if (file !== undefined) config.config_path = file;
  if (typeof raw.script === 'string') config.script = raw.script;
  return config;
}

/**
 * The folder jobs run in. Not given: the config's folder. Relative: against the folder aup runs in,
 * as Auptimizer resolved it (its tests/data configs say `"workingdir": "tests"` and are run from the
 * repository's root), with a warning when the config's folder would give another folder.
 */
function resolveWorkingdir(given: string | undefined, dirs: { baseDir: string; cwd: string; warn: (p: ConfigProblem) => void }): string {
  if (given === undefined) return dirs.baseDir;
  const expanded = expandHome(given);
  const fromCwd = resolve(dirs.cwd, expanded);
  const fromConfig = resolve(dirs.baseDir, expanded);
  if (fromCwd !== fromConfig) {
    dirs.warn({
      path: 'workingdir',
      message: `${JSON.stringify(given)} is taken from the folder aup runs in, as Auptimizer did: ${fromCwd} (from the config's folder it would be ${fromConfig})`,
      expected: 'a folder',
      found: JSON.stringify(given),
    });
  }
  return fromCwd;
}

/** What a run of a well-formed config would still refuse: a missing script, and check-runnable.ts's checks. */
function checkRunnableConfig(config: NormalizedConfig, raw: JsonObject, opts: NormalizeOptions, baseDir: string, file?: string): Analysis {
  let missingScript: { problem: ConfigProblem; details: Record<string, unknown> } | undefined;
  if (config.script !== undefined) {
    const check = !opts.inProcess && resourceDefinition(config.resource)?.jobs === 'local';
    const location = locateScript(config.script, { baseDir, workingdir: config.workingdir, check });
    if (location.path !== undefined) config.script_path = location.path;
    if (!location.exists) {
      const elsewhere = location.tried.slice(1);
      const p: ConfigProblem = {
        path: 'script',
        message: `${location.path} does not exist${elsewhere.length ? ` (nor ${elsewhere.join(', ')})` : ''}`,
        expected: 'an existing script file',
        found: location.path!,
      };
      missingScript = { problem: p, details: { path: location.path, tried: location.tried } };
    }
  }
  // What a run would refuse besides the schema (check-runnable.ts); a missing script is reported above.
  const runnable = runnableProblems(config, { inProcess: opts.inProcess === true || missingScript !== undefined });
  const all = sortProblems([...(missingScript ? [missingScript.problem] : []), ...runnable.problems], raw);
  if (all.length === 0) return { config, problems: [], code: 'AUP_ERR_CONFIG_INVALID', details: {} };
  const code =
    runnable.problems.length === 0 ? 'AUP_ERR_SCRIPT_NOT_FOUND' : missingScript === undefined ? runnable.code : 'AUP_ERR_CONFIG_INVALID';
  return { config, problems: all, code, details: { file, ...missingScript?.details, problems: all } };
}

function analyze(raw: unknown, opts: NormalizeOptions): Analysis {
  const file = opts.file !== undefined ? resolve(opts.file) : undefined;
  const baseDir = resolve(opts.baseDir);
  const found = new Findings();
  if (!isObject(raw)) {
    found.report(problem([], 'an object of config keys', kindOf(raw)));
    return found.fail(raw, file);
  }
  const unknown = { hints: MISPLACED_KEY_HINTS, warn: found.warn, silent: AUPTIMIZER_WRITTEN_KEYS };
  found.problems.push(...schemaProblems(Value.Errors(ExperimentConfigSchema, raw), raw, [], unknown));
  const params = collectParameters(raw, baseDir, found);
  const resource = (raw.resource as ResourceKind | undefined) ?? CONFIG_DEFAULTS.resource;
  const resourceDef = resourceDefinition(resource);
  checkScriptCommand(raw, resourceDef, opts, found);
  checkAcrossKeys(raw, resourceDef, baseDir, found);
  if (found.clean(['target']) && found.clean(['objectives'])) checkObjectives(raw, found.report);
  if (found.problems.length > 0) return { ...found.fail(raw, file), warnings: sortProblems(found.warnings, raw) };
  const dirs = { baseDir, cwd: resolve(opts.cwd ?? process.cwd()), warn: found.warn };
  const config = buildConfig(raw, params, resource, file, dirs);
  const analysis: Analysis =
    opts.shapeOnly === true
      ? { config, problems: [], code: 'AUP_ERR_CONFIG_INVALID', details: {} }
      : checkRunnableConfig(config, raw, opts, baseDir, file);
  return { ...analysis, warnings: sortProblems(found.warnings, raw) };
}

/**
 * Checks a config and fills in defaults: every key gets its final value, relative paths become
 * absolute, template parameters join `parameter_config`; warnings go to `opts.onWarning`. Throws AupError (AUP_ERR_CONFIG_INVALID,
 * AUP_ERR_TEMPLATE or AUP_ERR_SCRIPT_NOT_FOUND) listing every problem, one per line.
 * @example normalizeConfig({ script: 'python3 train.py', parameter_config: [{ name: 'lr', range: [0, 1], type: 'float' }] }, { baseDir: '.' })
 */
export function normalizeConfig(raw: unknown, opts: NormalizeOptions): NormalizedConfig {
  const analysis = analyze(raw, opts);
  if (opts.onWarning) analysis.warnings?.forEach(opts.onWarning);
  if (analysis.problems.length > 0) {
    const file = opts.file !== undefined ? resolve(opts.file) : undefined;
    throw new AupError(analysis.code, formatProblems(analysis.problems, file), { details: analysis.details });
  }
  return analysis.config!;
}

/** Like `normalizeConfig`, but answers with the problems instead of throwing (for the server and the board's editor). */
export function validateConfig(raw: unknown, opts: NormalizeOptions): ValidationResult {
  const analysis = analyze(raw, opts);
  const warnings = analysis.warnings ?? [];
  return analysis.problems.length > 0
    ? { ok: false, problems: analysis.problems, warnings }
    : { ok: true, config: analysis.config!, warnings };
}
