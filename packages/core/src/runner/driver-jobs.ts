import { readdirSync, readFileSync } from 'node:fs';

import { KILL_GRACE_MS } from './job-control.js';

/**
 * The variable that marks every job process of a driver with its lease token (jobEnv): a driver
 * that takes over a dead one's lease finds the processes it left by this mark in their
 * environment (docs/decisions/0019-driver-lease.md). It finds the job's own children too (they
 * inherit it), and jobs that started in the moment before their pid reached the store.
 */
export const DRIVER_TOKEN_ENV = 'AUP_DRIVER_TOKEN';

/** How often the stop looks again whether the processes are gone. */
const STOP_POLL_MS = 50;
/** After SIGKILL, how long to wait for the kernel to end them (a process in uninterruptible I/O takes its time). */
const KILL_WAIT_MS = 5_000;

interface Marked {
  pid: number;
  pgid: number;
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Whether this system lists processes with their environment (Linux's /proc). */
export function canFindDriverJobs(): boolean {
  return statFields('self') !== undefined;
}

/**
 * Live processes (not zombies, not this one) whose environment carries `token` as the driver mark,
 * with their process groups. Only processes of this user can be read, which are the ones a driver
 * of this user started.
 */
export function findDriverJobs(token: string): Marked[] {
  const entry = `\0${DRIVER_TOKEN_ENV}=${token}\0`;
  const out: Marked[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // another user's, or gone
    }
    if (!`\0${env}`.includes(entry) && !`\0${env}\0`.includes(entry)) continue;
    const fields = statFields(pid);
    // Fields after the name: state, ppid, pgrp. A zombie has ended: only its parent's wait is missing.
    if (fields === undefined || fields[0] === 'Z') continue;
    out.push({ pid, pgid: Number(fields[2]) });
  }
  return out;
}

function signal(targets: Marked[], sig: NodeJS.Signals, ownGroup: number | undefined): void {
  const groups = new Set(targets.map((t) => t.pgid).filter((g) => g > 1 && g !== ownGroup));
  // The group first: it holds the job's shell and whatever the job started without the mark.
  for (const g of groups) {
    try {
      process.kill(-g, sig);
    } catch {
      // gone already
    }
  }
  for (const t of targets) {
    try {
      process.kill(t.pid, sig);
    } catch {
      // gone already
    }
  }
}

async function waitGone(token: string, ms: number): Promise<Marked[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = findDriverJobs(token);
    if (left.length === 0 || Date.now() >= until) return left;
    await new Promise((r) => setTimeout(r, STOP_POLL_MS));
  }
}

/** What stopping a dead driver's jobs found. */
export interface DriverJobsStopped {
  /** Processes that carried the mark when the stop began. */
  found: number;
  /** Pids still there after SIGKILL and KILL_WAIT_MS (normally none). */
  left: number[];
}

/**
 * Stops the job processes a dead driver left on this host, as a stop of a job does (SIGTERM to the
 * process group, SIGKILL after `graceMs`), and waits until they are gone. Linux only (it reads
 * /proc); check canFindDriverJobs() first.
 */
export async function stopDriverJobs(token: string, graceMs = KILL_GRACE_MS): Promise<DriverJobsStopped> {
  const found = findDriverJobs(token);
  if (found.length === 0) return { found: 0, left: [] };
  // Never our own group: a driver started from a dead driver's job (a nested `aup run`) must not
  // signal itself and its terminal's other processes.
  const own = statFields('self');
  const ownGroup = own === undefined ? undefined : Number(own[2]);
  signal(found, 'SIGTERM', ownGroup);
  let left = await waitGone(token, graceMs);
  if (left.length > 0) {
    signal(left, 'SIGKILL', ownGroup);
    left = await waitGone(token, KILL_WAIT_MS);
  }
  return { found: found.length, left: left.map((m) => m.pid) };
}
