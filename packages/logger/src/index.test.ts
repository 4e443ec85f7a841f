import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, parseLine, type LoggerOptions } from './index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'scripts');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aup-logger-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeJob(name: string, job: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(job));
  return path;
}

function collecting(options: Omit<LoggerOptions, 'write'> = {}) {
  const lines: string[] = [];
  const logger = createLogger({ args: [], env: {}, cwd: dir, ...options, write: (line) => void lines.push(line) });
  return { logger, lines };
}

describe('getParams', () => {
  it('reads the job file given as the last argument, like Auptimizer', () => {
    const job = writeJob('7.json', { lr: 0.1, layers: 3, job_id: 7 });
    const { logger } = collecting({ args: ['--verbose', job], env: { AUP_PARAMS: '{"lr":99}' } });
    expect(logger.getParams()).toEqual({ lr: 0.1, layers: 3, job_id: 7 });
    expect(logger.getParams<{ lr: number }>().lr).toBe(0.1);
  });

  it('falls back to AUP_PARAMS when the last argument is not a .json path', () => {
    const { logger } = collecting({ args: ['--epochs', '3'], env: { AUP_PARAMS: '{"lr":0.5}' } });
    expect(logger.getParams()).toEqual({ lr: 0.5 });
  });

  it('says what is missing when there are no parameters at all', () => {
    const { logger } = collecting({ args: ['--epochs', '3'] });
    expect(() => logger.getParams()).toThrow(
      /no job parameters: expected the path of a job JSON file .* found arguments \["--epochs","3"\] and no AUP_PARAMS/,
    );
  });

  it('names the file that cannot be read or parsed', () => {
    const missing = join(dir, 'jobs', '404.json');
    expect(() => collecting({ args: [missing] }).logger.getParams()).toThrow(`cannot read the job file ${missing}`);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"lr": 0.1,');
    expect(() => collecting({ args: [broken] }).logger.getParams()).toThrow(`the job file ${broken} is not valid JSON`);
    const list = writeJob('list.json', [1, 2]);
    expect(() => collecting({ args: [list] }).logger.getParams()).toThrow(/must hold a JSON object of parameters; found an array/);
    expect(() => collecting({ env: { AUP_PARAMS: 'lr=1' } }).logger.getParams()).toThrow(
      /environment variable AUP_PARAMS is not valid JSON/,
    );
  });
});

describe('records', () => {
  it('writes one protocol line per call, each ending in a newline, that parseLine accepts', () => {
    const { logger, lines } = collecting();
    logger.addScalar('loss', 0.41, 3);
    logger.addScalar('loss', 0.4);
    logger.addText('notes', 'a\nb');
    logger.addHistogram('w', new Float32Array([0.5, -1]), 2);
    logger.addHistogram('w', new Set([1, 2]));
    logger.addImage('seg', 'out/seg.png', 1);
    logger.addArtifact('model.onnx');
    logger.addArtifact('weights.bin', 'weights');
    logger.printResult(NaN);
    logger.printResult(0.93, { f1: 0.9 });
    logger.printResult([0.91, 12.5], { mem: 3 });
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    expect(lines.map((l) => parseLine(l.slice(0, -1)))).toEqual([
      { type: 'scalar', name: 'loss', step: 3, value: 0.41 },
      { type: 'scalar', name: 'loss', value: 0.4 },
      { type: 'text', name: 'notes', text: 'a\nb' },
      { type: 'histogram', name: 'w', step: 2, values: [0.5, -1] },
      { type: 'histogram', name: 'w', values: [1, 2] },
      { type: 'image', name: 'seg', step: 1, path: 'out/seg.png' },
      { type: 'artifact', path: 'model.onnx' },
      { type: 'artifact', path: 'weights.bin', name: 'weights' },
      { type: 'result', value: NaN },
      { type: 'result', value: 0.93, metrics: { f1: 0.9 } },
      { type: 'result', value: 0.91, values: [0.91, 12.5], metrics: { mem: 3 } },
    ]);
  });

  it('refuses bad arguments instead of printing a line the runner would reject', () => {
    const { logger, lines } = collecting();
    expect(() => logger.addScalar('', 1)).toThrow(/"name" must be a non-empty string/);
    expect(() => logger.addScalar('loss', 1, -2)).toThrow(/"step" must be a non-negative integer/);
    expect(() => logger.addHistogram('w', [1, Infinity])).toThrow(/"values\[1\]" must be a finite number/);
    expect(() => logger.printResult('0.5' as unknown as number)).toThrow(/"value" must be a number/);
    expect(() => logger.addImage('seg', '')).toThrow(/"path" must be a non-empty string/);
    expect(lines).toEqual([]);
  });
});

describe('jobId, shouldSave, saveModel', () => {
  it('takes the job id from AUP_JOB_ID, else from the job file (job_file_keys "aup", a job run by hand), else undefined', () => {
    const job = writeJob('5.json', { job_id: 5 });
    const plain = writeJob('6.json', { x: 1 });
    expect(collecting({ args: [job], env: { AUP_JOB_ID: '9' } }).logger.jobId()).toBe(9);
    expect(collecting({ args: [plain], env: { AUP_JOB_ID: '9' } }).logger.jobId()).toBe(9);
    expect(collecting({ env: { AUP_JOB_ID: '9' } }).logger.jobId()).toBe(9);
    expect(collecting({ args: [job] }).logger.jobId()).toBe(5);
    expect(collecting({ args: [job], env: { AUP_JOB_ID: 'x' } }).logger.jobId()).toBe(5);
    expect(collecting({ args: [plain] }).logger.jobId()).toBeUndefined();
    expect(collecting({ env: { AUP_JOB_ID: 'x' } }).logger.jobId()).toBeUndefined();
    expect(collecting().logger.jobId()).toBeUndefined();
  });

  it('does not save (and does not call fn) unless the job says save_model: true', async () => {
    const job = writeJob('1.json', { x: 1, save_model: false, folder_name: 'models_1' });
    const { logger } = collecting({ args: [job] });
    let called = false;
    expect(logger.shouldSave()).toBe(false);
    expect(await logger.saveModel(() => void (called = true))).toBe(false);
    expect(called).toBe(false);
    expect(collecting().logger.shouldSave()).toBe(false);
    expect(existsSync(join(dir, 'aup_models'))).toBe(false);
  });

  it('saves into a fresh <cwd>/aup_models/<folder_name>, awaiting fn', async () => {
    const job = writeJob('2.json', { x: 1, save_model: true, folder_name: 'models_4' });
    const stale = join(dir, 'aup_models', 'models_4');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'old.bin'), 'stale');
    const { logger } = collecting({ args: [job] });
    expect(logger.shouldSave()).toBe(true);
    let seen = '';
    const saved = await logger.saveModel(async (d) => {
      seen = d;
      await new Promise((r) => setImmediate(r));
      writeFileSync(join(d, 'model.json'), '{}');
    });
    expect(saved).toBe(true);
    expect(seen).toBe(stale);
    expect(readdirSync(stale)).toEqual(['model.json']);
  });

  it.each(['', '..', 'a/b', '../escape', 42])('refuses folder_name %j, which could reach outside aup_models', async (folder) => {
    const job = writeJob('3.json', { save_model: true, folder_name: folder });
    await expect(collecting({ args: [job] }).logger.saveModel(() => {})).rejects.toThrow(/"folder_name" .* must be a plain folder name/);
  });
});

describe('the built client in a real Node process', () => {
  it('prints the lines a script asks for and saves its model', () => {
    const dist = join(ROOT, 'packages', 'logger', 'dist', 'index.js');
    if (!existsSync(dist)) throw new Error(`${dist} is missing: build it with npx tsc -b packages/logger`);
    const job = writeJob('3.json', { x: 21, job_id: 3, save_model: true, folder_name: 'models_1' });
    const out = execFileSync(process.execPath, [join(FIXTURES, 'node-logger.mjs'), job], {
      cwd: dir,
      env: { ...process.env, AUP_PARAMS: '', AUP_JOB_ID: '' },
      encoding: 'utf8',
    });
    expect(out.split('\n')).toEqual([
      '#aup:{"type":"scalar","name":"loss","step":0,"value":0.5}',
      '#aup:{"type":"scalar","name":"loss","value":0.25}',
      '#aup:{"type":"text","name":"notes","text":"two\\nlines"}',
      '#aup:{"type":"histogram","name":"w","step":1,"values":[1,2.5,-3]}',
      '#aup:{"type":"image","name":"seg","step":1,"path":"out/seg.png"}',
      '#aup:{"type":"artifact","path":"model.onnx"}',
      '#aup:{"type":"artifact","path":"weights.bin","name":"weights"}',
      '#aup:{"type":"scalar","name":"diverged","value":"NaN"}',
      'job 3 should-save true saved true',
      '#aup:{"type":"result","value":42,"metrics":{"f1":0.5}}',
      '',
    ]);
    const records = out.split('\n').map(parseLine);
    expect(records.filter((r) => r?.type === 'malformed')).toEqual([]);
    expect(records.filter((r) => r !== null)).toHaveLength(9);
    expect(JSON.parse(readFileSync(join(dir, 'aup_models', 'models_1', 'model.json'), 'utf8'))).toMatchObject({ x: 21 });
  });
});
