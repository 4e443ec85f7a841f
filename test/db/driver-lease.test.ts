// The driver lease in the runner (docs/decisions/0019-driver-lease.md), on a SQLite file and
// PostgreSQL, with in-process objectives: a second driver is refused, a driver that lost its lease
// stops without writing, and the lease is given up however the drive ends.
import { spawn } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import {
  acquireDriverLease,
  createExperiment,
  driveExperiment,
  normalizeConfig,
  openStore,
  resumeExperiment,
  runExperiment,
  type JsonObject,
  type Store,
} from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';

const config = (n: number): JsonObject => ({
  name: 'leased',
  n_samples: n,
  n_parallel: 1,
  parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
});

async function newExperiment(store: Store, n: number): Promise<number> {
  const raw = config(n);
  return (await createExperiment(store, raw, normalizeConfig(raw, { baseDir: tmpdir(), inProcess: true }))).id;
}

const CORE = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));
/** Driver processes racing for one lease, and the experiments they race for (each: a new lease, then an expired one). */
const RACERS = 4;
const ROUNDS = 3;

/**
 * A process that opens the store, says `ready`, and for each line `<experiment id>` on its stdin
 * tries to take that experiment's lease with a new token: prints `won <token>` or `lost <holder's token>`.
 */
const RACER = `
import { openStore } from ${JSON.stringify(CORE)};
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
const store = await openStore(process.argv[1]);
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
  const token = randomBytes(8).toString('hex');
  const got = await store.acquireDriverLease({ experimentId: Number(line), token, host: 'racer', pid: process.pid, processStart: null, leaseMs: 60000 });
  console.log(got.acquired ? 'won ' + token : 'lost ' + got.holder.token);
}
await store.close();
`;

interface Racers {
  /** Lets every racer go for the experiment's lease at once; answers what each printed. */
  race(eid: number): Promise<string[]>;
  close(): Promise<void>;
}

async function startRacers(url: string): Promise<Racers> {
  const procs = Array.from({ length: RACERS }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', RACER, url], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const lines = procs.map((p) => createInterface({ input: p.stdout! })[Symbol.asyncIterator]());
  const exited = procs.map((p) => new Promise((r) => p.once('close', r)));
  // Each has opened its store before the first race: the race is the acquire, not the start-up.
  for (const l of lines) expect((await l.next()).value).toBe('ready');
  return {
    async race(eid) {
      for (const p of procs) p.stdin!.write(`${eid}\n`);
      return Promise.all(lines.map(async (l) => String((await l.next()).value)));
    },
    async close() {
      for (const p of procs) p.stdin!.end();
      await Promise.all(exited);
    },
  };
}

function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

forEachDatabase('the driver lease in the runner', (db) => {
  it('refuses a second driver of an experiment while the first drives it, naming host, pid and heartbeat age', async () => {
    const store = await openStore(await db.fresh());
    try {
      const eid = await newExperiment(store, 3);
      const running = gate();
      const finish = gate();
      const first = driveExperiment({
        store,
        experimentId: eid,
        objective: async (p, ctx) => {
          if (ctx.trialId === 0) {
            running.open();
            await finish.wait;
          }
          return p.x as number;
        },
      });
      await running.wait;
      const second = resumeExperiment(eid, { db: store, objective: (p) => p.x as number });
      await expect(second).rejects.toMatchObject({
        code: 'AUP_ERR_DRIVER_LIVE',
        message: expect.stringMatching(
          new RegExp(
            `^Experiment ${eid} is driven by another process: pid ${process.pid} on host ${hostname()}, heartbeat \\d+\\.\\d s ago`,
          ),
        ) as string,
      });
      finish.open();
      expect((await first).status).toBe('finished');
      expect(await store.listJobs(eid)).toHaveLength(3);
      expect(await store.getDriverLease(eid)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('stops at once and writes nothing more when another driver took its lease over', async () => {
    const store = await openStore(await db.fresh());
    try {
      const eid = await newExperiment(store, 4);
      // A fast heartbeat, so the loss is noticed within the test.
      const lease = await acquireDriverLease(store, eid, { heartbeatMs: 20 });
      const drive = driveExperiment({
        store,
        experimentId: eid,
        driverLease: lease,
        objective: async (p, ctx) => {
          if (ctx.trialId === 1) {
            // Another driver decided this one was dead and took the experiment over.
            await store.acquireDriverLease({
              experimentId: eid,
              token: 'usurper',
              host: 'elsewhere',
              pid: 1,
              processStart: null,
              leaseMs: 60_000,
              replace: lease.token,
            });
            await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
          }
          return p.x as number;
        },
      });
      await expect(drive).rejects.toMatchObject({ code: 'AUP_ERR_DRIVER_LEASE_LOST' });
      expect(lease.lost).toBe(true);
      const jobs = await store.listJobs(eid);
      // The job it was running is left as it was, for the new driver; no new job was created.
      expect(jobs.map((j) => [j.trial, j.status])).toEqual([
        [0, 'finished'],
        [1, 'running'],
      ]);
      expect((await store.getExperiment(eid))!.status).toBe('running');
      expect((await store.getDriverLease(eid))!.token).toBe('usurper');
      await lease.release();
      expect((await store.getDriverLease(eid))!.token).toBe('usurper');
    } finally {
      await store.close();
    }
  });

  it('gives the lease up when the drive finishes, is stopped, or fails', async () => {
    const url = await db.fresh();
    const finished = await runExperiment({ ...config(2), db: url, objective: (p) => p.x as number });
    const stopper = new AbortController();
    const stopped = await runExperiment({
      ...config(5),
      db: url,
      signal: stopper.signal,
      objective: (p, ctx) => {
        if (ctx.trialId === 1) stopper.abort();
        return p.x as number;
      },
    });
    const failed = await runExperiment({
      ...config(2),
      db: url,
      objective: () => {
        throw new Error('diverged');
      },
    });
    expect([finished.status, stopped.status, failed.status]).toEqual(['finished', 'stopped', 'failed']);
    const store = await openStore(url);
    try {
      for (const r of [finished, stopped, failed]) expect(await store.getDriverLease(r.experimentId)).toBeUndefined();
      // And the stopped one resumes at once.
      expect((await resumeExperiment(stopped.experimentId, { db: store, objective: (p) => p.x as number })).status).toBe('finished');
    } finally {
      await store.close();
    }
  });

  it(`lets exactly one of ${RACERS} driver processes racing for a lease win, new or expired`, async () => {
    const url = await db.fresh();
    const store = await openStore(url);
    const racers = await startRacers(url);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const eid = await newExperiment(store, 1);
        let previous: string | undefined;
        for (const phase of ['new', 'expired']) {
          const said = await racers.race(eid);
          const won = said.filter((l) => l.startsWith('won '));
          expect(won, `round ${round}, ${phase} lease: ${said.join('; ')}`).toHaveLength(1);
          const winner = won[0]!.slice(4);
          for (const l of said) if (l.startsWith('lost ')) expect(l).toBe(`lost ${winner}`);
          expect(winner).not.toBe(previous);
          expect((await store.getDriverLease(eid))!.token).toBe(winner);
          // The winner's lease runs out at once, for the next phase.
          expect(await store.renewDriverLease(eid, winner, 1)).toBe(true);
          await new Promise((r) => setTimeout(r, 30));
          previous = winner;
        }
      }
    } finally {
      await racers.close();
      await store.close();
    }
  });
});
