import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { collectGitInfo, collectHostInfo } from './env-info.js';

describe('collectHostInfo', () => {
  it('describes this machine', async () => {
    const info = (await collectHostInfo()) as Record<string, unknown>;
    expect(info).toMatchObject({
      os: os.type(),
      platform: os.platform(),
      release: os.release(),
      arch: os.arch(),
      cores: os.cpus().length,
      totalMemory: os.totalmem(),
      node: process.versions.node,
      hostname: os.hostname(),
    });
    expect(typeof info['user']).toBe('string');
    expect(Array.isArray(info['gpus'])).toBe(true);
    const py = spawnSync('python3', ['--version'], { encoding: 'utf8' });
    if (py.status === 0) expect(`Python ${String(info['python'])}`).toBe(`${py.stdout}${py.stderr}`.trim());
    else expect(info['python']).toBeNull();
    const smi = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8' });
    if (smi.error !== undefined) expect(info['gpus']).toEqual([]);
  });
});

describe('collectGitInfo', () => {
  const root = mkdtempSync(join(os.tmpdir(), 'aup-git-info-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  // Isolated from the machine's git config (signing, hooks, default branch).
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const git = (dir: string, ...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=aup', '-c', 'user.email=aup@example.invalid', '-c', 'init.defaultBranch=main', ...args], {
      cwd: dir,
      env,
      encoding: 'utf8',
    }).trim();

  it('answers null outside a git work tree, and for a missing folder', async () => {
    const plain = mkdtempSync(join(root, 'plain-'));
    // Only meaningful if the temp folder itself is not inside a repository.
    if (spawnSync('git', ['rev-parse'], { cwd: plain }).status !== 0) expect(await collectGitInfo(plain)).toBeNull();
    expect(await collectGitInfo(join(root, 'does-not-exist'))).toBeNull();
  });

  it('reports commit, branch and dirty state', async () => {
    const repo = mkdtempSync(join(root, 'repo-'));
    git(repo, 'init', '-q');
    expect(await collectGitInfo(repo)).toEqual({ commit: null, branch: 'main', dirty: false });

    writeFileSync(join(repo, 'train.py'), 'print(1)\n');
    git(repo, 'add', 'train.py');
    git(repo, 'commit', '-q', '-m', 'first');
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(await collectGitInfo(repo)).toEqual({ commit: head, branch: 'main', dirty: false });

    // Untracked files do not make the tree dirty (as `git describe --dirty`); changed tracked files do.
    writeFileSync(join(repo, 'notes.txt'), 'x');
    expect(await collectGitInfo(repo)).toMatchObject({ dirty: false });
    writeFileSync(join(repo, 'train.py'), 'print(2)\n');
    expect(await collectGitInfo(repo)).toEqual({ commit: head, branch: 'main', dirty: true });

    git(repo, 'update-ref', '--no-deref', 'HEAD', head); // detach HEAD at the same commit
    expect(await collectGitInfo(repo)).toEqual({ commit: head, branch: null, dirty: true });
  });
});
