import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';

import { describe, expect, it } from 'vitest';

import type { DriverLease } from '../store/store-types.js';
import { driverLiveError, holderIsGone, isLeaseLive, processStartOf } from './driver-lease.js';

const me = { token: 't', host: hostname(), pid: process.pid, processStart: processStartOf(process.pid) };

function lease(over: Partial<DriverLease> = {}): DriverLease {
  return { experimentId: 7, acquiredAt: 1_000, heartbeatAt: 5_000, expiresAt: 35_000, readAt: 7_500, ...me, ...over };
}

/** The pid of a process that has ended and been reaped. */
function deadPid(): number {
  return Number(spawnSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}

describe('a driver lease holder', () => {
  it('on this host is alive while its pid runs with the start time it recorded', () => {
    expect(holderIsGone(me)).toBe(false);
    expect(isLeaseLive(lease())).toBe(true);
  });

  it('on this host is gone when its pid no longer runs', () => {
    expect(holderIsGone({ ...me, pid: deadPid() })).toBe(true);
  });

  it.runIf(me.processStart !== null)('on this host is gone when its pid now names a later process (pid reuse)', () => {
    expect(holderIsGone({ ...me, processStart: `${me.processStart!.split(':')[0]}:1` })).toBe(true);
  });

  it('on another host is judged by its heartbeat alone', () => {
    const away = { ...me, host: `not-${hostname()}`, pid: deadPid() };
    expect(holderIsGone(away)).toBe(false);
    expect(isLeaseLive(lease(away))).toBe(true);
    expect(isLeaseLive(lease({ ...away, expiresAt: 7_000 }))).toBe(false);
  });

  it('is named in the refusal with its host, pid and heartbeat age', () => {
    const e = driverLiveError(lease());
    expect(e.code).toBe('AUP_ERR_DRIVER_LIVE');
    expect(e.message).toContain(`Experiment 7 is driven by another process: pid ${process.pid} on host ${hostname()}, heartbeat 2.5 s ago`);
    expect(e.details).toEqual({ experimentId: 7, host: hostname(), pid: process.pid, heartbeatAgeMs: 2_500 });
  });
});
