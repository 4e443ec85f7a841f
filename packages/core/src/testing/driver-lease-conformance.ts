import { describe, expect, it } from 'vitest';

import type { Json } from '../types.js';
import type { DriverHolder, DriverLeaseRequest } from '../store/store-types.js';
import type { StoreSuiteContext } from './store-suite.js';

/** What the driver-lease tests need from the enclosing store suite (the StoreSuiteContext of every role's suite). */
export type DriverLeaseConformanceOptions = StoreSuiteContext;

// Long enough that no lease in these tests runs out while the test runs, on a slow CI machine too.
const LONG_LEASE_MS = 60_000;
// A lease that has surely run out once EXPIRE_WAIT_MS have passed: leases are judged by the
// database's clock, so the wait is real time, not a mocked clock.
const SHORT_LEASE_MS = 1;
const EXPIRE_WAIT_MS = 30;
const RACE_ROUNDS = 8;
/** Drivers racing for one lease in each round. */
const RACERS = 4;

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function holder(n: number | string, host = 'box'): DriverHolder {
  return {
    token: `token-${n}`,
    host,
    pid: 1000 + (typeof n === 'number' ? n : 0),
    processStart: typeof n === 'number' ? `boot:${n}` : null,
  };
}

/**
 * The driver lease (docs/decisions/0019-driver-lease.md): one driver per experiment, taken by
 * compare-and-set, renewed and released only by its holder, taken over once it expires or when its
 * holder is named as dead.
 */
export function driverLeaseConformance(opts: StoreSuiteContext): void {
  describe('driver lease', () => {
    leaseTakeTests(opts);
    leaseHoldTests(opts);
  });
}

function leaseFixtures(opts: StoreSuiteContext) {
  const { store } = opts;
  const newExperiment = (name = 'leased') =>
    store().createExperiment({
      name,
      user: 'tester',
      proposer: 'random',
      target: 'max',
      nSamples: 4,
      configRaw: { name } as Json,
      config: { name } as Json,
      workingDir: '/tmp/work',
      host: {},
      git: null,
    });
  const request = (experimentId: number, who: DriverHolder, extra: Partial<DriverLeaseRequest> = {}): DriverLeaseRequest => ({
    experimentId,
    leaseMs: LONG_LEASE_MS,
    ...who,
    ...extra,
  });

  return { store, newExperiment, request };
}

function leaseTakeTests(opts: StoreSuiteContext): void {
  const { store, newExperiment, request } = leaseFixtures(opts);
  it('is taken by the first driver, with its host, pid and process start, and read back', async () => {
    const e = await newExperiment();
    expect(await store().getDriverLease(e.id)).toBeUndefined();
    const got = await store().acquireDriverLease(request(e.id, holder(1)));
    expect(got.acquired).toBe(true);
    if (!got.acquired) return;
    expect(got.previous).toBeNull();
    expect(got.lease).toMatchObject({ experimentId: e.id, ...holder(1) });
    expect(got.lease.heartbeatAt).toBe(got.lease.acquiredAt);
    expect(got.lease.expiresAt).toBe(got.lease.heartbeatAt + LONG_LEASE_MS);
    const read = await store().getDriverLease(e.id);
    expect(read).toMatchObject({ ...got.lease, readAt: expect.any(Number) as number });
    expect(read!.readAt).toBeGreaterThanOrEqual(read!.heartbeatAt);
  });

  it('refuses a second driver while the lease is live, answering who holds it', async () => {
    const e = await newExperiment();
    await store().acquireDriverLease(request(e.id, holder(1)));
    const second = await store().acquireDriverLease(request(e.id, holder(2, 'other')));
    expect(second.acquired).toBe(false);
    if (second.acquired) return;
    expect(second.holder).toMatchObject({ experimentId: e.id, ...holder(1) });
    // A wrong token to replace changes nothing.
    expect((await store().acquireDriverLease(request(e.id, holder(2), { replace: 'token-9' }))).acquired).toBe(false);
    expect((await store().getDriverLease(e.id))!.token).toBe('token-1');
  });

  it('is taken over when the caller names its holder as dead, answering the lease it replaced', async () => {
    const e = await newExperiment();
    await store().acquireDriverLease(request(e.id, holder(1)));
    const got = await store().acquireDriverLease(request(e.id, holder(2), { replace: 'token-1' }));
    expect(got.acquired).toBe(true);
    if (!got.acquired) return;
    expect(got.previous).toMatchObject(holder(1));
    expect(got.lease).toMatchObject(holder(2));
    // The replaced driver can neither renew nor release the lease it lost.
    expect(await store().renewDriverLease(e.id, 'token-1', LONG_LEASE_MS)).toBe(false);
    expect(await store().releaseDriverLease(e.id, 'token-1')).toBe(false);
    expect((await store().getDriverLease(e.id))!.token).toBe('token-2');
  });

  it('is taken over once it expires, without naming the holder', async () => {
    const e = await newExperiment();
    await store().acquireDriverLease(request(e.id, holder(1), { leaseMs: SHORT_LEASE_MS }));
    await wait(EXPIRE_WAIT_MS);
    const expired = await store().getDriverLease(e.id);
    expect(expired!.expiresAt).toBeLessThan(expired!.readAt);
    const got = await store().acquireDriverLease(request(e.id, holder(2)));
    expect(got.acquired).toBe(true);
    if (got.acquired) expect(got.previous).toMatchObject(holder(1));
  });

  it('is extended by its holder’s heartbeat only', async () => {
    const e = await newExperiment();
    const got = await store().acquireDriverLease(request(e.id, holder(1), { leaseMs: 1_000 }));
    if (!got.acquired) throw new Error('precondition: the first acquire wins');
    await wait(EXPIRE_WAIT_MS);
    expect(await store().renewDriverLease(e.id, 'token-1', LONG_LEASE_MS)).toBe(true);
    const renewed = (await store().getDriverLease(e.id))!;
    expect(renewed.heartbeatAt).toBeGreaterThan(got.lease.heartbeatAt);
    expect(renewed.expiresAt).toBe(renewed.heartbeatAt + LONG_LEASE_MS);
    expect(renewed.acquiredAt).toBe(got.lease.acquiredAt);
    expect(await store().renewDriverLease(e.id, 'token-2', LONG_LEASE_MS)).toBe(false);
    // An expired lease nobody took over is still its holder's to renew.
    await store().renewDriverLease(e.id, 'token-1', SHORT_LEASE_MS);
    await wait(EXPIRE_WAIT_MS);
    expect(await store().renewDriverLease(e.id, 'token-1', LONG_LEASE_MS)).toBe(true);
    expect((await store().acquireDriverLease(request(e.id, holder(2)))).acquired).toBe(false);
  });

  it('is released by its holder, after which the next driver takes it with no previous holder', async () => {
    const e = await newExperiment();
    await store().acquireDriverLease(request(e.id, holder(1)));
    expect(await store().releaseDriverLease(e.id, 'token-2')).toBe(false);
    expect(await store().releaseDriverLease(e.id, 'token-1')).toBe(true);
    expect(await store().getDriverLease(e.id)).toBeUndefined();
    expect(await store().releaseDriverLease(e.id, 'token-1')).toBe(false);
    const again = await store().acquireDriverLease(request(e.id, holder(2)));
    expect(again).toMatchObject({ acquired: true, previous: null });
  });
}

function leaseHoldTests(opts: StoreSuiteContext): void {
  const { store, newExperiment, request } = leaseFixtures(opts);
  it('is held per experiment, and goes with its experiment', async () => {
    const a = await newExperiment('a');
    const b = await newExperiment('b');
    expect((await store().acquireDriverLease(request(a.id, holder(1)))).acquired).toBe(true);
    expect((await store().acquireDriverLease(request(b.id, holder(2)))).acquired).toBe(true);
    await store().deleteExperiment(a.id);
    expect(await store().getDriverLease(a.id)).toBeUndefined();
    expect((await store().getDriverLease(b.id))!.token).toBe('token-2');
  });

  it('refuses an experiment that does not exist', async () => {
    await expect(store().acquireDriverLease(request(424242, holder(1)))).rejects.toMatchObject({ code: 'AUP_ERR_EXPERIMENT_NOT_FOUND' });
  });

  it(`lets exactly one of ${RACERS} racing drivers win a new lease, and an expired one`, async () => {
    const stores = [store()];
    for (let i = 1; i < RACERS; i++) {
      if (opts.openSibling === undefined) {
        stores.push(store());
      } else {
        const s = await opts.openSibling(store());
        opts.track(s);
        stores.push(s);
      }
    }
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const e = await newExperiment(`race ${round}`);
      const first = await Promise.all(stores.map((s, i) => s.acquireDriverLease(request(e.id, holder(`${round}-${i}`)))));
      const winners = first.filter((r) => r.acquired);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.acquired ? winners[0]!.lease.token : '';
      for (const r of first) if (!r.acquired) expect(r.holder.token).toBe(winner);
      // The winner's last heartbeat makes its lease run out at once.
      expect(await store().renewDriverLease(e.id, winner, SHORT_LEASE_MS)).toBe(true);
      await wait(EXPIRE_WAIT_MS);
      const second = await Promise.all(stores.map((s, i) => s.acquireDriverLease(request(e.id, holder(`${round}-again-${i}`)))));
      const taken = second.filter((r) => r.acquired);
      expect(taken).toHaveLength(1);
      if (taken[0]!.acquired) expect(taken[0]!.previous!.token).toBe(winner);
      expect((await store().getDriverLease(e.id))!.token).toBe(taken[0]!.acquired ? taken[0]!.lease.token : '');
    }
  });
}
