import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';

import { AupError, checkNoLiveDriver, refuseImported, type ExperimentRecord, type Store } from '@aup/core';

import type { RunnerChild, RunnerChildren } from '../runner-children.js';
import type { ControlledExperiment } from './control-schemas.js';
import { experimentJobCounts } from './query-routes.js';
import { toExperimentSummaryOf } from './to-dto.js';

// Starting an experiment's runner as a child process of the board (control-routes.ts: create and
// copy with start, start, resume): the checks that refuse it, then the wait for the runner to show.

/**
 * How long starting a runner waits for it to mark the experiment running before answering. Opening
 * the store and the proposer takes well under a second; a loaded machine may need a few.
 */
export const RUNNER_START_WAIT_MS = 15_000;
/** How often the start route reads the experiment's status while it waits. */
const RUNNER_START_POLL_MS = 100;
/** Characters of a runner's log quoted when it exits at once: its error, not its whole output. */
const LOG_TAIL_CHARS = 2_000;

/** States in which a runner may be writing rows: nothing may start, resume or reset then. */
export const LIVE_STATES: ReadonlySet<string> = new Set(['running', 'stopping']);
/**
 * How long a resume waits for the previous runner of a stopped or failed experiment to exit: it
 * records `stopped` and then still closes its store and log, well under a second. A resume clicked
 * right after a stop waits for that instead of being refused.
 */
export const RUNNER_EXIT_GRACE_MS = 5_000;
const ENDED_STATES: ReadonlySet<string> = new Set(['stopped', 'failed']);

/**
 * Starts `aup resume <id>` for `exp` when its status is one of `allowed` (or it is running with
 * its driver gone and `allowed` takes a stopped one), and answers once the runner shows.
 */
export async function startRunner(
  store: Store,
  runners: RunnerChildren,
  exp: ExperimentRecord,
  allowed: readonly string[],
  verb: string,
): Promise<ControlledExperiment> {
  // An imported experiment has nothing aup can run (docs/decisions/0029-imports.md): 409.
  await refuseImported(store, exp, verb === 'start' ? 'started' : 'resumed');
  const live = await previousRunner(runners, exp);
  // Another process drives it (`aup run`, `aup resume`, another board's runner): 409 naming it.
  if (live === undefined) await checkNoLiveDriver(store, exp.id);
  refuseState(exp, live !== undefined, allowed, verb);
  refuseUnrunnable(runners.dbUrl, exp);
  const child = runners.start(exp.id, exp.workingDir);
  const now = await waitForRunner(store, exp, child);
  // The job counts, not the jobs: a resumed experiment may hold 100,000 of them.
  return { experiment: toExperimentSummaryOf(now, await experimentJobCounts(store, now.id)), runner: { pid: child.pid, log: child.log } };
}

/** This board's runner of `exp`, after a moment's wait for one that is ending anyway. */
async function previousRunner(runners: RunnerChildren, exp: ExperimentRecord): Promise<RunnerChild | undefined> {
  const live = runners.get(exp.id);
  if (live === undefined || !ENDED_STATES.has(exp.status)) return live;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([live.exited, new Promise((r) => (timer = setTimeout(r, RUNNER_EXIT_GRACE_MS)))]);
  clearTimeout(timer);
  return runners.get(exp.id);
}

/** 409 unless `exp` may be started now, with a hint at what to do instead. */
function refuseState(exp: ExperimentRecord, live: boolean, allowed: readonly string[], verb: string): void {
  // A running experiment whose driver is gone (a kill -9, a lost machine) may be resumed: the
  // new runner takes the lease over and stops the dead driver's jobs first.
  const orphaned = !live && LIVE_STATES.has(exp.status) && allowed.includes('stopped');
  if (!live && (allowed.includes(exp.status) || orphaned)) return;
  const hint =
    exp.status === 'finished'
      ? `; copy it (POST /api/v1/experiments/${exp.id}/copy) to run it again`
      : LIVE_STATES.has(exp.status) || live
        ? '; stop it first, or wait for it to end'
        : exp.status === 'created'
          ? `; use POST /api/v1/experiments/${exp.id}/start`
          : `; use POST /api/v1/experiments/${exp.id}/resume`;
  throw new AupError(
    'AUP_ERR_EXPERIMENT_STATE',
    `Experiment ${exp.id} (${exp.name}) is ${live && !LIVE_STATES.has(exp.status) ? 'being started by this board' : exp.status}: ${verb} expects a ${allowed.join(' or ')} experiment${hint}`,
    { details: { id: exp.id, status: exp.status } },
  );
}

/** AUP_ERR_RUNNER_START when no runner process could open the database or the working directory. */
function refuseUnrunnable(dbUrl: string, exp: ExperimentRecord): void {
  if (dbUrl === ':memory:') {
    throw new AupError(
      'AUP_ERR_RUNNER_START',
      `The board's database is :memory:, which a runner process cannot open: start aup-board --db on a file or PostgreSQL to run experiments from it`,
      {
        details: { database: ':memory:' },
      },
    );
  }
  if (!isDirectory(exp.workingDir)) {
    throw new AupError(
      'AUP_ERR_RUNNER_START',
      `Cannot start experiment ${exp.id}: its working directory ${exp.workingDir} does not exist on the board's machine`,
      {
        details: { id: exp.id, workingDir: exp.workingDir },
      },
    );
  }
}

export function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * Waits until the new runner has changed the experiment's status (it marks it running first), the
 * runner exits, or RUNNER_START_WAIT_MS pass. A runner that exits with the status unchanged never
 * started: its log says why.
 */
async function waitForRunner(store: Store, before: ExperimentRecord, child: RunnerChild): Promise<ExperimentRecord> {
  let exitedCode: number | null | undefined;
  void child.exited.then(({ code }) => {
    exitedCode = code;
  });
  const deadline = Date.now() + RUNNER_START_WAIT_MS;
  for (;;) {
    const now = (await store.getExperiment(before.id)) ?? before;
    if (now.status !== before.status || now.startedAt !== before.startedAt) return now;
    // An experiment whose dead driver left it running stays running: the new runner shows by its lease.
    if (LIVE_STATES.has(before.status)) {
      const lease = await store.getDriverLease(before.id);
      if (lease !== undefined && lease.pid === child.pid && lease.host === hostname()) return now;
    }
    if (exitedCode !== undefined) {
      throw new AupError(
        'AUP_ERR_RUNNER_START',
        `The runner of experiment ${before.id} exited (code ${exitedCode}) before starting it; the end of its log ${child.log}:\n${logTail(child.log)}`,
        { details: { id: before.id, log: child.log, exitCode: exitedCode } },
      );
    }
    if (Date.now() >= deadline) return now;
    await new Promise((r) => setTimeout(r, RUNNER_START_POLL_MS));
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-LOG_TAIL_CHARS).trim();
  } catch {
    return '(the log cannot be read)';
  }
}
