// Two processes on one SQLite file, as when `aup run` writes while `aup-board` or a second run
// shares experiments.db: writers wait for each other (busy_timeout) instead of failing with
// "database is locked". The other process writes through better-sqlite3 directly, as any process
// with the file open would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { openStore } from './open-store.js';
import type { Store } from './store-types.js';

const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
const dir = mkdtempSync(join(tmpdir(), 'aup-sqlite-procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `node -e script` and resolves with its stdout lines as they come. */
function child(script: string, args: string[]) {
  const proc = spawn(process.execPath, ['-e', script, betterSqlite, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  proc.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of waiters.filter((w) => out.includes(w.text))) w.resolve();
  });
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`child exited with ${code}: ${err}`))));
  });
  return {
    exited,
    saw(text: string): Promise<void> {
      if (out.includes(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ text, resolve });
        exited.then(() => reject(new Error(`child ended without printing ${text}: ${out}${err}`)), reject);
      });
    },
  };
}

async function newJob(store: Store): Promise<{ experimentId: number; jobId: number }> {
  const e = await store.createExperiment({
    name: 'procs',
    user: 'u',
    proposer: 'random',
    target: 'max',
    nSamples: 1,
    configRaw: {},
    config: {},
    workingDir: dir,
    host: {},
    git: null,
  });
  const j = await store.createJob({ experimentId: e.id, trial: 0, params: {} });
  return { experimentId: e.id, jobId: j.id };
}

describe('SQLite shared by two processes', () => {
  it('waits for another process that holds the write lock, then writes', async () => {
    const file = join(dir, 'held.db');
    const store = await openStore(file);
    const { experimentId, jobId } = await newJob(store);
    const holder = child(
      `const Database = require(process.argv[1]);
       const db = new Database(process.argv[2]);
       db.pragma('busy_timeout = 10000');
       db.exec('begin immediate');
       db.prepare("insert into multiple_result (job_id, label, value) values (?, 'held', 1)").run(Number(process.argv[3]));
       console.log('locked');
       // Hold the lock long enough that the parent's write must wait for it.
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700);
       db.exec('commit');
       console.log('committed');`,
      [file, String(jobId)],
    );
    await holder.saw('locked');
    await store.updateExperiment(experimentId, { status: 'running' });
    await store.addIntermediate([{ jobId, label: 'loss', step: 0, value: 1, time: Date.now() }]);
    await holder.exited;
    expect((await store.getExperiment(experimentId))!.status).toBe('running');
    expect((await store.getJob(jobId))!.metrics).toEqual({ held: 1 });
    expect(await store.listIntermediate(jobId)).toHaveLength(1);
    await store.close();
  });

  it('interleaves many transactions from two processes without losing a row', async () => {
    const file = join(dir, 'busy.db');
    const store = await openStore(file);
    const { jobId } = await newJob(store);
    const BATCHES = 40;
    const ROWS = 500;
    const other = child(
      `const Database = require(process.argv[1]);
       const db = new Database(process.argv[2]);
       db.pragma('busy_timeout = 10000');
       const ins = db.prepare("insert into intermediate_result (job_id, label, step, value, time) values (?, 'other', ?, 0, 0)");
       const batch = db.transaction((b) => { for (let i = 0; i < ${ROWS}; i++) ins.run(Number(process.argv[3]), b * ${ROWS} + i); });
       console.log('started');
       for (let b = 0; b < ${BATCHES}; b++) batch.immediate(b);
       console.log('done');`,
      [file, String(jobId)],
    );
    await other.saw('started');
    for (let b = 0; b < BATCHES; b++) {
      const rows = Array.from({ length: ROWS }, (_, i) => ({ jobId, label: 'mine', step: b * ROWS + i, value: 1, time: 0 }));
      await store.addIntermediate(rows);
    }
    await other.exited;
    expect(await store.listIntermediate(jobId, 'mine')).toHaveLength(BATCHES * ROWS);
    expect(await store.listIntermediate(jobId, 'other')).toHaveLength(BATCHES * ROWS);
    await store.close();
  });
});
