import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AupError } from '../errors.js';
import { fillTemplate } from './config-template.js';
import { loadConfig } from './load-config.js';
import { hyperbandTrialCount } from '../proposers/hyperband/hyperband-proposer.js';

/** Experiment configs written in Auptimizer's format (test/fixtures/configs). */
const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/configs/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

async function rejection(promise: Promise<unknown>): Promise<AupError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AupError) return e;
    throw e;
  }
  throw new Error('expected an AupError');
}

describe("Auptimizer's experiment.json files", () => {
  it('takes a relative workingdir from the folder aup runs in, with a warning naming both folders', async () => {
    const { config, warnings } = await loadConfig(fixture('rosenbrock-random.json'), { cwd: '/srv/elsewhere' });
    expect(config.workingdir).toBe('/srv/elsewhere');
    expect(warnings.map((w) => w.path)).toEqual(['workingdir']);
    expect(warnings[0]!.message).toContain(`(from the config's folder it would be ${FIXTURES.replace(/\/$/, '')})`);
  });

  it('loads a random-search config as written', async () => {
    // Its "workingdir": "./" is the folder aup runs in (Auptimizer's rule): run from the config's folder here.
    const { raw, config, warnings } = await loadConfig(fixture('rosenbrock-random.json'), { cwd: FIXTURES });
    expect(warnings).toEqual([]);
    expect(raw.n_samples).toBe(20);
    expect(config).toMatchObject({
      name: 'rosenbrock random search',
      proposer: 'random',
      n_samples: 20,
      random_seed: 7,
      script: 'rosenbrock.py',
      script_path: fixture('rosenbrock.py'),
      resource: 'cpu',
      n_parallel: 2,
      target: 'min',
      workingdir: FIXTURES.replace(/\/$/, ''),
      config_path: fixture('rosenbrock-random.json'),
    });
    expect(config.parameter_config).toEqual([
      { name: 'x', range: [-2, 2], type: 'float' },
      { name: 'y', range: [-1, 3], type: 'float' },
    ]);
  });

  it('gathers hyperband settings into proposer_options', async () => {
    const { config } = await loadConfig(fixture('hyperband.json'));
    expect(config.proposer).toBe('hyperband');
    expect(config.proposer_options).toEqual({ max_iter: 27, eta: 3, skip_last: 1, engine: 'random' });
    // Without n_samples, Hyperband runs its whole schedule (as Auptimizer did).
    expect(config.n_samples).toBe(hyperbandTrialCount(config.proposer_options));
    expect(config.n_samples).toBeGreaterThan(10);
  });

  it('keeps the grid settings of a sequence config', async () => {
    const { config } = await loadConfig(fixture('sequence.json'));
    expect(config.name).toBe('sequence');
    expect(config.script_path).toBe(fixture('rosenbrock.py'));
    expect(config.parameter_config).toEqual([
      { name: 'x', range: [-2, 2], type: 'float', interval: 0.5 },
      { name: 'y', range: [0, 10], type: 'int', n: 6 },
      { name: 'mode', range: ['a', 'b'], type: 'choice' },
    ]);
  });

  it('accepts a bohb config, empty min_points_in_model included', async () => {
    const { config } = await loadConfig(fixture('bohb.json'));
    expect(config.proposer_options).toEqual({
      eta: 3,
      min_budget: 1,
      max_budget: 27,
      n_iterations: 5,
      min_points_in_model: '',
      top_n_percent: 20,
      num_samples: 32,
      random_fraction: 0.25,
      bandwidth_factor: 2,
      min_bandwidth: 0.01,
    });
  });

  it('accepts a passive config without a script', async () => {
    const { config } = await loadConfig(fixture('passive.json'));
    expect(config.resource).toBe('passive');
    expect(config.script).toBeUndefined();
    expect(config.parameter_config.map((p) => p.type)).toEqual(['int', 'choice']);
  });

  it('accepts an early-stopping config and turns intermediate results on', async () => {
    const { config } = await loadConfig(fixture('early-stop.json'));
    expect(config.resource_args).toEqual({
      early_stop: {
        aup_policy: 'curve_fitting',
        aup_policy_steps: 5,
        warmup: 2,
        curve_fitting_max_iters: 100,
        curve_fitting_threshold: 0.9,
        curve_fitting_timeout: 30,
      },
      multi_res_labels: ['loss', 'f1'],
      track_intermediate_results: true,
    });
    expect(config.job_failure).toEqual({ job_retries: 3, ignore_fail: true });
    expect(config.parameter_config[1]).toEqual({ name: 'learning_rate', range: [0.0001, 0.1], type: 'float', log: true });
  });

  it("accepts Spearmint's per-parameter size", async () => {
    const { config } = await loadConfig(fixture('spearmint.json'));
    expect(config.proposer_options).toEqual({ engine: 'GPEIChooser', grid_size: 5000 });
    expect(config.parameter_config[0]).toEqual({ name: 'x', range: [-2, 2], type: 'float' });
  });

  it('accepts a remote (node) config whose folder exists only on the remote host', async () => {
    const { config } = await loadConfig(fixture('node-remote.json'));
    expect(config.workingdir).toBe('/srv/aup-remote-demo');
    expect(config.resource_args).toEqual({
      prescript: 'source ~/.profile',
      postscript: 'echo finished',
      overwrite: true,
      nodes: ['ubuntu@10.0.0.5'],
      max_retries: 2,
      reconn_wait_time: 3,
    });
  });

  it('turns compression settings into parameters and a template', async () => {
    const { config } = await loadConfig(fixture('compression.json'));
    expect(config.parameter_config).toEqual([{ name: 'config_list.0.sparsity', range: [0.2, 0.8], type: 'float' }]);
    expect(fillTemplate(config.template!, { 'config_list.0.sparsity': 0.4 })).toMatchObject({
      compressor: 'l1filter',
      config_list: [{ sparsity: 0.4 }],
    });
  });

  it('loads a YAML experiment with a YAML template file', async () => {
    const { config } = await loadConfig(fixture('templated.yaml'));
    expect(config.script_path).toBe(fixture('rosenbrock.py'));
    expect(config.config_template).toBe(fixture('train-template.yaml'));
    expect(config.parameter_config).toEqual([
      { name: 'model.layers.0.units', range: [16, 128], type: 'int' },
      { name: 'training.learning_rate', range: [0.0001, 0.1], type: 'float', log: true },
      { name: 'training.optimizer', range: ['adam', 'sgd'], type: 'choice' },
    ]);
  });

  it('reads YAML and JSON with the same keys to the same config', async () => {
    const json = await loadConfig(fixture('rosenbrock-random.json'));
    const yaml = await loadConfig(fixture('rosenbrock-random.yaml'));
    expect(yaml.raw).toEqual(json.raw);
    expect({ ...yaml.config, config_path: undefined }).toEqual({ ...json.config, config_path: undefined });
  });
});

describe('loadConfig errors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aup-load-'));
    writeFileSync(join(dir, 'train.py'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a missing file or a folder as AUP_ERR_CONFIG_NOT_FOUND', async () => {
    const missing = await rejection(loadConfig(join(dir, 'nope.json')));
    expect(missing.code).toBe('AUP_ERR_CONFIG_NOT_FOUND');
    expect(missing.message).toBe(`config file ${join(dir, 'nope.json')} does not exist`);
    expect(missing.details.file).toBe(join(dir, 'nope.json'));
    mkdirSync(join(dir, 'folder.json'));
    expect((await rejection(loadConfig(join(dir, 'folder.json')))).message).toContain('is a folder');
  });

  it('reports bad JSON as AUP_ERR_CONFIG_PARSE with line and column', async () => {
    writeFileSync(join(dir, 'experiment.json'), '{\n  "script": "train.py",\n  "n_samples": 10,\n}\n');
    const e = await rejection(loadConfig(join(dir, 'experiment.json')));
    expect(e.code).toBe('AUP_ERR_CONFIG_PARSE');
    expect(e.details).toMatchObject({ file: join(dir, 'experiment.json'), format: 'json', line: 4, column: 1 });
    expect(e.message).toBe(`${join(dir, 'experiment.json')}:4:1: not valid JSON: a comma before } is not allowed in JSON`);
  });

  it('reports bad YAML as AUP_ERR_CONFIG_PARSE with line and column', async () => {
    writeFileSync(join(dir, 'experiment.yaml'), 'script: train.py\nn_samples: 10\nn_samples: 20\n');
    const e = await rejection(loadConfig(join(dir, 'experiment.yaml')));
    expect(e.code).toBe('AUP_ERR_CONFIG_PARSE');
    expect(e.details).toMatchObject({ format: 'yaml', line: 3, column: 1 });
    expect(e.message).toContain('experiment.yaml:3:1: not valid YAML');
  });

  it('reports an empty file', async () => {
    writeFileSync(join(dir, 'experiment.yml'), '\n');
    const e = await rejection(loadConfig(join(dir, 'experiment.yml')));
    expect(e.code).toBe('AUP_ERR_CONFIG_PARSE');
    expect(e.message).toContain('the file is empty');
  });

  it('tries JSON, then YAML, for other extensions', async () => {
    writeFileSync(join(dir, 'exp.conf'), '{"script": "train.py", "n_samples": 3}');
    expect((await loadConfig(join(dir, 'exp.conf'))).config.n_samples).toBe(3);
    writeFileSync(join(dir, 'exp.cfg'), 'script: train.py\nn_samples: 4\n');
    expect((await loadConfig(join(dir, 'exp.cfg'))).config.n_samples).toBe(4);
    writeFileSync(join(dir, 'exp.txt'), '{"script": "train.py" "n_samples": 3}');
    const e = await rejection(loadConfig(join(dir, 'exp.txt')));
    expect(e.details).toMatchObject({ format: 'json', line: 1, column: 23 });
  });

  it('names the file in validation errors', async () => {
    writeFileSync(join(dir, 'experiment.yaml'), 'script: train.py\nn_sample: 10\n');
    const e = await rejection(loadConfig(join(dir, 'experiment.yaml')));
    expect(e.code).toBe('AUP_ERR_CONFIG_INVALID');
    expect(e.message).toBe(`${join(dir, 'experiment.yaml')}: n_sample: unknown key; did you mean \`n_samples\`?`);
  });

  it('needs an object at the top level', async () => {
    writeFileSync(join(dir, 'experiment.json'), '[1, 2]');
    const e = await rejection(loadConfig(join(dir, 'experiment.json')));
    expect(e.code).toBe('AUP_ERR_CONFIG_INVALID');
    expect(e.message).toBe(`${join(dir, 'experiment.json')}: expected an object of config keys, found a list [1, 2]`);
  });
});
