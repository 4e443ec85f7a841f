/**
 * Config templates (docs/architecture.md §2.1): a JSON/YAML document in which any value written
 * `{"range": [...], "type": "float"|"int"|"choice"}` is a hyperparameter named by its dotted path.
 * Array indices are path segments too: the `units` leaf of the first entry of `layers` is
 * `layers.0.units`.
 */
import { Value } from '@sinclair/typebox/value';
import { AupError } from '../errors.js';
import type { Json, JsonObject, ParamSpec, Params } from '../types.js';
import { formatProblems, problem, schemaProblems, type ConfigProblem, type PathSegments } from './config-problem.js';
import { PARAM_TYPES, ParamLeafSchema } from './config-schema.js';
import { didYouMean } from './did-you-mean.js';
import { checkParamSpec } from './check-param-spec.js';

/** Joins the path of a template leaf into its parameter name. */
const NAME_SEPARATOR = '.';

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

type LeafKind = 'leaf' | 'typo' | 'data';

/**
 * Whether a template value is a parameter leaf. An object with `range` and a `type` of float, int or
 * choice is one; with a `type` one edit away from those (`flaot`) it is a typo to report; any other
 * object is plain data (so `{"type": "adam", "range": [0, 1]}` in a template stays as written).
 */
function leafKind(v: unknown): LeafKind {
  if (!isObject(v) || !('range' in v) || typeof v.type !== 'string') return 'data';
  if ((PARAM_TYPES as readonly string[]).includes(v.type)) return 'leaf';
  return didYouMean(v.type, PARAM_TYPES) !== undefined ? 'typo' : 'data';
}

export interface TemplateScan {
  params: ParamSpec[];
  /** Where each parameter's leaf is, for messages (same order as `params`). */
  paths: PathSegments[];
  problems: ConfigProblem[];
}

/**
 * Finds the parameter leaves of a template and checks each. `at` is prepended to problem paths
 * (e.g. `['config_template']` for an inline template); `file` marks problems as being in that file.
 */
export function scanTemplate(template: Json, at: PathSegments = [], file?: string): TemplateScan {
  const scan: TemplateScan = { params: [], paths: [], problems: [] };
  const add = (p: ConfigProblem): void => {
    if (file !== undefined) p.file = file;
    scan.problems.push(p);
  };
  const walk = (v: Json, path: (string | number)[]): void => {
    const kind = leafKind(v);
    if (kind === 'data') {
      if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
      else if (isObject(v)) for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
      return;
    }
    const leaf = v as JsonObject;
    const where = [...at, ...path];
    if (kind === 'typo') {
      const suggestion = didYouMean(leaf.type as string, PARAM_TYPES);
      add(
        problem(
          [...where, 'type'],
          '"float", "int" or "choice"',
          JSON.stringify(leaf.type),
          suggestion !== undefined ? { suggestion } : {},
        ),
      );
      return;
    }
    if (path.length === 0) {
      add(problem(where, 'a template whose parameters sit inside it (a parameter is named by its path)', 'a parameter at the top level'));
      return;
    }
    const errors = schemaProblems(Value.Errors(ParamLeafSchema, leaf), leaf, where);
    errors.forEach(add);
    if (errors.length > 0) return;
    const name = path.join(NAME_SEPARATOR);
    const spec = checkParamSpec({ ...leaf, name } as Json as JsonObject, where, add);
    if (spec) {
      scan.params.push(spec);
      scan.paths.push(where);
    }
  };
  walk(template, []);
  return scan;
}

/**
 * The hyperparameters a template defines, named by their dotted paths; throws AUP_ERR_TEMPLATE
 * listing every invalid leaf.
 * @example templateParameters({ training: { lr: { range: [1e-4, 1e-1], type: 'float', log: true } } })
 * // [{ name: 'training.lr', type: 'float', range: [0.0001, 0.1], log: true }]
 */
export function templateParameters(template: Json, file?: string): ParamSpec[] {
  const scan = scanTemplate(template, [], file);
  if (scan.problems.length > 0) {
    throw new AupError('AUP_ERR_TEMPLATE', formatProblems(scan.problems, file ?? 'template'), {
      details: { file, problems: scan.problems },
    });
  }
  return scan.params;
}

/**
 * The template with every parameter leaf replaced by its value from `params` (what the job
 * receives); other values are copied unchanged. Throws AUP_ERR_TEMPLATE when a leaf has no value.
 * @example fillTemplate({ opt: { lr: { range: [0, 1], type: 'float' } }, epochs: 3 }, { 'opt.lr': 0.1 })
 * // { opt: { lr: 0.1 }, epochs: 3 }
 */
export function fillTemplate(template: Json, params: Params): Json {
  const fill = (v: Json, path: (string | number)[]): Json => {
    if (path.length > 0 && leafKind(v) === 'leaf') {
      const name = path.join(NAME_SEPARATOR);
      if (!Object.prototype.hasOwnProperty.call(params, name)) {
        throw new AupError('AUP_ERR_TEMPLATE', `template parameter ${JSON.stringify(name)} has no value among the job's parameters`, {
          details: { parameter: name, params },
        });
      }
      return params[name]!;
    }
    if (Array.isArray(v)) return v.map((item, i) => fill(item, [...path, i]));
    if (isObject(v)) {
      const out: JsonObject = {};
      for (const [k, item] of Object.entries(v)) {
        Object.defineProperty(out, k, { value: fill(item, [...path, k]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return fill(template, []);
}
