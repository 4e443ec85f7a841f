import { describe, expect, it } from 'vitest';

import { compactJson } from './compact-json.js';

describe('compactJson', () => {
  it('keeps short arrays and objects on one line and breaks long ones', () => {
    const config = {
      name: 'quickstart',
      parameter_config: [
        { name: 'learning_rate', range: [0.01, 30], type: 'float', log: true },
        { name: 'epochs', range: [10, 300], type: 'int' },
      ],
      resource_args: {},
    };
    expect(compactJson(config)).toBe(
      [
        '{',
        '  "name": "quickstart",',
        '  "parameter_config": [',
        '    { "name": "learning_rate", "range": [0.01, 30], "type": "float", "log": true },',
        '    { "name": "epochs", "range": [10, 300], "type": "int" }',
        '  ],',
        '  "resource_args": {}',
        '}',
      ].join('\n'),
    );
  });

  it('reads back as the same value', () => {
    const v = { a: [1, 'two', null, { b: true }], c: { d: { e: [[1, 2], [3]] } }, s: 'x'.repeat(100) };
    expect(JSON.parse(compactJson(v))).toEqual(v);
  });
});
