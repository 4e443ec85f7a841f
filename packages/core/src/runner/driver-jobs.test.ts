import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { afterEach, describe, expect, it } from 'vitest';

import { canFindDriverJobs, DRIVER_TOKEN_ENV, findDriverJobs, stopDriverJobs } from './driver-jobs.js';

// Real processes, as a dead driver leaves them: detached (a group of their own), marked with the
// driver's token in their environment, one of them deaf to SIGTERM. Linux only (/proc).
const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

function job(script: string, token: string): ChildProcess {
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore', env: { ...process.env, [DRIVER_TOKEN_ENV]: token } });
  started.push(child);
  return child;
}

function runs(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
}

describe.runIf(canFindDriverJobs())('the job processes of a dead driver', () => {
  it('are found by the token in their environment, with their children, and no others', async () => {
    const mine = job('sleep 60 & wait', 'tok-a');
    const other = job('sleep 60', 'tok-b');
    await until(() => findDriverJobs('tok-a').length === 2);
    const found = findDriverJobs('tok-a');
    // The shell and its `sleep`, both in the shell's group.
    expect(found.map((f) => f.pgid)).toEqual([mine.pid, mine.pid]);
    expect(found.map((f) => f.pid)).toContain(mine.pid);
    expect(findDriverJobs('tok-b').map((f) => f.pid)).toContain(other.pid);
    expect(findDriverJobs('tok-')).toEqual([]);
  });

  it('are stopped with their groups, SIGKILL after the grace for one that ignores SIGTERM, and are gone when the stop returns', async () => {
    const polite = job('sleep 60', 'tok-c');
    const deaf = job("trap '' TERM; while :; do sleep 1; done", 'tok-c');
    const bystander = job('sleep 60', 'tok-d');
    await until(() => findDriverJobs('tok-c').length >= 3);
    const stopped = await stopDriverJobs('tok-c', 300);
    expect(stopped.found).toBeGreaterThanOrEqual(3);
    expect(stopped.left).toEqual([]);
    expect(findDriverJobs('tok-c')).toEqual([]);
    expect([polite.pid, deaf.pid].filter((p) => runs(p!))).toEqual([]);
    expect(runs(bystander.pid!)).toBe(true);
  });

  it('is nothing to do when none is left', async () => {
    expect(await stopDriverJobs('tok-none', 300)).toEqual({ found: 0, left: [] });
  });
});
