import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AupError } from '../errors.js';
import type { ConfigProblem } from './config-problem.js';
import { registerProposer } from '../proposers/registry.js';
import { normalizeConfig, validateConfig, type NormalizeOptions } from './normalize-config.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aup-config-'));
  file = join(dir, 'experiment.json');
  writeFileSync(join(dir, 'train.py'), 'print("#Auptimizer:1")\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const xy = [
  { name: 'x', range: [-5, 5], type: 'float' },
  { name: 'y', range: [1, 10], type: 'int' },
];

function opts(extra: Partial<NormalizeOptions> = {}): NormalizeOptions {
  return { file, baseDir: dir, ...extra };
}

function problemsOf(raw: unknown, extra: Partial<NormalizeOptions> = {}): ConfigProblem[] {
  const result = validateConfig(raw, opts(extra));
  if (result.ok) throw new Error(`expected problems, got a valid config for ${JSON.stringify(raw)}`);
  return result.problems;
}

/** The single warning of a config that is accepted; fails the test when it has problems, or not one warning. */
function onlyWarning(raw: unknown, extra: Partial<NormalizeOptions> = {}): ConfigProblem {
  const result = validateConfig(raw, opts(extra));
  if (!result.ok) throw new Error(`expected a valid config, got ${JSON.stringify(result.problems)}`);
  expect(result.warnings, JSON.stringify(result.warnings)).toHaveLength(1);
  return result.warnings[0]!;
}

/** The single problem a config has; fails the test when there are none or several. */
function onlyProblem(raw: unknown, extra: Partial<NormalizeOptions> = {}): ConfigProblem {
  const problems = problemsOf(raw, extra);
  expect(problems, JSON.stringify(problems)).toHaveLength(1);
  return problems[0]!;
}

function thrown(fn: () => unknown): AupError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AupError) return e;
    throw e;
  }
  throw new Error('expected an AupError');
}

describe('defaults', () => {
  it("fills in Auptimizer's defaults and resolves paths against the config folder", () => {
    const config = normalizeConfig({ script: 'train.py', parameter_config: xy }, opts());
    expect(config).toEqual({
      name: 'experiment',
      proposer: 'random',
      n_samples: 10,
      random_seed: 0,
      script: 'train.py',
      script_path: join(dir, 'train.py'),
      parameter_config: xy,
      resource: 'cpu',
      resource_args: {},
      n_parallel: 1,
      target: 'max',
      workingdir: dir,
      proposer_options: {},
      config_path: file,
    });
  });

  it('names the experiment after the config file, or "experiment" when there is none', () => {
    expect(normalizeConfig({ script: 'train.py' }, opts({ file: join(dir, 'tune-lr.v2.yaml') })).name).toBe('tune-lr.v2');
    expect(normalizeConfig({ script: 'train.py' }, { baseDir: dir }).name).toBe('experiment');
    expect(normalizeConfig({ script: 'train.py', name: 'given' }, opts()).name).toBe('given');
  });

  it('keeps every value that is given', () => {
    const config = normalizeConfig(
      {
        script: 'train.py',
        proposer: 'sequence',
        n_samples: 3,
        random_seed: 9,
        n_parallel: 4,
        target: 'min',
        resource: 'gpu',
        job_timeout: 2.5,
        job_file_keys: 'aup',
      },
      opts(),
    );
    expect(config).toMatchObject({
      proposer: 'sequence',
      n_samples: 3,
      random_seed: 9,
      n_parallel: 4,
      target: 'min',
      resource: 'gpu',
      job_timeout: 2.5,
      job_file_keys: 'aup',
    });
    // Not given: left out, and the job file is Auptimizer's (runner/job-json.ts).
    expect(normalizeConfig({ script: 'train.py' }, opts()).job_file_keys).toBeUndefined();
  });

  it('gives job_failure the missing half with Auptimizer defaults (3 retries, stop on failure)', () => {
    expect(normalizeConfig({ script: 'train.py', job_failure: { ignore_fail: true } }, opts()).job_failure).toEqual({
      job_retries: 3,
      ignore_fail: true,
    });
    expect(normalizeConfig({ script: 'train.py', job_failure: { job_retries: 0 } }, opts()).job_failure).toEqual({
      job_retries: 0,
      ignore_fail: false,
    });
    expect(normalizeConfig({ script: 'train.py' }, opts()).job_failure).toBeUndefined();
  });

  it('accepts an experiment without parameters (one-shot)', () => {
    expect(normalizeConfig({ script: 'train.py' }, opts()).parameter_config).toEqual([]);
    expect(normalizeConfig({ script: 'train.py', parameter_config: [] }, opts()).parameter_config).toEqual([]);
  });

  it('neither changes the raw config nor shares objects with it', () => {
    const raw = {
      script: 'train.py',
      parameter_config: [{ name: 'c', range: ['a', 'b'], type: 'choice' }],
      resource_args: { early_stop: { aup_policy: 'median' } },
      max_iter: 9,
    };
    const before = structuredClone(raw);
    const config = normalizeConfig(raw, opts());
    expect(raw).toEqual(before);
    (config.parameter_config[0]!.range as unknown[]).push('z');
    config.resource_args.early_stop!.warmup = 3;
    expect(raw).toEqual(before);
  });
});

describe('paths and the script', () => {
  // Was "resolves workingdir against the config folder": issue 15 resolves it as Auptimizer did.
  it('resolves a relative workingdir against the folder aup runs in, as Auptimizer did', () => {
    mkdirSync(join(dir, 'runs'));
    expect(normalizeConfig({ script: 'train.py', workingdir: 'runs' }, opts({ cwd: dir })).workingdir).toBe(join(dir, 'runs'));
    expect(normalizeConfig({ script: 'train.py', workingdir: './' }, opts({ cwd: dir })).workingdir).toBe(dir);
    expect(validateConfig({ script: 'train.py', workingdir: 'runs' }, opts({ cwd: dir })).warnings).toEqual([]);
    expect(normalizeConfig({ script: 'train.py' }, opts({ cwd: '/elsewhere' })).workingdir).toBe(dir);
  });

  it('warns when the config folder would give another workingdir', () => {
    const result = validateConfig({ script: 'train.py', workingdir: 'runs' }, opts({ cwd: '/srv/project' }));
    expect(result.ok && result.config.workingdir).toBe('/srv/project/runs');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ path: 'workingdir', found: '"runs"' });
    expect(result.warnings[0]!.message).toBe(
      `"runs" is taken from the folder aup runs in, as Auptimizer did: /srv/project/runs (from the config's folder it would be ${join(dir, 'runs')})`,
    );
    expect(validateConfig({ script: 'train.py', workingdir: '/abs/runs' }, opts({ cwd: '/srv/project' })).warnings).toEqual([]);
  });

  it('takes the script file from a command with arguments', () => {
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'run.sh'), 'echo "#Auptimizer:1"\n');
    expect(normalizeConfig({ script: './bin/run.sh a b' }, opts()).script_path).toBe(join(dir, 'bin', 'run.sh'));
    const config = normalizeConfig({ script: 'python3 train.py --fast' }, opts());
    expect(config.script).toBe('python3 train.py --fast');
    expect(config.script_path).toBe(join(dir, 'train.py'));
    expect(normalizeConfig({ script: 'python -u train.py' }, opts()).script_path).toBe(join(dir, 'train.py'));
    expect(normalizeConfig({ script: '/usr/bin/python3 "train.py"' }, opts()).script_path).toBe(join(dir, 'train.py'));
    expect(normalizeConfig({ script: `node ${join(dir, 'train.py')}` }, opts()).script_path).toBe(join(dir, 'train.py'));
  });

  it('has no script file for code run from a module', () => {
    const config = normalizeConfig({ script: 'python3 -m my_package.train' }, opts());
    expect(config.script_path).toBeUndefined();
  });

  it("finds a script in workingdir when it is not beside the config (Auptimizer's rule)", () => {
    mkdirSync(join(dir, 'work'));
    writeFileSync(join(dir, 'work', 'job.py'), '');
    expect(normalizeConfig({ script: 'job.py', workingdir: 'work' }, opts({ cwd: dir })).script_path).toBe(join(dir, 'work', 'job.py'));
  });

  it('reports a missing script as AUP_ERR_SCRIPT_NOT_FOUND naming the path', () => {
    const e = thrown(() => normalizeConfig({ script: 'python3 missing.py --fast' }, opts()));
    expect(e.code).toBe('AUP_ERR_SCRIPT_NOT_FOUND');
    expect(e.message).toBe(`${file}: script: ${join(dir, 'missing.py')} does not exist`);
    expect(e.details).toMatchObject({ file, path: join(dir, 'missing.py') });
    const problem = onlyProblem({ script: 'missing.py' });
    expect(problem).toMatchObject({ path: 'script', found: join(dir, 'missing.py') });
  });

  it('names both places looked in when workingdir differs', () => {
    const e = thrown(() => normalizeConfig({ script: 'missing.py', workingdir: 'elsewhere' }, opts({ cwd: dir })));
    expect(e.message).toContain(`${join(dir, 'missing.py')} does not exist (nor ${join(dir, 'elsewhere', 'missing.py')})`);
  });

  it('does not look for the script of an in-process, passive or remote experiment', () => {
    expect(normalizeConfig({ script: 'missing.py' }, opts({ inProcess: true })).script_path).toBe(join(dir, 'missing.py'));
    expect(normalizeConfig({ script: 'missing.py', resource: 'passive' }, opts()).script_path).toBe(join(dir, 'missing.py'));
    expect(
      normalizeConfig(
        { script: 'missing.py', resource: 'node', resource_args: { nodes: ['me@remote'] }, workingdir: '/srv/remote' },
        opts(),
      ).workingdir,
    ).toBe('/srv/remote');
  });

  it('requires a script unless the experiment runs in-process or passive', () => {
    expect(onlyProblem({ parameter_config: xy })).toMatchObject({ path: 'script', found: 'nothing' });
    expect(normalizeConfig({ parameter_config: xy }, opts({ inProcess: true })).script).toBeUndefined();
    expect(normalizeConfig({ parameter_config: xy, resource: 'passive' }, opts()).script).toBeUndefined();
  });

  it('rejects a blank script and unbalanced quotes', () => {
    expect(onlyProblem({ script: '   ' }).path).toBe('script');
    expect(onlyProblem({ script: 'python3 "train.py' })).toMatchObject({ path: 'script', expected: 'a command whose quotes are closed' });
    expect(onlyProblem({ script: '' })).toMatchObject({ path: 'script', expected: 'a non-empty string' });
  });
});

describe('unknown keys', () => {
  it('suggests the key that was meant', () => {
    const p = onlyProblem({ script: 'train.py', n_sample: 5 });
    expect(p).toMatchObject({ path: 'n_sample', suggestion: 'n_samples', found: '"n_sample"' });
    expect(p.message).toBe('unknown key; did you mean `n_samples`?');
  });

  // Was an error; issue 15: Auptimizer ignored such keys, so they are a warning.
  it('warns of an unrelated word without listing the forty top-level keys, and goes on', () => {
    expect(onlyWarning({ script: 'train.py', learning_rate: 0.1 })).toMatchObject({
      path: 'learning_rate',
      message: 'unknown key, ignored (`aup schema` lists the known keys)',
    });
  });

  it('accepts `cwd`, which Auptimizer writes into the configs it stores, without a word', () => {
    const result = validateConfig({ script: 'train.py', cwd: '/home/someone/project' }, opts());
    expect(result).toMatchObject({ ok: true, warnings: [] });
  });

  it('points a key at the level it belongs to', () => {
    expect(onlyProblem({ script: 'train.py', save_model: true }).suggestion).toBe('resource_args.save_model');
    expect(onlyProblem({ script: 'train.py', ignore_fail: true }).suggestion).toBe('job_failure.ignore_fail');
    expect(onlyProblem({ script: 'train.py', aup_policy: 'median' }).suggestion).toBe('resource_args.early_stop.aup_policy');
  });

  it('catches unknown keys inside parameters, job_failure and early_stop', () => {
    expect(
      onlyProblem({ script: 'train.py', parameter_config: [{ name: 'x', rnage: [0, 1], range: [0, 1], type: 'float' }] }),
    ).toMatchObject({
      path: 'parameter_config[0].rnage',
      suggestion: 'range',
    });
    expect(onlyProblem({ script: 'train.py', job_failure: { job_retry: 2 } })).toMatchObject({
      path: 'job_failure.job_retry',
      suggestion: 'job_retries',
    });
    // Was an error; issue 15: no likely typo, so a warning (Auptimizer ignored it).
    const p = onlyWarning({ script: 'train.py', job_failure: { retries_please: 2 } });
    expect(p.suggestion).toBeUndefined();
    expect(p).toMatchObject({ path: 'job_failure.retries_please', message: 'unknown key, ignored (known here: job_retries, ignore_fail)' });
    expect(onlyProblem({ script: 'train.py', resource_args: { early_stop: { aup_policy: 'median', warm_up: 2 } } })).toMatchObject({
      path: 'resource_args.early_stop.warm_up',
      suggestion: 'warmup',
    });
  });

  it('accepts any extra key inside resource_args and runtime_args', () => {
    const config = normalizeConfig(
      { script: 'train.py', resource_args: { shutdown: true, connection_retry: 5 }, runtime_args: { custom: 'x' } },
      opts(),
    );
    expect(config.resource_args).toEqual({ custom: 'x', shutdown: true, connection_retry: 5 });
  });

  it('suggests the value that was meant for an enumerated key', () => {
    expect(onlyProblem({ script: 'train.py', target: 'mx' })).toMatchObject({
      path: 'target',
      expected: '"min" or "max" or a non-empty list of "min" or "max"',
      found: '"mx"',
      suggestion: 'max',
    });
    expect(onlyProblem({ script: 'train.py', resource: 'gpus' })).toMatchObject({ path: 'resource', suggestion: 'gpu' });
    expect(onlyProblem({ script: 'train.py', parameter_config: [{ name: 'x', range: [0, 1], type: 'flaot' }] })).toMatchObject({
      path: 'parameter_config[0].type',
      suggestion: 'float',
    });
  });
});

describe('ranges and values', () => {
  const param = (p: Record<string, unknown>) => ({ script: 'train.py', parameter_config: [{ name: 'p', ...p }] });

  it('needs min < max for float and int, bounds inclusive', () => {
    const p = onlyProblem(param({ range: [5, 1], type: 'float' }));
    expect(p).toEqual({
      path: 'parameter_config[0].range',
      message: 'expected min < max, found [5, 1]',
      expected: 'min < max',
      found: '[5, 1]',
    });
    expect(onlyProblem(param({ range: [3, 3], type: 'int' })).expected).toBe('min < max');
    expect(normalizeConfig(param({ range: [0, 1], type: 'int' }), opts()).parameter_config[0]!.range).toEqual([0, 1]);
  });

  it('needs integer bounds for int', () => {
    expect(onlyProblem(param({ range: [0.5, 4], type: 'int' }))).toMatchObject({
      path: 'parameter_config[0].range',
      expected: 'integer bounds for an int parameter',
      found: '[0.5, 4]',
    });
  });

  it('needs exactly two numbers for float and int', () => {
    expect(onlyProblem(param({ range: [1, 2, 3], type: 'float' })).expected).toBe('[min, max] with two numbers for a float parameter');
    expect(onlyProblem(param({ range: ['a', 'b'], type: 'int' })).found).toBe('["a", "b"]');
    expect(onlyProblem(param({ range: [1], type: 'float' })).path).toBe('parameter_config[0].range');
  });

  it('needs a non-empty list for choice', () => {
    expect(onlyProblem(param({ range: [], type: 'choice' }))).toMatchObject({ path: 'parameter_config[0].range', found: '[]' });
    expect(onlyProblem(param({ range: 'abc', type: 'choice' })).found).toBe('"abc"');
    expect(normalizeConfig(param({ range: ['a', 2, true], type: 'choice' }), opts()).parameter_config[0]!.range).toEqual(['a', 2, true]);
  });

  it('needs min > 0 for log', () => {
    expect(onlyProblem(param({ range: [0, 1], type: 'float', log: true }))).toMatchObject({
      expected: 'min > 0 for a log-scale parameter',
      found: '[0, 1]',
    });
    expect(onlyProblem(param({ range: [-1, 8], type: 'int', log: true })).path).toBe('parameter_config[0].range');
    expect(normalizeConfig(param({ range: [1e-5, 1], type: 'float', log: true }), opts()).parameter_config[0]).toEqual({
      name: 'p',
      range: [1e-5, 1],
      type: 'float',
      log: true,
    });
  });

  it('needs interval > 0 (an integer for int) and n ≥ 1 integer', () => {
    expect(onlyProblem(param({ range: [0, 1], type: 'float', interval: 0 }))).toMatchObject({
      path: 'parameter_config[0].interval',
      expected: 'a number > 0',
    });
    expect(onlyProblem(param({ range: [0, 1], type: 'float', interval: -0.1 })).path).toBe('parameter_config[0].interval');
    expect(onlyProblem(param({ range: [0, 10], type: 'int', interval: 2.5 })).expected).toBe('an integer interval for an int parameter');
    expect(onlyProblem(param({ range: [0, 1], type: 'float', n: 0 }))).toMatchObject({
      path: 'parameter_config[0].n',
      expected: 'an integer ≥ 1',
      found: '0',
    });
    expect(onlyProblem(param({ range: [0, 1], type: 'float', n: 2.5 })).path).toBe('parameter_config[0].n');
    expect(normalizeConfig(param({ range: [0, 1], type: 'float', n: 1, interval: 0.25 }), opts()).parameter_config[0]).toMatchObject({
      n: 1,
      interval: 0.25,
    });
  });

  it('rejects log, interval and n on a choice', () => {
    const problems = problemsOf(param({ range: ['a'], type: 'choice', log: false, interval: 1, n: 2 }));
    expect(problems.map((p) => p.path)).toEqual(['parameter_config[0].log', 'parameter_config[0].interval', 'parameter_config[0].n']);
  });

  it('rejects duplicate and reserved parameter names', () => {
    const p = onlyProblem({ script: 'train.py', parameter_config: [...xy, { name: 'x', range: [0, 1], type: 'float' }] });
    expect(p).toMatchObject({ path: 'parameter_config[2].name', found: '"x"' });
    expect(p.message).toContain('(also at parameter_config[0].name)');
    expect(onlyProblem(param({ name: 'job_id', range: [0, 1], type: 'float' })).path).toBe('parameter_config[0].name');
    expect(onlyProblem(param({ name: '', range: [0, 1], type: 'float' })).path).toBe('parameter_config[0].name');
  });

  it("accepts Spearmint's size 1 and drops it", () => {
    expect(normalizeConfig(param({ range: [0, 1], type: 'float', size: 1 }), opts()).parameter_config[0]).toEqual({
      name: 'p',
      range: [0, 1],
      type: 'float',
    });
    expect(onlyProblem(param({ range: [0, 1], type: 'float', size: 3 }))).toMatchObject({
      path: 'parameter_config[0].size',
      expected: '1',
    });
  });

  it('checks the counts and enumerations of the top level', () => {
    expect(onlyProblem({ script: 'train.py', n_samples: 0 })).toMatchObject({ path: 'n_samples', expected: 'an integer ≥ 1', found: '0' });
    expect(onlyProblem({ script: 'train.py', n_samples: 2.5 }).path).toBe('n_samples');
    expect(onlyProblem({ script: 'train.py', n_samples: '10' }).found).toBe('"10"');
    expect(onlyProblem({ script: 'train.py', n_parallel: 0 }).path).toBe('n_parallel');
    expect(onlyProblem({ script: 'train.py', random_seed: -1 }).path).toBe('random_seed');
    expect(onlyProblem({ script: 'train.py', job_timeout: 0 })).toMatchObject({ path: 'job_timeout', expected: 'a number > 0' });
    expect(onlyProblem({ script: 'train.py', job_file_keys: 'all' })).toMatchObject({ path: 'job_file_keys', found: '"all"' });
    expect(onlyProblem({ script: 'train.py', job_failure: { job_retries: -1 } })).toMatchObject({
      path: 'job_failure.job_retries',
      expected: 'an integer ≥ 0',
    });
    expect(onlyProblem({ script: 'train.py', job_failure: { job_retries: 1.5 } }).path).toBe('job_failure.job_retries');
    expect(onlyProblem({ script: 'train.py', parameter_config: { x: [0, 1] } })).toMatchObject({
      path: 'parameter_config',
      expected: 'a list of objects',
    });
  });

  it('reports every problem at once, one per line, naming the file', () => {
    const raw = {
      script: 'train.py',
      n_sample: 5,
      target: 'maximum',
      parameter_config: [
        { name: 'a', range: [5, 1], type: 'float' },
        { name: 'b', range: [0, 1], type: 'float', log: true },
      ],
    };
    const e = thrown(() => normalizeConfig(raw, opts()));
    expect(e.code).toBe('AUP_ERR_CONFIG_INVALID');
    expect(e.message.split('\n')).toEqual([
      `${file}: n_sample: unknown key; did you mean \`n_samples\`?`,
      `${file}: target: expected "min" or "max" or a non-empty list of "min" or "max", found "maximum"`,
      `${file}: parameter_config[0].range: expected min < max, found [5, 1]`,
      `${file}: parameter_config[1].range: expected min > 0 for a log-scale parameter, found [0, 1]`,
    ]);
    expect(e.details.file).toBe(file);
    expect((e.details.problems as ConfigProblem[]).map((p) => p.path)).toEqual([
      'n_sample',
      'target',
      'parameter_config[0].range',
      'parameter_config[1].range',
    ]);
  });

  it('says "config" when there is no file', () => {
    const e = thrown(() => normalizeConfig({ script: 'train.py', n_samples: 0 }, { baseDir: dir }));
    expect(e.message).toBe('config: n_samples: expected an integer ≥ 1, found 0');
  });

  it('rejects a config that is not an object, without throwing from validateConfig', () => {
    expect(onlyProblem([1, 2])).toMatchObject({ path: '', expected: 'an object of config keys' });
    expect(onlyProblem(null).found).toBe('null');
    expect(onlyProblem('experiment.json').found).toBe('"experiment.json"');
  });
});

describe('resource_args, early stopping and proposer keys', () => {
  it('turns on intermediate results for early stopping, as Auptimizer does', () => {
    const config = normalizeConfig(
      { script: 'train.py', resource_args: { early_stop: { aup_policy: 'bandit', aup_policy_steps: 2, bandit_factor: 0.5 } } },
      opts(),
    );
    expect(config.resource_args).toEqual({
      early_stop: { aup_policy: 'bandit', aup_policy_steps: 2, bandit_factor: 0.5 },
      track_intermediate_results: true,
    });
  });

  it('checks the early-stopping settings', () => {
    expect(onlyProblem({ script: 'train.py', resource_args: { early_stop: { aup_policy: 'curve_fitting' } } })).toMatchObject({
      path: 'resource_args.early_stop.curve_fitting_max_iters',
      found: 'nothing',
    });
    expect(onlyProblem({ script: 'train.py', resource_args: { early_stop: { aup_policy: 'medain' } } }).suggestion).toBe('median');
    expect(onlyProblem({ script: 'train.py', resource_args: { early_stop: { warmup: 2 } } })).toMatchObject({
      path: 'resource_args.early_stop.aup_policy',
      found: 'nothing',
    });
    expect(
      onlyProblem({ script: 'train.py', resource_args: { early_stop: { aup_policy: 'truncation', truncation_percentage: 1.5 } } }).expected,
    ).toBe('a number > 0 and ≤ 1');
    expect(onlyProblem({ script: 'train.py', resource_args: { early_stop: { aup_policy: 'asha', reduction_factor: 1 } } }).expected).toBe(
      'a number > 1',
    );
  });

  it("merges Auptimizer's runtime_args into resource_args (resource_args wins)", () => {
    const config = normalizeConfig(
      {
        script: 'train.py',
        resource: 'node',
        runtime_args: { prescript: 'source .profile', env: { A: '1' }, nodes: ['me@remote'] },
        resource_args: { env: { B: '2' } },
      },
      opts(),
    );
    expect(config.resource_args).toEqual({ prescript: 'source .profile', nodes: ['me@remote'], env: { B: '2' } });
  });

  it('gathers per-proposer keys into proposer_options', () => {
    const config = normalizeConfig(
      { script: 'train.py', proposer: 'hyperband', max_iter: 27, eta: 3, skip_last: 1, engine: 'random' },
      opts(),
    );
    expect(config.proposer_options).toEqual({ max_iter: 27, eta: 3, skip_last: 1, engine: 'random' });
    const bohb = normalizeConfig(
      { script: 'train.py', proposer: 'bohb', min_points_in_model: '', min_budget: 1, max_budget: 9, n_iterations: 2 },
      opts(),
    );
    expect(bohb.proposer_options).toEqual({ min_points_in_model: '', min_budget: 1, max_budget: 9, n_iterations: 2 });
    const eas = normalizeConfig(
      { script: 'train.py', proposer: 'eas', net_config: { layers: [{ type: 'dense', units: 8 }] }, n_children: 2 },
      opts(),
    );
    expect(eas.proposer_options).toEqual({ net_config: { layers: [{ type: 'dense', units: 8 }] }, n_children: 2 });
  });

  it('checks per-proposer values', () => {
    expect(onlyProblem({ script: 'train.py', eta: 1 })).toMatchObject({ path: 'eta', expected: 'a number > 1' });
    expect(onlyProblem({ script: 'train.py', min_budget: 9, max_budget: 3 })).toMatchObject({
      path: 'max_budget',
      expected: 'a budget larger than min_budget (9)',
      found: '3',
    });
    expect(onlyProblem({ script: 'train.py', grid_size: 0 }).path).toBe('grid_size');
    expect(onlyProblem({ script: 'train.py', min_points_in_model: 'many' }).expected).toBe('an integer ≥ 1, null or ""');
  });
});

describe('sequence without n_samples', () => {
  it('runs the whole grid, as Auptimizer did', () => {
    const config = normalizeConfig(
      {
        proposer: 'sequence',
        parameter_config: [
          { name: 'a', range: [0, 10], type: 'int', interval: 1 },
          { name: 'b', range: [0, 10], type: 'int', interval: 1 },
        ],
      },
      { baseDir: process.cwd(), inProcess: true },
    );
    expect(config.n_samples).toBe(121);
  });
  it('keeps an explicit n_samples', () => {
    const config = normalizeConfig(
      { proposer: 'sequence', n_samples: 5, parameter_config: [{ name: 'a', range: [0, 10], type: 'int' }] },
      { baseDir: process.cwd(), inProcess: true },
    );
    expect(config.n_samples).toBe(5);
  });
});

describe('hyperband and bohb without n_samples', () => {
  it('run their whole schedule (Li et al. Table 1: 206 jobs for max_iter 81, eta 3)', () => {
    const space = [{ name: 'x', range: [0, 1], type: 'float' }];
    const hb = normalizeConfig(
      { proposer: 'hyperband', max_iter: 81, eta: 3, parameter_config: space },
      { baseDir: process.cwd(), inProcess: true },
    );
    expect(hb.n_samples).toBe(206);
    const bohb = normalizeConfig({ proposer: 'bohb', parameter_config: space }, { baseDir: process.cwd(), inProcess: true });
    expect(bohb.n_samples).toBeGreaterThan(10);
  });
});

describe("a proposer's own trial count", () => {
  it('comes from its definition, so a registered proposer with a schedule runs all of it', () => {
    registerProposer({
      name: 'seven-trials-test',
      create: () => ({ ask: () => ({ kind: 'done' }), tell: () => undefined, snapshot: () => null }),
      trialCount: () => 7,
    });
    const config = normalizeConfig({ proposer: 'Seven-Trials-Test' }, { baseDir: process.cwd(), inProcess: true });
    expect(config.n_samples).toBe(7);
    expect(normalizeConfig({ proposer: 'random' }, { baseDir: process.cwd(), inProcess: true }).n_samples).toBe(10);
  });
});

describe("parameters without type or range (Auptimizer's defaults)", () => {
  it('takes int and [0, 1], with a warning each', () => {
    const result = validateConfig({ script: 'train.py', parameter_config: [{ name: 'a' }, { name: 'b', type: 'float' }] }, opts());
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.parameter_config).toEqual([
      { name: 'a', type: 'int', range: [0, 1] },
      { name: 'b', type: 'float', range: [0, 1] },
    ]);
    expect(result.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      `parameter_config[0].type: not given: "int", Auptimizer's default`,
      `parameter_config[0].range: not given: [0, 1], Auptimizer's default`,
      `parameter_config[1].range: not given: [0, 1], Auptimizer's default`,
    ]);
  });

  it('still checks a given range against the default type', () => {
    expect(onlyProblem({ script: 'train.py', parameter_config: [{ name: 'a', range: [0.5, 2.5] }] })).toMatchObject({
      path: 'parameter_config[0].range',
      expected: 'integer bounds for an int parameter',
    });
  });
});

describe('warnings', () => {
  it('reach onWarning also when the config is then refused', () => {
    const seen: string[] = [];
    expect(() =>
      normalizeConfig({ script: 'train.py', colour: 'red', n_sample: 3 }, opts({ onWarning: (w) => seen.push(w.path) })),
    ).toThrow(/did you mean `n_samples`/);
    expect(seen).toEqual(['colour']);
  });
});
