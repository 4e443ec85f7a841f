/**
 * A real OpenSSH server for the `node` resource's tests: Debian's /usr/sbin/sshd started by the
 * test on 127.0.0.1 on a free port, with a host key and a client key made by ssh-keygen in a temp
 * folder, and its own sshd_config (AuthorizedKeysFile in that folder, StrictModes no, UsePAM no,
 * PidFile there, sftp served in-process). The "remote" user is the user running the tests.
 *
 * When sshd or ssh-keygen is missing the tests skip with a message saying so, unless
 * `AUP_REQUIRE_SSHD=1` (CI sets it), when they fail.
 *
 * @example
 * const sshd = sshdOrSkip();
 * describe.skipIf(!sshd.available)('node resource', () => {
 *   let server: TestSshd;
 *   beforeAll(async () => { server = await startSshd(); });
 *   afterAll(() => server.stop());
 *   it('runs a job', () => { const host = server.hostSpec(); ... });
 * });
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const SSHD = process.env['AUP_SSHD'] ?? '/usr/sbin/sshd';
const SSH_KEYGEN = 'ssh-keygen';
// sshd binds and prints "Server listening" in milliseconds; a loaded 2-core CI machine may take seconds.
const START_TIMEOUT_MS = 20_000;
// SIGTERM ends the listener at once; after this it is killed.
const STOP_TIMEOUT_MS = 5_000;
// Another process may take the free port between the probe and sshd binding it.
const PORT_ATTEMPTS = 3;

/** Whether the sshd tests must run (and fail rather than skip without sshd). */
export function sshdRequired(): boolean {
  return process.env['AUP_REQUIRE_SSHD'] === '1';
}

export interface SshdAvailability {
  available: boolean;
  /** Why the tests skip, when they do. */
  reason?: string;
}

/**
 * Decides whether an sshd test file runs: yes with sshd and ssh-keygen present; without them, skip
 * with a message, or throw when `AUP_REQUIRE_SSHD=1` so the run fails.
 */
export function sshdOrSkip(): SshdAvailability {
  let reason: string | undefined;
  try {
    accessSync(SSHD, constants.X_OK);
  } catch {
    reason = `OpenSSH server not found at ${SSHD} (apt-get install openssh-server, or set AUP_SSHD)`;
  }
  if (reason === undefined && spawnSync(SSH_KEYGEN, ['-?'], { stdio: 'ignore' }).error !== undefined) {
    reason = 'ssh-keygen is not on PATH (apt-get install openssh-client)';
  }
  if (reason === undefined) return { available: true };
  if (sshdRequired()) throw new Error(`${reason}; AUP_REQUIRE_SSHD=1 makes the sshd tests required`);
  console.warn(`sshd tests skipped: ${reason}`);
  return { available: false, reason };
}

export interface TestSshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The user the sessions run as (the test's own user). */
  readonly user: string;
  /** The client's private key (ed25519, no passphrase). */
  readonly keyFile: string;
  /** The temp folder holding keys, config and logs. */
  readonly dir: string;
  /** The server's host public key line (`ssh-ed25519 AAAA...`), for known_hosts tests. */
  readonly hostPublicKey: string;
  /** pid of the listening sshd. */
  readonly pid: number;
  /** A `resource_args.nodes` entry for this server: `user@127.0.0.1:port keyfile`. */
  hostSpec(): string;
  /** What sshd printed on stderr so far (for a failing test's message). */
  log(): string;
  /** pids of the sshd processes serving connections (children of the listener, and theirs). */
  sessionPids(): number[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr !== null && typeof addr === 'object' ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

function keygen(file: string): void {
  const r = spawnSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'aup-test', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen -f ${file} failed: ${r.stderr || r.error?.message}`);
}

/** Parent pid of a process, from /proc (Linux); undefined once it is gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 4, after the parenthesised command name (which may itself hold spaces or parentheses).
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(after[1]);
  } catch {
    return undefined;
  }
}

/** Every live pid on this machine (Linux /proc). */
export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** Whether a process is alive and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The executable of a process (`/usr/sbin/sshd`), when readable. */
export function exeOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** Starts a private sshd on 127.0.0.1 on a free port; `stop()` ends it and removes its folder. */
export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'aup-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  const keyFile = join(dir, 'client_ed25519');
  keygen(hostKey);
  keygen(keyFile);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${keyFile}.pub`, 'utf8'));
  // sshd refuses to start without its privilege-separation folder; the package makes it only when
  // the service starts, which a container never does.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        // Several test experiments connect at once; the default 10 unauthenticated connections is close.
        'MaxStartups 100',
        'Subsystem sftp internal-sftp',
        // bash sources ~/.bashrc for commands run over SSH when SHLVL < 2; a heavy rc (this machine's
        // root runs \`pyenv init\`, 0.5 s) would then cost every job that much. The test host behaves
        // like one with a light rc; \`AUP_SSHD_FULL_RC=1\` keeps the user's rc for a realistic run.
        ...(process.env['AUP_SSHD_FULL_RC'] === '1' ? [] : ['SetEnv SHLVL=1']),
        'LogLevel INFO',
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (c: string) => (log += c));
    try {
      await waitListening(child, () => log, port);
    } catch (e) {
      lastError = e as Error;
      child.kill('SIGKILL');
      continue;
    }
    const pid = child.pid!;
    const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    const user = userInfo().username;
    return {
      host: '127.0.0.1',
      port,
      user,
      keyFile,
      dir,
      hostPublicKey,
      pid,
      hostSpec: () => `${user}@127.0.0.1:${port} ${keyFile}`,
      log: () => log,
      sessionPids: () => descendants(pid).filter((p) => exeOf(p) === exeOf(pid)),
      stop: () => stopSshd(child, dir),
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new Error('sshd did not start');
}

/** All descendants of a process (Linux /proc). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const ppid = parentPid(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function waitListening(child: ChildProcess, log: () => string, port: number): Promise<void> {
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(
      () => done(new Error(`sshd did not listen on port ${port} within ${START_TIMEOUT_MS} ms: ${log()}`)),
      START_TIMEOUT_MS,
    );
    const poll = setInterval(() => {
      if (/Server listening on 127\.0\.0\.1 port/.test(log())) done();
    }, 20);
    const onExit = (code: number | null) => done(new Error(`sshd exited (${code}) before listening: ${log()}`));
    child.once('exit', onExit);
    function done(error?: Error): void {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolveReady();
    }
  });
}

async function stopSshd(child: ChildProcess, dir: string): Promise<void> {
  const pid = child.pid;
  // Connections are served by children of the listener; end them too, so no session outlives the test.
  const sessions = pid === undefined ? [] : descendants(pid);
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  for (const p of sessions) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
