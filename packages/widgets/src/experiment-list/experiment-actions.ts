import type { Capabilities } from '../controllers/board-capabilities.js';
import type { ExperimentStatus } from './experiment-summary.js';

/** The run-control button an experiment offers in its state, if any. */
export type RunAction = 'start' | 'stop' | 'resume';

/** Which buttons a row of the experiment list shows. */
export interface ExperimentActions {
  run: RunAction | null;
  copy: boolean;
  delete: boolean;
}

/**
 * The buttons for an experiment in `status`, following the API's state rules: start a `created`
 * one, stop a `running` one, resume a `stopped` or `failed` one (a finished one is copied
 * instead); delete anything that is not running or stopping. An attached board (`create` off)
 * still stops, but neither starts, resumes nor copies. An imported experiment has no run button.
 * @example experimentActions('running', { control: true, create: true, reason: '' }) // { run: 'stop', copy: true, delete: false }
 */
export function experimentActions(status: ExperimentStatus, caps: Capabilities, importedFrom: string | null = null): ExperimentActions {
  if (!caps.control) return { run: null, copy: false, delete: false };
  const live = status === 'running' || status === 'stopping';
  // An imported experiment is a record, not a run: nothing of aup's runs it (`aup import --follow` updates it).
  if (importedFrom !== null) return { run: null, copy: caps.create, delete: !live };
  let run: RunAction | null = null;
  if (status === 'running') run = 'stop';
  else if (caps.create && status === 'created') run = 'start';
  else if (caps.create && (status === 'stopped' || status === 'failed')) run = 'resume';
  return { run, copy: caps.create, delete: !live };
}

/** 0..1 share of the planned jobs that are done (clamped; 0 when nothing is planned). */
export function progressShare(done: number, planned: number): number {
  if (!(planned > 0) || !(done > 0)) return 0;
  return Math.min(1, done / planned);
}
