/**
 * Secrets never on argv (issue 12, finding 9): any user of the machine reads every process's
 * command line (`ps`, /proc/<pid>/cmdline), so a PostgreSQL password in a URL there is public. The
 * processes aup starts by itself (the board's runners, `aup run --board`'s board) get the database
 * URL through their environment, which /proc shows to their owner only. Checked on the real child
 * processes, over a real PostgreSQL with a role whose password appears nowhere else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUP_BIN = join(ROOT, 'packages/core/bin/aup.js');
const BOARD_BIN = join(ROOT, 'packages/server/bin/aup-board.js');
const TOKEN = 'argv-secrets-token';
const WAIT_MS = 60_000;
const POLL_MS = 100;

const role = `aup_argv_${randomBytes(4).toString('hex')}`;
const password = `pw-${randomBytes(12).toString('hex')}`;
const database = `aup_argv_${randomBytes(4).toString('hex')}`;
let admin: pg.Client;
/** The URL with the password, as a user would give it (in $AUP_DB here, so the tests' own argv stays clean too). */
let dbUrl: string;
let tmp: string;
const children: ChildProcess[] = [];
/** Processes a child started (the board of aup run --board), killed at the end if still there. */
const strays: number[] = [];

beforeAll(async () => {
  admin = new pg.Client({ connectionString: inject('pgUrl') });
  await admin.connect();
  await admin.query(`create role ${role} login password '${password}'`);
  await admin.query(`create database ${database} owner ${role}`);
  const url = new URL(inject('pgUrl'));
  url.username = role;
  url.password = password;
  url.pathname = `/${database}`;
  dbUrl = url.toString();
  tmp = mkdtempSync(join(tmpdir(), 'aup-argv-'));
  // Jobs that take a while, so the processes are alive to be looked at.
  writeFileSync(join(tmp, 'slow.sh'), 'sleep 1\necho "#Auptimizer:1"\n');
  writeFileSync(
    join(tmp, 'experiment.json'),
    JSON.stringify({ name: 'argv', script: 'slow.sh', n_samples: 3, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] }),
  );
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already, as it should be.
    }
  }
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.query(`drop role if exists ${role}`);
  await admin.end();
  rmSync(tmp, { recursive: true, force: true });
});

/** The command line of a process, arguments joined by spaces; '' once it has gone. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Every live descendant of `pid` (from the parent pid in /proc/<pid>/stat). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the fields after it are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // Gone between the listing and the read.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, AUP_DB: dbUrl };
}

function start(bin: string, args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: tmp, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function expectNoSecret(pids: number[]): void {
  for (const pid of pids) {
    const line = cmdline(pid);
    expect(line, `process ${pid}`).not.toContain(password);
    expect(line, `process ${pid}`).not.toContain('postgres://');
  }
}

describe('the database URL of the processes aup starts', () => {
  it("aup run --board: the board child's command line holds no URL, and it serves the run's database", async () => {
    const run = start(AUP_BIN, ['run', 'experiment.json', '--board', '--board-port', '0']);
    const url = await until('the board URL', () => /^board: (http:\/\/\S+)$/m.exec(run.output())?.[1]);
    const kids = await until('the board child', () => {
      const all = descendants(run.child.pid!);
      return all.some((p) => cmdline(p).includes('aup-board')) ? all : undefined;
    });
    const board = kids.find((p) => cmdline(p).includes('aup-board'))!;
    strays.push(board);
    expectNoSecret(kids);
    expect(cmdline(board)).toContain('--attached');
    // The board starts before the run records its experiment.
    const names = await until('the experiment on the board', async () => {
      const listed = (await (await fetch(`${new URL(url).origin}/api/v1/experiments`)).json()) as { experiments: { name: string }[] };
      return listed.experiments.length > 0 ? listed.experiments.map((e) => e.name) : undefined;
    });
    expect(names).toEqual(['argv']);
    run.child.kill('SIGINT');
    await run.exited;
    // Ctrl-C stops the run and its board: nothing is left behind.
    await until('the board to exit with the run', () => (cmdline(board) === '' ? true : undefined));
  });

  it("the board's runner: its command line holds no URL, and it runs the experiment in the board's database", async () => {
    const board = start(BOARD_BIN, ['--port', '0', '--token', TOKEN]);
    const base = await until('the board URL', () => /^aup-board: (http:\/\/\S+)$/m.exec(board.output())?.[1]);
    try {
      const api = `${new URL(base).origin}/api/v1`;
      const res = await fetch(`${api}/experiments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({
          config: { name: 'started', script: 'slow.sh', n_samples: 2, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] },
          working_dir: tmp,
          start: true,
        }),
      });
      const body = (await res.json()) as { experiment: { id: number }; runner: { pid: number } | null };
      expect(res.status, JSON.stringify(body)).toBe(201);
      const runner = body.runner!.pid;
      expect(cmdline(runner)).toMatch(/aup\.js resume \d+$/);
      expectNoSecret([runner, ...descendants(runner)]);
      const done = await until('the experiment to end', async () => {
        const exp = (await (await fetch(`${api}/experiments/${body.experiment.id}`)).json()) as { status: string };
        return ['finished', 'failed'].includes(exp.status) ? exp.status : undefined;
      });
      expect(done).toBe('finished');
    } finally {
      board.child.kill('SIGINT');
      expect(await board.exited).toBe(0);
    }
  });
});

describe('what aup prints for the next command', () => {
  it('hides the password in the commands it suggests', async () => {
    const dir = join(tmp, 'print');
    mkdirSync(dir);
    writeFileSync(join(dir, 'fail.sh'), 'exit 3\n');
    writeFileSync(
      join(dir, 'experiment.json'),
      JSON.stringify({ name: 'p', script: 'fail.sh', n_samples: 1, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] }),
    );
    const run = spawn(process.execPath, [AUP_BIN, 'run', 'experiment.json', '--db', dbUrl, '--workers', 'external'], {
      cwd: dir,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(run);
    let out = '';
    run.stdout.on('data', (d: Buffer) => (out += d.toString()));
    run.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await until('the worker hint', () => (/start them with "aup worker[^"]*"/.test(out) ? true : undefined));
    run.kill('SIGINT');
    await new Promise((r) => run.on('exit', r));
    expect(out).toMatch(/start them with "aup worker --db postgres:\/\/aup_argv_\w+:\*\*\*@/);
    expect(out).not.toContain(password);
  });
});
