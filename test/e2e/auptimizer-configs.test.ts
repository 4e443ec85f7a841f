// Configs written as Auptimizer's own tests and examples wrote them (issue 15), checked and run by the
// `aup` binary from the folder they were meant to be run from. The configs are written here, in the
// same shapes as Auptimizer's tests/data/exp5.json and exp6.json, not copied.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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

/** A project laid out as Auptimizer's repository: configs in tests/data, scripts under tests, run from the root. */
function project(configs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-auptimizer-'));
  mkdirSync(join(dir, 'tests', 'data'), { recursive: true });
  mkdirSync(join(dir, 'tests', 'jobs'), { recursive: true });
  const script = join(dir, 'tests', 'jobs', 'score.py');
  writeFileSync(script, '#!/usr/bin/env python3\nimport json, sys\nx = json.load(open(sys.argv[1]))["x"]\nprint("#Auptimizer:%s" % x)\n');
  chmodSync(script, 0o755);
  for (const [name, text] of Object.entries(configs)) writeFileSync(join(dir, 'tests', 'data', name), text);
  return dir;
}

// The shape of exp5.json: "name" twice, a relative workingdir, the script relative to workingdir.
const DUPLICATE_NAME = `{
  "name": "first name",
  "parameter_config": [{ "name": "x", "range": [0, 10], "type": "float" }],
  "script": "jobs/score.py",
  "resource": "cpu",
  "proposer": "random",
  "n_samples": 3,
  "target": "max",
  "workingdir": "tests",
  "name": "second name"
}
`;

// The shape of exp6.json, as Auptimizer stored it back: its own `cwd`, plus a key it ignored and a
// parameter left to its defaults.
const STORED = `{
  "parameter_config": [{ "name": "x", "range": [0, 10], "type": "float" }, { "name": "flag" }],
  "script": "jobs/score.py",
  "resource": "cpu",
  "proposer": "random",
  "n_samples": 2,
  "target": "max",
  "workingdir": "tests",
  "cwd": "/home/someone/auptimizer",
  "comment": "tried on the lab machine",
  "random_seed": 0,
  "job_failure": { "ignore_fail": true, "job_retries": 3 }
}
`;

const warningLines = (stderr: string) => stderr.split('\n').filter((l) => l !== '');

describe("Auptimizer's configs, accepted as Auptimizer accepted them", () => {
  it('takes the last of a repeated key and resolves workingdir from where aup runs, warning of both', () => {
    const dir = project({ 'exp-dup.json': DUPLICATE_NAME });
    const r = aup(['validate', 'tests/data/exp-dup.json'], dir);
    expect(r.code).toBe(0);
    const config = JSON.parse(r.stdout);
    expect(config).toMatchObject({
      name: 'second name',
      workingdir: join(dir, 'tests'),
      script_path: join(dir, 'tests', 'jobs', 'score.py'),
    });
    expect(warningLines(r.stderr)).toEqual([
      `aup: warning: tests/data/exp-dup.json: name: repeated at line 10: the last value is used, as Python's json (and so Auptimizer) reads it`,
      `aup: warning: tests/data/exp-dup.json: workingdir: "tests" is taken from the folder aup runs in, as Auptimizer did: ${join(dir, 'tests')} (from the config's folder it would be ${join(dir, 'tests', 'data', 'tests')})`,
    ]);
  });

  it('ignores `cwd` silently, warns of an unknown key and a defaulted parameter, and runs', () => {
    const dir = project({ 'exp-stored.json': STORED });
    const validate = aup(['validate', 'tests/data/exp-stored.json'], dir);
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout).parameter_config[1]).toEqual({ name: 'flag', type: 'int', range: [0, 1] });
    // In the file's order.
    const warnings = [
      'aup: warning: tests/data/exp-stored.json: parameter_config[1].type: not given: "int", Auptimizer\'s default',
      "aup: warning: tests/data/exp-stored.json: parameter_config[1].range: not given: [0, 1], Auptimizer's default",
      expect.stringMatching(/^aup: warning: tests\/data\/exp-stored\.json: workingdir: "tests" is taken from the folder aup runs in/),
      'aup: warning: tests/data/exp-stored.json: comment: unknown key, ignored (`aup schema` lists the known keys)',
    ];
    expect(warningLines(validate.stderr)).toEqual(warnings);
    expect(validate.stderr).not.toMatch(/cwd/);

    const run = aup(['run', 'tests/data/exp-stored.json', '--db', 'runs.db'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(warningLines(run.stderr)).toEqual(warnings);
    expect(run.stdout).toMatch(/experiment 1 finished: 2 jobs, 0 failed/);
  });

  it('still refuses a likely typo of a known key, with its did-you-mean', () => {
    const dir = project({ 'typo.json': STORED.replace('"n_samples"', '"n_sample"') });
    const r = aup(['validate', 'tests/data/typo.json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^aup: tests\/data\/typo\.json: n_sample: unknown key; did you mean `n_samples`\?$/m);
  });
});
