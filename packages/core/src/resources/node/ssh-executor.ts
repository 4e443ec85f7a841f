import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, posix } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
// ssh2 is CommonJS: Node's ESM loader sees only its default export.
import ssh2, {
  type AgentAuthMethod,
  type Client,
  type ClientChannel,
  type ConnectConfig,
  type PublicKeyAuthMethod,
  type SFTPWrapper,
} from 'ssh2';
import { INTERPRETER, scriptWordIndex, splitCommand } from '../../runner/command.js';
import { AttemptLog } from '../../runner/attempt-log.js';
import { attemptOutcome, pipeOutput, type AttemptEnd } from '../../runner/output-pipe.js';
import { jobFiles, ownsJobDir } from '../../runner/job-files.js';
import {
  aupJobVariables,
  KILL_GRACE_MS,
  pythonClientDir,
  type ProcessLaunch,
  type ProcessOutcome,
  type StopReason,
} from '../../runner/process-executor.js';
import type { KnownHosts } from './known-hosts.js';
import type { NodeHost } from './node-hosts.js';

/** ssh2's default: the TCP connect, key exchange and authentication must be done within 20 s. */
export const CONNECT_TIMEOUT_MS = 20_000;
/**
 * A keepalive every 5 s, and the connection counts as lost after 3 unanswered: a host that vanished
 * without closing the TCP connection (a cable, a suspended VM) is noticed within about 20 s.
 */
export const KEEPALIVE_INTERVAL_MS = 5_000;
export const KEEPALIVE_COUNT_MAX = 3;
/** The first wait before reconnecting; each next one doubles, up to `reconn_wait_time`. */
export const FIRST_BACKOFF_MS = 1_000;
/** Auptimizer's `max_retries`: connection attempts for one job before its attempt fails. */
export const DEFAULT_CONNECT_ATTEMPTS = 3;
/** Auptimizer's `reconn_wait_time` (seconds): the longest wait between connection attempts. */
export const DEFAULT_RECONN_WAIT_S = 30;
/** Where, under the remote working directory, the Python client `aup.py` is put (on PYTHONPATH). */
export const REMOTE_PYTHON_DIR = '.aup/python';
/** The first line of our remote shell carries its pid; a longer first line is not the marker. */
const MAX_MARKER_SEARCH_BYTES = 64 * 1024;
/** Default private keys tried, in ssh's order, when an entry names none. */
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Interpreters by extension for a remote script that is not executable (as for local jobs, docs/architecture.md §4). */
const REMOTE_BY_EXTENSION: Record<string, string> = { '.py': 'python3', '.js': 'node', '.mjs': 'node', '.cjs': 'node', '.sh': 'bash' };

/** How jobs run on the hosts of one experiment (resource_args of the `node` resource). */
export interface SshSettings {
  /** The config's `script` command. */
  script: string;
  /** The script file here, as the config located it. */
  scriptPath?: string;
  /** The working directory on the hosts as configured (absolute, `~/...`, or relative to the login folder). */
  remoteWorkingDir: string;
  /** Copy the script even when the host has it. */
  overwrite: boolean;
  prescript?: string;
  postscript?: string;
  /** Connection attempts per job (`max_retries`). */
  connectAttempts: number;
  /** Longest wait between connection attempts (`reconn_wait_time`, in ms). */
  maxBackoffMs: number;
  knownHosts?: { file: string; hosts: KnownHosts };
  /** Refuse hosts that are not in known_hosts. */
  strictHostKeys: boolean;
}

/** What a host needs once per experiment: its working directory made, the files there, the command to run. */
interface Prepared {
  /** Absolute remote working directory. */
  wd: string;
  /** The job command's words on the host, without the job file. */
  command: string[];
}

/** A connection failure that another attempt cannot fix (a wrong host key). */
class PermanentConnectError extends Error {}

/** POSIX shell single quotes. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command for the login shell that runs `script` with /bin/sh, whatever the login shell is (bash, zsh, fish). */
function viaSh(script: string): string {
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Reads the first line our remote shell prints (`<marker><pid>`), gives the pid, and passes every
 * other byte through unchanged; lines a login script printed before it pass through too.
 */
class PidMarker extends Transform {
  #found = false;
  #buffer = Buffer.alloc(0);

  constructor(
    private readonly marker: string,
    private readonly onPid: (pid: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#found) {
      callback(null, chunk);
      return;
    }
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (let nl = this.#buffer.indexOf(10); nl !== -1; nl = this.#buffer.indexOf(10)) {
      const line = this.#buffer.subarray(0, nl).toString('utf8');
      if (line.startsWith(this.marker)) {
        this.#found = true;
        this.onPid(Number(line.slice(this.marker.length)));
        const rest = this.#buffer.subarray(nl + 1);
        this.#buffer = Buffer.alloc(0);
        callback(null, rest.length > 0 ? rest : undefined);
        return;
      }
      this.push(this.#buffer.subarray(0, nl + 1));
      this.#buffer = this.#buffer.subarray(nl + 1);
    }
    if (this.#buffer.length > MAX_MARKER_SEARCH_BYTES) {
      this.push(this.#buffer);
      this.#buffer = Buffer.alloc(0);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.#buffer.length > 0 ? this.#buffer : undefined);
  }
}

/** The promise's value, or undefined as soon as the signal aborts (the promise goes on unobserved). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) resolve(undefined);
        else reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function sftpCall<T>(fn: (cb: (err: Error | undefined | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

/** Runs a short command on a connection and collects what it prints. */
function execCollect(client: Client, command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) {
        reject(err);
        return;
      }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      channel.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      channel.on('exit', (c: number | null) => (code = c));
      channel.on('close', () => resolve({ code, stdout, stderr }));
    });
  });
}

/** Copies a remote folder tree here (regular files and folders; names that could leave the folder are skipped). */
async function download(sftp: SFTPWrapper, remote: string, local: string): Promise<number> {
  const entries = await sftpCall<{ filename: string; attrs: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean } }[]>(
    (cb) => sftp.readdir(remote, cb),
  );
  mkdirSync(local, { recursive: true });
  let files = 0;
  for (const e of entries) {
    if (e.filename === '.' || e.filename === '..' || e.filename.includes('/') || e.filename.includes('\\')) continue;
    const from = `${remote}/${e.filename}`;
    const to = join(local, e.filename);
    let attrs = e.attrs;
    if (attrs.isSymbolicLink()) attrs = await sftpCall((cb) => sftp.stat(from, cb));
    if (attrs.isDirectory()) files += await download(sftp, from, to);
    else if (attrs.isFile()) {
      await sftpCall<void>((cb) => sftp.fastGet(from, to, cb));
      files++;
    }
  }
  return files;
}

/** One connection per slot, opened on demand and reopened (with backoff) after it is lost. */
class SshConnection {
  #client: Client | undefined;
  #sftp: SFTPWrapper | undefined;
  #closed = false;
  /** Why the last connection closed, for the attempt that was using it. */
  lostReason: string | undefined;
  readonly #listeners = new Set<(reason: string) => void>();

  constructor(
    readonly host: NodeHost,
    private readonly settings: SshSettings,
  ) {}

  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** Calls `fn` once if the current connection closes; returns the unsubscribe. */
  onLost(fn: (reason: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The open connection, or a new one after up to `attempts` tries with doubling waits. */
  async get(signal: AbortSignal | undefined, say: (m: string) => void, attempts = this.settings.connectAttempts): Promise<Client> {
    if (this.#client) return this.#client;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#connectOnce();
      } catch (e) {
        const why = errorText(e);
        if (e instanceof PermanentConnectError || attempt >= attempts || signal?.aborted) {
          throw new Error(`cannot connect to ${this.host.label}${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${why}`, { cause: e });
        }
        const wait = Math.min(this.settings.maxBackoffMs, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
        say(`connecting to ${this.host.label} failed (${why}); attempt ${attempt + 1} of ${attempts} in ${wait / 1000} s`);
        await sleep(wait, signal);
      }
    }
  }

  async sftp(): Promise<SFTPWrapper> {
    const client = this.#client;
    if (!client) throw new Error(`connection to ${this.host.label} lost`);
    this.#sftp ??= await sftpCall<SFTPWrapper>((cb) => client.sftp(cb));
    return this.#sftp;
  }

  close(): void {
    this.#closed = true;
    this.#client?.end();
    this.#client = undefined;
    this.#sftp = undefined;
  }

  #connectOnce(): Promise<Client> {
    const { host } = this;
    const auth = this.#auth();
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      let hostProblem: string | undefined;
      let ready = false;
      client.once('ready', () => {
        ready = true;
        // The experiment ended while this connection was being made (a stop during a connect).
        if (this.#closed) {
          client.end();
          reject(new Error('the experiment ended'));
          return;
        }
        this.#client = client;
        this.#sftp = undefined;
        this.lostReason = undefined;
        resolve(client);
      });
      client.on('error', (e) => {
        if (!ready) reject(hostProblem !== undefined ? new PermanentConnectError(hostProblem) : e);
        else this.lostReason ??= e.message;
      });
      client.on('close', () => {
        if (!ready) {
          reject(new Error(hostProblem ?? 'connection closed during the handshake'));
          return;
        }
        if (this.#client === client) {
          this.#client = undefined;
          this.#sftp = undefined;
        }
        const reason = this.lostReason ?? 'connection closed';
        this.lostReason = reason;
        for (const fn of [...this.#listeners]) fn(reason);
      });
      const config: ConnectConfig = {
        host: host.host,
        port: host.port,
        username: host.user,
        readyTimeout: CONNECT_TIMEOUT_MS,
        keepaliveInterval: KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: KEEPALIVE_COUNT_MAX,
        authHandler: auth,
        hostVerifier: (key: Buffer) => {
          hostProblem = this.#hostKeyProblem(key);
          return hostProblem === undefined;
        },
      };
      client.connect(config);
    });
  }

  /** The key file of the entry; else ssh-agent and the default keys, as ssh would try them. */
  #auth(): (PublicKeyAuthMethod | AgentAuthMethod)[] {
    const { user, keyFile } = this.host;
    if (keyFile !== undefined) return [{ type: 'publickey', username: user, key: readFileSync(keyFile) }];
    const methods: (PublicKeyAuthMethod | AgentAuthMethod)[] = [];
    const agent = process.env.SSH_AUTH_SOCK;
    if (agent) methods.push({ type: 'agent', username: user, agent });
    for (const name of DEFAULT_KEYS) {
      const file = join(homedir(), '.ssh', name);
      if (existsSync(file)) methods.push({ type: 'publickey', username: user, key: readFileSync(file) });
    }
    if (methods.length === 0) {
      throw new PermanentConnectError(
        `no key to log in with: name a key file in the entry ("${user}@${this.host.where} ~/.ssh/id_ed25519"), start ssh-agent, or create ~/.ssh/${DEFAULT_KEYS[0]}`,
      );
    }
    return methods;
  }

  #hostKeyProblem(key: Buffer): string | undefined {
    const { host } = this;
    const known = this.settings.knownHosts;
    const verdict = known ? known.hosts.check(host.host, host.port, key) : { kind: 'unknown' as const };
    const name = host.port === 22 ? host.host : `[${host.host}]:${host.port}`;
    switch (verdict.kind) {
      case 'match':
        return undefined;
      case 'revoked':
        return `the host key of ${host.label} is marked @revoked in ${known!.file} (line ${verdict.line})`;
      case 'mismatch':
        return (
          `the host key of ${host.label} is not the one ${known!.file} lists for it (line ${verdict.lines.join(', ')}): another machine may be answering at that address; ` +
          `if the host was reinstalled, remove its old key with ssh-keygen -R '${name}'`
        );
      case 'unknown':
        if (!this.settings.strictHostKeys) return undefined;
        return `${host.label} is not in ${known?.file ?? '~/.ssh/known_hosts'} and strict_host_key_checking is on; add its key (ssh-keyscan -p ${host.port} ${host.host} >> ${known?.file ?? '~/.ssh/known_hosts'}) after checking it`;
    }
  }
}

/**
 * The per-host set-up, done once per experiment and shared by the slots of one host: the remote
 * working directory (with the experiment's job folder), the Python client, and the script (copied when missing there,
 * or always with `overwrite`).
 */
export class HostPreparations {
  readonly #done = new Map<string, Promise<Prepared>>();

  constructor(private readonly settings: SshSettings) {}

  prepare(conn: SshConnection, client: Client, jobDir: string, say: (m: string) => void): Promise<Prepared> {
    const key = `${conn.host.label}\0${this.settings.remoteWorkingDir}\0${jobDir}`;
    let p = this.#done.get(key);
    if (!p) {
      p = this.#prepare(conn, client, jobDir, say);
      this.#done.set(key, p);
      // A failure (a lost connection, say) is retried by the next job rather than remembered.
      p.catch(() => this.#done.delete(key));
    }
    return p;
  }

  async #prepare(conn: SshConnection, client: Client, jobDir: string, say: (m: string) => void): Promise<Prepared> {
    const s = this.settings;
    const label = conn.host.label;
    // `~` is the login folder, which is where a relative path starts over SSH anyway.
    const wdArg =
      s.remoteWorkingDir === '~' ? '.' : s.remoteWorkingDir.startsWith('~/') ? s.remoteWorkingDir.slice(2) || '.' : s.remoteWorkingDir;
    const words = splitCommand(s.script);
    const at = scriptWordIndex(words);
    const written = at >= 0 ? words[at]! : undefined;
    // A relative script keeps its place under the working directory; an absolute one goes into it.
    const relScript =
      written === undefined ? undefined : isAbsolute(written) || written.startsWith('~') ? basename(written) : posix.normalize(written);
    const dirs = [posix.join(wdArg, jobDir), posix.join(wdArg, REMOTE_PYTHON_DIR)];
    if (relScript !== undefined) dirs.push(posix.dirname(posix.join(wdArg, relScript)));
    const made = await execCollect(client, viaSh(`mkdir -p ${dirs.map(shellQuote).join(' ')} && cd ${shellQuote(wdArg)} && pwd`));
    if (made.code !== 0) {
      throw new Error(
        `cannot create the working directory ${s.remoteWorkingDir} on ${label}: ${made.stderr.trim() || `exit code ${made.code}`}`,
      );
    }
    const wd = made.stdout.trim().split('\n').pop()!;
    const sftp = await conn.sftp();
    await sftpCall<void>((cb) =>
      sftp.writeFile(posix.join(wd, REMOTE_PYTHON_DIR, 'aup.py'), readFileSync(join(pythonClientDir(), 'aup.py')), cb),
    );

    if (written === undefined || relScript === undefined) return { wd, command: words };
    const remoteScript = posix.join(wd, relScript);
    const local = s.scriptPath ?? written;
    let localMode: number | undefined;
    try {
      const st = statSync(local);
      if (st.isFile()) localMode = st.mode & 0o777;
    } catch {
      localMode = undefined;
    }
    let remoteMode: number | undefined;
    try {
      remoteMode = (await sftpCall<{ mode: number }>((cb) => sftp.stat(remoteScript, cb))).mode & 0o777;
    } catch {
      remoteMode = undefined;
    }
    if (localMode !== undefined && (s.overwrite || remoteMode === undefined)) {
      await sftpCall<void>((cb) => sftp.fastPut(local, remoteScript, cb));
      await sftpCall<void>((cb) => sftp.chmod(remoteScript, localMode!, cb));
      say(`copied ${local} to ${label}:${remoteScript}${s.overwrite && remoteMode !== undefined ? ' (overwrite)' : ''}`);
      remoteMode = localMode;
    }
    if (remoteMode === undefined) {
      // A bare program name (`make train`) runs from the host's PATH, as it would here.
      if (at === 0 && !written.includes('/')) return { wd, command: words };
      throw new Error(`script ${written}: not found here (${local}) nor on ${label} (${remoteScript})`);
    }
    const command = [...words];
    if (at > 0) {
      command[at] = remoteScript;
      return { wd, command };
    }
    if (INTERPRETER.test(basename(written))) return { wd, command };
    if ((remoteMode & 0o111) !== 0) {
      command[0] = remoteScript;
      return { wd, command };
    }
    const interpreter = REMOTE_BY_EXTENSION[extname(remoteScript).toLowerCase()];
    if (interpreter === undefined) {
      throw new Error(
        `script: ${label}:${remoteScript} is not executable and its extension does not name an interpreter (.py, .js, .mjs, .cjs, .sh); chmod +x it or prefix the interpreter`,
      );
    }
    return { wd, command: [interpreter, remoteScript, ...words.slice(1)] };
  }
}

interface RemoteEnd extends AttemptEnd {
  /** The connection closed before the job's exit status came. */
  lost?: string;
}

/**
 * Runs the jobs of one `node` slot on its host over SSH: writes `<job folder>/<jid>.json` there, runs the
 * script with `prescript`/`postscript`/`env` in the remote working directory, streams its output
 * into the local attempt log and the protocol parser, kills the remote process group on stop,
 * early stop and `job_timeout`, and fetches `aup_models/<folder>` back after a save_model run.
 * A connection lost mid-job fails the attempt (job_retries may run it again); the orphaned remote
 * process group is killed as soon as the host can be reached again.
 */
export class SshExecutor {
  readonly #conn: SshConnection;
  /** Remote process groups (pgid → the marker in their command line) whose connection died under them. */
  readonly #orphans = new Map<number, string>();

  constructor(
    readonly host: NodeHost,
    private readonly settings: SshSettings,
    private readonly preparations: HostPreparations,
  ) {
    this.#conn = new SshConnection(host, settings);
  }

  /** Runs one attempt; never throws: every failure is an attempt outcome with a message (also in the log). */
  async run(launch: ProcessLaunch): Promise<ProcessOutcome> {
    const { jobFile, logFile } = jobFiles(launch.workingDir, launch.jobDir, launch.jobId, launch.attempt);
    let log: AttemptLog;
    try {
      mkdirSync(dirname(logFile), { recursive: true });
    } catch (e) {
      return { status: 'failed', exitCode: null, error: `cannot create the folder ${dirname(logFile)}: ${errorText(e)}`, logPath: logFile };
    }
    try {
      log = AttemptLog.open(logFile, ownsJobDir(launch.jobDir));
    } catch (e) {
      return { status: 'failed', exitCode: null, error: errorText(e), logPath: logFile };
    }
    const say = (m: string) => void log.write(`aup: ${m}\n`);
    let outcome: Omit<ProcessOutcome, 'logPath'>;
    try {
      // The proposal is kept here too, as for local jobs, so the record does not depend on the host.
      try {
        writeFileSync(jobFile, JSON.stringify(launch.jobJson, null, 2) + '\n');
      } catch (e) {
        throw new Error(`cannot write the job file ${jobFile}: ${errorText(e)}`, { cause: e });
      }
      outcome = await this.#attempt(launch, log, say);
    } catch (e) {
      const message = errorText(e);
      say(message);
      const stopReason = launch.signal.aborted ? ((launch.signal.reason as StopReason | undefined) ?? 'interrupted') : undefined;
      outcome = stopReason
        ? attemptOutcome({ stopReason, timedOut: false, exitCode: null, score: undefined })
        : { status: 'failed', exitCode: null, error: message };
    }
    await log.close();
    // A log that failed (even at its last flush) fails the attempt, unless the job was stopped on purpose.
    if (log.error !== undefined && (outcome.status === 'finished' || outcome.status === 'failed'))
      outcome = { ...outcome, status: 'failed', error: log.error };
    return { ...outcome, logPath: logFile };
  }

  /** Ends the connection; first kills, if the host answers, remote jobs a lost connection left running. */
  async close(): Promise<void> {
    if (this.#orphans.size > 0) {
      try {
        await this.#conn.get(undefined, () => undefined, 1);
        await this.#killOrphans();
      } catch {
        // The host is gone; nothing more can be done from here.
      }
    }
    this.#conn.close();
  }

  async #attempt(launch: ProcessLaunch, log: AttemptLog, say: (m: string) => void): Promise<Omit<ProcessOutcome, 'logPath'>> {
    const { signal } = launch;
    const stopped = (): Omit<ProcessOutcome, 'logPath'> =>
      attemptOutcome({
        stopReason: (signal.reason as StopReason | undefined) ?? 'interrupted',
        timedOut: false,
        exitCode: null,
        score: undefined,
      });
    if (signal.aborted) return stopped();
    // A stop does not wait for a slow connect (up to CONNECT_TIMEOUT_MS per attempt).
    const client = await untilAborted(this.#conn.get(signal, say), signal);
    if (client === undefined || signal.aborted) return stopped();
    await this.#killOrphans();
    const prepared = await this.preparations.prepare(this.#conn, client, launch.jobDir, say);
    // The same layout as here: the experiment's own folder under the remote working directory.
    const remoteJobFile = posix.join(prepared.wd, launch.jobDir, `${launch.jobId}.json`);
    if (signal.aborted) return stopped();

    const end = await this.#exec(client, prepared, remoteJobFile, launch, log);
    if (end.lost !== undefined && end.stopReason === undefined) {
      const error = `connection to ${this.host.label} lost while the job ran (${end.lost})`;
      say(error);
      return { status: 'failed', exitCode: null, error };
    }
    const outcome = attemptOutcome(end);
    const folder = launch.jobJson.folder_name;
    if (launch.jobJson.save_model === true && typeof folder === 'string' && outcome.status === 'finished') {
      const models = await this.#fetchModels(prepared.wd, folder, launch.workingDir);
      say(models);
    }
    return outcome;
  }

  async #fetchModels(wd: string, folder: string, localWd: string): Promise<string> {
    // The job file's folder_name is a plain name (the clients refuse others); checked again here.
    if (folder === '' || folder === '.' || folder === '..' || /[/\\\0]/.test(folder))
      return `folder_name ${JSON.stringify(folder)} is not a plain folder name; no model fetched`;
    const remote = posix.join(wd, 'aup_models', folder);
    const local = join(localWd, 'aup_models', folder);
    const sftp = await this.#conn.sftp();
    try {
      await sftpCall((cb) => sftp.stat(remote, cb));
    } catch {
      return `the job saved no model (${this.host.label}:${remote} does not exist)`;
    }
    rmSync(local, { recursive: true, force: true });
    const n = await download(sftp, remote, local);
    return `fetched ${n} file(s) of ${this.host.label}:${remote} into ${local}`;
  }

  /** The job's `/bin/sh` script on the host: its pid after `marker`, its env, the job file, then the command. */
  #jobScript(prepared: Prepared, remoteJobFile: string, launch: ProcessLaunch, marker: string): string {
    const s = this.settings;
    const env: Record<string, string> = {
      ...launch.env,
      ...aupJobVariables(launch),
      PYTHONUNBUFFERED: '1',
    };
    const lines = [
      // The shell sshd started is a session and process-group leader: its pid names the group to kill.
      `echo "${marker}$$"`,
      ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
      // The job file is written by the job's own shell: no extra round trip per job (AUP_PARAMS is its JSON).
      `printf '%s\n' "$AUP_PARAMS" > ${shellQuote(remoteJobFile)} || exit 125`,
      `export PYTHONPATH=${shellQuote(posix.join(prepared.wd, REMOTE_PYTHON_DIR))}\${PYTHONPATH:+:$PYTHONPATH}`,
      // Auptimizer's order: prescript first (in the login folder), then into the working directory.
      s.prescript?.trim() ?? '',
      `cd ${shellQuote(prepared.wd)} || exit 125`,
      [...prepared.command, remoteJobFile].map(shellQuote).join(' '),
      'aup_status=$?',
      s.postscript?.trim() ?? '',
      'exit $aup_status',
    ].filter((l) => l !== '');
    return viaSh(lines.join('\n'));
  }

  #exec(client: Client, prepared: Prepared, remoteJobFile: string, launch: ProcessLaunch, log: AttemptLog): Promise<RemoteEnd> {
    const nonce = randomBytes(8).toString('hex');
    const marker = `aup-remote-pid:${nonce}:`;
    const command = this.#jobScript(prepared, remoteJobFile, launch, marker);

    return new Promise((resolve, reject) => {
      client.exec(command, (err, channel: ClientChannel) => {
        if (err) {
          reject(new Error(`cannot start the job on ${this.host.label}: ${err.message}`));
          return;
        }
        const { signal, recorder, queue } = launch;
        let pgid: number | undefined;
        let stopReason: StopReason | undefined;
        let stopWanted = false;
        let timedOut = false;
        let killTimer: NodeJS.Timeout | undefined;
        let exitCode: number | null = null;
        let exitSignal: string | null = null;
        let exited = false;
        let lost: string | undefined;

        const stop = () => {
          stopWanted = true;
          if (pgid === undefined) return;
          void this.#signalGroup(pgid, 'TERM');
          killTimer ??= setTimeout(() => pgid !== undefined && void this.#signalGroup(pgid, 'KILL'), KILL_GRACE_MS);
          killTimer.unref();
        };
        const onAbort = () => {
          stopReason = (signal.reason as StopReason | undefined) ?? 'interrupted';
          stop();
        };
        let failure: string | undefined;
        // The local log cannot be written (a full disk): the remote job stops and its attempt fails.
        log.onFailure((message) => {
          failure ??= message;
          stop();
        });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        const timeout =
          launch.timeoutMs !== undefined
            ? setTimeout(() => {
                timedOut = true;
                stop();
              }, launch.timeoutMs)
            : undefined;
        const unsubscribe = this.#conn.onLost((reason) => (lost = reason));

        const stdout = channel.pipe(
          new PidMarker(marker, (pid) => {
            pgid = pid;
            launch.onSpawn?.(pid);
            if (stopWanted) stop();
          }),
        );
        // A channel cut by a lost connection closes without ending its stream: end ours so it flushes.
        channel.once('close', () => {
          if (!stdout.writableEnded) stdout.end();
        });
        pipeOutput(stdout, 'stdout', log, recorder, queue);
        pipeOutput(channel.stderr, 'stderr', log, recorder, queue);
        channel.on('exit', (code: number | null, sig?: string) => {
          exited = true;
          exitCode = code ?? null;
          exitSignal = sig ?? null;
        });
        const closed = new Promise<void>((r) => channel.once('close', () => r()));
        void Promise.all([closed, finished(stdout).catch(() => undefined), finished(channel.stderr).catch(() => undefined)]).then(() => {
          clearTimeout(timeout);
          clearTimeout(killTimer);
          signal.removeEventListener('abort', onAbort);
          unsubscribe();
          if (!exited) {
            lost ??= this.#conn.lostReason ?? 'the channel closed without an exit status';
            // The job may still run on the host with nobody reading its output: killed on reconnect.
            if (pgid !== undefined) this.#orphans.set(pgid, nonce);
          }
          resolve({
            stopReason,
            timedOut,
            timeoutMs: launch.timeoutMs,
            exitCode: exited ? exitCode : null,
            signal: exitSignal,
            score: recorder.score,
            failure,
            ...(exited ? {} : { lost }),
          });
        });
      });
    });
  }

  /** Signals the job's whole process group on the host (what its shell script started too). */
  async #signalGroup(pgid: number, sig: 'TERM' | 'KILL'): Promise<void> {
    if (!this.#conn.connected) return;
    try {
      await execCollect(
        await this.#conn.get(undefined, () => undefined, 1),
        viaSh(`kill -s ${sig} -- -${pgid} 2>/dev/null || kill -s ${sig} ${pgid} 2>/dev/null; exit 0`),
      );
    } catch {
      // The connection went away; the group is an orphan now and is killed on reconnect.
    }
  }

  /** Kills remote jobs whose connection died, if their group leader is still our shell (its marker in its command line). */
  async #killOrphans(): Promise<void> {
    for (const [pgid, nonce] of [...this.#orphans]) {
      const client = await this.#conn.get(undefined, () => undefined, 1);
      await execCollect(
        client,
        viaSh(`if ps -ww -o args= -p ${pgid} 2>/dev/null | grep -qF ${nonce}; then kill -s KILL -- -${pgid}; fi; exit 0`),
      );
      this.#orphans.delete(pgid);
    }
  }
}
