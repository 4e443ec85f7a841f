import { describe, expect, it } from 'vitest';

import { ConfigSyntaxError, MAX_YAML_DEPTH, parseConfigText } from './parse-config-text.js';

// YAML texts built to exhaust the parser: nesting that overflowed the yaml package's stack (and
// once aborted the whole process from inside V8), and aliases that expand a few lines into
// millions of values. Each is a ConfigSyntaxError naming the place, as a typo would be.

function syntaxError(text: string): ConfigSyntaxError {
  try {
    parseConfigText(text, 'yaml');
  } catch (e) {
    if (e instanceof ConfigSyntaxError) return e;
    throw e;
  }
  throw new Error('parsed without an error');
}

describe('parseConfigText on hostile YAML', () => {
  it.each([1_000, 100_000])('refuses flow collections nested %i deep, naming the line', (n) => {
    const e = syntaxError(`script: x\nspace: ${'['.repeat(n)}${']'.repeat(n)}\n`);
    expect(e.message).toContain(`deeper than ${MAX_YAML_DEPTH} levels`);
    expect(e.line).toBe(2);
  });

  it('refuses block sequences nested too deep, however they are indented', () => {
    const compact = `a:\n  ${'- '.repeat(MAX_YAML_DEPTH + 1)}x\n`;
    expect(syntaxError(compact).line).toBe(2);
    const indented = Array.from({ length: MAX_YAML_DEPTH + 1 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    expect(syntaxError(indented).message).toContain('deeper than');
  });

  it('ignores brackets in strings, comments and block scalars', () => {
    const many = '['.repeat(MAX_YAML_DEPTH * 2);
    const text = `# ${many}\nscript: "python -c '${many}'"\nnote: |\n  ${many}\nother: '${many}'\n`;
    expect(parseConfigText(text, 'yaml')).toEqual({ script: `python -c '${many}'`, note: `${many}\n`, other: many });
  });

  it('still reads a config as deep as a hand-written one gets', () => {
    const text = `parameter_config:\n- name: lr\n  range: [0.001, 0.1]\n  type: float\n- name: act\n  choices: [[relu, {a: [1, [2]]}], tanh]\n  type: choice\nresource_args:\n  nested:\n    deeper:\n      - - - x\n`;
    expect(parseConfigText(text, 'yaml')).toMatchObject({
      parameter_config: [{ name: 'lr' }, { choices: [['relu', { a: [1, [2]] }], 'tanh'] }],
    });
  });

  it('refuses an alias bomb, naming the first alias', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `l${i}: &l${i} [${Array(9)
          .fill(i === 1 ? '*a' : `*l${i - 1}`)
          .join(', ')}]`,
      );
    const e = syntaxError(lines.join('\n'));
    expect(e.message).toMatch(/aliases \(\*name\) expand to too large a value/);
    expect(e.line).toBe(2);
  });
});
