import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { parseCorsOrigins } from './api/cors.js';
import { removeJobFiles } from './api/remove-job-files.js';
import { resolveSecurity } from './cli.js';
import { isLoopbackHost } from './loopback.js';

const tmp = mkdtempSync(join(tmpdir(), 'aup-server-sec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])(
    '%s is loopback',
    (h) => {
      expect(isLoopbackHost(h)).toBe(true);
    },
  );
  it.each(['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.org', '128.0.0.1', '::ffff:10.0.0.1', ''])('%s is not', (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('parseCorsOrigins', () => {
  it('keeps exact origins', () => {
    expect(parseCorsOrigins('https://a.example, http://localhost:3000/')).toEqual(['https://a.example', 'http://localhost:3000']);
  });
  it.each(['*', 'a.example', 'https://a.example/path', 'ftp://a.example', 'https://a.example,'])('refuses %j naming the entry', (text) => {
    expect(() => parseCorsOrigins(text)).toThrow(/--cors entry \d+ is/);
  });
});

describe('resolveSecurity', () => {
  const gen = () => 'generated';
  it('generates a token unless one is given, and needs none read-only', () => {
    expect(resolveSecurity({ host: '127.0.0.1' }, gen).token).toBe('generated');
    expect(resolveSecurity({ host: '0.0.0.0', token: 'mine' }, gen).token).toBe('mine');
    expect(resolveSecurity({ host: '127.0.0.1', readOnly: true }, gen).token).toBeUndefined();
    expect(resolveSecurity({ host: '::1', token: false }, gen).token).toBeUndefined();
  });
  it('refuses --no-token on a non-loopback host, and an empty --token', () => {
    expect(() => resolveSecurity({ host: '0.0.0.0', token: false }, gen)).toThrow(/--no-token with --host 0\.0\.0\.0/);
    expect(() => resolveSecurity({ host: '0.0.0.0', token: false, readOnly: true }, gen)).toThrow(/expected a loopback host/);
    expect(() => resolveSecurity({ host: '127.0.0.1', token: '' }, gen)).toThrow(/--token is empty/);
  });
  it('makes reads need the token on a board others can reach, unless --public-read', () => {
    expect(resolveSecurity({ host: '127.0.0.1' }, gen)).toMatchObject({ exposed: false, readsNeedToken: false });
    expect(resolveSecurity({ host: '0.0.0.0' }, gen)).toMatchObject({ exposed: true, readsNeedToken: true, token: 'generated' });
    expect(resolveSecurity({ host: '127.0.0.1', allowedHost: ['Board.Example.org'] }, gen)).toMatchObject({
      exposed: true,
      readsNeedToken: true,
      allowedHosts: ['board.example.org'],
    });
    // Read-only and exposed: the token guards the reads.
    expect(resolveSecurity({ host: '192.0.2.2', readOnly: true }, gen)).toMatchObject({ readsNeedToken: true, token: 'generated' });
    expect(resolveSecurity({ host: '192.0.2.2', readOnly: true, publicRead: true }, gen)).toMatchObject({
      readsNeedToken: false,
      token: undefined,
    });
    expect(resolveSecurity({ host: '0.0.0.0', publicRead: true }, gen)).toMatchObject({ readsNeedToken: false, token: 'generated' });
  });
  it('refuses --no-token with --allowed-host, and a malformed --allowed-host', () => {
    expect(() => resolveSecurity({ host: '127.0.0.1', token: false, allowedHost: ['board.example.org'] }, gen)).toThrow(
      /--no-token with --allowed-host board\.example\.org/,
    );
    expect(() => resolveSecurity({ host: '127.0.0.1', allowedHost: ['https://board.example.org/'] }, gen)).toThrow(/--allowed-host "https/);
  });
});

describe('removeJobFiles', () => {
  it("removes only the given jobs' runner files inside the working directory", async () => {
    const wd = join(tmp, 'wd');
    mkdirSync(join(wd, 'jobs'), { recursive: true });
    for (const f of ['7.json', '7.1.out', '7.2.out', '8.json', '7.json.bak', 'notes.txt', '17.json'])
      writeFileSync(join(wd, 'jobs', f), 'x');
    mkdirSync(join(wd, 'jobs', '7.3.out'));
    const r = await removeJobFiles(wd, 'jobs', [7]);
    expect(r.removed.map((f) => f.slice(wd.length + 1))).toEqual(['jobs/7.1.out', 'jobs/7.2.out', 'jobs/7.json']);
    expect(r.skipped).toEqual([{ file: join(wd, 'jobs', '7.3.out'), reason: 'not a plain file' }]);
    expect(readdirSync(join(wd, 'jobs')).sort()).toEqual(['17.json', '7.3.out', '7.json.bak', '8.json', 'notes.txt']);
  });

  it('touches nothing when the jobs folder is a symlink out of the working directory', async () => {
    const outside = join(tmp, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, '5.json'), 'keep');
    const wd = join(tmp, 'wd-link');
    mkdirSync(wd, { recursive: true });
    symlinkSync(outside, join(wd, 'jobs'));
    const r = await removeJobFiles(wd, 'jobs', [5]);
    expect(r.removed).toEqual([]);
    expect(r.skipped[0]!.reason).toContain('outside the working directory');
    expect(existsSync(join(outside, '5.json'))).toBe(true);
  });

  it('removes nothing when the working directory or its jobs folder is gone', async () => {
    expect(await removeJobFiles(join(tmp, 'missing'), 'jobs', [1])).toEqual({ removed: [], skipped: [] });
  });

  it("removes an experiment's files from its own folder only, and the folder when asked and empty", async () => {
    const wd = join(tmp, 'wd-own');
    const mine = join(wd, 'jobs', 'e1-aaaaaa');
    const theirs = join(wd, 'jobs', 'e1-bbbbbb');
    for (const dir of [mine, theirs]) {
      mkdirSync(dir, { recursive: true });
      for (const f of ['1.json', '1.1.out', '2.json']) writeFileSync(join(dir, f), 'x');
    }
    writeFileSync(join(wd, 'jobs', '1.json'), 'an older experiment of the flat layout');
    const job = await removeJobFiles(wd, 'jobs/e1-aaaaaa', [1]);
    expect(job.removed).toEqual([join(mine, '1.1.out'), join(mine, '1.json')]);
    expect(readdirSync(mine)).toEqual(['2.json']);
    const all = await removeJobFiles(wd, 'jobs/e1-aaaaaa', [1, 2], { folder: true });
    expect(all.removed).toEqual([join(mine, '2.json')]);
    expect(existsSync(mine)).toBe(false);
    expect(readdirSync(theirs).sort()).toEqual(['1.1.out', '1.json', '2.json']);
    expect(readdirSync(join(wd, 'jobs')).sort()).toEqual(['1.json', 'e1-bbbbbb']);
  });

  it('removes nothing for an experiment without a job folder, or with one aup does not make', async () => {
    const wd = join(tmp, 'wd-none');
    mkdirSync(join(wd, 'jobs'), { recursive: true });
    writeFileSync(join(wd, 'jobs', '1.json'), 'x');
    expect(await removeJobFiles(wd, null, [1])).toEqual({ removed: [], skipped: [] });
    const odd = await removeJobFiles(wd, 'jobs/../jobs', [1]);
    expect(odd.removed).toEqual([]);
    expect(odd.skipped[0]!.reason).toContain('not a job folder aup makes');
    expect(existsSync(join(wd, 'jobs', '1.json'))).toBe(true);
  });
});
