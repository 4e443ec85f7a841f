import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

import { AupError } from '../errors.js';
import type { DriverHolder, DriverLease, DriverLeases } from '../store/store-types.js';

/**
 * How long a driver's lease holds without a heartbeat. A dead driver on this host is taken over at
 * once (its pid is gone), so this bounds only two waits: for a driver that died on another machine
 * (PostgreSQL), and for a frozen one. 30 s, as `aup worker`'s lease (docs/decisions/0010): long
 * enough that a driver whose event loop is busy for a while (a proposer's ask over thousands of
 * trials, a slow disk) is not taken for dead.
 */
export const DRIVER_LEASE_MS = 30_000;
/**
 * How often a driver renews its lease: six chances before it runs out, so one or two heartbeats
 * lost to a busy database or event loop do not lose it. One small write per 5 s costs nothing.
 */
export const DRIVER_HEARTBEAT_MS = 5_000;
/** Acquire attempts: a holder found dead is replaced, and the replace may race another driver's. */
const ACQUIRE_TRIES = 3;

let bootId: string | null | undefined;

/**
 * What tells process `pid` apart from a later one with the same pid: on Linux the boot id and the
 * start time in clock ticks (/proc/<pid>/stat, field 22), which no later process shares; null
 * where the system does not say (then only the pid's liveness counts, and a reused pid keeps a
 * dead driver's lease until its heartbeat runs out).
 */
export function processStartOf(pid: number): string | null {
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start === undefined ? null : `${bootId}:${start}`;
  } catch {
    bootId ??= null;
    return null;
  }
}

/** Whether process `pid` of this host runs (a zombie does not). */
function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists, as another user's process.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc: kill(0) has spoken
  }
}

/**
 * Whether a lease's holder is certainly gone: it ran on this host and its pid no longer runs, or
 * now names another process (a later start time). A holder on another host cannot be checked from
 * here: only its heartbeat speaks for it.
 */
export function holderIsGone(h: DriverHolder, host: string = hostname()): boolean {
  if (h.host !== host) return false;
  if (!pidRuns(h.pid)) return true;
  if (h.processStart === null) return false;
  const now = processStartOf(h.pid);
  return now !== null && now !== h.processStart;
}

/** Whether a lease keeps another driver out: not expired, and its holder not known to be gone. */
export function isLeaseLive(lease: DriverLease, host: string = hostname()): boolean {
  return lease.expiresAt > lease.readAt && !holderIsGone(lease, host);
}

/** Seconds since a lease's last heartbeat, for messages. */
export function heartbeatAge(lease: DriverLease): string {
  return (Math.max(0, lease.readAt - lease.heartbeatAt) / 1000).toFixed(1);
}

/** The refusal of a second driver: who drives the experiment, and what to do. */
export function driverLiveError(lease: DriverLease): AupError {
  const elsewhere = lease.host !== hostname();
  return new AupError(
    'AUP_ERR_DRIVER_LIVE',
    `Experiment ${lease.experimentId} is driven by another process: pid ${lease.pid} on host ${lease.host}, heartbeat ${heartbeatAge(lease)} s ago. ` +
      'Wait for it to end or stop it (Ctrl-C in its terminal, or Stop on the board), then resume' +
      (elsewhere ? `; if it died, its lease runs out ${DRIVER_LEASE_MS / 1000} s after its last heartbeat` : ''),
    {
      details: {
        experimentId: lease.experimentId,
        host: lease.host,
        pid: lease.pid,
        heartbeatAgeMs: Math.max(0, lease.readAt - lease.heartbeatAt),
      },
    },
  );
}

/** Throws AUP_ERR_DRIVER_LIVE when a live driver holds the experiment (the board's check before it starts a runner). */
export async function checkNoLiveDriver(store: DriverLeases, experimentId: number): Promise<void> {
  const lease = await store.getDriverLease(experimentId);
  if (lease !== undefined && isLeaseLive(lease)) throw driverLiveError(lease);
}

export interface DriverLeaseOptions {
  leaseMs?: number;
  heartbeatMs?: number;
}

/**
 * The lease this process holds on an experiment while it drives it: renewed in the background,
 * released by `release()`. When a heartbeat finds it lost (another driver took over after this one
 * went silent too long), `onLost` listeners run and the driver must stop writing.
 */
export class DriverLeaseHandle {
  readonly #store: DriverLeases;
  readonly #leaseMs: number;
  readonly #timer: NodeJS.Timeout;
  #lastRenewed = Date.now();
  #renewing = false;
  #lost = false;
  #released = false;
  readonly #listeners = new Set<() => void>();

  constructor(
    store: DriverLeases,
    readonly lease: DriverLease,
    /** The lease this one replaced: a driver that died without releasing it; null when there was none. */
    readonly previous: DriverLease | null,
    options: Required<DriverLeaseOptions>,
  ) {
    this.#store = store;
    this.#leaseMs = options.leaseMs;
    this.#timer = setInterval(() => void this.#beat(), options.heartbeatMs);
    // The drive keeps the process alive; the heartbeat must not keep it alive after.
    this.#timer.unref();
  }

  get token(): string {
    return this.lease.token;
  }

  get lost(): boolean {
    return this.#lost;
  }

  /** Runs `fn` once the lease is found lost (at once if it is already). */
  onLost(fn: () => void): () => void {
    if (this.#lost) fn();
    else this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async #beat(): Promise<void> {
    if (this.#renewing || this.#released || this.#lost) return;
    this.#renewing = true;
    try {
      if (await this.#store.renewDriverLease(this.lease.experimentId, this.token, this.#leaseMs)) this.#lastRenewed = Date.now();
      else this.#lose();
    } catch {
      // The database did not answer: try again at the next beat, unless the lease has run out
      // meanwhile (another driver may have taken it over).
      if (Date.now() - this.#lastRenewed > this.#leaseMs) this.#lose();
    } finally {
      this.#renewing = false;
    }
  }

  #lose(): void {
    if (this.#released) return;
    this.#lost = true;
    clearInterval(this.#timer);
    for (const fn of this.#listeners) fn();
    this.#listeners.clear();
  }

  /** Stops the heartbeat and gives the lease up; a store that fails here leaves a lease that runs out by itself. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    if (this.#lost) return;
    await this.#store.releaseDriverLease(this.lease.experimentId, this.token).catch(() => undefined);
  }
}

/**
 * Takes the driver lease of an experiment for this process: at once if nobody holds it, if its
 * holder's lease ran out, or if its holder is gone from this host (a kill -9); otherwise throws
 * AUP_ERR_DRIVER_LIVE naming the live driver.
 */
export async function acquireDriverLease(
  store: DriverLeases,
  experimentId: number,
  options: DriverLeaseOptions = {},
): Promise<DriverLeaseHandle> {
  const leaseMs = options.leaseMs ?? DRIVER_LEASE_MS;
  const heartbeatMs = options.heartbeatMs ?? DRIVER_HEARTBEAT_MS;
  const me: DriverHolder = {
    token: randomBytes(16).toString('hex'),
    host: hostname(),
    pid: process.pid,
    processStart: processStartOf(process.pid),
  };
  let replace: string | undefined;
  let holder: DriverLease | undefined;
  for (let i = 0; i < ACQUIRE_TRIES; i++) {
    const got = await store.acquireDriverLease({ experimentId, leaseMs, replace, ...me });
    if (got.acquired) return new DriverLeaseHandle(store, got.lease, got.previous, { leaseMs, heartbeatMs });
    holder = got.holder;
    if (!holderIsGone(holder, me.host)) break;
    replace = holder.token;
  }
  throw driverLiveError(holder!);
}
