import { execFile } from 'node:child_process';
import * as os from 'node:os';

import type { Json } from './types.js';

// A probe that takes longer than this is treated as absent: recording an experiment must not
// stall on a slow interpreter shim or a wedged GPU driver. Both answer in ~10-100 ms when healthy.
const PROBE_TIMEOUT_MS = 3_000;
// git status on a large working tree can take a while; beyond this the tree's state is unknown.
const GIT_TIMEOUT_MS = 5_000;

/**
 * Runs a command and resolves with its trimmed stdout (and, with `withStderr`, its stderr after it),
 * or undefined if it is missing, fails or times out. Asynchronous, so the probes of one experiment
 * run at the same time instead of one after another (they used to cost ~0.3 s of every `aup run`).
 */
function probe(cmd: string, args: string[], timeout: number, cwd?: string, withStderr = false): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      execFile(
        cmd,
        args,
        {
          cwd,
          timeout,
          encoding: 'utf8',
          windowsHide: true,
          // No interactive prompts (credential helpers, pagers) from a child that nobody watches.
          env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
        },
        (error, stdout, stderr) => resolve(error ? undefined : `${stdout}${withStderr ? stderr : ''}`.trim()),
      ).stdin?.end();
    } catch {
      resolve(undefined);
    }
  });
}

/** The version `python3 --version` prints, or null without python3. */
export async function pythonVersion(): Promise<string | null> {
  // Python 2 printed its version on stderr; python3 prints it on stdout.
  const text = await probe('python3', ['--version'], PROBE_TIMEOUT_MS, undefined, true);
  return (text === undefined ? undefined : /Python\s+(\S+)/.exec(text)?.[1]) ?? null;
}

async function gpus(): Promise<string[]> {
  const out = await probe('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], PROBE_TIMEOUT_MS);
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
 * host and user. Never throws; a missing probe gives null (or [] for GPUs). With `python` given,
 * that answer is used instead of asking `python3` (the slowest probe: 0.3 s behind a pyenv shim).
 */
export async function collectHostInfo(opts: { python?: Promise<string | null> } = {}): Promise<Json> {
  const cpus = os.cpus();
  const [python, gpuNames] = await Promise.all([opts.python ?? pythonVersion(), gpus()]);
  return {
    os: os.type(),
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? null,
    cores: cpus.length,
    totalMemory: os.totalmem(),
    node: process.versions.node,
    python,
    gpus: gpuNames,
    hostname: os.hostname(),
    user: userName(),
  };
}

/** The `hostname` of host info as collectHostInfo describes it, or null when it has none. */
export function hostnameOfInfo(host: unknown): string | null {
  const name = typeof host === 'object' && host !== null ? (host as { hostname?: unknown }).hostname : undefined;
  return typeof name === 'string' ? name : null;
}

/**
 * The git state of `dir`: `{ commit, branch, dirty }` (commit null before the first commit, branch
 * null when detached; dirty counts tracked changes, like `git describe --dirty`), or null outside
 * a git work tree or without git. Never throws.
 */
export async function collectGitInfo(dir: string): Promise<Json | null> {
  const git = (...args: string[]): Promise<string | undefined> => probe('git', args, GIT_TIMEOUT_MS, dir);
  if ((await git('rev-parse', '--is-inside-work-tree')) !== 'true') return null;
  const [commit, branch, status] = await Promise.all([
    git('rev-parse', '--verify', '--quiet', 'HEAD'),
    git('symbolic-ref', '--quiet', '--short', 'HEAD'),
    git('status', '--porcelain', '--untracked-files=no'),
  ]);
  return { commit: commit ?? null, branch: branch ?? null, dirty: status === undefined ? null : status !== '' };
}
