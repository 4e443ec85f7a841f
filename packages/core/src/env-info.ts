import { spawnSync } from 'node:child_process';
import * as os from 'node:os';

import type { Json } from './types.js';

// A probe that takes longer than this is treated as absent: recording an experiment must not
// stall on a slow interpreter shim or a wedged GPU driver. Both answer in ~10-100 ms when healthy.
const PROBE_TIMEOUT_MS = 3_000;
// git status on a large working tree can take a while; beyond this the tree's state is unknown.
const GIT_TIMEOUT_MS = 5_000;

/** Runs a command and returns its trimmed stdout, or undefined if it is missing, fails or times out. */
function probe(cmd: string, args: string[], timeout: number, cwd?: string): string | undefined {
  try {
    const r = spawnSync(cmd, args, {
      cwd,
      timeout,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      // No interactive prompts (credential helpers, pagers) from a child we wait for synchronously.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
    });
    if (r.error !== undefined || r.status !== 0) return undefined;
    return r.stdout.trim();
  } catch {
    return undefined;
  }
}

function pythonVersion(): string | null {
  const r = spawnSync('python3', ['--version'], { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error !== undefined || r.status !== 0) return null;
  // Python 2 printed its version on stderr; python3 prints it on stdout.
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  const m = /Python\s+(\S+)/.exec(text);
  return m?.[1] ?? null;
}

function gpus(): string[] {
  const out = probe('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], PROBE_TIMEOUT_MS);
  if (out === undefined) return [];
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    // A uid without a passwd entry (common in containers) makes userInfo() throw.
    return process.env['USER'] ?? process.env['USERNAME'] ?? String(process.getuid?.() ?? 'unknown');
  }
}

/**
 * Describes the machine an experiment runs on: OS, CPU, memory, Node and Python versions, GPUs,
 * host and user. Never throws; a missing probe gives null (or [] for GPUs).
 */
export function collectHostInfo(): Json {
  const cpus = os.cpus();
  return {
    os: os.type(),
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? null,
    cores: cpus.length,
    totalMemory: os.totalmem(),
    node: process.versions.node,
    python: pythonVersion(),
    gpus: gpus(),
    hostname: os.hostname(),
    user: userName(),
  };
}

/**
 * The git state of `dir`: `{ commit, branch, dirty }` (commit null before the first commit, branch
 * null when detached; dirty counts tracked changes, like `git describe --dirty`), or null outside
 * a git work tree or without git. Never throws.
 */
export function collectGitInfo(dir: string): Json | null {
  const git = (...args: string[]): string | undefined => probe('git', args, GIT_TIMEOUT_MS, dir);
  if (git('rev-parse', '--is-inside-work-tree') !== 'true') return null;
  const commit = git('rev-parse', '--verify', '--quiet', 'HEAD') ?? null;
  const branch = git('symbolic-ref', '--quiet', '--short', 'HEAD') ?? null;
  const status = git('status', '--porcelain', '--untracked-files=no');
  return { commit, branch, dirty: status === undefined ? null : status !== '' };
}
