/**
 * The runner against bad disks and bad output, as a user meets them: the real `aup` CLI as a child
 * process, real files. A full disk under the working directory (a 2 MB tmpfs when this runs as
 * root; otherwise a 2 MB file-size limit on the runner, which fails writes with EFBIG instead of
 * ENOSPC: the test names the one that ran), and a job printing 64 MiB without a newline.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openStore } from '@aup/core';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUP_BIN = join(ROOT, 'packages', 'core', 'bin', 'aup.js');
const BOARD_BIN = join(ROOT, 'packages', 'server', 'bin', 'aup-board.js');
const TOKEN = 'runner-io-token';
/** The size of the full disk (and of the fallback's file-size limit). */
const DISK_BYTES = 2 * 1024 * 1024;
/** What the disk-full job prints: more than the disk holds. */
const FILL_BYTES = 3_000_000;

const tmp = mkdtempSync(join(tmpdir(), 'aup-runner-io-'));
/** Working directories on small disks: one for `aup run`, one for `aup worker`. */
const disk = join(tmp, 'disk');
const workerDisk = join(tmp, 'worker-disk');
mkdirSync(disk);
mkdirSync(workerDisk);

/** A real tmpfs of DISK_BYTES at `dir`, when this process may mount one. */
function mountSmallDisk(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // root without CAP_SYS_ADMIN (an unprivileged container)
  }
}
const mounted = mountSmallDisk(disk) && mountSmallDisk(workerDisk);
const FULL_DISK = mounted
  ? `a ${DISK_BYTES / 1024 / 1024} MB tmpfs (ENOSPC)`
  : `a ${DISK_BYTES / 1024 / 1024} MB file-size limit, prlimit --fsize (EFBIG)`;
const DISK_ERROR = mounted ? 'ENOSPC' : 'EFBIG';

afterAll(() => {
  // Lazily: a process a broken runner left behind may still have its working directory there.
  for (const dir of [disk, workerDisk]) if (mounted) execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  rmSync(tmp, { recursive: true, force: true });
});

/** The command line of `aup`, under a file-size limit when asked (the fallback for a full disk). */
function aupArgv(args: string[], limitFileSize: boolean): [string, ...string[]] {
  const argv: [string, ...string[]] = [process.execPath, AUP_BIN, ...args];
  return limitFileSize ? ['prlimit', `--fsize=${DISK_BYTES}`, '--', ...argv] : argv;
}

function aup(args: string[], cwd: string, limitFileSize = false, env: NodeJS.ProcessEnv = {}) {
  const [file, ...rest] = aupArgv(args, limitFileSize);
  const r = spawnSync(file, rest, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, AUP_DB: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs aup-board on a free port until `use` is done; `use` gets the API's base URL. */
async function withBoard(db: string, cwd: string, use: (api: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [BOARD_BIN, '--db', db, '--port', '0', '--token', TOKEN], {
    cwd,
    env: { ...process.env, AUP_DB: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const api = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^aup-board: (http:\/\/\S+)$/m.exec(out);
        if (m) resolve(`${new URL(m[1]!).origin}/api/v1`);
      });
      void exited.then(() => reject(new Error(`aup-board exited before printing its URL: ${out}`)));
    });
    await use(api);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function experiment(dir: string, script: string, extra: Record<string, unknown> = {}): string {
  writeFileSync(join(dir, 'job.sh'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, 'job.sh'), 0o755);
  const config = join(dir, 'experiment.json');
  writeFileSync(
    config,
    JSON.stringify({
      script: './job.sh',
      proposer: 'random',
      n_samples: 1,
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      ...extra,
    }),
  );
  return config;
}

/** Whether `pid` still runs (a zombie nobody has reaped does not). */
function alive(pid: number): boolean {
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
}

const crashed = (stderr: string) => expect(stderr).not.toMatch(/Unhandled 'error' event|node:events|^\s+at .+:\d+:\d+\)?$/m);

describe('a full disk under the working directory', () => {
  it(`fails the attempts with the file and the error, stops their jobs, and the experiment ends (${FULL_DISK})`, async () => {
    // The job prints its background child's pid, then more than the disk holds, then waits: a
    // runner that does not stop it would leave both behind.
    const config = experiment(
      disk,
      `sleep 60 & echo "child $!"; head -c ${FILL_BYTES} /dev/zero | tr '\\0' x; echo; wait; echo '#Auptimizer:1'`,
      {
        n_samples: 2,
        job_failure: { ignore_fail: true, job_retries: 0 },
      },
    );
    const db = join(tmp, 'full.db');
    const r = aup(['run', config, '--db', db], disk, !mounted);
    crashed(r.stderr);
    expect(r.code, r.stderr).toBe(0);

    const store = await openStore(db);
    try {
      const [exp] = await store.listExperiments();
      expect(exp!.status).toBe('finished');
      const jobs = await store.listJobs(exp!.id);
      expect(jobs.map((j) => j.status)).toEqual(['failed', 'failed']);
      const attempts = (await Promise.all(jobs.map((j) => store.listAttempts(j.id)))).flat();
      expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed']);
      const code = DISK_ERROR;
      // The first job fills the disk through its log; the second cannot get its job file or log written.
      expect(attempts[0]!.error).toMatch(new RegExp(`^cannot write the log ${disk}/\\S+\\.1\\.out: ${code}`));
      expect(attempts[1]!.error).toMatch(
        new RegExp(`^cannot (write the job file|write the log|open the log|create the folder) ${disk}/\\S+: ${code}`),
      );
      // The error names the log, which kept what fitted: the child's pid first.
      const log = readFileSync(/^cannot write the log (\S+):/.exec(attempts[0]!.error!)![1]!, 'utf8');
      const child = Number(/^child (\d+)$/m.exec(log)![1]);
      await expect.poll(() => alive(child)).toBe(false);
    } finally {
      await store.close();
    }
  });
});

describe('a full disk under an aup worker', () => {
  it(`fails the attempts with the file and the error while the worker goes on, and the driver ends the experiment (${FULL_DISK})`, async () => {
    const config = experiment(workerDisk, `head -c ${FILL_BYTES} /dev/zero | tr '\\0' x; echo; echo '#Auptimizer:1'`, {
      n_samples: 2,
      job_failure: { ignore_fail: true, job_retries: 0 },
    });
    const db = join(tmp, 'worker.db');
    const started = (argv: [string, ...string[]], cwd: string) => {
      const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, AUP_DB: '' } });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      return { child, output: () => out, exit: new Promise<number | null>((resolve) => child.on('close', resolve)) };
    };
    const driver = started(aupArgv(['run', config, '--db', db, '--workers', 'external'], false), workerDisk);
    const worker = started(aupArgv(['worker', '--db', db, '--slots', '1'], !mounted), tmp);
    try {
      expect(await driver.exit, driver.output()).toBe(0);
      // The worker is still there, waiting for more jobs.
      expect(worker.child.exitCode, worker.output()).toBeNull();
      const store = await openStore(db);
      try {
        expect((await store.listExperiments()).map((e) => e.status)).toEqual(['finished']);
        const jobs = await store.listJobs(1);
        expect(jobs.map((j) => j.status)).toEqual(['failed', 'failed']);
        const attempts = (await Promise.all(jobs.map((j) => store.listAttempts(j.id)))).flat();
        expect(attempts.every((a) => a.status === 'failed' && a.endedAt !== null)).toBe(true);
        expect(attempts[0]!.error).toMatch(new RegExp(`^cannot write the log ${workerDisk}/\\S+\\.1\\.out: ${DISK_ERROR}`));
      } finally {
        await store.close();
      }
    } finally {
      // A driver still waiting here has lost its worker: nothing would end it.
      if (driver.child.exitCode === null) driver.child.kill('SIGKILL');
      worker.child.kill('SIGINT');
    }
    expect(await worker.exit, worker.output()).toBe(0);
    crashed(worker.output());
    crashed(driver.output());
  });
});

describe('a job printing without newlines', () => {
  it('does not stop the runner: the score printed after 64 MiB without a newline is recorded, with one warning', async () => {
    const dir = mkdtempSync(join(tmp, 'runaway-'));
    const config = experiment(dir, `head -c 67108864 /dev/zero | tr '\\0' x; echo; echo '#Auptimizer:0.5'`);
    const db = join(dir, 'runaway.db');
    const r = aup(['run', config, '--db', db], dir);
    crashed(r.stderr);
    expect(r.code, r.stderr).toBe(0);
    const show = JSON.parse(aup(['show', '1', '--json', '--db', db], dir).stdout) as {
      jobs: Array<{ status: string; score: number; warnings: string[] }>;
    };
    expect(show.jobs).toEqual([expect.objectContaining({ status: 'finished', score: 0.5 })]);
    expect(show.jobs[0]!.warnings).toEqual([
      expect.stringMatching(
        /^stdout line 1: longer than 1,048,576 characters \(the line limit\), so not read for protocol records; the log keeps it whole$/,
      ),
    ]);
  });
});

describe('text records', () => {
  it('are stored cut to 65,536 characters, and a 10 MB one (over the line limit) is not stored, each with a warning', async () => {
    const dir = mkdtempSync(join(tmp, 'text-'));
    const record = (name: string, bytes: number) =>
      `printf '#aup:{"type":"text","name":"${name}","text":"'; head -c ${bytes} /dev/zero | tr '\\0' t; echo '"}'`;
    const config = experiment(dir, `${record('big', 100_000)}; ${record('huge', 10_000_000)}; echo '#Auptimizer:1'`);
    const db = join(dir, 'text.db');
    const r = aup(['run', config, '--db', db], dir);
    expect(r.code, r.stderr).toBe(0);
    const store = await openStore(db);
    try {
      const [job] = await store.listJobs(1);
      const texts = await store.listTextRecords(job!.id);
      expect(texts.map((t) => [t.name, (t.payload as { text: string }).text.length])).toEqual([['big', 65_536]]);
      expect(job!.warnings).toEqual([
        'stdout line 1: text record "big" has 100,000 characters; only its first 65,536 are kept (the text record limit)',
        'stdout line 2: longer than 1,048,576 characters (the line limit), so not read for protocol records; the log keeps it whole; it began with "#aup:", so that record is lost',
      ]);
    } finally {
      await store.close();
    }
  });
});

describe('job files of two databases in one working directory', () => {
  it('are written apart, survive a database made again, and the board deletes only its own', async () => {
    const dir = mkdtempSync(join(tmp, 'shared-'));
    // The same experiment, so both databases have experiment 1 with jobs 1 and 2.
    const config = experiment(dir, `echo "run $RUN_TAG"; echo '#Auptimizer:1'`, { n_samples: 2 });
    const run = (db: string, tag: string) => {
      const r = aup(['run', config, '--db', join(dir, db)], dir, false, { RUN_TAG: tag });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(aup(['show', '1', '--json', '--db', join(dir, db)], dir).stdout) as { experiment: { job_dir: string } }).experiment
        .job_dir;
    };
    const a = run('a.db', 'A');
    const b = run('b.db', 'B');
    expect(a).not.toBe(b);
    const log = (jobDir: string, jid: number) => readFileSync(join(dir, jobDir, `${jid}.1.out`), 'utf8');
    expect([log(a, 1), log(a, 2), log(b, 1), log(b, 2)]).toEqual([
      'run A\n#Auptimizer:1\n',
      'run A\n#Auptimizer:1\n',
      'run B\n#Auptimizer:1\n',
      'run B\n#Auptimizer:1\n',
    ]);

    // a.db deleted and made again: its new experiment 1 gets a new folder; the old logs stay as they were.
    rmSync(join(dir, 'a.db'));
    const again = run('a.db', 'A2');
    expect(new Set([a, b, again]).size).toBe(3);
    expect(log(a, 1)).toBe('run A\n#Auptimizer:1\n');
    expect(log(again, 1)).toBe('run A2\n#Auptimizer:1\n');

    // The board over b.db deletes experiment 1 with its files: b's folder goes, a's stay whole.
    await withBoard(join(dir, 'b.db'), dir, async (api) => {
      const res = await fetch(`${api}/experiments/1?files=true`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ deleted: true, jobs_deleted: 2, files_removed: 4, files_skipped: [] });
    });
    expect(existsSync(join(dir, b))).toBe(false);
    expect(readdirSync(join(dir, a)).sort()).toEqual(['1.1.out', '1.json', '2.1.out', '2.json']);
    expect(readdirSync(join(dir, again)).sort()).toEqual(['1.1.out', '1.json', '2.1.out', '2.json']);
  });
});
