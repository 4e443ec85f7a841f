import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';

import { AupError } from '../errors.js';
import type { ExperimentRecord, ExperimentStore } from '../store/store-types.js';

/*
 * Where an experiment's job files live (docs/decisions/0021-job-file-layout.md). Each experiment
 * owns a folder under its working directory, `jobs/e<id>-<random>`, chosen once by the runner, made
 * with an exclusive mkdir (a folder that exists, whoever made it, is never taken) and stored in the
 * experiment row. Its job files are `<folder>/<jid>.json` (the proposal, passed to the script as
 * its last argument) and `<folder>/<jid>.<k>.out` (the log of attempt k, created exclusively), so
 * two databases in one folder, or a database deleted and made again, never write, append to or
 * delete each other's files. Experiments run before aup had these folders keep the flat `jobs/`.
 */

/** The folder under the working directory that holds the experiments' folders (and the flat layout's files). */
export const JOBS_FOLDER = 'jobs';
/** The job folder of an experiment run before experiment folders: files of all of them side by side. */
export const LEGACY_JOB_DIR = JOBS_FOLDER;
/**
 * Random bytes in a folder's name: 3 bytes (6 hex digits) tell apart the folders of the databases
 * that share a working directory at a glance; the exclusive mkdir, not the randomness, is what
 * guarantees a folder is never shared, and a taken name is simply drawn again.
 */
const NAME_RANDOM_BYTES = 3;
/** Names drawn before giving up: every one taken means something else is wrong (a loop creating folders). */
const MAX_NAME_TRIES = 100;

/** What the runner stores as a job folder: `jobs`, or `jobs/e<id>-<hex>`. */
const JOB_DIR_PATTERN = /^jobs(?:\/e\d+-[0-9a-f]+)?$/;

/**
 * Whether a stored job folder is one the runner makes. Checked before writing or deleting in it,
 * so that a database edited by hand (`../..`, an absolute path) cannot point aup's writes and
 * deletions elsewhere.
 */
export function isJobDir(jobDir: string): boolean {
  return JOB_DIR_PATTERN.test(jobDir);
}

/** The paths of one attempt's files: the proposal and the log. */
export function jobFiles(workingDir: string, jobDir: string, jobId: number, attempt: number): { jobFile: string; logFile: string } {
  return {
    jobFile: join(workingDir, jobDir, `${jobId}.json`),
    logFile: join(workingDir, jobDir, `${jobId}.${attempt}.out`),
  };
}

/** Whether the folder is an experiment's own: its logs are then created exclusively, never appended to. */
export function ownsJobDir(jobDir: string): boolean {
  return jobDir !== LEGACY_JOB_DIR;
}

/**
 * Makes a new folder for the experiment's job files under `workingDir` and answers its path
 * relative to it (`jobs/e12-3f9a0c`). Throws AUP_ERR_JOB_DIR naming the folder when it cannot.
 */
export function makeJobDir(workingDir: string, experimentId: number): string {
  const parent = join(workingDir, JOBS_FOLDER);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw jobDirError(parent, e);
  }
  for (let i = 0; i < MAX_NAME_TRIES; i++) {
    const name = `e${experimentId}-${randomBytes(NAME_RANDOM_BYTES).toString('hex')}`;
    try {
      // Not recursive: EEXIST when anything is there, so a folder another run made is never reused.
      mkdirSync(join(parent, name));
      return posix.join(JOBS_FOLDER, name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw jobDirError(join(parent, name), e);
    }
  }
  throw new AupError(
    'AUP_ERR_JOB_DIR',
    `cannot create a folder for the job files of experiment ${experimentId} in ${parent}: ${MAX_NAME_TRIES} names drawn were all taken`,
    {
      details: { folder: parent },
    },
  );
}

/**
 * The experiment's job folder, made and stored on its first run; on a later run (resume) the stored
 * one, made again if it was removed.
 */
export async function experimentJobDir(store: ExperimentStore, exp: ExperimentRecord, workingDir: string): Promise<string> {
  if (exp.jobDir !== null) {
    if (!isJobDir(exp.jobDir)) throw badJobDir(exp.id, exp.jobDir);
    try {
      mkdirSync(join(workingDir, exp.jobDir), { recursive: true });
    } catch (e) {
      throw jobDirError(join(workingDir, exp.jobDir), e);
    }
    return exp.jobDir;
  }
  const jobDir = makeJobDir(workingDir, exp.id);
  await store.updateExperiment(exp.id, { jobDir });
  return jobDir;
}

/** A stored job folder that is not one the runner makes. */
export function badJobDir(experimentId: number, jobDir: string): AupError {
  return new AupError(
    'AUP_ERR_JOB_DIR',
    `experiment ${experimentId} has job folder ${JSON.stringify(jobDir)} in its row, which aup does not make (expected "jobs" or "jobs/e<id>-<hex>"); aup writes nothing there`,
    {
      details: { experiment_id: experimentId, job_dir: jobDir },
    },
  );
}

function jobDirError(folder: string, e: unknown): AupError {
  return new AupError('AUP_ERR_JOB_DIR', `cannot create the folder for job files ${folder}: ${(e as Error).message}`, {
    details: { folder },
    cause: e,
  });
}
