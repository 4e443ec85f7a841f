// Local jobs, started both ways: by a slot shell (the default on Linux and macOS, shell-launcher.ts)
// and by Node's spawn (AUP_JOB_LAUNCHER=spawn, and Windows). Real /bin/sh scripts, real processes,
// a real SQLite store behind the ingest queue.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store-types.js';
import { AttemptRecorder } from './attempt-recorder.js';
import { IngestQueue } from './ingest-queue.js';
import { MAX_LINE_CHARS } from './output-pipe.js';
import { runProcess, type ProcessLaunch, type ProcessOutcome } from './process-executor.js';
import { closeLaunchShells, MarkedStream } from './shell-launcher.js';
import { PassThrough } from 'node:stream';

const root = mkdtempSync(join(tmpdir(), 'aup-process-executor-'));
let store: Store;
beforeAll(async () => {
  store = await openStore(join(root, 'store.db'));
});
afterAll(async () => {
  closeLaunchShells();
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
/** A working dir with `job.sh` holding `body`. */
function dirWith(body: string): string {
  const dir = mkdtempSync(join(root, 'job-'));
  writeFileSync(join(dir, 'job.sh'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, 'job.sh'), 0o755);
  return dir;
}

interface Run extends ProcessOutcome {
  recorder: AttemptRecorder;
  log: string;
  pid: number | undefined;
  lines: Array<[string, string]>;
}

async function run(
  body: string,
  opts: Partial<ProcessLaunch> & { abortAfterMs?: number; abortReason?: string; readLog?: boolean } = {},
): Promise<Run> {
  const workingDir = opts.workingDir ?? dirWith(body);
  const queue = new IngestQueue(store);
  const recorder = new AttemptRecorder({ jobId: ++n, queue });
  const lines: Array<[string, string]> = [];
  const line = recorder.line.bind(recorder);
  recorder.line = (text, stream = 'stdout', cut) => {
    lines.push([stream, text]);
    line(text, stream, cut);
  };
  const controller = new AbortController();
  let pid: number | undefined;
  if (opts.abortAfterMs !== undefined) setTimeout(() => controller.abort(opts.abortReason ?? 'interrupted'), opts.abortAfterMs);
  const outcome = await runProcess({
    experimentId: 1,
    jobId: n,
    attempt: 1,
    script: 'job.sh',
    workingDir,
    // The flat layout of experiments from before job folders: its paths are known in advance.
    jobDir: 'jobs',
    jobJson: { x: 0.5, note: `it's "quoted" $HOME \`x\`` },
    signal: controller.signal,
    recorder,
    queue,
    onSpawn: (p) => (pid = p),
    ...opts,
  });
  return { ...outcome, recorder, log: opts.readLog === false ? '' : readFileSync(outcome.logPath, 'utf8'), pid, lines };
}

/** Whether `pid` still runs (a zombie nobody has reaped yet, as in a container without an init, does not). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

for (const launcher of ['shell', 'spawn'] as const) {
  describe(`local jobs started by ${launcher === 'shell' ? 'a slot shell' : "Node's spawn"}`, () => {
    const saved = process.env.AUP_JOB_LAUNCHER;
    beforeAll(() => {
      if (launcher === 'spawn') process.env.AUP_JOB_LAUNCHER = 'spawn';
      else delete process.env.AUP_JOB_LAUNCHER;
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.AUP_JOB_LAUNCHER;
      else process.env.AUP_JOB_LAUNCHER = saved;
    });

    it('records stdout and stderr line by line, the log as printed, and a last line without a newline', async () => {
      const r = await run(`echo out1; echo err1 >&2; printf 'a\\036b\\036'; echo; printf '#Auptimizer:0.25'`);
      expect(r).toMatchObject({ status: 'finished', exitCode: 0 });
      expect(r.recorder.score).toBe(0.25);
      expect(r.lines).toContainEqual(['stdout', 'out1']);
      expect(r.lines).toContainEqual(['stderr', 'err1']);
      expect(r.lines).toContainEqual(['stdout', 'a\x1eb\x1e']);
      expect(r.log).toContain('out1\n');
      expect(r.log).toContain('err1\n');
      expect(r.log).toContain('a\x1eb\x1e\n#Auptimizer:0.25');
      expect(r.pid).toBeGreaterThan(0);
    });

    it('gives the job its environment: AUP_* and the slot env, quotes intact, the job file last', async () => {
      // A shell started while the variable was set runs the next job, which must not see it.
      closeLaunchShells();
      process.env.AUP_TEST_REMOVED = 'present when the shell started';
      await run('echo "#Auptimizer:1"');
      delete process.env.AUP_TEST_REMOVED;
      const r = await run(
        `printf '%s\\n' "id=$AUP_JOB_ID" "params=$AUP_PARAMS" "gpu=$CUDA_VISIBLE_DEVICES" "removed=\${AUP_TEST_REMOVED-unset}" "last=$1" "cwd=$(pwd)"; echo "#Auptimizer:1"`,
        { env: { CUDA_VISIBLE_DEVICES: "1 ' 2" } },
      );
      expect(r.status).toBe('finished');
      const out = Object.fromEntries(r.lines.map(([, l]) => l.split(/=(.*)/s).slice(0, 2)));
      expect(out.id).toBe(String(n));
      expect(JSON.parse(out.params)).toEqual({ x: 0.5, note: `it's "quoted" $HOME \`x\`` });
      expect(out.gpu).toBe("1 ' 2");
      expect(out.removed).toBe('unset');
      expect(out.last).toMatch(/jobs\/\d+\.json$/);
      expect(JSON.parse(readFileSync(out.last, 'utf8'))).toEqual({ x: 0.5, note: `it's "quoted" $HOME \`x\`` });
      expect(out.cwd).toBe(r.logPath.replace(/\/jobs\/[^/]+$/, ''));
    });

    it("passes on variables a shell cannot name, such as bash's exported functions", async () => {
      if (!existsSync('/bin/bash')) return;
      const dir = mkdtempSync(join(root, 'job-'));
      writeFileSync(join(dir, 'job.sh'), '#!/bin/bash\naupf\necho "dotted=$(printenv AUP.DOTTED)"\n');
      chmodSync(join(dir, 'job.sh'), 0o755);
      const r = await run('', { workingDir: dir, env: { 'BASH_FUNC_aupf%%': '() {  echo "#Auptimizer:7"\n}', 'AUP.DOTTED': 'kept' } });
      expect(r).toMatchObject({ status: 'finished' });
      expect(r.recorder.score).toBe(7);
      expect(r.lines).toContainEqual(['stdout', 'dotted=kept']);
    });

    it('fails on a non-zero exit (keeping the result) and names a killing signal', async () => {
      const bad = await run('echo "#Auptimizer:3"; exit 3');
      expect(bad).toMatchObject({ status: 'failed', exitCode: 3, error: 'exited with code 3' });
      expect(bad.recorder.score).toBe(3);
      const killed = await run('kill -KILL $$');
      expect(killed).toMatchObject({ status: 'failed', exitCode: null, error: 'killed by SIGKILL' });
    });

    it('stops a job and what it started on abort, with the abort reason as its status', async () => {
      const dir = dirWith('sleep 30 & echo "child $!"; echo "#Auptimizer:0.5"; wait');
      const r = await run('', { workingDir: dir, abortAfterMs: 500, abortReason: 'early_stopped' });
      expect(r.status).toBe('early_stopped');
      const child = Number(r.lines.find(([, l]) => l.startsWith('child '))![1].slice(6));
      await expect.poll(() => alive(child)).toBe(false);
    });

    it('fails a job that runs past its timeout', async () => {
      const r = await run('sleep 30', { timeoutMs: 300 });
      expect(r).toMatchObject({ status: 'failed', error: 'timed out after 0.3 s (job_timeout)' });
    });

    it('reports a program that cannot be found the way spawn does', async () => {
      const r = await run('', { script: 'no-such-program-aup --flag' });
      expect(r).toMatchObject({
        status: 'failed',
        exitCode: null,
        error: 'cannot start no-such-program-aup: spawn no-such-program-aup ENOENT',
      });
      expect(r.log).toContain('aup: cannot start no-such-program-aup');
    });

    it('ends a line at \\r (a progress bar) and at \\r\\n (one end), also split across writes; the log keeps what was printed', async () => {
      const r = await run(`printf 'a\\rb\\r'; sleep 0.2; printf '\\nc\\r\\n\\r\\n'; printf '#Auptimizer:1\\r'`);
      expect(r).toMatchObject({ status: 'finished' });
      expect(r.recorder.score).toBe(1);
      expect(r.lines.map(([, l]) => l)).toEqual(['a', 'b', 'c', '', '#Auptimizer:1']);
      expect(r.log).toBe('a\rb\r\nc\r\n\r\n#Auptimizer:1\r');
    });

    it('cuts a line longer than MAX_LINE_CHARS for the parser, with one warning, and records what follows', async () => {
      // 8 MiB without a newline (the security suite prints 64 MiB; the benchmark 1 GB), twice.
      const r = await run(`for i in 1 2; do head -c 8388608 /dev/zero | tr '\\0' x; echo; done; echo '#Auptimizer:0.5'`);
      expect(r).toMatchObject({ status: 'finished' });
      expect(r.recorder.score).toBe(0.5);
      expect(r.recorder.allWarnings()).toEqual([
        `stdout line 1: longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters (the line limit), so not read for protocol records; the log keeps it whole`,
      ]);
      expect(r.lines.map(([, l]) => l.length)).toEqual([MAX_LINE_CHARS, MAX_LINE_CHARS, '#Auptimizer:0.5'.length]);
      expect(r.log.length).toBe(2 * (8 * 1024 * 1024 + 1) + '#Auptimizer:0.5\n'.length);
    });

    it('fails the attempt, without starting the job, when its log path is a folder (EISDIR)', async () => {
      const dir = dirWith('echo "#Auptimizer:1"');
      const logPath = join(dir, 'jobs', `${n + 1}.1.out`);
      mkdirSync(logPath, { recursive: true });
      const r = await run('', { workingDir: dir, readLog: false });
      expect(r.status).toBe('failed');
      expect(r.error).toContain(logPath);
      expect(r.error).toContain('EISDIR');
      expect(r.pid).toBeUndefined();
    });

    it('fails the attempt when its job file cannot be written', async () => {
      const dir = dirWith('echo "#Auptimizer:1"');
      const jobPath = join(dir, 'jobs', `${n + 1}.json`);
      mkdirSync(jobPath, { recursive: true });
      const r = await run('', { workingDir: dir });
      expect(r).toMatchObject({ status: 'failed', exitCode: null });
      expect(r.error).toMatch(new RegExp(`^cannot write the job file ${jobPath}: EISDIR`));
      expect(r.log).toContain(`aup: cannot write the job file ${jobPath}`);
      expect(r.pid).toBeUndefined();
    });

    it('stops the job and what it started, and fails the attempt, when its log cannot be written (ENOSPC from /dev/full)', async () => {
      const dir = dirWith('sleep 30 & echo "child $!"; echo "#Auptimizer:1"; wait');
      const logPath = join(dir, 'jobs', `${n + 1}.1.out`);
      mkdirSync(join(dir, 'jobs'));
      // Appending to /dev/full opens fine and fails every write with ENOSPC: a full disk, for real.
      symlinkSync('/dev/full', logPath);
      const r = await run('', { workingDir: dir, readLog: false });
      expect(r).toMatchObject({ status: 'failed', error: `cannot write the log ${logPath}: ENOSPC: no space left on device, write` });
      const child = Number(r.lines.find(([, l]) => l.startsWith('child '))![1].slice(6));
      await expect.poll(() => alive(child)).toBe(false);
    });

    it("never writes into a log it did not create in an experiment's own folder", async () => {
      const dir = dirWith('echo "#Auptimizer:1"');
      const jobDir = 'jobs/e1-0a0b0c';
      const logPath = join(dir, jobDir, `${n + 1}.1.out`);
      mkdirSync(join(dir, jobDir), { recursive: true });
      writeFileSync(logPath, 'the log of another run\n');
      const r = await run('', { workingDir: dir, jobDir });
      expect(r).toMatchObject({
        status: 'failed',
        error: `cannot create the log ${logPath}: it already exists (left by another run?), and aup never writes into a log it did not create`,
      });
      expect(r.log).toBe('the log of another run\n');
      expect(r.pid).toBeUndefined();
      // A fresh folder: the log is created, and the job file sits beside it.
      const fresh = await run('echo "last=$1"; echo "#Auptimizer:2"', { jobDir: 'jobs/e2-0a0b0c' });
      expect(fresh).toMatchObject({ status: 'finished' });
      expect(fresh.logPath).toMatch(/\/jobs\/e2-0a0b0c\/\d+\.1\.out$/);
      expect(fresh.lines).toContainEqual(['stdout', `last=${fresh.logPath.replace(/\.1\.out$/, '.json')}`]);
    });

    it("keeps every job's output to itself over many jobs in a row, two at a time", async () => {
      const runs = await Promise.all(
        Array.from({ length: 2 }, async () => {
          const out: Run[] = [];
          for (let i = 0; i < 10; i++)
            out.push(await run(`echo "job $AUP_JOB_ID"; printf 'tail-%s' "$AUP_JOB_ID" >&2; echo "#Auptimizer:$AUP_JOB_ID"`));
          return out;
        }),
      );
      for (const r of runs.flat()) {
        const id = r.recorder.score!;
        expect(r.status).toBe('finished');
        expect([...r.lines].sort()).toEqual([
          ['stderr', `tail-${id}`],
          ['stdout', `#Auptimizer:${id}`],
          ['stdout', `job ${id}`],
        ]);
      }
    });
  });
}

describe('slot shells', () => {
  afterEach(() => closeLaunchShells());

  it("find the end marker of a job's output even when it is split across reads", async () => {
    const stream = new PassThrough();
    const got: string[] = [];
    let ended = 0;
    new MarkedStream(
      stream,
      '\x1eTOKEN\n',
      () => ({ write: (t) => got.push(t), end: () => undefined }),
      () => ended++,
    );
    for (const chunk of ['out \x1e', 'not a marker\x1e', 'TO', 'KEN', '\nleftover']) {
      stream.write(chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(got.join('')).toBe('out \x1enot a marker');
    expect(ended).toBe(1);
  });

  it("end what a job left running in the background when the job's program exits", async () => {
    const r = await run('sleep 30 & echo "child $!"; echo "#Auptimizer:1"');
    expect(r.status).toBe('finished');
    const child = Number(r.lines.find(([, l]) => l.startsWith('child '))![1].slice(6));
    await expect.poll(() => alive(child)).toBe(false);
  });

  it('give a job the default SIGINT handling (not the ignored SIGINT of a background job)', async () => {
    const r = await run(`trap 'echo "#Auptimizer:2"; exit 0' INT; kill -INT $$; sleep 5; echo "#Auptimizer:1"`);
    expect(r).toMatchObject({ status: 'finished' });
    expect(r.recorder.score).toBe(2);
  });

  it('SIGKILL a job that ignores SIGTERM after the grace period, and the next job gets a new shell', { timeout: 20_000 }, async () => {
    const r = await run(`trap '' TERM; echo ready; sleep 30`, { abortAfterMs: 300 });
    expect(r.status).toBe('interrupted');
    const next = await run('echo "#Auptimizer:4"');
    expect(next).toMatchObject({ status: 'finished', exitCode: 0 });
  });

  it('outlive a SIGTERM that reaches them between jobs (a stop racing the end of its job), and run the next job', async () => {
    // Field 5 of /proc/<pid>/stat is the process group: the slot shell's, which the job runs in.
    const body = `read -r _ _ _ _ g _ </proc/$$/stat; echo "#Auptimizer:$g"`;
    const first = await run(body);
    expect(first.status).toBe('finished');
    const group = first.recorder.score!;
    // What a stop sends when its job has just ended: the shell is idle, waiting for its next line.
    process.kill(-group, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const next = await run(body);
    expect(next).toMatchObject({ status: 'finished', exitCode: 0 });
    // The same shell ran it: the signal did not end it.
    expect(next.recorder.score).toBe(group);
  });

  it('do not keep the runner process alive when idle', async () => {
    const dir = dirWith('echo "#Auptimizer:1"');
    const core = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const code = `import { runExperiment } from ${JSON.stringify(core)};
const r = await runExperiment({ script: 'job.sh', workingdir: ${JSON.stringify(dir)}, n_samples: 3, n_parallel: 2, db: ${JSON.stringify(join(dir, 'r.db'))}, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] });
console.log(r.status, r.jobs.length);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AUP_JOB_LAUNCHER: '' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const exit = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    expect({ exit, out: out.trim() }).toEqual({ exit: 0, out: 'finished 3' });
  }, 30_000);
});
