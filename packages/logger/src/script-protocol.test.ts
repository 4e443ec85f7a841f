// Any language reports by printing lines: a bash script, run as the runner runs it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLine } from './protocol.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'scripts');

describe('a bash script', () => {
  it('reports scalars on stdout and an Auptimizer result on stderr that parseLine accepts', () => {
    const r = spawnSync('bash', [join(FIXTURES, 'protocol-lines.sh'), 'jobs/1.json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').map(parseLine)).toEqual([
      null,
      { type: 'scalar', name: 'loss', step: 0, value: 0.9 },
      { type: 'scalar', name: 'loss', step: 1, value: 0.8 },
      { type: 'scalar', name: 'loss', step: 2, value: 0.7 },
      null,
    ]);
    expect(r.stdout.split('\n')[0]).toBe('reading jobs/1.json');
    expect(r.stderr.split('\n').map(parseLine)).toEqual([{ type: 'auptimizer', values: [0.75, 12] }, null]);
  });
});
