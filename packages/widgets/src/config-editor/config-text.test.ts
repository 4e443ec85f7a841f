import { describe, expect, it } from 'vitest';

import { configForValidation, detectFormat, jsonErrorPlace, lineColumn, parseConfigText } from './config-text.js';

describe('detectFormat', () => {
  it('reads braces as JSON and anything else as YAML', () => {
    expect(detectFormat('  {"a": 1}')).toBe('json');
    expect(detectFormat('name: x\n')).toBe('yaml');
  });
});

describe('parseConfigText', () => {
  it('parses JSON and YAML to the same value', () => {
    expect(parseConfigText('{"n_samples": 3, "proposer": "random"}', 'json')).toEqual({
      ok: true,
      value: { n_samples: 3, proposer: 'random' },
    });
    expect(parseConfigText('n_samples: 3\nproposer: random\n', 'yaml')).toEqual({ ok: true, value: { n_samples: 3, proposer: 'random' } });
  });

  it('calls broken JSON an error', () => {
    expect(parseConfigText('{\n  "a": 1,\n  "b": }\n', 'json').ok).toBe(false);
  });

  it('places a YAML syntax error on its line', () => {
    const r = parseConfigText('name: x\nparameter_config: [1, 2\nproposer: random\n', 'yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.line).toBeGreaterThanOrEqual(2);
  });

  it('calls empty text an error', () => {
    expect(parseConfigText('  \n', 'yaml').ok).toBe(false);
  });
});

describe('jsonErrorPlace', () => {
  const text = '{\n  "a": 1,\n  "b": }\n';
  it('reads the place from the messages browsers give', () => {
    expect(jsonErrorPlace('Unexpected token \'}\', "b": } is not valid JSON (line 3 column 8)', text)).toEqual({ line: 3, column: 8 });
    expect(jsonErrorPlace('Unexpected token } in JSON at position 19', text)).toEqual({ line: 3, column: 8 });
    expect(jsonErrorPlace('Unexpected end of JSON input', '{"a":')).toEqual({ line: 1, column: 6 });
    expect(jsonErrorPlace('Unexpected token \'}\', ..."b": } is not valid JSON', text)).toEqual({ line: null, column: null });
  });
});

describe('lineColumn', () => {
  it('counts from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('configForValidation', () => {
  it('adds the working directory as workingdir unless the config sets one', () => {
    expect(configForValidation({ script: 'a' }, 'runs/x')).toEqual({ script: 'a', workingdir: 'runs/x' });
    expect(configForValidation({ script: 'a', workingdir: 'w' }, 'runs/x')).toEqual({ script: 'a', workingdir: 'w' });
    expect(configForValidation({ script: 'a' }, ' ')).toEqual({ script: 'a' });
  });
});
