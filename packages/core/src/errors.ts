/**
 * Every error a user can cause is an `AupError` with a code from this registry. The registry is the
 * single source of truth: `docs/reference/errors.md` is checked against it by a test.
 */
export const ERROR_CODES = {
  AUP_ERR_CONFIG_NOT_FOUND: 'The experiment config file does not exist or cannot be read.',
  AUP_ERR_CONFIG_PARSE: 'The experiment config is not valid JSON or YAML.',
  AUP_ERR_CONFIG_INVALID: 'The experiment config does not match the schema (unknown key, wrong type, bad range).',
  AUP_ERR_TEMPLATE: 'A config template file is missing, unreadable or holds an invalid parameter leaf.',
  AUP_ERR_SCRIPT_NOT_FOUND: 'The job script does not exist.',
  AUP_ERR_PROPOSER_UNKNOWN: 'The proposer named in the config is not registered.',
  AUP_ERR_PROPOSER_CONFIG: 'The proposer does not accept this search space or these proposer settings.',
  AUP_ERR_PROPOSER_STATE: 'A stored proposer snapshot cannot be restored.',
  AUP_ERR_DB_URL: 'The database URL is not one aup understands.',
  AUP_ERR_DB_OPEN: 'The database cannot be opened or migrated.',
  AUP_ERR_DB_NOT_AUP: 'The database exists but was not created by aup.',
  AUP_ERR_DB_MISSING:
    'The database does not exist (a missing SQLite file or PostgreSQL database, or an empty one), and this command does not create one.',
  AUP_ERR_DB_NEEDS_MIGRATION: 'The database was written by an older aup and a read-only open does not migrate it: `aup migrate` does.',
  AUP_ERR_EXPERIMENT_NOT_FOUND: 'No experiment has this id.',
  AUP_ERR_EXPERIMENT_STATE: 'The experiment is in a state that does not allow this action.',
  AUP_ERR_JOB_NOT_FOUND: 'No job has this id.',
  AUP_ERR_CLI_USAGE: 'A command-line argument is missing or malformed.',
  AUP_ERR_INTERNAL: 'An unexpected fault inside aup (please report it).',
  AUP_ERR_BAD_REQUEST: 'An HTTP request to the board API has a malformed parameter, query or body.',
  AUP_ERR_NOT_FOUND: 'No board API route or asset answers this path.',
  AUP_ERR_UNAUTHORIZED:
    'A board API request that needs the session token (a mutation; a read on an exposed board) lacks it or carries a wrong one.',
  AUP_ERR_ORIGIN_FORBIDDEN:
    'A request that changes data was sent by a page of another site (its Origin or Sec-Fetch-Site says so), so the board refuses it whatever the token.',
  AUP_ERR_HOST_NOT_ALLOWED:
    'The request names a host (the Host header) the board does not serve: not a loopback name, its --host, nor an --allowed-host.',
  AUP_ERR_TOO_MANY_STREAMS: 'A client address already holds as many board event streams as one address may open (HTTP 429).',
  AUP_ERR_SERVER_BUSY: 'The board already holds as many event streams as it serves at once (HTTP 503).',
  AUP_ERR_SERVER_LISTEN: 'The board server cannot listen on the requested host and port.',
  AUP_ERR_PROPOSER_DUPLICATE: 'A different proposer is already registered under this name.',
  AUP_ERR_PARAMS_INVALID: 'Trial parameters given by a user (an enqueued trial) do not fit the search space.',
  AUP_ERR_CONTROL_UNSUPPORTED: 'A control request asks for something this experiment cannot do (its proposer or resource lacks it).',
  AUP_ERR_BOARD_ATTACHED:
    'The board was started by `aup run --board`: it cannot create, start, resume experiments or reset the environment.',
  AUP_ERR_RUNNER_START: 'The board could not start a runner process for an experiment.',
  AUP_ERR_ENV_RESET: 'The environment cannot be reset: the database is not a SQLite file, or the server cannot swap its store.',
  AUP_ERR_BAD_QUERY: 'A job query or series request names an unknown column, operator or label, or a value of the wrong type.',
  AUP_ERR_FILE_NOT_FOUND: 'A job file the board API was asked for (log, artifact, image) is not recorded or not on disk.',
  AUP_ERR_LEASE_LOST:
    "An `aup worker` lost its claim on a job (no heartbeat within the lease; the job went back to the queue), so the store refuses that attempt's late records.",
  AUP_ERR_DRIVER_LIVE:
    "Another process drives the experiment (`aup run`, `aup resume`, a board's runner) and its lease is live, so it is not started or resumed a second time.",
  AUP_ERR_DRIVER_LEASE_LOST:
    'A driver stopped renewing its lease in time (it was frozen or cut off from the database) and another driver took the experiment over, so it stopped without writing more.',
  AUP_ERR_PACKAGE_MISSING: 'A feature needs an optional npm package that is not installed: pg for PostgreSQL, ssh2 for the node resource.',
  AUP_ERR_NATIVE_ADDON:
    "better-sqlite3's native addon is missing or was built for another Node.js version or platform, so SQLite cannot be used.",
  AUP_ERR_JOB_DIR:
    "The folder for an experiment's job files cannot be created under its working directory (permissions, a full disk, a file in the way).",
  AUP_ERR_PATH_FORBIDDEN:
    'A recorded file path leads outside the experiment working directory (.., an absolute path, a symlink out), so the board refuses to serve it.',
  AUP_ERR_IMPORT_SOURCE:
    'The store `aup import` was pointed at does not exist, cannot be read, or is not what its tool writes: not its schema (a table or column missing), a schema version aup does not know, or no experiment or study of the name given.',
} as const;

export type AupErrorCode = keyof typeof ERROR_CODES;

export interface AupErrorOptions {
  /** Machine-readable details (file, JSON path, expected, found, ...). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An error a user can cause and fix; its message names the place and what was expected. */
export class AupError extends Error {
  override readonly name = 'AupError';
  readonly code: AupErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: AupErrorCode, message: string, options: AupErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isAupError(e: unknown): e is AupError {
  return e instanceof AupError;
}
