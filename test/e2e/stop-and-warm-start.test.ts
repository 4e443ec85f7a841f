// Stop rules and warm starts through the `aup` CLI as a user runs them: real child processes for
// the CLI and the jobs (a Python script), a real SQLite file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');

function aup(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [aupBin, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** (x - 0.3)^2 + (y - 0.7)^2, minimised; sleeps first when the file `slow` exists. */
const TRAIN = `import json, os, sys, time
p = json.load(open(sys.argv[-1]))
if os.path.exists('slow'):
    time.sleep(30)
print('#Auptimizer:%r' % ((p['x'] - 0.3) ** 2 + (p['y'] - 0.7) ** 2))
`;

const space = (xMin: number) => [
  { name: 'x', type: 'float', range: [xMin, 1] },
  { name: 'y', type: 'float', range: [0, 1] },
];

describe('aup run: stop rules and --warm-start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aup-stop-warm-'));
  const write = (name: string, config: Record<string, unknown>) =>
    writeFileSync(join(dir, name), JSON.stringify({ script: 'train.py', target: 'min', ...config }));
  writeFileSync(join(dir, 'train.py'), TRAIN);
  write('earlier.json', { proposer: 'random', random_seed: 4, n_samples: 10, parameter_config: space(-1) });
  write('later.json', { proposer: 'hyperopt', n_samples: 40, stop: { patience: 3 }, parameter_config: space(0) });

  it('warm-starts from an earlier experiment, ends by patience, and says both in the summary, show and show --json', () => {
    const first = aup(['run', 'earlier.json', '--db', 'x.db'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('stop reason: n_samples (all n_samples jobs ran)');

    const later = aup(['run', 'later.json', '--db', 'x.db', '--warm-start', '1'], dir);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toMatch(/^experiment 2 finished: \d+ jobs, 0 failed$/m);
    expect(later.stdout).toContain('stop reason: patience (3 job(s) in a row ended without a new best (stop.patience))');
    const json = JSON.parse(aup(['show', '2', '--db', 'x.db', '--json'], dir).stdout) as {
      experiment: { stop_reason: string; warm_start: { experiments: { id: number; jobs: number; skipped: number }[]; job_ids: number[] } };
      jobs: { id: number; trial: number }[];
    };
    const earlier = JSON.parse(aup(['show', '1', '--db', 'x.db', '--json'], dir).stdout) as {
      jobs: { id: number; params: { x: number } }[];
    };
    const fitting = earlier.jobs.filter((j) => j.params.x >= 0).map((j) => j.id);
    expect(json.experiment.stop_reason).toBe('patience');
    expect(json.experiment.warm_start).toEqual({
      experiments: [{ id: 1, jobs: fitting.length, skipped: 10 - fitting.length }],
      job_ids: fitting,
    });
    expect(json.jobs[0]!.trial).toBe(fitting.length);
    expect(later.stdout).toContain(`warm start: ${fitting.length} job(s) of experiment 1 (${fitting.length}) told to the proposer first`);
    if (fitting.length < 10) expect(later.stdout).toMatch(/^warning: warm start: \d+ of the 10 finished jobs of experiment 1 do not fit/m);
    const show = aup(['show', '2', '--db', 'x.db'], dir).stdout;
    expect(show).toContain('stop reason: patience');
    expect(show).toContain('warm start: ');
    expect(JSON.parse(aup(['list', '--db', 'x.db', '--json'], dir).stdout)).toMatchObject([
      { id: 1, stop_reason: 'n_samples', warm_start: null },
      { id: 2, stop_reason: 'patience' },
    ]);
  });

  it('refuses --warm-start of an experiment the database does not have, recording nothing', () => {
    const r = aup(['run', 'later.json', '--db', 'y.db', '--warm-start', '7'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^aup: warm_start\[0\]: expected the id of an experiment in .*y\.db, found 7, which does not exist$/m);
    expect(aup(['list', '--db', 'y.db'], dir).stdout).toMatch(/^no experiments/);
  });

  it('time_budget_s: stops the running job when the budget is used up, exits 0 and says how to go on', () => {
    write('budget.json', { n_samples: 3, stop: { time_budget_s: 1 }, parameter_config: space(0) });
    writeFileSync(join(dir, 'slow'), '');
    const r = aup(['run', 'budget.json', '--db', 'z.db'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('the time budget of 1 s was used up (stop.time_budget_s): its 1 running job(s) are interrupted');
    expect(r.stdout).toMatch(/^experiment 1 stopped: 1 jobs, 0 failed$/m);
    expect(r.stdout).toContain('stop reason: time_budget');
    expect(r.stdout).toContain('stopped: continue with "aup resume 1 --db z.db"');
    const json = JSON.parse(aup(['show', '1', '--db', 'z.db', '--json'], dir).stdout) as { experiment: object; jobs: { status: string }[] };
    expect(json.experiment).toMatchObject({ status: 'stopped', stop_reason: 'time_budget' });
    expect(json.jobs.map((j) => j.status)).toEqual(['interrupted']);
  });
});
