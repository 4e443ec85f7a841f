import { createInterface } from 'node:readline/promises';
import { validateConfig, type ConfigProblem } from '../config/index.js';
import { AupError } from '../errors.js';
import { listProposers } from '../proposers/registry.js';
import { RESOURCE_DEFINITIONS } from '../resources/registry.js';
import type { JsonObject } from '../types.js';

/** What `aup init` writes when nothing else is said (`--yes`, or an empty answer). */
export const INIT_DEFAULTS = {
  name: 'experiment',
  script: './train.py',
  proposer: 'random',
  n_samples: 10,
  n_parallel: 1,
  target: 'max',
  random_seed: 0,
  resource: 'cpu',
  /** One float parameter x1 in [0, 1]. */
  parameter_config: [{ name: 'x1', type: 'float', range: [0, 1] }] as JsonObject[],
} as const;

const TARGETS = ['max', 'min'];
/** The resources a config may run on, in registry order (cpu, gpu, node, passive): aws, accepted only to be refused, is not offered. */
const RESOURCES = RESOURCE_DEFINITIONS.filter((d) => d.refusal === undefined).map((d) => d.name);
const PARAM_TYPES = ['float', 'int', 'choice'];

/** Settings given as `aup init` flags; any one of them means: ask nothing, take defaults for the rest. */
export interface InitSettings {
  name?: string;
  script?: string;
  proposer?: string;
  nSamples?: number;
  nParallel?: number;
  target?: string;
  randomSeed?: number;
  resource?: string;
  param?: JsonObject[];
}

/** The config `aup init --yes` and flags make: each setting given, else its default. */
export function configFromSettings(s: InitSettings): JsonObject {
  return {
    name: s.name ?? INIT_DEFAULTS.name,
    script: s.script ?? INIT_DEFAULTS.script,
    proposer: s.proposer ?? INIT_DEFAULTS.proposer,
    n_samples: s.nSamples ?? INIT_DEFAULTS.n_samples,
    n_parallel: s.nParallel ?? INIT_DEFAULTS.n_parallel,
    target: s.target ?? INIT_DEFAULTS.target,
    random_seed: s.randomSeed ?? INIT_DEFAULTS.random_seed,
    resource: s.resource ?? INIT_DEFAULTS.resource,
    parameter_config: s.param ?? structuredClone(INIT_DEFAULTS.parameter_config),
  };
}

/**
 * `--param name:float:min:max`, `name:int:min:max` or `name:choice:a,b,c` as a parameter_config
 * entry (choices that read as numbers become numbers). Throws AUP_ERR_CLI_USAGE for anything else.
 */
export function parseParamFlag(text: string): JsonObject {
  const [name, type, ...rest] = text.split(':');
  const usage = (why: string) =>
    new AupError('AUP_ERR_CLI_USAGE', `--param "${text}": ${why}; expected name:float:min:max, name:int:min:max or name:choice:a,b,c`, {
      details: { option: '--param' },
    });
  if (name === undefined || name.trim() === '' || type === undefined) throw usage('no name or type');
  if (type === 'choice') {
    const values = rest
      .join(':')
      .split(',')
      .map((v) => v.trim());
    if (values.length === 0 || values.some((v) => v === '')) throw usage('an empty choice');
    return { name: name.trim(), type, range: values.map(choiceValue) };
  }
  if (type !== 'float' && type !== 'int') throw usage(`the type "${type}" is not one of ${PARAM_TYPES.join(', ')}`);
  const bounds = rest.map(Number);
  if (rest.length !== 2 || bounds.some((b) => !Number.isFinite(b))) throw usage('min and max must be two numbers');
  return { name: name.trim(), type, range: bounds };
}

function choiceValue(v: string): string | number {
  return v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** The outcome of checking a config `aup init` is about to write. */
export interface InitCheck {
  /** Problems that make the config invalid: nothing is written. */
  problems: ConfigProblem[];
  /** Set when the only trouble is a script that does not exist (yet): written, with a note. */
  missingScript?: string;
}

/** Checks what `aup init` would write with the same validation as `aup validate` and `aup run`. */
export function checkInitConfig(config: JsonObject, baseDir: string, file: string): InitCheck {
  const result = validateConfig(config, { baseDir, file });
  if (result.ok) return { problems: [] };
  const missing = result.problems.find((p) => p.path === 'script' && p.expected === 'an existing script file');
  return { problems: result.problems.filter((p) => p !== missing), ...(missing !== undefined ? { missingScript: missing.found } : {}) };
}

/**
 * Asks for an experiment's settings one question at a time (Auptimizer's `aup.init`) and returns
 * the config. Every answer has a default shown in brackets; an empty answer takes it. Each answer is
 * checked as it is given: in a terminal (`interactive`) a wrong one is asked again; from a pipe it
 * is refused (AUP_ERR_CLI_USAGE naming the question), as is input that ends before the last
 * question, so that a run without a terminal never takes defaults it was not told to take.
 */
export async function initWizard(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  opts: { interactive: boolean },
): Promise<JsonObject> {
  const rl = createInterface({ input, output, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  let asked = 0;
  /** `check` answers why an answer is wrong (as "expected ..."), or undefined when it is fine. */
  const ask = async (
    question: string,
    fallback: string,
    check: (answer: string) => string | undefined = () => undefined,
  ): Promise<string> => {
    for (;;) {
      asked += 1;
      output.write(`${question} [${fallback}]: `);
      const next = await lines.next();
      if (next.done) {
        output.write('\n');
        const hint = opts.interactive
          ? 'nothing was written'
          : 'stdin is not a terminal: pipe one answer a line for every question, or pass --yes to take the defaults, or give the settings as flags';
        throw new AupError('AUP_ERR_CLI_USAGE', `no answer to "${question}" (question ${asked}); ${hint}`, { details: { question } });
      }
      const given = String(next.value).trim();
      const answer = given === '' ? fallback : given;
      const wrong = check(answer);
      if (wrong === undefined) return answer;
      if (!opts.interactive) {
        throw new AupError(
          'AUP_ERR_CLI_USAGE',
          `the answer "${answer}" to "${question}" (question ${asked}) is not valid: ${wrong}; nothing was written`,
          {
            details: { question, answer },
          },
        );
      }
      output.write(`  ${wrong}, found "${answer}"\n`);
    }
  };
  const oneOf = (choices: readonly string[]) => (a: string) => (choices.includes(a) ? undefined : `expected one of ${choices.join(', ')}`);
  const numberCheck = (integer: boolean, min?: number) => (a: string) => {
    const n = Number(a);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) return `expected ${integer ? 'an integer' : 'a number'}`;
    return min !== undefined && n < min ? `expected ${integer ? 'an integer' : 'a number'} ≥ ${min}` : undefined;
  };
  const askNumber = async (question: string, fallback: number, integer: boolean, min?: number): Promise<number> =>
    Number(await ask(question, String(fallback), numberCheck(integer, min)));
  try {
    const proposers = listProposers();
    const config: JsonObject = {};
    config.name = await ask('Experiment name', INIT_DEFAULTS.name);
    config.script = await ask('Script to run (with its arguments)', INIT_DEFAULTS.script);
    config.proposer = await ask(`Proposer (${proposers.join(', ')})`, INIT_DEFAULTS.proposer, (a) =>
      proposers.includes(a.toLowerCase()) ? undefined : `expected one of ${proposers.join(', ')}`,
    );
    config.n_samples = await askNumber('Number of jobs (n_samples)', INIT_DEFAULTS.n_samples, true, 1);
    config.n_parallel = await askNumber('Jobs run at once (n_parallel)', INIT_DEFAULTS.n_parallel, true, 1);
    config.target = await ask('Target: max or min', INIT_DEFAULTS.target, oneOf(TARGETS));
    config.random_seed = await askNumber('Random seed', INIT_DEFAULTS.random_seed, true);
    config.resource = await ask(`Resource (${RESOURCES.join(', ')})`, INIT_DEFAULTS.resource, oneOf(RESOURCES));
    const params: JsonObject[] = [];
    const count = await askNumber('How many hyperparameters', 1, true, 1);
    for (let i = 0; i < count; i++) {
      const name = await ask(`Parameter ${i + 1}: name`, `x${i + 1}`);
      const type = await ask(`Parameter ${name}: type (${PARAM_TYPES.join(', ')})`, 'float', oneOf(PARAM_TYPES));
      if (type === 'choice') {
        const text = await ask(`Parameter ${name}: choices, comma-separated`, 'a,b', (a) =>
          a.split(',').some((v) => v.trim() === '') ? 'expected values separated by commas, none empty' : undefined,
        );
        params.push({ name, type, range: text.split(',').map((v) => choiceValue(v.trim())) });
      } else {
        const integer = type === 'int';
        const lo = await askNumber(`Parameter ${name}: min`, 0, integer);
        const hi = Number(
          await ask(
            `Parameter ${name}: max`,
            String(Math.max(1, lo + 1)),
            (a) => numberCheck(integer)(a) ?? (Number(a) > lo ? undefined : `expected a number larger than min (${lo})`),
          ),
        );
        params.push({ name, type, range: [lo, hi] });
      }
    }
    config.parameter_config = params;
    return config;
  } finally {
    rl.close();
  }
}
