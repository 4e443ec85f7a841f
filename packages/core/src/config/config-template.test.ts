import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AupError } from '../errors.js';
import type { Json } from '../types.js';
import type { ConfigProblem } from './config-problem.js';
import { fillTemplate, templateParameters } from './config-template.js';
import { normalizeConfig, validateConfig } from './normalize-config.js';

function thrown(fn: () => unknown): AupError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AupError) return e;
    throw e;
  }
  throw new Error('expected an AupError');
}

const template: Json = {
  model: {
    layers: [{ units: { range: [16, 128], type: 'int' }, activation: 'relu' }, { units: 10 }],
    dropout: { range: [0, 0.5], type: 'float', interval: 0.1 },
  },
  training: {
    learning_rate: { range: [1e-4, 1e-1], type: 'float', log: true },
    optimizer: { range: ['adam', 'sgd'], type: 'choice' },
    schedule: { type: 'cosine', range: [0, 100] },
    epochs: 5,
  },
};

describe('templateParameters', () => {
  it('names each {range, type} value by its dotted path, array indices included', () => {
    expect(templateParameters(template)).toEqual([
      { name: 'model.layers.0.units', range: [16, 128], type: 'int' },
      { name: 'model.dropout', range: [0, 0.5], type: 'float', interval: 0.1 },
      { name: 'training.learning_rate', range: [1e-4, 1e-1], type: 'float', log: true },
      { name: 'training.optimizer', range: ['adam', 'sgd'], type: 'choice' },
    ]);
  });

  it('leaves objects whose type is not a parameter type as plain data', () => {
    expect(templateParameters({ schedule: { type: 'cosine', range: [0, 100] }, opt: { type: 'adam' } })).toEqual([]);
  });

  it('finds no parameters in a template without leaves', () => {
    expect(templateParameters({ a: 1, b: [true, null], c: { d: 'e' } })).toEqual([]);
  });

  it('rejects invalid leaves with AUP_ERR_TEMPLATE, naming the file and each path', () => {
    const bad = {
      training: {
        lr: { range: [0.1, 0.01], type: 'float' },
        momentum: { range: [0, 1], type: 'flaot' },
        layers: [{ range: [1, 4], type: 'int', default: 2 }],
        decay: { range: [0, 1], type: 'float', log: true },
      },
    };
    const e = thrown(() => templateParameters(bad, '/data/train.yaml'));
    expect(e.code).toBe('AUP_ERR_TEMPLATE');
    expect(e.message.split('\n')).toEqual([
      '/data/train.yaml: training.lr.range: expected min < max, found [0.1, 0.01]',
      '/data/train.yaml: training.momentum.type: expected "float", "int" or "choice", found "flaot"; did you mean "float"?',
      '/data/train.yaml: training.layers[0].default: unknown key (known here: type, range, log, interval, n)',
      '/data/train.yaml: training.decay.range: expected min > 0 for a log-scale parameter, found [0, 1]',
    ]);
    expect((e.details.problems as ConfigProblem[]).every((p) => p.file === '/data/train.yaml')).toBe(true);
  });

  it('rejects a template that is itself a parameter', () => {
    expect(thrown(() => templateParameters({ range: [0, 1], type: 'float' })).code).toBe('AUP_ERR_TEMPLATE');
  });
});

describe('fillTemplate', () => {
  const params = {
    'model.layers.0.units': 64,
    'model.dropout': 0.2,
    'training.learning_rate': 0.01,
    'training.optimizer': 'sgd',
  };

  it('replaces every leaf by its value and keeps everything else', () => {
    expect(fillTemplate(template, params)).toEqual({
      model: { layers: [{ units: 64, activation: 'relu' }, { units: 10 }], dropout: 0.2 },
      training: { learning_rate: 0.01, optimizer: 'sgd', schedule: { type: 'cosine', range: [0, 100] }, epochs: 5 },
    });
  });

  it('does not change the template', () => {
    const before = structuredClone(template);
    const filled = fillTemplate(template, params) as { training: { schedule: { range: number[] } } };
    filled.training.schedule.range.push(1);
    expect(template).toEqual(before);
  });

  it('fills exactly the parameters templateParameters finds', () => {
    const names = templateParameters(template).map((p) => p.name);
    expect(names.sort()).toEqual(Object.keys(params).sort());
    const filled = fillTemplate(template, params);
    expect(templateParameters(filled)).toEqual([]);
  });

  it('throws AUP_ERR_TEMPLATE when a leaf has no value', () => {
    const e = thrown(() => fillTemplate(template, { 'model.dropout': 0.1 }));
    expect(e.code).toBe('AUP_ERR_TEMPLATE');
    expect(e.message).toContain('"model.layers.0.units"');
  });
});

describe('config_template in a config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aup-template-'));
    writeFileSync(join(dir, 'train.py'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends the template parameters after parameter_config and keeps the template', () => {
    writeFileSync(join(dir, 'hp.json'), JSON.stringify(template));
    const config = normalizeConfig(
      { script: 'train.py', config_template: 'hp.json', parameter_config: [{ name: 'seed', range: [0, 9], type: 'int' }] },
      { baseDir: dir, file: join(dir, 'experiment.json') },
    );
    expect(config.parameter_config.map((p) => p.name)).toEqual([
      'seed',
      'model.layers.0.units',
      'model.dropout',
      'training.learning_rate',
      'training.optimizer',
    ]);
    expect(config.config_template).toBe(join(dir, 'hp.json'));
    expect(config.template).toEqual(template);
  });

  it('reads a YAML template file the same as JSON', () => {
    writeFileSync(join(dir, 'hp.json'), JSON.stringify(template));
    writeFileSync(
      join(dir, 'hp.yml'),
      [
        'model:',
        '  layers:',
        '    - units: { range: [16, 128], type: int }',
        '      activation: relu',
        '    - units: 10',
        '  dropout: { range: [0, 0.5], type: float, interval: 0.1 }',
        'training:',
        '  learning_rate: { range: [0.0001, 0.1], type: float, log: true }',
        '  optimizer: { range: [adam, sgd], type: choice }',
        '  schedule: { type: cosine, range: [0, 100] }',
        '  epochs: 5',
      ].join('\n'),
    );
    const fromJson = normalizeConfig({ script: 'train.py', config_template: 'hp.json' }, { baseDir: dir });
    const fromYaml = normalizeConfig({ script: 'train.py', config_template: 'hp.yml' }, { baseDir: dir });
    expect(fromYaml.parameter_config).toEqual(fromJson.parameter_config);
    expect(fromYaml.template).toEqual(fromJson.template);
  });

  it('accepts the template inline, with problems under config_template', () => {
    const config = normalizeConfig(
      { script: 'train.py', config_template: { opt: { lr: { range: [0, 1], type: 'float' } } } },
      { baseDir: dir },
    );
    expect(config.parameter_config).toEqual([{ name: 'opt.lr', range: [0, 1], type: 'float' }]);
    expect(config.config_template).toBeUndefined();
    expect(config.template).toEqual({ opt: { lr: { range: [0, 1], type: 'float' } } });
    const e = thrown(() =>
      normalizeConfig({ script: 'train.py', config_template: { opt: { lr: { range: [1, 0], type: 'float' } } } }, { baseDir: dir }),
    );
    expect(e.code).toBe('AUP_ERR_TEMPLATE');
    expect(e.message).toBe('config: config_template.opt.lr.range: expected min < max, found [1, 0]');
  });

  it("treats Auptimizer's compression settings as an inline template", () => {
    const compression = {
      framework: 'torch',
      compressor: 'fpgm',
      config_list: [{ sparsity: { range: [0.1, 0.9], type: 'float' }, op_names: ['conv1'] }],
    };
    const config = normalizeConfig({ script: 'train.py', compression }, { baseDir: dir });
    expect(config.parameter_config).toEqual([{ name: 'config_list.0.sparsity', range: [0.1, 0.9], type: 'float' }]);
    expect(fillTemplate(config.template!, { 'config_list.0.sparsity': 0.5 })).toEqual({
      ...compression,
      config_list: [{ sparsity: 0.5, op_names: ['conv1'] }],
    });
    const both = validateConfig({ script: 'train.py', compression, config_template: 'hp.json' }, { baseDir: dir });
    expect(both.ok ? [] : both.problems.map((p) => p.path)).toEqual(['compression']);
  });

  it('rejects a name used both in parameter_config and in the template', () => {
    writeFileSync(join(dir, 'hp.json'), JSON.stringify({ opt: { lr: { range: [0, 1], type: 'float' } } }));
    const result = validateConfig(
      { script: 'train.py', config_template: 'hp.json', parameter_config: [{ name: 'opt.lr', range: [0, 1], type: 'float' }] },
      { baseDir: dir },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toMatchObject([{ path: 'opt.lr', file: join(dir, 'hp.json'), found: '"opt.lr"' }]);
  });

  it('reports a missing template file as AUP_ERR_TEMPLATE naming it', () => {
    const e = thrown(() => normalizeConfig({ script: 'train.py', config_template: 'nope.yaml' }, { baseDir: dir }));
    expect(e.code).toBe('AUP_ERR_TEMPLATE');
    expect(e.message).toBe(
      `config: config_template: expected a readable JSON or YAML template file, found ${join(dir, 'nope.yaml')}, which does not exist`,
    );
  });

  it('reports a template that does not parse with its line and column', () => {
    writeFileSync(join(dir, 'hp.json'), '{\n  "lr": { "range": [0, 1] "type": "float" }\n}');
    const e = thrown(() => normalizeConfig({ script: 'train.py', config_template: 'hp.json' }, { baseDir: dir }));
    expect(e.code).toBe('AUP_ERR_TEMPLATE');
    expect(e.message).toBe(
      `config: config_template: ${join(dir, 'hp.json')}:2:27: not valid JSON: expected , or } after the value of "range", found "\\""`,
    );
    expect(e.details.problems).toMatchObject([{ path: 'config_template', expected: 'a valid JSON file' }]);
  });

  it('reports invalid leaves of a template file in that file', () => {
    writeFileSync(join(dir, 'hp.yaml'), 'lr: { range: [1, 0], type: float }\n');
    const e = thrown(() =>
      normalizeConfig({ script: 'train.py', config_template: 'hp.yaml' }, { baseDir: dir, file: join(dir, 'experiment.json') }),
    );
    expect(e.code).toBe('AUP_ERR_TEMPLATE');
    expect(e.message).toBe(`${join(dir, 'hp.yaml')}: lr.range: expected min < max, found [1, 0]`);
  });

  it('is AUP_ERR_CONFIG_INVALID when the config itself also has problems', () => {
    writeFileSync(join(dir, 'hp.yaml'), 'lr: { range: [1, 0], type: float }\n');
    const e = thrown(() => normalizeConfig({ script: 'train.py', config_template: 'hp.yaml', n_samples: 0 }, { baseDir: dir }));
    expect(e.code).toBe('AUP_ERR_CONFIG_INVALID');
    expect(e.message.split('\n')).toHaveLength(2);
  });

  it('needs an object at the top of a template file', () => {
    writeFileSync(join(dir, 'hp.yaml'), '- a\n- b\n');
    expect(thrown(() => normalizeConfig({ script: 'train.py', config_template: 'hp.yaml' }, { baseDir: dir })).message).toContain(
      'a template file holding an object',
    );
  });
});
