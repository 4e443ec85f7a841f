import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeConfig, validateConfig } from './normalize-config.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'aup-objectives-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const base = { parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] };
const opts = () => ({ baseDir: dir, inProcess: true });

function problems(raw: object): { path: string; message: string }[] {
  const r = validateConfig({ ...base, ...raw }, opts());
  if (r.ok) throw new Error(`expected problems for ${JSON.stringify(raw)}`);
  return r.problems.map((p) => ({ path: p.path, message: p.message }));
}

describe('several objectives in a config', () => {
  it('a single target stays as it was, without objectives', () => {
    const c = normalizeConfig({ ...base, target: 'min' }, opts());
    expect(c.target).toBe('min');
    expect(c.objectives).toBeUndefined();
  });

  it('a list of one direction is one objective', () => {
    const c = normalizeConfig({ ...base, target: ['min'] }, opts());
    expect(c.target).toBe('min');
    expect(c.objectives).toBeUndefined();
  });

  it('a list target gives named objectives (default names objective_i), the score being the first', () => {
    const c = normalizeConfig({ ...base, target: ['max', 'min'] }, opts());
    expect(c.target).toBe('max');
    expect(c.objectives).toEqual([
      { name: 'objective_0', target: 'max' },
      { name: 'objective_1', target: 'min' },
    ]);
    const named = normalizeConfig({ ...base, target: ['max', 'min'], objectives: ['accuracy', 'latency'] }, opts());
    expect(named.objectives).toEqual([
      { name: 'accuracy', target: 'max' },
      { name: 'latency', target: 'min' },
    ]);
  });

  it('objectives must match a list target, with unique names', () => {
    expect(problems({ target: 'min', objectives: ['a'] })[0]!.path).toBe('objectives');
    expect(problems({ target: ['min', 'max'], objectives: ['a'] })[0]!.message).toContain('2 names');
    expect(problems({ target: ['min', 'max'], objectives: ['a', 'a'] })[0]!.path).toBe('objectives[1]');
    expect(problems({ target: ['min', 'up'] })[0]!.path).toMatch(/^target/);
  });

  it('a proposer of one objective is refused, naming the ones that handle several', () => {
    const [p] = problems({ target: ['min', 'min'], proposer: 'hyperband' });
    expect(p!.path).toBe('proposer');
    expect(p!.message).toContain('"hyperband" handles one objective');
    expect(p!.message).toContain('random');
    expect(problems({ target: ['min', 'min'], proposer: 'bohb' })[0]!.path).toBe('proposer');
  });

  it('accepts the proposers that handle several objectives, and checks their settings', () => {
    for (const proposer of ['random', 'sequence', 'hyperopt', 'nsga2']) {
      expect(normalizeConfig({ ...base, target: ['min', 'max'], proposer }, opts()).proposer).toBe(proposer);
    }
    const [p] = problems({ target: ['min', 'max'], proposer: 'hyperopt', engine: 'anneal' });
    expect(p!.path).toBe('engine');
    expect(p!.message).toContain('"anneal" handles one objective');
  });

  it('early stopping is refused with several objectives', () => {
    const [p] = problems({ target: ['min', 'min'], resource_args: { early_stop: { aup_policy: 'median' } } });
    expect(p!.path).toBe('resource_args.early_stop');
    expect(p!.message).toContain('lists 2 objectives');
  });
});
