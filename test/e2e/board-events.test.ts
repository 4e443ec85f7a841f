/**
 * Live updates end to end: a real `aup run` process writes an experiment while a real `aup-board`
 * process serves `GET /api/v1/events`; the test is the SSE client. Changes made by another process
 * reach the board, and a client that reconnects (with `after`, and with Last-Event-ID) receives
 * exactly what it missed: none twice, none lost. On a SQLite file and on PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openStore, type ChangeRecord } from '@aup/core';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { forEachDatabase } from '../setup/databases.js';
import { SseClient } from '../setup/sse-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BOARD_BIN = join(ROOT, 'packages', 'server', 'bin', 'aup-board.js');
const AUP_BIN = join(ROOT, 'packages', 'core', 'bin', 'aup.js');
const STARTUP_TIMEOUT_MS = 30_000;
const EVENT_TIMEOUT_MS = 30_000;
const URL_LINE = /^aup-board: (http:\/\/\S+)$/m;
// More changes than fit one page of the feed would be nice but slow; a few jobs with attempts and
// intermediate results already give dozens of changes of every job-level kind.
const JOBS = 4;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'aup-board-events-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['AUP_DB'];
  return env;
}

interface Board {
  child: ChildProcess;
  api: string;
  exited: Promise<number | null>;
}

function startBoard(args: string[], cwd: string): Promise<Board> {
  const child = spawn(process.execPath, [BOARD_BIN, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise<Board>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aup-board printed no URL within ${STARTUP_TIMEOUT_MS} ms; stdout: ${out}; stderr: ${err}`));
    }, STARTUP_TIMEOUT_MS);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = URL_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, api: `${new URL(m[1]!).origin}/api/v1`, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`aup-board exited with ${code} before printing a URL; stdout: ${out}; stderr: ${err}`));
    });
  });
}

/** Runs `aup run <config>` to its end in another process; rejects with its output unless it exits 0. */
function aupRun(config: string, db: string, cwd: string): Promise<void> {
  const child = spawn(process.execPath, [AUP_BIN, 'run', config, '--db', db], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`aup run ${config} exited with ${code}: ${out}`)))),
  );
}

function writeExperiment(dir: string, name: string, samples: number): string {
  // Intermediate results and a final score: the runner records attempts, series and the result.
  writeFileSync(join(dir, 'job.sh'), 'sleep 0.2\necho "#Auptimizer:$RANDOM"\nsleep 0.1\necho "#Auptimizer:$RANDOM"\n');
  const file = `${name}.json`;
  writeFileSync(
    join(dir, file),
    JSON.stringify({
      name,
      script: 'job.sh',
      n_samples: samples,
      n_parallel: 2,
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      resource_args: { track_intermediate_results: true },
    }),
  );
  return file;
}

const ids = (events: { id?: string }[]): number[] => events.map((e) => Number(e.id));

forEachDatabase('aup-board events', (db) => {
  it('pushes every change of a runner in another process, and replays exactly what a reconnecting client missed', async () => {
    const url = await db.fresh();
    const dir = mkdtempSync(join(tmp, `${db.kind}-`));
    const board = await startBoard(['--db', url, '--create', '--no-token', '--port', '0'], dir);
    const store = await openStore(url);
    const clients: SseClient[] = [];
    const connect = async (path: string, headers: Record<string, string> = {}): Promise<SseClient> => {
      const c = await SseClient.connect(`${board.api}${path}`, headers);
      clients.push(c);
      expect(c.status).toBe(200);
      return c;
    };
    const allChanges = async (after: number): Promise<ChangeRecord[]> => store.listChanges(after, { limit: 100_000 });
    try {
      // 1. Live: the runner writes, the board pushes.
      const live = await connect('/events?after=0');
      await aupRun(writeExperiment(dir, 'first', JOBS), url, dir);
      const jobs = await store.listJobs(1);
      expect(jobs).toHaveLength(JOBS);
      const afterFirst = await store.lastChangeId();
      await live.waitFor(() => Number(live.lastEventId) >= afterFirst, EVENT_TIMEOUT_MS);
      const expected = await allChanges(0);
      expect(ids(live.events)).toEqual(expected.map((c) => c.id));
      expect(live.events.map((e) => e.event)).toEqual(expected.map((c) => c.kind));
      const data = live.data<{ kind: string; job_id: number | null; job?: { id: number; status: string } | null }>();
      for (const job of jobs) {
        const mine = data.filter((d) => d.job_id === job.id);
        expect(mine.map((d) => d.kind)).toEqual(expect.arrayContaining(['job', 'intermediate']));
        expect(mine.at(-1)!.job).toMatchObject({ id: job.id, status: 'finished' });
      }
      const lastSeen = Number(live.lastEventId);
      live.close();

      // 2. Disconnected while another run happens; reconnect with after= and get exactly the gap.
      await aupRun(writeExperiment(dir, 'second', 2), url, dir);
      const missed = await allChanges(lastSeen);
      expect(missed.length).toBeGreaterThan(0);
      const resumed = await connect(`/events?after=${lastSeen}`);
      await resumed.waitFor(() => Number(resumed.lastEventId) >= missed.at(-1)!.id, EVENT_TIMEOUT_MS);
      expect(ids(resumed.events)).toEqual(missed.map((c) => c.id));
      const lastResumed = Number(resumed.lastEventId);
      resumed.close();

      // 3. As an EventSource reconnects: the same URL as first time (after=0), Last-Event-ID set.
      await aupRun(writeExperiment(dir, 'third', 2), url, dir);
      const missedAgain = await allChanges(lastResumed);
      const again = await connect('/events?after=0', { 'last-event-id': String(lastResumed) });
      await again.waitFor(() => Number(again.lastEventId) >= missedAgain.at(-1)!.id, EVENT_TIMEOUT_MS);
      // Still connected: a change made now arrives live, after the replay, exactly once.
      await store.updateExperiment(1, { error: 'note from the test' });
      const final = await store.lastChangeId();
      await again.waitFor(() => Number(again.lastEventId) >= final, EVENT_TIMEOUT_MS);
      expect(ids(again.events)).toEqual([...missedAgain.map((c) => c.id), final]);
      expect(again.events.at(-1)!.event).toBe('experiment');
    } finally {
      for (const c of clients) c.close();
      await store.close();
      board.child.kill('SIGTERM');
      expect(await board.exited).toBe(0);
    }
  });
});
