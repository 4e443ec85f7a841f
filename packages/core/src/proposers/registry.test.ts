import { describe, expect, it } from 'vitest';
import { AupError } from '../errors.js';
import type { ProposerDefinition } from '../types.js';
import { BUILTIN_PROPOSERS, findProposer, getProposer, hyperbandProposer, listProposers, registerProposer } from './registry.js';
import { randomProposer } from './random/random-proposer.js';
import { sequenceProposer } from './sequence/sequence-proposer.js';

function errorOf(fn: () => unknown): AupError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AupError) return e;
    throw e;
  }
  throw new Error('expected an AupError');
}

const echo: ProposerDefinition = {
  name: 'Echo-Test',
  create: () => ({ ask: () => ({ kind: 'done' }), tell: () => undefined, snapshot: () => null }),
};

describe('proposer registry', () => {
  it('has random and sequence by default, found in any case', () => {
    expect(listProposers()).toEqual(expect.arrayContaining(['random', 'sequence']));
    expect(getProposer('random')).toBe(randomProposer);
    expect(getProposer('Sequence')).toBe(sequenceProposer);
    expect(getProposer(' RANDOM ')).toBe(randomProposer);
  });

  it('registers a new proposer under its lower-case name; registering it again is harmless', () => {
    registerProposer(echo);
    registerProposer(echo);
    expect(getProposer('echo-test')).toBe(echo);
    expect(listProposers()).toContain('echo-test');
    expect(listProposers()).toEqual([...listProposers()].sort());
  });

  it('refuses a different proposer under a taken name', () => {
    const e = errorOf(() => registerProposer({ ...randomProposer, name: 'Random' }));
    expect(e.code).toBe('AUP_ERR_PROPOSER_DUPLICATE');
    expect(e.message).toContain('"random"');
    expect(getProposer('random')).toBe(randomProposer);
  });

  it('refuses a definition without a name or create()', () => {
    expect(errorOf(() => registerProposer({ name: '', create: randomProposer.create })).code).toBe('AUP_ERR_PROPOSER_CONFIG');
    expect(errorOf(() => registerProposer({ name: 'x' } as ProposerDefinition)).code).toBe('AUP_ERR_PROPOSER_CONFIG');
  });

  it('suggests the nearest registered name for a typo', () => {
    const e = errorOf(() => getProposer('radnom'));
    expect(e.code).toBe('AUP_ERR_PROPOSER_UNKNOWN');
    expect(e.message).toContain('did you mean "random"?');
    expect(e.message).toContain('available: ');
    expect(e.details).toMatchObject({ path: 'proposer', found: 'radnom', suggestion: 'random' });
    expect(errorOf(() => getProposer('sequense')).message).toContain('did you mean "sequence"?');
    expect(errorOf(() => getProposer('seq')).message).toContain('did you mean "sequence"?');
  });

  it('offers no suggestion for a name far from every proposer', () => {
    const e = errorOf(() => getProposer('gradient-descent'));
    expect(e.code).toBe('AUP_ERR_PROPOSER_UNKNOWN');
    expect(e.message).not.toContain('did you mean');
    expect(e.message).toContain('random');
  });

  it.each(['spearmint', 'hyperopt', 'hyperband', 'bohb', 'eas'])('finds Auptimizer\'s "%s", or says it is not available yet', (name) => {
    if (listProposers().includes(name)) {
      expect(getProposer(name.toUpperCase()).name.toLowerCase()).toBe(name);
      return;
    }
    const e = errorOf(() => getProposer(name.toUpperCase()));
    expect(e.code).toBe('AUP_ERR_PROPOSER_UNKNOWN');
    expect(e.message).toContain('Auptimizer proposer that aup does not provide yet');
  });

  it('finds a proposer by an alias too, and lists it once under its name', () => {
    const aliased = { ...echo, name: 'aliased-test', aliases: ['Also-Aliased-Test'] };
    registerProposer(aliased);
    registerProposer(aliased);
    expect(getProposer('also-aliased-test')).toBe(aliased);
    expect(findProposer('ALIASED-TEST')).toBe(aliased);
    expect(listProposers().filter((n) => n.includes('aliased-test'))).toEqual(['aliased-test']);
    const e = errorOf(() => registerProposer({ ...echo, name: 'other-test', aliases: ['also-aliased-test'] }));
    expect(e.code).toBe('AUP_ERR_PROPOSER_DUPLICATE');
    expect(findProposer('other-test')).toBeUndefined();
  });

  it('lists every built-in once, each found under its name with its options and its summary', () => {
    expect(BUILTIN_PROPOSERS.map((d) => d.name)).toEqual([
      'random',
      'sequence',
      'hyperband',
      'bohb',
      'hyperopt',
      'spearmint',
      'eas',
      'cmaes',
      'nsga2',
    ]);
    expect(listProposers()).toEqual(expect.arrayContaining(BUILTIN_PROPOSERS.map((d) => d.name)));
    for (const def of BUILTIN_PROPOSERS) {
      expect(getProposer(def.name)).toBe(def);
      expect(def.summary.does, def.name).toBeTruthy();
      for (const [key, schema] of Object.entries(def.options)) expect(schema.description, `${def.name}.${key}`).toBeTruthy();
    }
    expect(getProposer('hyperband')).toBe(hyperbandProposer);
    expect(BUILTIN_PROPOSERS.filter((d) => d.schedulesBudgets).map((d) => d.name)).toEqual(['hyperband', 'bohb']);
  });
});
