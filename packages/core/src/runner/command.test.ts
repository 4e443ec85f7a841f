import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCommand, splitCommand } from './command.js';

describe('splitCommand', () => {
  it('splits words and keeps quoted spaces', () => {
    expect(splitCommand(`python3 train.py --name "a b" 'c d' e\\ f`)).toEqual(['python3', 'train.py', '--name', 'a b', 'c d', 'e f']);
  });
  it('keeps empty quoted arguments', () => {
    expect(splitCommand(`./run.sh "" x`)).toEqual(['./run.sh', '', 'x']);
  });
  it('rejects an unterminated quote with the config path in the message', () => {
    expect(() => splitCommand(`./run.sh "abc`)).toThrow(/script: unterminated " quote/);
  });
});

describe('resolveCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aup-cmd-'));
  writeFileSync(join(dir, 'train.py'), 'print(1)\n');
  writeFileSync(join(dir, 'train.mjs'), 'console.log(1)\n');
  writeFileSync(join(dir, 'run.sh'), 'echo 1\n');
  writeFileSync(join(dir, 'exe'), '#!/bin/sh\necho 1\n');
  chmodSync(join(dir, 'exe'), 0o755);
  writeFileSync(join(dir, 'data.txt'), 'x\n');

  it('chooses the interpreter by extension when the file is not executable', () => {
    expect(resolveCommand('train.py --fast', dir)).toEqual({ file: 'python3', args: [join(dir, 'train.py'), '--fast'] });
    expect(resolveCommand('./train.mjs', dir)).toEqual({ file: process.execPath, args: [join(dir, 'train.mjs')] });
    expect(resolveCommand('run.sh a', dir)).toEqual({ file: 'bash', args: [join(dir, 'run.sh'), 'a'] });
  });
  it('runs an executable file directly', () => {
    expect(resolveCommand('./exe 1 2', dir)).toEqual({ file: join(dir, 'exe'), args: ['1', '2'] });
  });
  it('keeps an explicit interpreter and its arguments', () => {
    expect(resolveCommand('python3 -u train.py', dir)).toEqual({ file: 'python3', args: ['-u', 'train.py'] });
    expect(resolveCommand('node train.mjs', dir).file).toBe(process.execPath);
  });
  it('names the missing script', () => {
    expect(() => resolveCommand('./missing.py', dir)).toThrow(/missing\.py does not exist/);
  });
  it('refuses a non-executable file without a known extension', () => {
    expect(() => resolveCommand('./data.txt', dir)).toThrow(/not executable/);
  });
});
