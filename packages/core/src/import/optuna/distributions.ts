/**
 * Optuna's parameter distributions (the `distribution_json` of each trial parameter) in aup's
 * terms: a parameter's value as the trial used it (a categorical's stored index made its choice)
 * and the study's search space as a `parameter_config` (float/int with range, log and interval,
 * choice with its values), merged over every trial, since Optuna allows a parameter's
 * distribution to differ between trials.
 */
import { AupError } from '../../errors.js';
import type { ChoiceParamSpec, FloatParamSpec, IntParamSpec, ParamSpec, ParamValue } from '../../types.js';

/** One Optuna distribution, read: numeric (float/int, with log and step) or categorical. */
export type OptunaDistribution =
  { kind: 'float' | 'int'; low: number; high: number; log: boolean; step: number | null } | { kind: 'categorical'; choices: ParamValue[] };

/**
 * How a categorical choice of Python's `None` is shown: aup's parameter values are numbers, text
 * or booleans, and this is how Python prints it.
 */
export const NONE_CHOICE = 'None';

type Attrs = Record<string, unknown>;

const num = (a: Attrs, key: string): number => {
  const v = a[key];
  if (typeof v !== 'number') throw new Error(`attribute ${key} is ${JSON.stringify(v)}, expected a number`);
  return v;
};

// Optuna 3.x names, and the 2.x names Optuna 3.x and 4.x still read (json_to_distribution).
const NAMED: Record<string, (a: Attrs) => OptunaDistribution> = {
  FloatDistribution: (a) => ({ kind: 'float', low: num(a, 'low'), high: num(a, 'high'), log: a['log'] === true, step: stepOf(a['step']) }),
  UniformDistribution: (a) => ({ kind: 'float', low: num(a, 'low'), high: num(a, 'high'), log: false, step: null }),
  LogUniformDistribution: (a) => ({ kind: 'float', low: num(a, 'low'), high: num(a, 'high'), log: true, step: null }),
  DiscreteUniformDistribution: (a) => ({ kind: 'float', low: num(a, 'low'), high: num(a, 'high'), log: false, step: num(a, 'q') }),
  IntDistribution: (a) => ({ kind: 'int', low: num(a, 'low'), high: num(a, 'high'), log: a['log'] === true, step: stepOf(a['step'] ?? 1) }),
  IntUniformDistribution: (a) => ({ kind: 'int', low: num(a, 'low'), high: num(a, 'high'), log: false, step: stepOf(a['step'] ?? 1) }),
  IntLogUniformDistribution: (a) => ({ kind: 'int', low: num(a, 'low'), high: num(a, 'high'), log: true, step: stepOf(a['step'] ?? 1) }),
  CategoricalDistribution: (a) => ({ kind: 'categorical', choices: choicesOf(a['choices']) }),
};

function stepOf(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number') throw new Error(`attribute step is ${JSON.stringify(v)}, expected a number or null`);
  return v;
}

function choicesOf(v: unknown): ParamValue[] {
  if (!Array.isArray(v)) throw new Error(`attribute choices is ${JSON.stringify(v)}, expected a list`);
  return v.map((c: unknown) => {
    if (c === null) return NONE_CHOICE;
    if (typeof c === 'number' || typeof c === 'string' || typeof c === 'boolean') return c;
    throw new Error(`choice ${JSON.stringify(c)} is not a number, text, boolean or None`);
  });
}

/**
 * Reads a `distribution_json`: `{"name": "FloatDistribution", "attributes": {...}}` (and the 2.x
 * names), or the abbreviated `{"type": "float", ...}` form Optuna also reads. AUP_ERR_IMPORT_SOURCE
 * naming the trial and parameter when it is neither.
 */
export function parseDistribution(json: string, where: string): OptunaDistribution {
  try {
    const d = JSON.parse(json) as Attrs;
    if (typeof d['name'] === 'string') {
      const make = NAMED[d['name']];
      if (make === undefined) throw new Error(`unknown distribution ${d['name']}`);
      return make((d['attributes'] ?? {}) as Attrs);
    }
    if (d['type'] === 'categorical') return { kind: 'categorical', choices: choicesOf(d['choices']) };
    if (d['type'] === 'float' || d['type'] === 'int') {
      const step = stepOf(d['step'] ?? (d['type'] === 'int' ? 1 : null));
      return { kind: d['type'], low: num(d, 'low'), high: num(d, 'high'), log: d['log'] === true, step };
    }
    throw new Error('neither a "name" nor a "type" of distribution');
  } catch (cause) {
    throw new AupError(
      'AUP_ERR_IMPORT_SOURCE',
      `${where}: its distribution_json ${json.slice(0, 200)} cannot be read: ${(cause as Error).message}`,
      {
        details: { where },
        cause,
      },
    );
  }
}

/**
 * A parameter's value as the trial used it: Optuna stores every value as a float, a categorical
 * one as the index of its choice.
 */
export function paramValue(dist: OptunaDistribution, stored: number, where: string): ParamValue {
  if (dist.kind !== 'categorical') return dist.kind === 'int' ? Math.round(stored) : stored;
  const choice = Number.isInteger(stored) ? dist.choices[stored] : undefined;
  if (choice === undefined) {
    throw new AupError(
      'AUP_ERR_IMPORT_SOURCE',
      `${where}: its value ${stored} is not the index of one of its ${dist.choices.length} choices`,
      {
        details: { where },
      },
    );
  }
  return choice;
}

/** The search space entry of one distribution. */
export function paramSpec(name: string, dist: OptunaDistribution): ParamSpec {
  if (dist.kind === 'categorical') return { name, type: 'choice', range: [...dist.choices] };
  const spec: FloatParamSpec | IntParamSpec = { name, type: dist.kind, range: [dist.low, dist.high] };
  if (dist.log) spec.log = true;
  // An int's step 1 is every integer, what aup's int means without an interval.
  if (dist.step !== null && !(dist.kind === 'int' && dist.step === 1)) spec.interval = dist.step;
  return spec;
}

/**
 * Two entries of one parameter made one that holds both: numeric ranges widened (an int and a
 * float make a float), log and interval kept only when both have them alike, choices joined in
 * first-seen order; a numeric and a categorical make a choice of the categorical's values and the
 * numeric's bounds.
 */
export function mergeSpecs(a: ParamSpec, b: ParamSpec): ParamSpec {
  if (a.type === 'choice' || b.type === 'choice') {
    const values = [...choiceValues(a), ...choiceValues(b)];
    const seen = new Set<string>();
    const range = values.filter((v) => {
      const k = JSON.stringify(v);
      return seen.has(k) ? false : (seen.add(k), true);
    });
    return { name: a.name, type: 'choice', range } satisfies ChoiceParamSpec;
  }
  const spec: FloatParamSpec | IntParamSpec = {
    name: a.name,
    type: a.type === 'int' && b.type === 'int' ? 'int' : 'float',
    range: [Math.min(a.range[0], b.range[0]), Math.max(a.range[1], b.range[1])],
  };
  if (a.log === true && b.log === true) spec.log = true;
  if (a.interval !== undefined && a.interval === b.interval) spec.interval = a.interval;
  return spec;
}

function choiceValues(s: ParamSpec): ParamValue[] {
  return s.type === 'choice' ? s.range : [...s.range];
}
