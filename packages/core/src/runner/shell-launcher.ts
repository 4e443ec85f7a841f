import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

import { isExecutable } from './command.js';
import { attemptOutcome, outputSink, type OutputSink } from './output-pipe.js';
import { JobControl, killGroup, type StartedJob } from './job-control.js';
import type { ProcessLaunch } from './process-executor.js';

/*
 * Local jobs are started by long-lived POSIX shells, one per running slot, instead of by Node's
 * `spawn`. Forking the runner (a ~100 MB Node process) for every job cost ~7 ms of the runner's
 * main thread and ~10 ms of CPU on the 2-core machine of docs/benchmarks.md, more than a job that
 * exits at once costs itself; forking a small shell costs a fraction of that
 * (docs/decisions/0016-slot-shells.md).
 *
 * Per job the runner writes one line to the shell's stdin: `cd <dir> && export ... && exec <program>
 * <args> <job file>`. The shell runs it in a subshell in the foreground, with stdin /dev/null and
 * stdout / stderr the shell's own (read by the runner), and reports on fd 3 `pid <pid>` (the
 * subshell's, which `exec` keeps) and, once the program and anything it left running are gone,
 * `exit <status>`; it ends both output streams of the job with a marker line carrying a random
 * token, so the runner knows where one job's output stops. The shell leads a process group of its
 * own (spawned detached) and the job runs in it: a stop is SIGTERM to that group (the shell traps
 * TERM and carries on, also when it comes between jobs), SIGKILL after the grace period ends the
 * shell too (a new one starts for the next job). When a job's program exits, whatever it left in
 * the background is sent SIGTERM, so its output cannot run into the next job's.
 */

const SHELL = '/bin/sh';
/** Idle shells kept for reuse; more are closed. */
const MAX_IDLE = 64;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function script(token: string): string {
  return [
    'trap t=1 TERM',
    'exec 4>&2',
    // A stop meant for a job that has just ended can reach the shell while it waits for the next
    // line, and dash's `read` then fails as at the end of its input: only a failure without a TERM
    // ends the shell (an early stop racing a job's last values had ended it, failing the next job).
    'while :; do',
    '  t=; IFS= read -r cmd || { [ -n "$t" ] && continue; break; }',
    // `2>/dev/null` on the group keeps the shell's own "Killed" / "Terminated" notes out of the job's stderr.
    '  { ( read -r p _ </proc/self/stat || p=0; echo "pid $p" >&3; exec 2>&4 3>&- 4>&-; eval "$cmd" ) </dev/null; st=$?; } 2>/dev/null',
    '  kill -TERM 0 2>/dev/null',
    `  printf '\\036%s\\n' ${token}`,
    `  printf '\\036%s\\n' ${token} >&2`,
    '  echo "exit $st" >&3',
    'done',
  ].join('\n');
}

/** A word for the shell, quoted so that nothing in it is expanded. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

const executables = new Set<string>();
/** Whether `file` names an executable file (on `path` when it is a bare name); found ones are cached. */
function findsExecutable(file: string, path: string | undefined): boolean {
  const key = `${path ?? ''}\0${file}`;
  if (executables.has(key)) return true;
  const candidates = file.includes('/')
    ? [file]
    : (path ?? '')
        .split(delimiter)
        .filter((d) => isAbsolute(d))
        .map((d) => join(d, file));
  if (!candidates.some(isExecutable)) return false;
  executables.add(key);
  return true;
}

const signalNames = new Map<number, NodeJS.Signals>(Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/** The job a shell runs now. */
interface Current {
  launch: ProcessLaunch;
  job: StartedJob;
  control: JobControl;
  out: OutputSink;
  err: OutputSink;
  outDone: boolean;
  errDone: boolean;
  started: boolean;
  status?: number;
  /** Runs once the job has ended (the shell goes back to the pool). */
  done: () => void;
}

/** Reads one of the shell's output streams, handing the text before each end marker to the current job. Exported for its test. */
export class MarkedStream {
  #held = '';

  constructor(
    readonly stream: Readable,
    private readonly marker: string,
    private readonly sink: () => OutputSink | undefined,
    private readonly ended: () => void,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.#data(chunk));
  }

  #data(chunk: string): void {
    const text = this.#held + chunk;
    this.#held = '';
    const at = text.indexOf(this.marker);
    if (at !== -1) {
      if (at > 0) this.sink()?.write(text.slice(0, at));
      // After the marker can come only what a job's leftovers printed before they ended: no job's.
      this.ended();
      return;
    }
    // Hold back an end that may be the start of a marker split across reads.
    const esc = text.lastIndexOf('\x1e');
    const hold = esc !== -1 && this.marker.startsWith(text.slice(esc)) ? esc : text.length;
    if (hold > 0) this.sink()?.write(text.slice(0, hold));
    this.#held = text.slice(hold);
  }

  /** The stream closed: what was held back is output too. */
  flush(): void {
    if (this.#held) this.sink()?.write(this.#held);
    this.#held = '';
  }
}

class LaunchShell {
  readonly child: ChildProcess;
  /** The environment the shell started with; a job's differences are exported in its command. */
  readonly baseEnv: Readonly<Record<string, string>>;
  dead = false;
  #current: Current | undefined;
  readonly #out: MarkedStream;
  readonly #err: MarkedStream;
  #events = '';

  constructor() {
    const token = randomBytes(12).toString('hex');
    const marker = `\x1e${token}\n`;
    this.baseEnv = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
    this.child = spawn(SHELL, ['-c', script(token)], { env: this.baseEnv, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const [stdin, stdout, stderr, events] = this.child.stdio as unknown as [Writable, Readable, Readable, Readable];
    stdin.on('error', () => undefined); // the shell is gone: 'close' below ends its job
    this.#out = new MarkedStream(
      stdout,
      marker,
      () => this.#current?.out,
      () => this.#streamEnded('out'),
    );
    this.#err = new MarkedStream(
      stderr,
      marker,
      () => this.#current?.err,
      () => this.#streamEnded('err'),
    );
    events.setEncoding('utf8');
    events.on('data', (chunk: string) => this.#event(chunk));
    this.child.on('error', () => this.#died(null, null));
    this.child.on('close', (code, signal) => this.#died(code, signal));
  }

  /** Starts `command` (one line, see `script`) for the job; `done` runs when the job has ended. */
  run(line: string, launch: ProcessLaunch, job: StartedJob, done: () => void): void {
    const control = new JobControl(
      launch,
      (signal) => this.#current?.started === true && this.child.pid !== undefined && killGroup(this.child.pid, signal),
    );
    job.log.onFailure((message) => control.fail(message));
    this.#current = {
      launch,
      job,
      control,
      out: outputSink('stdout', job.log, launch.recorder, launch.queue, this.#out.stream),
      err: outputSink('stderr', job.log, launch.recorder, launch.queue, this.#err.stream),
      outDone: false,
      errDone: false,
      started: false,
      done,
    };
    this.#ref(true);
    this.child.stdin!.write(`${line}\n`);
  }

  /** An idle shell does not keep this process alive. */
  unref(): void {
    if (!this.#current) this.#ref(false);
  }

  #ref(on: boolean): void {
    for (const h of [this.child, ...this.child.stdio] as Array<{ ref?: () => void; unref?: () => void } | null>) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }

  #event(chunk: string): void {
    this.#events += chunk;
    let nl: number;
    while ((nl = this.#events.indexOf('\n')) !== -1) {
      const [kind, value] = this.#events.slice(0, nl).split(' ');
      this.#events = this.#events.slice(nl + 1);
      const c = this.#current;
      if (!c) continue;
      const n = Number(value);
      if (kind === 'pid') {
        c.started = true;
        // 0: no /proc to read the pid from (macOS); the job runs all the same.
        if (n > 0) c.launch.onSpawn?.(n);
        c.control.started();
      } else if (kind === 'exit') {
        c.status = n;
        this.#maybeEnd();
      }
    }
  }

  #streamEnded(which: 'out' | 'err'): void {
    const c = this.#current;
    if (!c) return;
    if (which === 'out') c.outDone = true;
    else c.errDone = true;
    this.#maybeEnd();
  }

  #maybeEnd(): void {
    const c = this.#current;
    if (!c || c.status === undefined || !c.outDone || !c.errDone) return;
    // A status above 128 is how a shell reports a program killed by signal (status - 128).
    const signal = c.status > 128 ? signalNames.get(c.status - 128) : undefined;
    this.#end(c, signal === undefined ? c.status : null, signal ?? null);
  }

  #end(c: Current, exitCode: number | null, signal: NodeJS.Signals | null, lost?: string): void {
    this.#current = undefined;
    c.out.end();
    c.err.end();
    c.control.dispose();
    const outcome = attemptOutcome({
      stopReason: c.control.stopReason,
      timedOut: c.control.timedOut,
      timeoutMs: c.launch.timeoutMs,
      exitCode,
      signal,
      score: c.launch.recorder.score,
      failure: c.control.failure,
    });
    c.job.finish(lost !== undefined && outcome.status === 'failed' ? { ...outcome, error: lost } : outcome);
    if (!this.dead) this.#ref(false);
    c.done();
  }

  #died(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.dead) return;
    this.dead = true;
    this.#out.flush();
    this.#err.flush();
    const c = this.#current;
    if (!c) return;
    if (signal === null)
      c.job.log.write(`aup: the job's launcher shell (/bin/sh) ended (${code ?? 'it could not start'}) before the job did\n`);
    this.#end(c, null, signal, signal === null ? "the job's launcher shell ended before the job did" : undefined);
  }

  /** Lets the shell end (its stdin closes; it exits after the current job, if any). */
  close(): void {
    this.dead = true;
    this.child.stdin?.end();
    this.#ref(false);
  }
}

const idle: LaunchShell[] = [];
let shellExists: boolean | undefined;

/**
 * Starts the job in an idle slot shell (or a new one); false when it must be spawned directly:
 * on Windows, with AUP_JOB_LAUNCHER=spawn, without /bin/sh, when its program is not found (so
 * Node's own error names it), when its environment has a name that is not a shell variable name,
 * or when a word or value of it cannot travel on one line.
 */
export function launchInShell(launch: ProcessLaunch, job: StartedJob): boolean {
  if (process.platform === 'win32' || process.env.AUP_JOB_LAUNCHER === 'spawn') return false;
  shellExists ??= existsSync(SHELL);
  if (!shellExists) return false;
  if (!findsExecutable(job.command.file, job.env.PATH)) return false;
  // A shell drops variables whose names it cannot hold (bash's exported functions, such as
  // Lmod's `BASH_FUNC_module%%`): a job whose environment has any is spawned, so it gets them.
  const env = Object.entries(job.env).filter((e): e is [string, string] => e[1] !== undefined);
  if (env.some(([name]) => !NAME.test(name))) return false;
  let shell = idle.pop();
  while (shell?.dead) shell = idle.pop();
  shell ??= new LaunchShell();

  const exports = env.filter(([name, value]) => shell.baseEnv[name] !== value).map(([name, value]) => `${name}=${quote(value)}`);
  const unset = Object.keys(shell.baseEnv).filter((name) => job.env[name] === undefined && NAME.test(name));
  const words = [job.command.file, ...job.command.args, job.jobFile].map(quote);
  const line = [
    `cd -- ${quote(launch.workingDir)}`,
    ...(exports.length ? [`export ${exports.join(' ')}`] : []),
    ...(unset.length ? [`unset ${unset.join(' ')}`] : []),
    `exec ${words.join(' ')}`,
  ].join(' && ');
  if (line.includes('\n') || line.includes('\0')) return idleAgain(shell);

  const s = shell;
  s.run(line, launch, job, () => {
    if (s.dead) return;
    if (idle.length < MAX_IDLE) idle.push(s);
    else s.close();
  });
  return true;
}

function idleAgain(shell: LaunchShell): false {
  shell.unref();
  if (idle.length < MAX_IDLE) idle.push(shell);
  else shell.close();
  return false;
}

/** Closes the idle slot shells (they also end by themselves when this process exits). */
export function closeLaunchShells(): void {
  for (const s of idle.splice(0)) s.close();
}
