import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { pythonClientDir, pythonPathExport, shellQuote } from '../runner/process-executor.js';
import { main, type CliIo } from './main.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), cwd: '/tmp' };
  const code = await main(argv, io);
  return { code, stdout: out, stderr: err };
}

describe('aup env python', () => {
  it('prints the export line that puts the module first on PYTHONPATH, keeping the user’s own', async () => {
    const r = await run('env', 'python');
    expect(r).toEqual({ code: 0, stdout: `${pythonPathExport()}\n`, stderr: '' });
    expect(r.stdout).toBe(`export PYTHONPATH=${pythonClientDir()}\${PYTHONPATH:+:$PYTHONPATH}\n`);
    expect(pythonClientDir()).toMatch(/[/\\]logger[/\\]python$/);
  });

  it('prints only the folder with --path', async () => {
    expect(await run('env', 'python', '--path')).toEqual({ code: 0, stdout: `${pythonClientDir()}\n`, stderr: '' });
  });

  it('is a usage error, one aup: line, for another language or none', async () => {
    const other = await run('env', 'ruby');
    expect(other.code).toBe(2);
    expect(other.stdout).toBe('');
    expect(other.stderr).toBe('aup: env: unknown environment "ruby"; expected python ("aup env --help" lists its options)\n');
    const none = await run('env');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^aup: missing required argument 'language' \("aup env --help" lists its options\)\n$/);
  });
});

describe('shellQuote', () => {
  it('keeps a plain folder as is and quotes one with spaces or quotes as one shell word', () => {
    expect(shellQuote("/opt/my tools/it's")).toBe(`'/opt/my tools/it'\\''s'`);
    expect(shellQuote('/usr/lib/node_modules/@aup/logger/python')).toBe('/usr/lib/node_modules/@aup/logger/python');
  });
});
