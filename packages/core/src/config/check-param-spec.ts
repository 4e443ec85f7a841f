import type { FloatParamSpec, IntParamSpec, JsonObject, ParamSpec, ParamValue } from '../types.js';
import { displayFile, formatFound, formatPath, problem, type ConfigProblem, type PathSegments } from './config-problem.js';

/**
 * Keys aup writes into every job file next to the parameters (docs/architecture.md §4); a parameter of the same
 * name would be overwritten by them.
 */
export const RESERVED_PARAM_NAMES: readonly string[] = ['job_id', 'n_iterations', 'budget', 'save_model', 'folder_name'];

/** Auptimizer's values for a parameter written without `type` or `range` (its AbstractProposer). */
export const PARAM_DEFAULTS = { type: 'int', range: [0, 1] } as const;

/**
 * Checks what the schema cannot say about one parameter (an entry of `parameter_config` or a
 * template leaf that already matches the schema) and returns its normalised spec, or undefined
 * after reporting each problem through `report`. A missing `type` or `range` takes
 * PARAM_DEFAULTS, said through `warn`.
 */
export function checkParamSpec(
  item: JsonObject,
  at: PathSegments,
  report: (p: ConfigProblem) => void,
  warn: (p: ConfigProblem) => void = () => {},
): ParamSpec | undefined {
  let ok = true;
  const fail = (p: ConfigProblem): void => {
    ok = false;
    report(p);
  };
  const name = item.name as string;
  const type = (item.type as ParamSpec['type'] | undefined) ?? PARAM_DEFAULTS.type;
  const range = (item.range as ParamValue[] | undefined) ?? [...PARAM_DEFAULTS.range];
  for (const key of ['type', 'range'] as const) {
    if (item[key] === undefined) {
      const value = JSON.stringify(PARAM_DEFAULTS[key]).replace(',', ', ');
      warn({ path: formatPath([...at, key]), message: `not given: ${value}, Auptimizer's default`, expected: 'a value', found: 'nothing' });
    }
  }

  if (name.trim() === '') fail(problem([...at, 'name'], 'a non-blank name', JSON.stringify(name)));
  if (RESERVED_PARAM_NAMES.includes(name)) {
    fail(
      problem(
        [...at, 'name'],
        `a name other than ${RESERVED_PARAM_NAMES.join(', ')} (aup writes these into each job file)`,
        JSON.stringify(name),
      ),
    );
  }

  if (type === 'choice') {
    for (const key of ['log', 'interval', 'n'] as const) {
      if (item[key] !== undefined)
        fail(problem([...at, key], `no ${key} for a choice parameter (it applies to float and int)`, formatFound(item[key])));
    }
    return ok ? { name, type, range: [...range] } : undefined;
  }

  const bounds = formatFound(range);
  if (range.length !== 2 || !range.every((x) => typeof x === 'number')) {
    fail(problem([...at, 'range'], `[min, max] with two numbers for a ${type} parameter`, bounds));
    return undefined;
  }
  const [min, max] = range as [number, number];
  if (type === 'int' && !(Number.isSafeInteger(min) && Number.isSafeInteger(max))) {
    fail(problem([...at, 'range'], 'integer bounds for an int parameter', bounds));
  } else if (!(min < max)) {
    fail(problem([...at, 'range'], 'min < max', bounds));
  } else if (item.log === true && !(min > 0)) {
    fail(problem([...at, 'range'], 'min > 0 for a log-scale parameter', bounds));
  }
  if (type === 'int' && item.interval !== undefined && !Number.isSafeInteger(item.interval)) {
    fail(problem([...at, 'interval'], 'an integer interval for an int parameter', formatFound(item.interval)));
  }
  if (!ok) return undefined;

  const spec: FloatParamSpec | IntParamSpec = { name, type, range: [min, max] };
  if (item.log !== undefined) spec.log = item.log as boolean;
  if (item.interval !== undefined) spec.interval = item.interval as number;
  if (item.n !== undefined) spec.n = item.n as number;
  return spec;
}

/** A parameter with the place its name comes from (`parameter_config[0].name`, or a template leaf's path). */
export interface PlacedParam {
  spec: ParamSpec;
  namePath: PathSegments;
  /** The template file the parameter is in, when not the config itself. */
  file?: string;
}

/** Reports every parameter whose name an earlier one already uses. */
export function checkUniqueNames(params: readonly PlacedParam[], report: (p: ConfigProblem) => void): void {
  const first = new Map<string, PlacedParam>();
  for (const param of params) {
    const earlier = first.get(param.spec.name);
    if (earlier === undefined) {
      first.set(param.spec.name, param);
      continue;
    }
    const where = `${earlier.file !== undefined && earlier.file !== param.file ? `${displayFile(earlier.file)}: ` : ''}${formatPath(earlier.namePath)}`;
    const p = problem(param.namePath, 'a name no other parameter uses', JSON.stringify(param.spec.name), { note: `(also at ${where})` });
    if (param.file !== undefined) p.file = param.file;
    report(p);
  }
}
