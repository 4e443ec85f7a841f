// Worker mode's control paths (issue 6 §2), with the driver (`driveExperiment`) and a worker
// (`runWorker`) in this process, each on its own store of a real PostgreSQL, and real job
// processes: early stopping decided by the driver and carried out by the worker, a kill from the
// board, and a stop that withdraws queued jobs and interrupts running ones, then a resume.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createExperiment,
  cpuSlots,
  driveExperiment,
  loadConfig,
  openStore,
  requestKillJob,
  runWorker,
  waitForControlResult,
  type ClaimedJob,
  type Store,
  type WorkerSummary,
} from '@aup/core';
import { testDatabases } from '../setup/databases.js';

const pgDb = testDatabases().find((d) => d.kind === 'postgres')!;
/** Short, so requests reach the worker quickly (its heartbeat is a fifth of the lease). */
const LEASE_MS = 1_500;
const LOOK_MS = 50;
const WAIT_MS = 30_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(
  files: Record<string, string>,
  config: Record<string, unknown>,
  { slots = 2, wrap = (s: Store) => s }: { slots?: number; wrap?: (s: Store) => Store } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'aup-db-workers-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o755 });
  writeFileSync(join(dir, 'experiment.json'), JSON.stringify(config));
  const url = await pgDb.fresh();
  const driverStore = await openStore(url);
  const workerStore = await openStore(url);
  const { raw, config: normalized } = await loadConfig(join(dir, 'experiment.json'));
  const exp = await createExperiment(driverStore, raw, normalized, { mode: 'external', tags: [] });
  const stopWorker = new AbortController();
  const worker: Promise<WorkerSummary> = runWorker({
    store: wrap(workerStore),
    slots: cpuSlots(slots),
    resource: 'cpu',
    leaseMs: LEASE_MS,
    signal: stopWorker.signal,
  });
  cleanups.push(async () => {
    stopWorker.abort();
    await worker.catch(() => undefined);
    await workerStore.close();
    await driverStore.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, store: driverStore, eid: exp.id, worker, stopWorker };
}

async function waitFor(cond: () => Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + WAIT_MS;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, LOOK_MS));
  }
}

const runningWithPid = async (store: Store, eid: number) => {
  const out = [];
  for (const j of await store.listJobs(eid))
    for (const a of await store.listAttempts(j.id)) if (a.status === 'running' && a.pid !== null) out.push(a);
  return out;
};

describe('worker mode on PostgreSQL: control through the store', () => {
  it('stops a job early on its worker when the driver’s pruner says so', async () => {
    // Two jobs in turn (sequence over x = 0, 1): the first reports 10 at every step, the second 1,
    // which the median rule stops at its first evaluated step; each step takes 0.1 s, 12 steps.
    const script = `#!/bin/sh
x=$(sed -n 's/.*"x": *\\([0-9]*\\).*/\\1/p' "$1")
i=0
while [ $i -lt 12 ]; do
  if [ "$x" = 0 ]; then echo "#Auptimizer:10"; else echo "#Auptimizer:1"; fi
  i=$((i+1)); sleep 0.1
done
`;
    const { store, eid } = await setUp(
      { 'job.sh': script },
      {
        script: 'job.sh',
        proposer: 'sequence',
        n_samples: 2,
        n_parallel: 1,
        target: 'max',
        parameter_config: [{ name: 'x', range: [0, 1], type: 'int', interval: 1 }],
        resource_args: { early_stop: { aup_policy: 'median' } },
      },
    );
    const done = await driveExperiment({ store, experimentId: eid });
    expect(done.status).toBe('finished');
    const [good, bad] = await store.listJobs(eid);
    expect([good!.status, good!.score]).toEqual(['finished', 10]);
    expect([bad!.status, bad!.score]).toEqual(['early_stopped', 1]);
    const [attempt] = await store.listAttempts(bad!.id);
    expect(attempt!.status).toBe('early_stopped');
    expect(attempt!.stopRequest).toBe('early_stopped');
    // The worker stopped it before its 12 steps.
    expect((await store.listIntermediate(bad!.id, 'score')).length).toBeLessThan(12);
    expect((await store.listIntermediate(good!.id, 'score')).length).toBe(12);
  });

  it('frees a job’s slot as soon as its process is gone, before its result is written', async () => {
    // One slot, two jobs queued at once. The worker's store is the real one, seen through a proxy
    // that holds the first result write back until the worker has claimed the second job (or 10 s
    // have passed): a worker that kept the slot until the write returned claims only afterwards.
    const HOLD_MS = 10_000;
    const order: string[] = [];
    let claimedSecond = () => {};
    const second = new Promise<void>((resolve) => (claimedSecond = resolve));
    const wrap = (inner: Store): Store =>
      new Proxy(inner, {
        get(target, prop) {
          if (prop === 'claimJobs')
            return async (...a: Parameters<Store['claimJobs']>): Promise<ClaimedJob[]> => {
              const claims = await target.claimJobs(...a);
              for (const c of claims) order.push(`claim ${c.job.id}`);
              if (order.filter((e) => e.startsWith('claim')).length >= 2) claimedSecond();
              return claims;
            };
          if (prop === 'finishAttempt')
            return async (...a: Parameters<Store['finishAttempt']>): Promise<boolean> => {
              if (!order.some((e) => e.startsWith('finish'))) await Promise.race([second, new Promise((r) => setTimeout(r, HOLD_MS))]);
              const recorded = await target.finishAttempt(...a);
              order.push(`finish ${a[0].attemptId}`);
              return recorded;
            };
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
        },
      });
    const { store, eid } = await setUp(
      { 'job.sh': '#!/bin/sh\necho "#Auptimizer:1"\n' },
      { script: 'job.sh', n_samples: 2, n_parallel: 2, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] },
      { slots: 1, wrap },
    );
    expect((await driveExperiment({ store, experimentId: eid })).status).toBe('finished');
    const [a, b] = await store.listJobs(eid);
    const firstAttempt = (await store.listAttempts(a!.id))[0]!;
    // The second job was claimed while the first one's result was still being written.
    expect(order.slice(0, 3)).toEqual([`claim ${a!.id}`, `claim ${b!.id}`, `finish ${firstAttempt.id}`]);
    for (const j of [a!, b!]) {
      expect(j.status).toBe('finished');
      expect((await store.listAttempts(j.id)).map((x) => x.status)).toEqual(['finished']);
    }
  });

  it('kills one job from the board, withdraws queued jobs and interrupts running ones on a stop, and resumes to the end', async () => {
    // Jobs sleep 30 s while the file "slow" exists, then score x.
    const script = `#!/bin/sh
if [ -e slow ]; then sleep 30; fi
x=$(sed -n 's/.*"x": *\\([-0-9.eE+]*\\).*/\\1/p' "$1")
echo "#Auptimizer:$x"
`;
    const N = 4;
    const { dir, store, eid } = await setUp(
      { 'job.sh': script, slow: '' },
      { script: 'job.sh', n_samples: N, n_parallel: 3, parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }] },
    );
    const stop = new AbortController();
    const first = driveExperiment({ store, experimentId: eid, signal: stop.signal });
    await waitFor(async () => (await runningWithPid(store, eid)).length === 2, 'two jobs running on the worker');
    const [victim, other] = await runningWithPid(store, eid);
    const kill = await requestKillJob(store, victim!.jobId);
    expect((await waitForControlResult(store, kill.id, WAIT_MS)).result).toMatchObject({
      ok: true,
      jobId: victim!.jobId,
      status: 'failed',
    });
    expect((await store.getJob(victim!.jobId))!.status).toBe('failed');
    expect((await store.listAttempts(victim!.jobId))[0]).toMatchObject({ status: 'failed', stopRequest: 'killed' });

    // The kill freed a slot: a third job starts; the fourth stays queued. Then the stop.
    await waitFor(async () => (await runningWithPid(store, eid)).length === 2, 'the next job on the freed slot');
    const queued = (await store.listJobs(eid)).filter((j) => j.status === 'queued').map((j) => j.id);
    expect(queued).toHaveLength(1);
    stop.abort('interrupted');
    expect((await first).status).toBe('stopped');
    const jobs = await store.listJobs(eid);
    expect(jobs.map((j) => j.status).sort()).toEqual(['failed', 'interrupted', 'interrupted', 'interrupted']);
    const otherAttempt = (await store.listAttempts(other!.jobId))[0]!;
    expect(otherAttempt).toMatchObject({ status: 'interrupted', stopRequest: 'interrupted' });
    // The queued job never ran: withdrawn, no attempt.
    expect(await store.listAttempts(queued[0]!)).toEqual([]);
    expect((await store.listWorkers())[0]!.currentJobs).toEqual([]);

    rmSync(join(dir, 'slow'));
    expect(existsSync(join(dir, 'slow'))).toBe(false);
    const resumed = await driveExperiment({ store, experimentId: eid });
    expect(resumed.status).toBe('finished');
    const end = await store.listJobs(eid);
    expect(end).toHaveLength(N);
    expect(end.filter((j) => j.status === 'finished')).toHaveLength(N - 1);
    for (const j of end.filter((x) => x.status === 'finished')) expect(j.score).toBeCloseTo(j.params.x as number, 12);
    expect(end.find((j) => j.id === victim!.jobId)!.status).toBe('failed');
  });
});
