/**
 * @aup/logger: what a Node training script uses to talk to aup. It reads the job's parameters and
 * prints protocol lines (docs/reference/protocol.md) on stdout, one `write` per line.
 */
import { readFileSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatRecord, type ReportRecord } from './protocol.js';

export * from './protocol.js';

export const VERSION = '0.1.0';

/** Folder (under the working directory) in which `saveModel` creates the model folder, as Auptimizer did. */
export const MODELS_DIR = 'aup_models';

/**
 * A job's JSON: the hyperparameters plus the keys the proposer adds (protocol.md §1.1). `job_id`,
 * `budget` and `best_job` are there only with the config's `job_file_keys: "aup"`; `jobId()` and
 * `AUP_BUDGET` give them otherwise.
 */
export interface JobParams {
  job_id?: number;
  /** The budget of a multi-fidelity proposer (hyperband, bohb), under Auptimizer's name. */
  n_iterations?: number;
  budget?: number;
  /** Hyperband's and BOHB's configuration id. */
  tid?: number;
  save_model?: boolean;
  folder_name?: string;
  best_job?: number;
  [key: string]: unknown;
}

export interface LoggerOptions {
  /** Receives each protocol line, newline included. Default: `process.stdout.write`. */
  write?: (line: string) => void;
  /** The script's arguments (default `process.argv.slice(2)`); the last one may be the job file. */
  args?: readonly string[];
  /** Environment (default `process.env`), for `AUP_PARAMS` and `AUP_JOB_ID`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Folder `saveModel` works in (default `process.cwd()`). */
  cwd?: string;
}

export interface AupLogger {
  /** The job's parameters: the JSON file named by the last argument, else `AUP_PARAMS`. */
  getParams<T = JobParams>(): T;
  /** Reports the job's final score (a list: one value per objective, for several objectives), with optional extra metrics. */
  printResult(score: number | readonly number[], metrics?: Record<string, number>): void;
  /** Records one point of the series `name` (the runner numbers points when `step` is omitted). */
  addScalar(name: string, value: number, step?: number): void;
  addText(name: string, text: string): void;
  /** Records raw samples whose distribution the board draws. */
  addHistogram(name: string, values: ArrayLike<number> | Iterable<number>, step?: number): void;
  /** Records an image file the script wrote (path relative to the working directory or absolute). */
  addImage(name: string, path: string, step?: number): void;
  /** Records a file to keep with the job. */
  addArtifact(path: string, name?: string): void;
  /** Writes any record (for callers that build records themselves). */
  write(record: ReportRecord): void;
  /** The job id: `AUP_JOB_ID`, else the job file's `job_id`; `undefined` when the script was not started by aup. */
  jobId(): number | undefined;
  /** Whether this run is the re-run of the best job that should save its model (`save_model: true`). */
  shouldSave(): boolean;
  /**
   * When `shouldSave()`, empties and creates `<cwd>/aup_models/<folder_name>`, calls `fn` with it and
   * resolves `true`; otherwise resolves `false` without calling `fn`.
   */
  saveModel(fn: (dir: string) => void | Promise<void>): Promise<boolean>;
}

/** Where the parameters come from, or `undefined` when the script was not started by aup. */
function findParamsSource(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { text: string; where: string } | undefined {
  const last = args.at(-1);
  if (last !== undefined && last.toLowerCase().endsWith('.json')) {
    let text: string;
    try {
      text = readFileSync(last, 'utf8');
    } catch (e) {
      throw new Error(`aup: cannot read the job file ${last} (the last command-line argument): ${(e as Error).message}`, { cause: e });
    }
    return { text, where: `job file ${last}` };
  }
  const fromEnv = env.AUP_PARAMS;
  if (fromEnv !== undefined && fromEnv !== '') return { text: fromEnv, where: 'environment variable AUP_PARAMS' };
  return undefined;
}

function parseParams(source: { text: string; where: string }): JobParams {
  let json: unknown;
  try {
    json = JSON.parse(source.text);
  } catch (e) {
    throw new Error(`aup: the ${source.where} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const found = json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json;
    throw new Error(`aup: the ${source.where} must hold a JSON object of parameters; found ${found}`);
  }
  return json as JobParams;
}

// A folder name is one path segment, so emptying it can never reach outside aup_models/.
function checkFolderName(folder: unknown, where: string): string {
  if (typeof folder !== 'string' || folder === '' || folder === '.' || folder === '..' || /[/\\\0]/.test(folder)) {
    throw new Error(
      `aup: "folder_name" in the ${where} must be a plain folder name when save_model is true; found ${JSON.stringify(folder)}`,
    );
  }
  return folder;
}

/** Creates a client with its own output and inputs; the module-level functions use a default one. */
export function createLogger(options: LoggerOptions = {}): AupLogger {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const args = () => options.args ?? process.argv.slice(2);
  const env = () => options.env ?? process.env;
  const emit = (record: ReportRecord) => write(`${formatRecord(record)}\n`);

  const tryParams = (): { params: JobParams; where: string } | undefined => {
    const source = findParamsSource(args(), env());
    return source && { params: parseParams(source), where: source.where };
  };

  const logger: AupLogger = {
    getParams<T = JobParams>(): T {
      const found = tryParams();
      if (!found) {
        throw new Error(
          'aup: no job parameters: expected the path of a job JSON file (ending in .json) as the last ' +
            `command-line argument, or the AUP_PARAMS environment variable; found arguments ${JSON.stringify(args())} and no AUP_PARAMS`,
        );
      }
      return found.params as T;
    },
    printResult(score, metrics) {
      // Anything but an array is checked as one value (so a string is refused as a value, not spread).
      const value = Array.isArray(score)
        ? { value: (score as number[])[0] ?? NaN, values: [...(score as number[])] }
        : { value: score as number };
      emit(metrics === undefined ? { type: 'result', ...value } : { type: 'result', ...value, metrics });
    },
    addScalar(name, value, step) {
      emit(step === undefined ? { type: 'scalar', name, value } : { type: 'scalar', name, step, value });
    },
    addText(name, text) {
      emit({ type: 'text', name, text });
    },
    addHistogram(name, values, step) {
      const list = Array.from(values as Iterable<number>);
      emit(step === undefined ? { type: 'histogram', name, values: list } : { type: 'histogram', name, step, values: list });
    },
    addImage(name, path, step) {
      emit(step === undefined ? { type: 'image', name, path } : { type: 'image', name, step, path });
    },
    addArtifact(path, name) {
      emit(name === undefined ? { type: 'artifact', path } : { type: 'artifact', path, name });
    },
    write: emit,
    jobId() {
      // The runner sets AUP_JOB_ID for every attempt; a job file holds `job_id` only with
      // job_file_keys "aup" (or from an older aup), which a job run by hand may still have.
      const fromEnv = env().AUP_JOB_ID;
      const n = fromEnv === undefined || fromEnv === '' ? NaN : Number(fromEnv);
      if (Number.isSafeInteger(n)) return n;
      const id = tryParams()?.params.job_id;
      return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
    },
    shouldSave() {
      return tryParams()?.params.save_model === true;
    },
    async saveModel(fn) {
      const found = tryParams();
      if (found?.params.save_model !== true) return false;
      const folder = checkFolderName(found.params.folder_name, found.where);
      const dir = resolve(options.cwd ?? process.cwd(), MODELS_DIR, folder);
      // A previous save of the same experiment (a resumed run) must not leave stale files mixed in.
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await fn(dir);
      return true;
    },
  };
  return logger;
}

const defaultLogger = createLogger();

/** The job's parameters: the JSON file named by the last argument (Auptimizer's contract), else `AUP_PARAMS`. @example const { lr } = getParams<{ lr: number }>(); */
export const getParams = <T = JobParams>(): T => defaultLogger.getParams<T>();
/** Reports the job's final score (and optional metrics) as one `#aup:` result line. */
export const printResult = (score: number | readonly number[], metrics?: Record<string, number>): void =>
  defaultLogger.printResult(score, metrics);
/** Records one point of the series `name`; the runner numbers points per name when `step` is omitted. */
export const addScalar = (name: string, value: number, step?: number): void => defaultLogger.addScalar(name, value, step);
/** Records a named piece of text. */
export const addText = (name: string, text: string): void => defaultLogger.addText(name, text);
/** Records raw samples (finite numbers) whose distribution the board draws. */
export const addHistogram = (name: string, values: ArrayLike<number> | Iterable<number>, step?: number): void =>
  defaultLogger.addHistogram(name, values, step);
/** Records an image file the script wrote. */
export const addImage = (name: string, path: string, step?: number): void => defaultLogger.addImage(name, path, step);
/** Records a file to keep with the job. */
export const addArtifact = (path: string, name?: string): void => defaultLogger.addArtifact(path, name);
/** The job id: `AUP_JOB_ID`, else the job file's `job_id`; `undefined` when the script was not started by aup. */
export const jobId = (): number | undefined => defaultLogger.jobId();
/** Whether this run should save its model (the best job's re-run, `save_model: true`). */
export const shouldSave = (): boolean => defaultLogger.shouldSave();
/** Calls `fn` with `<cwd>/aup_models/<folder_name>` (emptied and created) when this run should save its model; resolves whether it did. */
export const saveModel = (fn: (dir: string) => void | Promise<void>): Promise<boolean> => defaultLogger.saveModel(fn);
