import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KnownHosts } from './known-hosts.js';

// Host keys are opaque blobs to the check; any bytes stand in for one.
const keyA = Buffer.from('host key A');
const keyB = Buffer.from('host key B');
const b64 = (k: Buffer) => k.toString('base64');

function hashed(name: string, salt = Buffer.from('0123456789abcdefghij')): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('KnownHosts', () => {
  it('matches plain names, [host]:port for other ports, and hashed names', () => {
    const kh = new KnownHosts(
      [
        `gpu1,10.0.0.5 ssh-ed25519 ${b64(keyA)}`,
        `[gpu2]:2222 ssh-ed25519 ${b64(keyB)} comment`,
        `${hashed('[gpu3]:23')} ssh-rsa ${b64(keyA)}`,
      ].join('\n'),
    );
    expect(kh.check('gpu1', 22, keyA)).toEqual({ kind: 'match', line: 1 });
    expect(kh.check('10.0.0.5', 22, keyA).kind).toBe('match');
    expect(kh.check('gpu2', 2222, keyB)).toEqual({ kind: 'match', line: 2 });
    expect(kh.check('gpu3', 23, keyA)).toEqual({ kind: 'match', line: 3 });
    // Port 22 is written without brackets; gpu2 on 22 is not listed.
    expect(kh.check('gpu2', 22, keyB)).toEqual({ kind: 'unknown' });
  });

  it('says mismatch when the host is listed with other keys only', () => {
    const kh = new KnownHosts(`# comment\n\ngpu1 ssh-ed25519 ${b64(keyA)}\ngpu1 ssh-rsa ${b64(keyA)}\n`);
    expect(kh.check('gpu1', 22, keyB)).toEqual({ kind: 'mismatch', lines: [3, 4] });
    expect(kh.check('GPU1', 22, keyA).kind).toBe('match');
  });

  it('honours wildcards, negation, @revoked, and skips @cert-authority', () => {
    const kh = new KnownHosts(
      [
        `*.lab,!bad.lab ssh-ed25519 ${b64(keyA)}`,
        `@revoked * ssh-ed25519 ${b64(keyB)}`,
        `@cert-authority *.lab ssh-ed25519 ${b64(keyB)}`,
        `node? ssh-ed25519 ${b64(keyA)}`,
      ].join('\n'),
    );
    expect(kh.check('gpu.lab', 22, keyA).kind).toBe('match');
    expect(kh.check('bad.lab', 22, keyA)).toEqual({ kind: 'unknown' });
    expect(kh.check('gpu.lab', 22, keyB)).toEqual({ kind: 'revoked', line: 2 });
    expect(kh.check('node7', 22, keyA).kind).toBe('match');
    expect(kh.check('node17', 22, keyA).kind).toBe('unknown');
  });
});
