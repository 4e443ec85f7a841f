// The Python client (packages/logger/python/aup.py), run in real python3 processes on
// Auptimizer-style scripts from test/fixtures/scripts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseLine, type ProtocolRecord } from './protocol.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'scripts');
const PYTHON_DIR = join(ROOT, 'packages', 'logger', 'python');

// Each case starts one or more python3 processes (absl and friends import slowly on a loaded
// 2-core CI machine): more time than vitest's 5 s default.
vi.setConfig({ testTimeout: 30_000 });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aup-python-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeJob(name: string, job: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(job));
  return path;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs python3 the way the runner does: module folder on PYTHONPATH, job file last, in the working directory. */
function python(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync('python3', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, AUP_PARAMS: '', AUP_JOB_ID: '', PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function script(name: string, ...args: string[]): string[] {
  return [join(FIXTURES, name), ...args];
}

function records(output: string): ProtocolRecord[] {
  return output
    .split('\n')
    .map(parseLine)
    .filter((r): r is ProtocolRecord => r !== null);
}

describe('Auptimizer scripts run unchanged', () => {
  it('@aup_args: init functions, intermediate and multiple results on stderr, as Auptimizer wrote them', () => {
    const job = writeJob('7.json', { x: 1.5, epochs: 3, job_id: 7 });
    const r = python(script('auptimizer-args.py', job));
    expect(r.status).toBe(0);
    // Auptimizer's print_result writes a newline first, then the line, and flushes.
    expect(r.stderr).toBe('\n#Auptimizer:16.5,1.5\n\n#Auptimizer:17.5,2.5\n\n#Auptimizer:18.0,3.5\n');
    expect(r.stdout).toBe('trained job 7\n');
    expect(records(r.stderr)).toEqual([
      { type: 'auptimizer', values: [16.5, 1.5] },
      { type: 'auptimizer', values: [17.5, 2.5] },
      { type: 'auptimizer', values: [18, 3.5] },
    ]);
  });

  it('@aup_args: a parameter without default missing from the job fails with the file named', () => {
    const job = writeJob('8.json', { epochs: 3, job_id: 8 });
    const r = python(script('auptimizer-args.py', job));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`ValueError: \`x\` is required in \`train()\` but is not assigned in config file ${job}`);
    expect(records(r.stderr)).toEqual([]);
  });

  it("@aup_args: warns about job values the function does not take, but not about aup's own keys", () => {
    const job = writeJob('9.json', { x: 1, epochs: 1, dropout: 0.2, job_id: 9, n_iterations: 3, budget: 3 });
    const r = python(script('auptimizer-args.py', job));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('dropout is not used in optimization');
    expect(r.stderr).not.toMatch(/(job_id|n_iterations|budget) is not used/);
    expect(records(r.stderr)).toEqual([{ type: 'auptimizer', values: [12, 3] }]);
  });

  it('@aup_args: called without a file it reads AUP_PARAMS; **kwargs receives the whole job; overrides win', () => {
    const code = [
      'from aup import aup_args',
      '@aup_args',
      'def main(x, **rest):',
      '    print(sorted(rest))',
      '    return [x, rest["y"]]',
      'main()',
      'main(None, y=5)',
      '@aup_args',
      'def quiet(x):',
      '    return None',
      'quiet()',
    ].join('\n');
    const r = python(['-c', code], { AUP_PARAMS: JSON.stringify({ x: 2, y: 3, job_id: 4 }) });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("['job_id', 'y']\n['job_id', 'y']\n");
    expect(records(r.stderr)).toEqual([
      { type: 'auptimizer', values: [2, 3] },
      { type: 'auptimizer', values: [2, 5] },
    ]);
  });

  it('BasicConfig and print_result without the decorator (attribute access, save and load)', () => {
    const job = writeJob('1.json', { x: 0.5, y: 0.25, job_id: 1 });
    const r = python(script('auptimizer-config.py', job));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('\n#Auptimizer:0.25\n');
    expect(r.stdout).toBe("missing key reads as default: default\nreloaded: [('job_id', 1), ('seen', True), ('x', 0.5), ('y', 0.25)]\n");
    expect(JSON.parse(readFileSync(join(dir, 'saved.json'), 'utf8'))).toEqual({ x: 0.5, y: 0.25, job_id: 1, seen: true });
  });

  it('aup_flags sets the flags the job names and reports what main returns', () => {
    const job = writeJob('2.json', { lr: 0.5, layers: 3, job_id: 2 });
    const r = python(script('absl-flags.py', job));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('\n#Auptimizer:1.5\n');
  });

  it('aup_flags under app.run: a main returning a score exits 0 and reports it; a main raising exits non-zero', () => {
    // app.run exits with what main returns; Auptimizer's wrapper returned None, so the job exits 0.
    const ok = python(script('absl-app-run.py', writeJob('5.json', { lr: 0.25, layers: 4, job_id: 5 })));
    expect(ok.status).toBe(0);
    expect(records(ok.stderr)).toEqual([{ type: 'auptimizer', values: [1] }]);
    const failing = python(script('absl-app-run.py', writeJob('6.json', { lr: 0.25, fail: true, job_id: 6 })));
    expect(failing.status).not.toBe(0);
    expect(failing.stderr).toContain('RuntimeError: training diverged');
    expect(records(failing.stderr)).toEqual([]);
  });

  it('aup_save_model: the callback runs inside aup_models/<folder_name> when save_model is true', () => {
    const job = writeJob('3.json', { x: 4, job_id: 3, save_model: true, folder_name: 'models_2' });
    const r = python(script('save-model.py', job));
    expect(r.status).toBe(0);
    expect(records(r.stderr)).toEqual([{ type: 'auptimizer', values: [8] }]);
    expect(readFileSync(join(dir, 'aup_models', 'models_2', 'model.txt'), 'utf8')).toBe('model x=4');
    // The working directory is restored after saving.
    expect(r.stdout.trim()).toMatch(new RegExp(`^cwd .*${dir.split('/').pop()}$`));
  });

  it('aup_save_model: nothing is saved for ordinary jobs, and a folder_name with a path is refused', () => {
    const plain = writeJob('4.json', { x: 4, job_id: 4 });
    expect(python(script('save-model.py', plain)).status).toBe(0);
    expect(existsSync(join(dir, 'aup_models'))).toBe(false);
    const evil = writeJob('5.json', { x: 4, job_id: 5, save_model: true, folder_name: '../outside' });
    const r = python(script('save-model.py', evil));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("folder_name in the job config must be a plain folder name when save_model is true, got '../outside'");
    expect(existsSync(join(dir, '..', 'outside'))).toBe(false);
  });
});

describe('richer records', () => {
  const expected = [
    '#aup:{"type":"scalar","name":"loss","step":0,"value":1.0}',
    '#aup:{"type":"scalar","name":"loss","step":1,"value":0.5}',
    '#aup:{"type":"scalar","name":"loss","step":2,"value":0.3333333333333333}',
    '#aup:{"type":"scalar","name":"lr","value":0.25}',
    '#aup:{"type":"text","name":"notes","text":"line one\\nline \\"two\\" \\u00e9"}',
    '#aup:{"type":"histogram","name":"w","step":2,"values":[0.5,-1,2.25]}',
    '#aup:{"type":"image","name":"seg","step":2,"path":"out/seg.png"}',
    '#aup:{"type":"artifact","path":"model.onnx"}',
    '#aup:{"type":"artifact","path":"weights.bin","name":"weights"}',
    '#aup:{"type":"scalar","name":"diverged","value":"NaN"}',
    '#aup:{"type":"result","value":0.75,"metrics":{"f1":0.5,"worst":"-Infinity"}}',
    '',
  ];

  it('writes #aup: lines on stderr that parseLine accepts, from the job file', () => {
    const job = writeJob('6.json', { lr: 0.25, job_id: 6 });
    const r = python(script('rich-records.py', job));
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n')).toEqual(expected);
    expect(r.stdout).toBe('job 6 save False\n');
    expect(records(r.stderr)).toEqual([
      { type: 'scalar', name: 'loss', step: 0, value: 1 },
      { type: 'scalar', name: 'loss', step: 1, value: 0.5 },
      { type: 'scalar', name: 'loss', step: 2, value: 1 / 3 },
      { type: 'scalar', name: 'lr', value: 0.25 },
      { type: 'text', name: 'notes', text: 'line one\nline "two" é' },
      { type: 'histogram', name: 'w', step: 2, values: [0.5, -1, 2.25] },
      { type: 'image', name: 'seg', step: 2, path: 'out/seg.png' },
      { type: 'artifact', path: 'model.onnx' },
      { type: 'artifact', path: 'weights.bin', name: 'weights' },
      { type: 'scalar', name: 'diverged', value: NaN },
      { type: 'result', value: 0.75, metrics: { f1: 0.5, worst: -Infinity } },
    ]);
  });

  it('reads AUP_PARAMS and AUP_JOB_ID when no job file is given', () => {
    const r = python(script('rich-records.py'), { AUP_PARAMS: JSON.stringify({ lr: 0.25, save_model: true }), AUP_JOB_ID: '12' });
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n')).toEqual(expected);
    expect(r.stdout).toBe('job 12 save True\n');
  });

  it('job_id() reads AUP_JOB_ID first, then the job file (job_file_keys "aup", a job run by hand)', () => {
    const code = 'import aup\nprint(aup.job_id())';
    const withId = writeJob('30.json', { x: 1, job_id: 30 });
    const plain = writeJob('31.json', { x: 1 });
    expect(python(['-c', code, withId], { AUP_JOB_ID: '31' }).stdout).toBe('31\n');
    expect(python(['-c', code, plain], { AUP_JOB_ID: '31' }).stdout).toBe('31\n');
    expect(python(['-c', code, withId]).stdout).toBe('30\n');
    expect(python(['-c', code, plain]).stdout).toBe('None\n');
  });

  it('refuses bad arguments with an exception instead of printing a line the runner would reject', () => {
    const code = [
      'import aup',
      'def attempt(f, *a, **k):',
      '    try:',
      '        f(*a, **k)',
      '        print("accepted")',
      '    except (TypeError, ValueError) as e:',
      '        print(type(e).__name__, e)',
      'attempt(aup.add_scalar, "", 1)',
      'attempt(aup.add_scalar, "loss", "0.5")',
      'attempt(aup.add_scalar, "loss", True)',
      'attempt(aup.add_scalar, "loss", 1, step=-1)',
      'attempt(aup.add_scalar, "loss", 1, step=1.5)',
      'attempt(aup.add_histogram, "w", [1, float("nan")])',
      'attempt(aup.add_histogram, "w", [])',
      'attempt(aup.add_text, "notes", 3)',
      'attempt(aup.add_image, "seg", "")',
      'attempt(aup.print_result, 0.5, metrics=[1])',
      'attempt(aup.print_result, "0.5", metrics={})',
    ].join('\n');
    const r = python(['-c', code]);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      "ValueError name must be a non-empty string of at most 256 characters, got ''",
      "TypeError value must be a number, got '0.5'",
      'TypeError value must be a number, got True',
      'ValueError step must be a non-negative integer or None, got -1',
      'ValueError step must be a non-negative integer or None, got 1.5',
      'ValueError histogram value must be a finite number, got nan',
      'ValueError values must not be empty',
      'TypeError text must be a string, got 3',
      "ValueError path must be a non-empty string, got ''",
      'TypeError metrics must be a dict of name -> number, got [1]',
      "TypeError result must be a number, got '0.5'",
      '',
    ]);
    expect(r.stderr).toBe('');
  });

  it('get_params says what is missing; job_id and should_save answer without parameters', () => {
    const r = python(['-c', 'import aup\nprint(aup.job_id(), aup.should_save())\naup.get_params()', '--epochs', '3']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('None False\n');
    expect(r.stderr).toContain(
      "RuntimeError: aup: no job parameters: expected the path of a job JSON file as the last command-line argument, or the AUP_PARAMS environment variable; found arguments ['--epochs', '3'] and no AUP_PARAMS",
    );
  });
});

describe('BasicConfig', () => {
  it('behaves as a dict with attribute access that copies, pickles and reports missing keys', () => {
    const code = [
      'import copy, pickle',
      'from aup import BasicConfig',
      'c = BasicConfig(lr=0.1, layers=[1, 2])',
      'c.momentum = 0.9',
      'print(c.lr, c["momentum"], hasattr(c, "nope"), getattr(c, "nope", "dflt"))',
      'for exc in (KeyError, AttributeError):',
      '    try:',
      '        c.nope',
      '    except exc:',
      '        print("missing key raises", exc.__name__)',
      'd = copy.deepcopy(c)',
      'd.layers.append(3)',
      'print(type(d).__name__, c.layers, d.layers)',
      'e = pickle.loads(pickle.dumps(c))',
      'print(type(e).__name__, e == c, e.momentum)',
      'c.save("c.pkl")',
      'print(sorted(BasicConfig().load("c.pkl").items()))',
      'del c.momentum',
      'print("momentum" in c)',
      'try:',
      '    c.save("c.yaml")',
      'except ValueError as err:',
      '    print(err)',
    ].join('\n');
    const r = python(['-c', code]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      '0.1 0.9 False dflt',
      'missing key raises KeyError',
      'missing key raises AttributeError',
      'BasicConfig [1, 2] [1, 2, 3]',
      'BasicConfig True 0.9',
      "[('layers', [1, 2]), ('lr', 0.1), ('momentum', 0.9)]",
      'False',
      'Un-support file format, choose from json,pkl.',
      '',
    ]);
  });
});
