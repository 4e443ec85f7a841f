import { isAupError, type AupErrorCode } from '@aup/core';

import type { ErrorBody } from './schemas.js';

/** HTTP status of each error code a request can meet; an AupError with another code is a server-side fault (500). */
export const STATUS_BY_CODE: Readonly<Partial<Record<AupErrorCode, number>>> = {
  AUP_ERR_BAD_REQUEST: 400,
  AUP_ERR_BAD_QUERY: 400,
  AUP_ERR_CONFIG_INVALID: 400,
  AUP_ERR_CONFIG_PARSE: 400,
  AUP_ERR_UNAUTHORIZED: 401,
  AUP_ERR_ORIGIN_FORBIDDEN: 403,
  AUP_ERR_HOST_NOT_ALLOWED: 421,
  AUP_ERR_TOO_MANY_STREAMS: 429,
  AUP_ERR_SERVER_BUSY: 503,
  AUP_ERR_NOT_FOUND: 404,
  AUP_ERR_FILE_NOT_FOUND: 404,
  AUP_ERR_PATH_FORBIDDEN: 403,
  AUP_ERR_EXPERIMENT_NOT_FOUND: 404,
  AUP_ERR_JOB_NOT_FOUND: 404,
  AUP_ERR_EXPERIMENT_STATE: 409,
  AUP_ERR_BOARD_ATTACHED: 409,
  AUP_ERR_DRIVER_LIVE: 409,
  AUP_ERR_PARAMS_INVALID: 400,
  AUP_ERR_CONTROL_UNSUPPORTED: 409,
  AUP_ERR_ENV_RESET: 409,
  AUP_ERR_PROPOSER_CONFIG: 400,
  AUP_ERR_PROPOSER_UNKNOWN: 400,
  AUP_ERR_TEMPLATE: 400,
  AUP_ERR_SCRIPT_NOT_FOUND: 400,
};

/** 5xx answers that are a limit doing its job, not a fault of the server: not logged as errors. */
const NOT_A_FAULT: ReadonlySet<AupErrorCode> = new Set(['AUP_ERR_SERVER_BUSY']);

/** What the error handler sends: a status and the one error shape. */
export interface ErrorReply {
  statusCode: number;
  body: ErrorBody;
  /** True for faults of the server (5xx), which are logged with their stack. */
  fault: boolean;
}

/** The parts of a request an error message may quote. */
export interface RequestView {
  method: string;
  url: string;
  params?: unknown;
  query?: unknown;
}

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

interface FrameworkError {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: ValidationIssue[];
  validationContext?: string;
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a single string',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'a JSON array',
};

const CONTEXT_NAMES: Record<string, string> = {
  params: 'Path parameter',
  querystring: 'Query parameter',
  body: 'Body field',
  headers: 'Header',
};

/** How the server treats faults: whether they are written to a log the message may point to. */
export interface FaultLogging {
  /** True when the fault's details are written somewhere (aup-board's stderr, a logger). */
  logged: boolean;
}

/**
 * Turns anything a route or Fastify threw into one `{ code, message, details }` reply. User errors
 * keep their message; unexpected faults get a generic message so no internals or stack leak, and
 * point to the server's log only when there is one.
 */
export function toErrorReply(error: unknown, req: RequestView, faults: FaultLogging = { logged: true }): ErrorReply {
  if (isAupError(error)) {
    const statusCode = STATUS_BY_CODE[error.code] ?? 500;
    return {
      statusCode,
      body: { code: error.code, message: error.message, details: error.details },
      fault: statusCode >= 500 && !NOT_A_FAULT.has(error.code),
    };
  }
  const fw = asFrameworkError(error);
  if (fw?.validation && fw.validation.length > 0) {
    return { statusCode: 400, body: validationBody(fw.validation, fw.validationContext ?? 'request', req), fault: false };
  }
  if (fw?.statusCode !== undefined && fw.statusCode >= 400 && fw.statusCode < 500) {
    const code: AupErrorCode = fw.statusCode === 404 ? 'AUP_ERR_NOT_FOUND' : 'AUP_ERR_BAD_REQUEST';
    return {
      statusCode: fw.statusCode,
      body: { code, message: `${req.method} ${req.url}: ${fw.message}`, details: fw.code ? { reason: fw.code } : {} },
      fault: false,
    };
  }
  return {
    statusCode: 500,
    body: {
      code: 'AUP_ERR_INTERNAL',
      message: faults.logged
        ? `${req.method} ${pathOf(req.url)} failed inside the server; the server log has the details (please report it).`
        : `${req.method} ${pathOf(req.url)} failed inside the server (please report it); this server writes no error log: give createServer an errorLog to see the details.`,
      details: {},
    },
    fault: true,
  };
}

/** The 404 for a path no route answers. */
export function notFoundBody(req: RequestView): ErrorBody {
  return {
    code: 'AUP_ERR_NOT_FOUND',
    message: `No route answers ${req.method} ${req.url}: the API lives under /api/v1 (see GET /api/v1/health).`,
    details: { method: req.method, url: req.url },
  };
}

function asFrameworkError(error: unknown): FrameworkError | undefined {
  if (typeof error !== 'object' || error === null || !('message' in error)) return undefined;
  return error as FrameworkError;
}

function validationBody(issues: ValidationIssue[], context: string, req: RequestView): ErrorBody {
  const issue = issues[0]!;
  const source = context === 'params' ? req.params : context === 'querystring' ? req.query : undefined;
  // Ajv reports a missing or unknown key on the parent object; name the key itself.
  const field =
    typeof issue.params['missingProperty'] === 'string'
      ? issue.params['missingProperty']
      : typeof issue.params['additionalProperty'] === 'string'
        ? issue.params['additionalProperty']
        : issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const found = issue.keyword === 'additionalProperties' ? undefined : lookup(source, field);
  const what = CONTEXT_NAMES[context] ?? 'Field';
  const expected = describeExpected(issue);
  let message: string;
  if (issue.keyword === 'additionalProperties') {
    message = `${what} '${field}' is not accepted by ${req.method} ${pathOf(req.url)}`;
  } else if (issue.keyword === 'required') {
    message = `${what} '${field}' is missing in ${req.method} ${pathOf(req.url)}`;
  } else {
    message = `${what} '${field}' of ${req.method} ${pathOf(req.url)} is ${JSON.stringify(found)}: expected ${expected}`;
  }
  return {
    code: 'AUP_ERR_BAD_REQUEST',
    message,
    details: { in: context, field, expected, ...(found === undefined ? {} : { found }) },
  };
}

function describeExpected(issue: ValidationIssue): string {
  const p = issue.params;
  switch (issue.keyword) {
    case 'enum':
      return `one of ${(p['allowedValues'] as unknown[]).map(String).join(', ')}`;
    case 'type':
      return TYPE_NAMES[String(p['type'])] ?? `a value of type ${String(p['type'])}`;
    case 'minimum':
    case 'maximum':
      return `a number ${String(p['comparison'])} ${String(p['limit'])}`;
    case 'additionalProperties':
      return 'only the documented keys';
    case 'required':
      return 'the key to be present';
    default:
      return issue.message ?? issue.keyword;
  }
}

function lookup(source: unknown, field: string): unknown {
  if (typeof source !== 'object' || source === null || field === '') return undefined;
  return (source as Record<string, unknown>)[field];
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
