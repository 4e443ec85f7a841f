/**
 * A job that fails in two ways, to show `job_failure`:
 * - a bad hyperparameter: with `x` above 0.7 "training diverges" on every attempt, so after
 *   `job_retries` retries the job is failed for good; `ignore_fail` then tells the proposer and
 *   the experiment goes on instead of stopping at the first failure (Auptimizer's default);
 * - a flaky machine: every third job fails on its first attempt only, and its retry succeeds.
 * Both are deterministic, so the example gives the same outcome on every run.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { getParams, jobId as currentJobId, printResult } from '@aup/logger';

const DIVERGES_ABOVE = 0.7;
const FLAKY_EVERY = 3;

const params = getParams();
const x = Number(params.x);
const jobId = currentJobId() ?? 0;

if (x > DIVERGES_ABOVE) {
  throw new Error(`loss diverged to NaN with x=${x} (x must stay at or below ${DIVERGES_ABOVE})`);
}

// The marker sits beside the job file (its last argument), so the next attempt of this job finds it.
const marker = `${process.argv.at(-1)}.failed-once`;
if (jobId % FLAKY_EVERY === 0 && !existsSync(marker)) {
  writeFileSync(marker, `attempt failed on purpose at ${new Date().toISOString()}\n`);
  console.error(`job ${jobId}: lost the connection to the data server (a transient fault; the retry will work)`);
  process.exit(3);
}

printResult(1 - (x - 0.6) ** 2);
