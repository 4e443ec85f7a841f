import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AupError } from '../errors.js';
import { checkRunnable } from './check-runnable.js';
import { normalizeConfig, validateConfig } from './normalize-config.js';

// What a run refuses must be what validation refuses: `aup validate`, `aup init` and the board
// call validateConfig/normalizeConfig, `aup run` and the board's create call checkRunnable too.
let dir: string;
const x = [{ name: 'x', range: [0, 1], type: 'float' }];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aup-runnable-'));
  writeFileSync(join(dir, 'train.py'), 'print("#Auptimizer:1")\n');
  writeFileSync(join(dir, 'data.txt'), 'not a program\n');
  writeFileSync(join(dir, 'tool'), '#!/bin/sh\necho "#Auptimizer:1"\n');
  chmodSync(join(dir, 'tool'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problems = (raw: Record<string, unknown>) => {
  const result = validateConfig({ script: 'train.py', parameter_config: x, ...raw }, { baseDir: dir, file: join(dir, 'experiment.json') });
  return result.ok ? [] : result.problems;
};

describe('validateConfig refuses what a run refuses', () => {
  it('an unknown proposer, with the nearest name', () => {
    expect(problems({ proposer: 'bogus' })).toEqual([
      expect.objectContaining({
        path: 'proposer',
        found: '"bogus"',
        message: expect.stringMatching(/"bogus" is not a registered proposer/),
      }),
    ]);
    expect(problems({ proposer: 'radnom' })[0]).toMatchObject({ path: 'proposer', suggestion: 'random' });
  });

  it("settings the proposer rejects for this space, at the setting's path", () => {
    expect(problems({ proposer: 'hyperband', engine: 'rnadom' })).toEqual([
      expect.objectContaining({
        path: 'engine',
        message: expect.stringMatching(/^"rnadom" is not a registered proposer; did you mean "random"/),
      }),
    ]);
    // A sequence grid needs a step or a count on a log parameter.
    expect(
      problems({ proposer: 'sequence', parameter_config: [{ name: 'lr', range: [0.001, 1], type: 'float', log: true, interval: 0.1 }] }),
    ).toHaveLength(1);
  });

  it('a resource aup does not run', () => {
    expect(problems({ resource: 'aws' })).toEqual([
      expect.objectContaining({ path: 'resource', message: expect.stringMatching(/"aws" is not supported/) }),
    ]);
  });

  it('a node resource without hosts, as its start would', () => {
    expect(problems({ resource: 'node' })).toEqual([expect.objectContaining({ path: 'resource_args.nodes' })]);
    expect(problems({ resource: 'node', resource_args: { nodes: ['me@remote'] } })).toEqual([]);
  });

  it('a script that exists but cannot be started', () => {
    expect(problems({ script: 'data.txt' })).toEqual([
      expect.objectContaining({
        path: 'script',
        message: expect.stringMatching(/not executable and its extension does not name an interpreter/),
      }),
    ]);
    expect(problems({ script: 'tool' })).toEqual([]);
    expect(problems({ script: 'python3 train.py' })).toEqual([]);
  });

  it('throws from normalizeConfig with the code a run would throw', () => {
    const e = (() => {
      try {
        normalizeConfig(
          { script: 'train.py', parameter_config: x, proposer: 'bogus' },
          { baseDir: dir, file: join(dir, 'experiment.json') },
        );
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(AupError);
    expect(e).toMatchObject({
      code: 'AUP_ERR_PROPOSER_UNKNOWN',
      message: expect.stringMatching(/experiment\.json: proposer: "bogus" is not a registered proposer/),
    });
  });
});

describe('checkRunnable', () => {
  it('refuses passive jobs for aup worker processes', () => {
    const config = normalizeConfig({ parameter_config: x, resource: 'passive' }, { baseDir: dir });
    expect(() => checkRunnable(config)).not.toThrow();
    expect(() => checkRunnable(config, { workers: true })).toThrow(/resource: "passive" jobs are run by a person/);
  });
});
