// A job script run by hand, outside the runner, with the Python `aup` module `aup env python`
// points at: the README's "run one job by hand" and the passive resource's way.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const aupBin = join(root, 'packages/core/bin/aup.js');
const script = join(root, 'test/fixtures/scripts/auptimizer-args.py');

// A shell that knows nothing of aup: no PYTHONPATH, no AUP_* variables.
const bareEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' };

function jobDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aup-by-hand-'));
  writeFileSync(join(dir, '12.json'), JSON.stringify({ x: 1.5, epochs: 2 }));
  return dir;
}

const reported = ['#Auptimizer:16.5,1.5', '#Auptimizer:18.0,3.5'];

function resultLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('#Auptimizer:'));
}

describe('a job script run by hand with aup env python', () => {
  it('eval "$(aup env python)", then the script and its job file: it imports aup and reports', () => {
    const dir = jobDir();
    const line = `eval "$('${process.execPath}' '${aupBin}' env python)" && python3 '${script}' 12.json`;
    const r = spawnSync('/bin/sh', ['-c', line], { cwd: dir, encoding: 'utf8', env: bareEnv });
    expect(r.status, r.stderr).toBe(0);
    expect(resultLines(r.stderr)).toEqual(reported);
    expect(r.stdout).toBe('trained job 12\n');
  });

  it('keeps the PYTHONPATH the person had, after the module', () => {
    const dir = jobDir();
    writeFileSync(join(dir, 'mine.py'), 'VALUE = 7\n');
    const line = `eval "$('${process.execPath}' '${aupBin}' env python)" && python3 -c 'import sys, aup, mine; print(mine.VALUE, sys.path.index("${dir}") > sys.path.index("${join(root, 'packages/logger/python')}"))'`;
    const r = spawnSync('/bin/sh', ['-c', line], { cwd: '/', encoding: 'utf8', env: { ...bareEnv, PYTHONPATH: dir } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('7 True\n');
  });

  it('--path gives the folder itself, for PYTHONPATH set by other means', () => {
    const dir = jobDir();
    const where = spawnSync(process.execPath, [aupBin, 'env', 'python', '--path'], { encoding: 'utf8' });
    expect(where.status).toBe(0);
    const folder = where.stdout.trim();
    const r = spawnSync('python3', [script, '12.json'], { cwd: dir, encoding: 'utf8', env: { ...bareEnv, PYTHONPATH: folder } });
    expect(r.status, r.stderr).toBe(0);
    expect(resultLines(r.stderr)).toEqual(reported);
  });

  it('without it the script cannot import aup: the module is not installed anywhere else', () => {
    const r = spawnSync('python3', [script, '12.json'], { cwd: jobDir(), encoding: 'utf8', env: bareEnv });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ModuleNotFoundError: No module named 'aup'/);
  });
});
