/**
 * Real Optuna studies for the tests of `aup import optuna`: Debian's python3-optuna (3.1, with
 * SQLAlchemy and psycopg2) at /usr/bin/python3 runs test/fixtures/optuna/make_studies.py against a
 * temp SQLite file or a PostgreSQL database of the test server. Always /usr/bin/python3: the
 * `python3` on PATH may be another interpreter without Optuna.
 *
 * Without Optuna the tests skip with a message saying so, unless `AUP_REQUIRE_OPTUNA=1` (CI sets
 * it, and installs python3-optuna and python3-psycopg2), when they fail.
 *
 * @example
 * const optuna = optunaOrSkip();
 * describe.skipIf(!optuna.available)('aup import optuna', () => {
 *   it('imports', async () => { makeStudies(`sqlite:///${file}`); ... });
 * });
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPTUNA_PYTHON = process.env['AUP_OPTUNA_PYTHON'] ?? '/usr/bin/python3';
export const STUDIES_SCRIPT = fileURLToPath(new URL('../fixtures/optuna/make_studies.py', import.meta.url));
// Three studies of 12, 6 and 5 trials take about 4 s; a loaded CI machine several times that.
const MAKE_TIMEOUT_MS = 120_000;

/** Whether the Optuna tests must run (and fail rather than skip without Optuna). */
export function optunaRequired(): boolean {
  return process.env['AUP_REQUIRE_OPTUNA'] === '1';
}

export interface OptunaAvailability {
  available: boolean;
  reason?: string;
}

let checked: OptunaAvailability | undefined;

/**
 * Decides whether an Optuna test file runs: yes when /usr/bin/python3 imports optuna (3.x or later)
 * and psycopg2; without them, skip with a message, or throw when `AUP_REQUIRE_OPTUNA=1`.
 */
export function optunaOrSkip(): OptunaAvailability {
  if (checked === undefined) {
    const code = 'import optuna, psycopg2, sys; sys.exit(0 if int(optuna.__version__.split(".")[0]) >= 3 else 3)';
    const r = spawnSync(OPTUNA_PYTHON, ['-c', code], { encoding: 'utf8' });
    const reason =
      r.error !== undefined
        ? `${OPTUNA_PYTHON} cannot run (${r.error.message})`
        : r.status === 3
          ? `${OPTUNA_PYTHON} has an Optuna older than 3.0`
          : r.status !== 0
            ? `${OPTUNA_PYTHON} cannot import optuna and psycopg2 (apt-get install python3-optuna python3-psycopg2): ${r.stderr.trim().split('\n').at(-1)}`
            : undefined;
    checked = reason === undefined ? { available: true } : { available: false, reason };
  }
  if (checked.available) return checked;
  if (optunaRequired()) throw new Error(`${checked.reason}; AUP_REQUIRE_OPTUNA=1 makes the Optuna tests required`);
  console.warn(`Optuna tests skipped: ${checked.reason}`);
  return checked;
}

/** The SQLAlchemy URL Optuna takes for a database of the test server (`postgres://` → `postgresql+psycopg2://`). */
export function optunaPostgresUrl(url: string): string {
  return url.replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');
}

/** Makes the finished studies "mixed", "maximise" and "multi" in `storage` (see make_studies.py). */
export function makeStudies(storage: string): void {
  const r = spawnSync(OPTUNA_PYTHON, [STUDIES_SCRIPT, storage, 'finished'], { encoding: 'utf8', timeout: MAKE_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`make_studies.py ${storage} finished failed (${r.status ?? r.signal}): ${r.stderr}`);
}

/** A trial as Optuna's API reads it (make_studies.py dump): non-finite numbers as "inf", "-inf", "nan". */
export interface DumpedTrial {
  number: number;
  trial_id: number;
  state: 'RUNNING' | 'WAITING' | 'COMPLETE' | 'PRUNED' | 'FAIL';
  params: Record<string, unknown>;
  distributions: Record<string, string>;
  values: (number | string)[] | null;
  intermediate_values: Record<string, number | string>;
  user_attrs: Record<string, unknown>;
  system_attrs: Record<string, unknown>;
  /** Epoch ms of Optuna's naive local datetime. */
  datetime_start: number | null;
  datetime_complete: number | null;
}

export interface DumpedStudy {
  study_id: number;
  name: string;
  directions: string[];
  user_attrs: Record<string, unknown>;
  system_attrs: Record<string, unknown>;
  trials: DumpedTrial[];
}

/** Every study of `storage` as Optuna's own API reads it: what an import is checked against. */
export function dumpStudies(storage: string): DumpedStudy[] {
  const r = spawnSync(OPTUNA_PYTHON, [STUDIES_SCRIPT, storage, 'dump'], {
    encoding: 'utf8',
    timeout: MAKE_TIMEOUT_MS,
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`make_studies.py ${storage} dump failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as DumpedStudy[];
}

/** A number of the dump ("inf", "-inf", "nan" as text) as a number. */
export function dumpedNumber(v: number | string): number {
  return typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN;
}

/** A running study "live" (see make_studies.py): the process, and what it has reached. */
export interface LiveStudy {
  child: ChildProcess;
  /** Whether the script has reached a stage ("started", "running", "done"). */
  reached(stage: string): boolean;
  /** Lets the RUNNING trial finish and the last two trials run. */
  release(): void;
  /** Resolves with the exit code; rejects with stderr when it failed. */
  exited: Promise<void>;
}

/** Starts the live study in `storage`, with its control files in `controlDir`. */
export function startLiveStudy(storage: string, controlDir: string): LiveStudy {
  const child = spawn(OPTUNA_PYTHON, [STUDIES_SCRIPT, storage, 'live', controlDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`make_studies.py live exited ${code ?? signal}: ${err}`)),
    ),
  );
  // Seen by a test that never waits for it.
  exited.catch(() => undefined);
  return {
    child,
    reached: (stage) => existsSync(join(controlDir, stage)),
    release: () => writeFileSync(join(controlDir, 'release'), ''),
    exited,
  };
}

/** Polls `check` every 50 ms until it answers true; throws `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
