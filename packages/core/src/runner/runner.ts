/**
 * The runner's entry point: drives an experiment under its driver lease. The drive itself is
 * experiment-drive.ts and the parts it coordinates (docs/decisions/0023-runner-as-parts.md).
 */
import { AupError } from '../errors.js';
import type { ExperimentRecord } from '../store/store-types.js';
import { acquireDriverLease, heartbeatAge, holderIsGone, type DriverLeaseHandle } from './driver-lease.js';
import { canFindDriverJobs, stopDriverJobs } from './driver-jobs.js';
import { driveLeased } from './experiment-drive.js';
import type { DriveOptions, RunnerEvents } from './runner-types.js';

export type {
  DriveOptions,
  JobEndInfo,
  Objective,
  ObjectiveContext,
  ObjectiveResult,
  PassiveJobInfo,
  RunnerEvents,
} from './runner-types.js';
export { buildJobJson } from './job-json.js';
export { isBetter } from './job-completion.js';

/**
 * Drives an experiment to its end: ask → create job → run → record → tell, with `n_parallel` slots.
 * Works the same for a fresh experiment and for one being resumed (unfinished jobs run again,
 * the proposer continues from its stored snapshot). Only one process drives an experiment at a
 * time: it holds the experiment's driver lease (AUP_ERR_DRIVER_LIVE while another holds it), and
 * the job processes a dead driver left on this host are stopped before their jobs run again.
 */
export async function driveExperiment(opts: DriveOptions): Promise<ExperimentRecord> {
  const { store, experimentId } = opts;
  if (!(await store.getExperiment(experimentId)))
    throw new AupError('AUP_ERR_EXPERIMENT_NOT_FOUND', `experiment ${experimentId} does not exist in ${store.url}`);
  const lease = opts.driverLease ?? (await acquireDriverLease(store, experimentId));
  try {
    await stopPreviousDriverJobs(lease, experimentId, opts.events ?? {});
    return await driveLeased(opts, lease);
  } finally {
    if (opts.driverLease === undefined) await lease.release();
  }
}

/**
 * After a takeover: the dead driver's job processes still running on this host are stopped (and
 * gone) before anything runs, so no job ever runs twice at once (docs/decisions/0019-driver-lease.md).
 */
async function stopPreviousDriverJobs(lease: DriverLeaseHandle, experimentId: number, events: RunnerEvents): Promise<void> {
  const prev = lease.previous;
  if (prev === null || prev.token === lease.token) return;
  const who = `its previous driver (pid ${prev.pid} on host ${prev.host}, heartbeat ${heartbeatAge(prev)} s ago)`;
  if (prev.host !== lease.lease.host) {
    events.onMessage?.(
      `experiment ${experimentId}: took over from ${who}, whose lease ran out; job processes it may have left on ${prev.host} are not stopped from here`,
    );
    return;
  }
  if (!canFindDriverJobs()) {
    events.onMessage?.(
      `experiment ${experimentId}: took over from ${who}; this system has no /proc to find the job processes it left: stop any that still run`,
    );
    return;
  }
  const stopped = await stopDriverJobs(prev.token);
  const state = holderIsGone(prev, lease.lease.host) ? 'which is gone' : 'whose lease ran out';
  events.onMessage?.(
    `experiment ${experimentId}: took over from ${who}, ${state}` +
      (stopped.found > 0 ? `; stopped ${stopped.found} process(es) of the previous driver (pid ${prev.pid}) that still ran its jobs` : ''),
  );
  if (stopped.left.length > 0) {
    throw new AupError(
      'AUP_ERR_EXPERIMENT_STATE',
      `Processes ${stopped.left.join(', ')} of the previous driver of experiment ${experimentId} still run after SIGKILL (stuck in the kernel?); their jobs are not run again beside them: resume once they are gone`,
      { details: { experimentId, pids: stopped.left } },
    );
  }
}
